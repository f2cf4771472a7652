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

struct drift_opts {
	const char *target, *object;
	long long from, to;
	int format;
};

#define O(f) offsetof(struct drift_opts, f)
static const struct cmd_opt opts[] = {
	{ .name = "target", .sname = 't', .arg = "T", .kind = OPT_STR, .off = O(target), .flags = OPTF_REQUIRED,
	  .help = "the target" },
	{ .name = "from", .arg = "ID", .kind = OPT_ID, .off = O(from), .flags = OPTF_IMPLIES_NEXT,
	  .help = "the older snapshot (default: the one before --to)" },
	{ .name = "to", .arg = "ID", .kind = OPT_ID, .off = O(to),
	  .help = "the newer snapshot (default: the latest completed)" },
	{ .name = "object", .arg = "NAME", .kind = OPT_STR, .off = O(object),
	  .help = "only events of objects with this name or moref" },
	{ .name = "format", .sname = 'f', .arg = "F", .kind = OPT_CHOICE, .off = O(format), .choices = cmd_table_json,
	  .help = "the output (default table)" },
	{ 0 },
};

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

/* The pair of snapshots to compare: --to (or the latest) and --from (or
 * the one before it), both completed and different. */
static int pick_pair(struct store *st, const struct drift_opts *o, struct snapshot_info *a, struct snapshot_info *b)
{
	int rc, r;
	long long from = o->from;
	if ((rc = cmd_completed_snapshot(st, o->target, NULL, o->to, b)) != 0)
		return rc;
	if (!from && (r = store_snapshot_previous(st, o->target, b->id, &from)) != 0) {
		if (r > 0)
			log_error("target '%s' has no completed snapshot before %lld to compare with", o->target, b->id);
		else
			log_error("%s", err_get());
		return r > 0 ? EXIT_USAGE : EXIT_STORE;
	}
	if ((rc = cmd_completed_snapshot(st, o->target, NULL, from, a)) != 0)
		return rc;
	if (a->id == b->id) {
		log_error("--from and --to name the same snapshot %lld", a->id);
		return EXIT_USAGE;
	}
	/* Drift of consecutive scans is stored by the scan; any other pair is
	 * computed now, once, and kept. */
	r = drift_stored(st, a->id, b->id);
	if (r > 0)
		r = drift_compute(st, a->id, b->id, NULL);
	if (r < 0) {
		log_error("%s", err_get());
		return r == HERR_BUSY ? EXIT_BUSY : EXIT_STORE;
	}
	return 0;
}

static int run(struct cmd_ctx *ctx, void *vopts)
{
	struct drift_opts *o = vopts;
	struct store *st = ctx->store;
	const char *target = o->target, *object = o->object;
	bool json = o->format == 1;
	struct snapshot_info a = { 0 }, b = { 0 };
	int r, rc = pick_pair(st, o, &a, &b);
	if (rc)
		goto out;
	struct out_ctx x = { stdout, json, true, 0 };
	char ta[32], tb[32];
	time_iso8601(ta, a.started_at);
	time_iso8601(tb, b.started_at);
	if (json) {
		json_t *head = json_pack("{s:s, s:i, s:s, s:{s:I, s:s}, s:{s:I, s:s}}", "schema", "harden.drift",
					 "schema_version", 1, "target", target, "from", "snapshot_id", (json_int_t)a.id,
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
	return rc;
}

const struct cmd cmd_drift = {
	.name = "drift",
	.summary = "Show what changed between two completed snapshots of a target",
	.optsets = { { opts, 0 } },
	.opts_size = sizeof(struct drift_opts),
	.setup = CMD_TWIN_WRITE | CMD_TWIN_EXISTING,
	.exits = EXITS(EXIT_CLEAN, EXIT_USAGE, EXIT_COLLECT, EXIT_STORE, EXIT_BUSY, EXIT_NO_SCAN),
	.exit_texts = { CMD_PLAIN_EXITS },
	.run = run,
};
