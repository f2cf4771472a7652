/* harden targets: the targets file's targets, with the last scan of each. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_common.h"

struct targets_opts {
	int format;
};

static const struct cmd_opt opts[] = {
	{ .name = "format", .sname = 'f', .arg = "F", .kind = OPT_CHOICE, .off = 0, .choices = cmd_table_json,
	  .help = "the output (default table)" },
	{ 0 },
};

/* The last scan of a target: its latest snapshot of any status. */
struct last {
	struct snapshot_info si;
	bool have;
};

static int keep_last(void *vctx, const struct snapshot_info *si)
{
	struct last *l = vctx;
	snapshot_info_release(&l->si);
	l->si = *si;
	l->si.target = xstrdup(si->target);
	l->si.baselines = si->baselines ? xstrdup(si->baselines) : NULL;
	l->si.error = si->error ? xstrdup(si->error) : NULL;
	l->si.source_url = si->source_url ? xstrdup(si->source_url) : NULL;
	l->have = true;
	return 0;
}

static json_t *last_json(const struct last *l)
{
	if (!l->have)
		return json_null();
	char t[32];
	time_iso8601(t, l->si.started_at);
	return json_pack("{s:I, s:s, s:s}", "snapshot_id", (json_int_t)l->si.id, "status",
			 snap_status_name(l->si.status), "started_at", t);
}

static int target_cmp(const void *a, const void *b)
{
	return natcmp((*(const struct target *const *)a)->name, (*(const struct target *const *)b)->name);
}

static int run(struct cmd_ctx *ctx, void *vopts)
{
	struct targets_opts *o = vopts;
	bool json = o->format == 1;
	/* The twin is optional here: a target never scanned is still listed. */
	char *db = cmd_db_path(ctx);
	struct store *st = NULL;
	if (db && access(db, F_OK) == 0 && store_open(&st, db, true) < 0) {
		log_error("%s", err_get());
		free(db);
		return EXIT_STORE;
	}
	free(db);
	bool first = true;
	if (json)
		json_stream_open(stdout, json_pack("{s:s, s:i, s:s}", "schema", "harden.targets", "schema_version", 1,
						   "file", ctx->targets->path), "targets");
	else
		printf("%-16s  %-40s  %-5s  %s\n", "TARGET", "VCENTER", "NSX", "LAST SCAN");
	int rc = EXIT_CLEAN;
	/* In natural order of their names (vc2 before vc10). */
	const struct target **order = xcalloc(ctx->targets->n + 1, sizeof(*order));
	for (unsigned i = 0; i < ctx->targets->n; i++)
		order[i] = &ctx->targets->v[i];
	qsort(order, ctx->targets->n, sizeof(*order), target_cmp);
	for (unsigned i = 0; i < ctx->targets->n; i++) {
		const struct target *t = order[i];
		struct last l = { 0 };
		if (st && store_snapshots_each(st, t->name, keep_last, &l) < 0) {
			log_error("%s", err_get());
			rc = EXIT_STORE;
		}
		if (json) {
			json_t *j = json_pack("{s:s, s:s, s:o, s:o}", "name", t->name, "vcenter", t->vcenter.url, "nsx",
					      t->nsx.present ? json_string(t->nsx.url) : json_null(), "last_scan",
					      last_json(&l));
			json_stream_item(stdout, j, &first);
		} else {
			char when[32] = "never";
			if (l.have)
				time_iso8601(when, l.si.started_at);
			fput_safe(stdout, t->name, 16);
			fputs("  ", stdout);
			fput_safe(stdout, t->vcenter.url, 40);
			printf("  %-5s  %s", t->nsx.present ? "yes" : "no", when);
			if (l.have)
				printf(" (snapshot %lld, %s)", l.si.id, snap_status_name(l.si.status));
			putchar('\n');
		}
		snapshot_info_release(&l.si);
	}
	free(order);
	if (json)
		json_stream_close(stdout, first);
	store_close(st);
	return rc;
}

const struct cmd cmd_targets = {
	.name = "targets",
	.summary = "List the targets of the targets file with the last scan of each",
	.optsets = { { opts, 0 } },
	.opts_size = sizeof(struct targets_opts),
	.setup = CMD_TARGETS,
	.exits = EXITS(EXIT_CLEAN, EXIT_USAGE, EXIT_STORE),
	.exit_texts = { [EXIT_CLEAN] = "success", [EXIT_USAGE] = "usage error, or the targets file is invalid" },
	.run = run,
};
