/* harden snapshots: the snapshots in the twin, with their status. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_common.h"

struct snapshots_opts {
	const char *target;
	int format;
};

#define O(f) offsetof(struct snapshots_opts, f)
static const struct cmd_opt opts[] = {
	{ .name = "target", .sname = 't', .arg = "T", .kind = OPT_STR, .off = O(target),
	  .help = "only this target's snapshots" },
	{ .name = "format", .sname = 'f', .arg = "F", .kind = OPT_CHOICE, .off = O(format), .choices = cmd_table_json,
	  .help = "the output (default table)" },
	{ 0 },
};

struct list_ctx {
	bool json;
	bool first;
	long long n;
};

static json_t *baselines_list(const char *joined)
{
	json_t *a = json_array();
	char *copy = xstrdup(joined ? joined : ""), *save = NULL;
	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save))
		json_array_append_new(a, json_string(w));
	free(copy);
	return a;
}

static int one(void *vctx, const struct snapshot_info *si)
{
	struct list_ctx *x = vctx;
	char started[32], ended[32];
	time_iso8601(started, si->started_at);
	time_iso8601(ended, si->ended_at);
	x->n++;
	if (x->json) {
		json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:o, s:o, s:I}", "id", (json_int_t)si->id, "target", si->target,
				      "status", snap_status_name(si->status), "started_at", started, "ended_at",
				      si->ended_at ? json_string(ended) : json_null(), "baselines",
				      baselines_list(si->baselines), "objects", (json_int_t)si->stats.objects);
		json_object_set_new(j, "error", si->error ? json_string(si->error) : json_null());
		json_stream_item(stdout, j, &x->first);
		return 0;
	}
	printf("%6lld  ", si->id);
	fput_safe(stdout, si->target, 16);
	printf("  %-9s  %s  %8lld  ", snap_status_name(si->status), started, si->stats.objects);
	fput_safe(stdout, si->baselines, 0);
	if (si->error) {
		fputs("\n        ", stdout);
		fput_safe(stdout, si->error, 0);
	}
	putchar('\n');
	return 0;
}

static int run(struct cmd_ctx *ctx, void *vopts)
{
	struct snapshots_opts *o = vopts;
	struct list_ctx x = { o->format == 1, true, 0 };
	if (x.json)
		json_stream_open(stdout, json_pack("{s:s, s:i}", "schema", "harden.snapshots", "schema_version", 1),
				 "snapshots");
	else
		printf("%6s  %-16s  %-9s  %-20s  %8s  %s\n", "ID", "TARGET", "STATUS", "STARTED", "OBJECTS", "BASELINES");
	int r = store_snapshots_each(ctx->store, o->target, one, &x);
	if (x.json)
		json_stream_close(stdout, x.first);
	if (r < 0) {
		log_error("%s", err_get());
		return EXIT_STORE;
	}
	if (!x.n && !x.json)
		printf("no snapshots%s%s yet; run harden scan\n", o->target ? " of target " : "", o->target ? o->target : "");
	return EXIT_CLEAN;
}

const struct cmd cmd_snapshots = {
	.name = "snapshots",
	.summary = "List the snapshots in the twin with their status, time and baselines",
	.optsets = { { opts, 0 } },
	.opts_size = sizeof(struct snapshots_opts),
	.setup = CMD_TWIN_READ,
	.exits = EXITS(EXIT_CLEAN, EXIT_USAGE, EXIT_STORE, EXIT_NO_SCAN),
	.exit_texts = { CMD_PLAIN_EXITS },
	.run = run,
};
