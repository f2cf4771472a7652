/* harden history: each value an object's properties have had across the
 * completed snapshots of a target, and the first and last snapshot that
 * saw it. */
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

struct history_opts {
	const char *target, *object, *property;
	int format;
};

#define O(f) offsetof(struct history_opts, f)
static const struct cmd_opt opts[] = {
	{ .name = "target", .sname = 't', .arg = "T", .kind = OPT_STR, .off = O(target), .flags = OPTF_REQUIRED,
	  .help = "the target" },
	{ .name = "object", .arg = "NAME", .kind = OPT_STR, .off = O(object), .flags = OPTF_REQUIRED,
	  .help = "the object, by name or moref" },
	{ .name = "property", .sname = 'p', .arg = "P", .kind = OPT_STR, .off = O(property),
	  .help = "only this property" },
	{ .name = "format", .sname = 'f', .arg = "F", .kind = OPT_CHOICE, .off = O(format), .choices = cmd_table_json,
	  .help = "the output (default table)" },
	{ 0 },
};

/* A run of consecutive snapshots in which a property kept one state. */
struct span {
	char *type, *moref, *name, *property;
	bool present, collected;
	char *value;
	long long first, last, first_at, last_at;
	long long count;
};

struct hist_ctx {
	bool json;
	bool have;
	struct span cur;
	long long spans;
	char *last_obj;		/* type/moref of the last object printed, for the table */
	bool first_json;
};

static void span_release(struct span *s)
{
	free(s->type);
	free(s->moref);
	free(s->name);
	free(s->property);
	free(s->value);
	memset(s, 0, sizeof(*s));
}

static const char *state_text(const struct span *s)
{
	if (!s->present)
		return "(absent)";
	if (!s->collected)
		return "(not collected)";
	return s->value ? s->value : "";
}

static void emit(struct hist_ctx *x)
{
	struct span *s = &x->cur;
	char a[32], b[32];
	time_iso8601(a, s->first_at);
	time_iso8601(b, s->last_at);
	x->spans++;
	if (x->json) {
		json_t *j = json_pack("{s:{s:s, s:s, s:s}, s:s, s:b, s:b, s:o, s:{s:I, s:s}, s:{s:I, s:s}, s:I}",
				      "object", "type", s->type, "id", s->moref, "name", s->name, "property",
				      s->property, "present", s->present, "collected", s->collected, "value",
				      s->present && s->collected && s->value ? json_string(s->value) : json_null(),
				      "first", "snapshot_id", (json_int_t)s->first, "started_at", a, "last",
				      "snapshot_id", (json_int_t)s->last, "started_at", b, "snapshots",
				      (json_int_t)s->count);
		json_stream_item(stdout, j, &x->first_json);
		return;
	}
	char *obj = xasprintf("%s/%s", s->type, s->moref);
	if (!x->last_obj || strcmp(x->last_obj, obj)) {
		fput_safe(stdout, s->type, 0);
		fputc(' ', stdout);
		fput_safe(stdout, s->name, 0);
		fputs(" (", stdout);
		fput_safe(stdout, s->moref, 0);
		fputs(")\n", stdout);
		free(x->last_obj);
		x->last_obj = obj;
	} else {
		free(obj);
	}
	fputs("  ", stdout);
	fput_safe(stdout, s->property, 40);
	fputc(' ', stdout);
	fput_safe(stdout, state_text(s), 24);
	printf(" snapshots %lld..%lld (%s .. %s)\n", s->first, s->last, a, b);
}

static bool same_state(const struct span *s, const struct history_point *p)
{
	if (strcmp(s->type, p->object_type) || strcmp(s->moref, p->moref) || strcmp(s->property, p->property))
		return false;
	if (s->present != p->present || s->collected != p->collected)
		return false;
	if (!p->present || !p->collected)
		return true;
	return (!s->value && !p->value) || (s->value && p->value && !strcmp(s->value, p->value));
}

static int on_point(void *vctx, const struct history_point *p)
{
	struct hist_ctx *x = vctx;
	if (x->have && same_state(&x->cur, p)) {
		x->cur.last = p->snapshot_id;
		x->cur.last_at = p->started_at;
		x->cur.count++;
		return 0;
	}
	if (x->have)
		emit(x);
	span_release(&x->cur);
	x->cur = (struct span){ xstrdup(p->object_type), xstrdup(p->moref), xstrdup(p->object_name),
				xstrdup(p->property), p->present, p->collected, p->value ? xstrdup(p->value) : NULL,
				p->snapshot_id, p->snapshot_id, p->started_at, p->started_at, 1 };
	x->have = true;
	return 0;
}

static int run(struct cmd_ctx *ctx, void *vopts)
{
	struct history_opts *o = vopts;
	const char *target = o->target, *object = o->object, *property = o->property;
	bool json = o->format == 1;
	struct store *st = ctx->store;
	int r, rc = EXIT_STORE;
	struct hist_ctx x = { .json = json, .first_json = true };
	long long latest;
	if ((r = store_snapshot_latest(st, target, &latest)) != 0) {
		if (r > 0)
			log_error("no scan yet of target '%s'; run harden scan --target %s first", target, target);
		else
			log_error("%s", err_get());
		return r > 0 ? EXIT_NO_SCAN : EXIT_STORE;
	}
	if (json) {
		json_t *head = json_pack("{s:s, s:i, s:s, s:s}", "schema", "harden.history", "schema_version", 1,
					 "target", target, "object", object);
		json_object_set_new(head, "property", property ? json_string(property) : json_null());
		json_stream_open(stdout, head, "spans");
	}
	r = drift_history_each(st, target, object, property, on_point, &x);
	if (r == 0 && x.have)
		emit(&x);
	span_release(&x.cur);
	free(x.last_obj);
	if (json)
		json_stream_close(stdout, x.first_json);
	if (r < 0) {
		log_error("%s", err_get());
		goto out;
	}
	if (!x.spans) {
		log_error("no completed snapshot of target '%s' holds an object named '%s'%s%s", target, object,
			  property ? " with property " : "", property ? property : "");
		rc = EXIT_USAGE;
		goto out;
	}
	rc = EXIT_CLEAN;
out:
	return rc;
}

const struct cmd cmd_history = {
	.name = "history",
	.summary = "Show each value an object's properties have had, snapshot by snapshot",
	.optsets = { { opts, 0 } },
	.opts_size = sizeof(struct history_opts),
	.setup = CMD_TWIN_READ,
	.exits = EXITS(EXIT_CLEAN, EXIT_USAGE, EXIT_STORE, EXIT_NO_SCAN),
	.exit_texts = { CMD_PLAIN_EXITS },
	.run = run,
};
