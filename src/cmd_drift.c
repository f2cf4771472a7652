/* harden drift: what changed between two completed snapshots of a target. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_common.h"
#include "exitcode.h"
#include "report/report.h"
#include "drift/drift.h"
#include "store/store.h"
#include "util/util.h"

static const char help[] =
	"  -t, --target T        the target (required)\n"
	"  --from ID             the older snapshot (default: the one before --to)\n"
	"  --to ID               the newer snapshot (default: the latest completed)\n"
	"  -o, --object NAME     only events of objects with this name or moref\n"
	"  -f, --format F        table|json (default table)\n";

struct out_ctx {
	FILE *f;
	bool json;
	bool first;
	long long n;
};

static const char *shown(const char *v)
{
	return v ? v : "(absent)";
}

static int table_event(void *vctx, const struct drift_event *e)
{
	struct out_ctx *x = vctx;
	x->n++;
	fput_safe(x->f, drift_kind_name(e->kind), 22);
	fput_safe(x->f, e->object_type, 12);
	fput_safe(x->f, e->object_name, 24);
	fputc(' ', x->f);
	if (e->kind == DK_OBJECT_ADDED || e->kind == DK_OBJECT_REMOVED) {
		fput_safe(x->f, e->moref, 0);
	} else if (e->baseline_id) {
		fput_safe(x->f, e->property, 0);
		fputs(" (", x->f);
		fput_safe(x->f, e->baseline_id, 0);
		fputs("): ", x->f);
		fput_safe(x->f, e->old_value, 0);
		fputs(" -> ", x->f);
		fput_safe(x->f, e->new_value, 0);
	} else {
		fput_safe(x->f, e->property, 0);
		fputs(": ", x->f);
		fput_safe(x->f, e->kind == DK_PROPERTY_COLLECTED ? "(not collected)" : shown(e->old_value), 0);
		fputs(" -> ", x->f);
		fput_safe(x->f, e->kind == DK_PROPERTY_UNCOLLECTED ? "(not collected)" : shown(e->new_value), 0);
	}
	fputc('\n', x->f);
	return 0;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static int json_event(void *vctx, const struct drift_event *e)
{
	struct out_ctx *x = vctx;
	x->n++;
	json_t *j = json_pack("{s:s, s:{s:s, s:s, s:s}}", "kind", drift_kind_name(e->kind), "object", "type",
			      e->object_type, "id", e->moref, "name", e->object_name);
	if (e->baseline_id) {
		json_object_set_new(j, "rule_id", json_string(e->property));
		json_object_set_new(j, "baseline_id", json_string(e->baseline_id));
		json_object_set_new(j, "old_status", str_or_null(e->old_value));
		json_object_set_new(j, "new_status", str_or_null(e->new_value));
	} else if (e->property) {
		json_object_set_new(j, "property", json_string(e->property));
		json_object_set_new(j, "old_value", str_or_null(e->old_value));
		json_object_set_new(j, "new_value", str_or_null(e->new_value));
	}
	json_stream_item(x->f, j, &x->first);
	return 0;
}

static int parse_id(const char *s, long long *id)
{
	return parse_int64(s, id) && *id > 0 ? 0 : -1;
}

static int run(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "from", required_argument, NULL, 0x200 },
		{ "to", required_argument, NULL, 0x201 },
		{ "object", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		CMD_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const char *target = NULL, *object = NULL;
	long long from = 0, to = 0;
	bool json = false;
	int opt, r;
	while ((opt = getopt_long(argc, argv, "t:o:f:qh", opts, NULL)) != -1) {
		if ((r = cmd_common(ctx, &cmd_drift, opt)) != 0) {
			if (r < 0)
				return EXIT_CLEAN;
			continue;
		}
		switch (opt) {
		case 't': target = optarg; break;
		case 'o': object = optarg; break;
		case 0x200:
			if (parse_id(optarg, &from) < 0)
				return cmd_bad_usage(&cmd_drift, "--from takes a snapshot id");
			break;
		case 0x201:
			if (parse_id(optarg, &to) < 0)
				return cmd_bad_usage(&cmd_drift, "--to takes a snapshot id");
			break;
		case 'f':
			if (strcmp(optarg, "table") && strcmp(optarg, "json"))
				return cmd_bad_usage(&cmd_drift, "unknown format '%s' (table or json)", optarg);
			json = !strcmp(optarg, "json");
			break;
		default:
			cmd_usage(&cmd_drift, false);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cmd_bad_usage(&cmd_drift, "unexpected argument '%s'", argv[optind]);
	if (!target)
		return cmd_bad_usage(&cmd_drift, "--target is required");
	char *dbp = cmd_db_path(ctx);
	struct store *st = NULL;
	struct snapshot_info a = { 0 }, b = { 0 };
	int rc = EXIT_STORE;
	if (store_open(&st, dbp, false) < 0) {
		log_error("%s", err_get());
		goto out;
	}
	if ((rc = cmd_completed_snapshot(st, target, NULL, to, &b)) != 0)
		goto out;
	if (!from) {
		r = store_snapshot_previous(st, target, b.id, &from);
		if (r != 0) {
			if (r > 0)
				log_error("target '%s' has no completed snapshot before %lld to compare with", target, b.id);
			else
				log_error("%s", err_get());
			rc = r > 0 ? EXIT_USAGE : EXIT_STORE;
			goto out;
		}
	}
	if ((rc = cmd_completed_snapshot(st, target, NULL, from, &a)) != 0)
		goto out;
	if (a.id == b.id) {
		log_error("--from and --to name the same snapshot %lld", a.id);
		rc = EXIT_USAGE;
		goto out;
	}
	/* Drift of consecutive scans is stored by the scan; any other pair is
	 * computed now, once, and kept. */
	r = drift_stored(st, a.id, b.id);
	if (r > 0)
		r = drift_compute(st, a.id, b.id, NULL);
	if (r < 0) {
		log_error("%s", err_get());
		rc = EXIT_STORE;
		goto out;
	}
	struct out_ctx x = { stdout, json, true, 0 };
	char ta[32], tb[32];
	time_iso8601(ta, a.started_at);
	time_iso8601(tb, b.started_at);
	if (json) {
		json_t *head = json_pack("{s:s, s:i, s:s, s:{s:I, s:s}, s:{s:I, s:s}}", "schema", "harden.drift",
					 "version", 1, "target", target, "from", "snapshot_id", (json_int_t)a.id,
					 "started_at", ta, "to", "snapshot_id", (json_int_t)b.id, "started_at", tb);
		json_stream_open(stdout, head, "events");
		r = drift_events_each(st, a.id, b.id, object, json_event, &x);
		json_stream_close(stdout, x.first);
	} else {
		printf("drift of target '");
		fput_safe(stdout, target, 0);
		printf("': snapshot %lld (%s) -> %lld (%s)\n", a.id, ta, b.id, tb);
		r = drift_events_each(st, a.id, b.id, object, table_event, &x);
		if (r == 0 && !x.n)
			printf("no changes%s\n", object ? " for that object" : "");
	}
	if (r < 0) {
		log_error("%s", err_get());
		rc = EXIT_STORE;
		goto out;
	}
	rc = EXIT_CLEAN;
out:
	snapshot_info_release(&a);
	snapshot_info_release(&b);
	store_close(st);
	free(dbp);
	return rc;
}

const struct cmd cmd_drift = {
	"drift",
	"--target T [--from ID --to ID] [--object NAME] [--format table|json]",
	"Show what changed between two completed snapshots of a target",
	help,
	run,
};
