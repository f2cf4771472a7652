#include "report/report.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitcode.h"
#include "report/report_int.h"
#include "util/util.h"
#include "version.h"

#define RED "\033[31m"
#define YELLOW "\033[33m"
#define GREEN "\033[32m"
#define DIM "\033[2m"
#define CYAN "\033[36m"
#define BOLD "\033[1m"
#define RESET "\033[0m"

static const char *const format_names[] = {
	[FMT_TABLE] = "table", [FMT_JSON] = "json", [FMT_SARIF] = "sarif",
	[FMT_JUNIT] = "junit", [FMT_CSV] = "csv", [FMT_HTML] = "html",
};

int report_format_parse(const char *s, enum rformat *out)
{
	for (unsigned i = 0; i < ARRAY_SIZE(format_names); i++) {
		if (!strcmp(s, format_names[i])) {
			*out = (enum rformat)i;
			return 0;
		}
	}
	return -1;
}

const char *report_format_name(enum rformat f)
{
	return (unsigned)f < ARRAY_SIZE(format_names) ? format_names[f] : "?";
}

long long counts_status(const struct counts *c, enum rstatus s)
{
	long long n = 0;
	for (int i = 0; i < SEV_COUNT; i++)
		n += c->by[s][i];
	return n;
}

int gate_exit(const struct counts *c, int fail_on)
{
	if (fail_on < 0)
		return EXIT_CLEAN;
	long long fail = 0, unknown = 0;
	for (int s = fail_on; s < SEV_COUNT; s++) {
		fail += c->by[RS_FAIL][s];
		unknown += c->by[RS_UNKNOWN][s];
	}
	if (fail)
		return EXIT_FINDINGS;
	return unknown ? EXIT_UNKNOWN : EXIT_CLEAN;
}

/* Object names come from vCenter: never let them drive the terminal. */
struct table_ctx {
	FILE *f;
	const struct report_opts *o;
	long long shown;
};

static const char *status_color(enum rstatus status)
{
	switch (status) {
	case RS_FAIL: return RED;
	case RS_UNKNOWN: return YELLOW;
	case RS_PASS: return GREEN;
	case RS_WAIVED: return CYAN;
	default: return DIM;
	}
}

static int table_row(void *vctx, const struct finding_row *r)
{
	struct table_ctx *x = vctx;
	if (!rpt_show(x->o, r->status))
		return 0;
	FILE *f = x->f;
	const char *label = r->status == RS_NA ? "N/A" : rstatus_name(r->status);
	char up[16];
	size_t i;
	for (i = 0; i < sizeof(up) - 1 && label[i]; i++)
		up[i] = (char)(label[i] >= 'a' && label[i] <= 'z' ? label[i] - 32 : label[i]);
	up[i] = '\0';
	if (x->o->color)
		fprintf(f, "%s%-7s" RESET " ", status_color(r->status), up);
	else
		fprintf(f, "%-7s ", up);
	fprintf(f, "%-8s  %-16s  ", severity_name(r->severity), r->rule_id);
	fput_safe(f, r->object_name, 0);
	fprintf(f, "\n        %s\n", r->title);
	if (r->property) {
		fputs("        ", f);
		if (x->o->color)
			fputs(DIM, f);
		fput_safe(f, r->property, 0);
		fputs(": ", f);
		fput_safe(f, r->observed && *r->observed ? r->observed : "\"\"", 0);
		fputs(", expected ", f);
		fput_safe(f, r->expected, 0);
		if (x->o->color)
			fputs(RESET, f);
		fputc('\n', f);
	}
	if (r->waiver_justification) {
		fputs(r->waiver_expired ? "        waiver expired " : "        waived until ", f);
		fput_safe(f, r->waiver_expires, 0);
		fputs(" by ", f);
		fput_safe(f, r->waiver_approver, 0);
		if (r->waiver_ticket) {
			fputs(" (", f);
			fput_safe(f, r->waiver_ticket, 0);
			fputc(')', f);
		}
		fputs(": ", f);
		fput_safe(f, r->waiver_justification, 0);
		fputc('\n', f);
	}
	x->shown++;
	return 0;
}

static void table_header(FILE *f, struct store *st, const struct snapshot_info *snap)
{
	char t[32];
	time_iso8601(t, snap->ended_at ? snap->ended_at : snap->started_at);
	long long h = 0, v = 0, d = 0;
	store_object_count(st, snap->id, "host", &h);
	store_object_count(st, snap->id, "vm", &v);
	store_object_count(st, snap->id, "datastore", &d);
	fputs("Target ", f);
	fput_safe(f, snap->target, 0);
	fprintf(f, ", snapshot %lld (%s %s): %lld hosts, %lld VMs, %lld datastores\n",
		snap->id, snap_status_name(snap->status), t, h, v, d);
	struct part_info *parts;
	unsigned np;
	if (store_parts(st, snap->id, &parts, &np) < 0)
		return;
	const struct part_info *p = part_find(parts, np, PART_NSX);
	long long r = 0;
	if (p && p->status == PS_COMPLETED) {
		store_object_count(st, snap->id, "dfw_rule", &r);
		fprintf(f, "NSX: %lld DFW rules\n", r);
	} else if (p && p->status == PS_FAILED) {
		fputs("NSX: not collected, the NSX part failed: ", f);
		fput_safe(f, p->error, 0);
		fputs("; DFW rules are unknown\n", f);
	} else if (p) {
		fputs("NSX: no NSX manager configured; DFW rules are unknown\n", f);
	}
	part_list_free(parts, np);
}

static void table_summary(FILE *f, const struct counts *c, const struct report_opts *o)
{
	long long total = 0;
	for (int s = 0; s < RS_COUNT; s++)
		total += counts_status(c, (enum rstatus)s);
	fprintf(f, "Results: %lld pass, %lld fail, %lld unknown, %lld waived, %lld not applicable (%lld checks)\n",
		counts_status(c, RS_PASS), counts_status(c, RS_FAIL), counts_status(c, RS_UNKNOWN),
		counts_status(c, RS_WAIVED), counts_status(c, RS_NA), total);
	fputs("Failing by severity:", f);
	for (int s = SEV_COUNT - 1; s >= 0; s--)
		fprintf(f, " %s %lld%s", severity_name((enum severity)s), c->by[RS_FAIL][s], s ? "," : "\n");
	if (counts_status(c, RS_UNKNOWN)) {
		fputs("Unknown by severity:", f);
		for (int s = SEV_COUNT - 1; s >= 0; s--)
			fprintf(f, " %s %lld%s", severity_name((enum severity)s), c->by[RS_UNKNOWN][s], s ? "," : "\n");
	}
	double pct;
	if (rpt_score(c, &pct))
		fprintf(f, "Score: %.1f%% = passed / (passed + failed) = %lld / (%lld + %lld); "
			"waived %lld and unknown %lld are not counted\n", pct, counts_status(c, RS_PASS),
			counts_status(c, RS_PASS), counts_status(c, RS_FAIL), counts_status(c, RS_WAIVED),
			counts_status(c, RS_UNKNOWN));
	else
		fputs("Score: none (nothing passed or failed)\n", f);
	if (o->fail_on >= 0)
		fprintf(f, "Gate: --fail-on %s\n", severity_name((enum severity)o->fail_on));
}

void json_stream_item(FILE *f, json_t *item, bool *first)
{
	fputs(*first ? "\n    " : ",\n    ", f);
	*first = false;
	json_dumpf(item, f, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	json_decref(item);
}

void json_stream_open(FILE *f, json_t *head, const char *key)
{
	/* head's members, then the list left open for json_stream_item. */
	char *h = json_dumps(head, JSON_PRESERVE_ORDER | JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(head);
	fprintf(f, "%.*s, \"%s\": [", (int)strlen(h) - 1, h, key);
	free(h);
}

void json_stream_close(FILE *f, bool first)
{
	fprintf(f, "%s]}\n", first ? "" : "\n  ");
}

bool report_score(const struct counts *c, double *pct)
{
	return rpt_score(c, pct);
}

static json_t *typed_value(const char *type, const char *value)
{
	enum ptype t;
	if (!value)
		return json_null();
	if (ptype_parse(type, &t) < 0)
		t = PT_STRING;
	long long n;
	json_error_t je;
	switch (t) {
	case PT_INT:
		if (parse_int64(value, &n))
			return json_integer(n);
		break;
	case PT_BOOL:
		return json_boolean(!strcmp(value, "true"));
	case PT_LIST: {
		json_t *a = json_loads(value, 0, &je);
		if (a)
			return a;
		break;
	}
	default:
		break;
	}
	return json_string(value);
}

struct json_ctx {
	FILE *f;
	const struct report_opts *o;
	const char *baseline_id;
	bool first;
};

static int json_row(void *vctx, const struct finding_row *r)
{
	struct json_ctx *x = vctx;
	if (!rpt_show(x->o, r->status))
		return 0;
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s}}",
			      "baseline_id", x->baseline_id, "rule_id", r->rule_id, "title", r->title,
			      "severity", severity_name(r->severity), "status", rstatus_name(r->status), "object", "type",
			      r->object_type,
			      "id", r->moref, "name", r->object_name);
	json_object_set_new(o, "property", r->property ? json_string(r->property) : json_null());
	json_object_set_new(o, "observed", r->observed ? json_string(r->observed) : json_null());
	json_object_set_new(o, "expected", r->expected ? json_string(r->expected) : json_null());
	if (r->waiver_justification) {
		json_t *w = json_pack("{s:s, s:s, s:s, s:b}", "justification", r->waiver_justification,
				      "approver", r->waiver_approver, "expires", r->waiver_expires,
				      "expired", r->waiver_expired);
		json_object_set_new(w, "ticket", r->waiver_ticket ? json_string(r->waiver_ticket) : json_null());
		json_object_set_new(o, "waiver", w);
	} else {
		json_object_set_new(o, "waiver", json_null());
	}
	json_stream_item(x->f, o, &x->first);
	return 0;
}

static json_t *counts_json(const struct counts *c)
{
	json_t *by_status = json_object(), *by_sev = json_object();
	for (int s = 0; s < RS_COUNT; s++)
		json_object_set_new(by_status, rstatus_name((enum rstatus)s), json_integer(counts_status(c, (enum rstatus)s)));
	for (int v = SEV_COUNT - 1; v >= 0; v--) {
		json_t *o = json_object();
		for (int s = 0; s < RS_COUNT; s++)
			json_object_set_new(o, rstatus_name((enum rstatus)s), json_integer(c->by[s][v]));
		json_object_set_new(by_sev, severity_name((enum severity)v), o);
	}
	return json_pack("{s:o, s:o}", "by_status", by_status, "by_severity", by_sev);
}

static void json_text(FILE *f, const char *key, json_t *v, bool comma)
{
	fprintf(f, "  \"%s\": ", key);
	json_dumpf(v, f, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII | JSON_ENCODE_ANY);
	fputs(comma ? ",\n" : "\n", f);
	json_decref(v);
}

int report_write(FILE *f, struct store *st, const struct snapshot_info *snap,
		 const struct evaluation_info *evals, unsigned n, const struct report_opts *o,
		 struct counts *total)
{
	return report_write_ex(f, st, snap, evals, n, o, NULL, total);
}

int report_write_ex(FILE *f, struct store *st, const struct snapshot_info *snap,
		    const struct evaluation_info *evals, unsigned n, const struct report_opts *o,
		    const struct report_extra *xt, struct counts *total)
{
	switch (o->format) {
	case FMT_SARIF: return sarif_write(f, st, snap, evals, n, o, total);
	case FMT_JUNIT: return junit_write(f, st, snap, evals, n, o, total);
	case FMT_CSV: return csv_write(f, st, snap, evals, n, o, total);
	case FMT_HTML: return html_write(f, st, snap, evals, n, o, xt, total);
	default: break;
	}
	memset(total, 0, sizeof(*total));
	int rc = 0;
	if (o->format == FMT_TABLE) {
		table_header(f, st, snap);
		for (unsigned i = 0; i < n && !rc; i++) {
			struct counts c = { 0 };
			if ((rc = store_eval_counts(st, evals[i].id, counts_add, &c)) < 0)
				break;
			fprintf(f, "Baseline %s", evals[i].baseline_id);
			if (evals[i].baseline_version && *evals[i].baseline_version)
				fprintf(f, " v%s", evals[i].baseline_version);
			fprintf(f, " (%s evaluation %lld)\n\n", evals[i].kind, evals[i].id);
			struct table_ctx x = { f, o, 0 };
			if ((rc = store_findings_each(st, evals[i].id, table_row, &x)) < 0)
				break;
			if (!x.shown)
				fputs(o->all ? "(no results)\n" : "No failing or unknown results.\n", f);
			fputc('\n', f);
			table_summary(f, &c, o);
			for (int s = 0; s < RS_COUNT; s++)
				for (int v = 0; v < SEV_COUNT; v++)
					total->by[s][v] += c.by[s][v];
			if (i + 1 < n)
				fputc('\n', f);
		}
		return rc;
	}

	/* JSON: the envelope is written here and each finding is encoded by
	 * jansson as it streams out of the store, so memory stays flat. */
	char started[32], ended[32];
	time_iso8601(started, snap->started_at);
	time_iso8601(ended, snap->ended_at);
	fputs("{\n", f);
	json_text(f, "schema", json_string(REPORT_JSON_SCHEMA), true);
	json_text(f, "schema_version", json_integer(REPORT_JSON_VERSION), true);
	json_text(f, "harden_version", json_string(HARDEN_VERSION), true);
	json_text(f, "target", json_string(snap->target), true);
	json_text(f, "snapshot_id", json_integer(snap->id), true);
	json_t *sj = json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:I}", "id", (json_int_t)snap->id,
			       "status", snap_status_name(snap->status), "started_at", started, "ended_at", ended,
			       "objects", (json_int_t)snap->stats.objects, "api_calls", (json_int_t)snap->stats.api_calls,
			       "bytes_received", (json_int_t)snap->stats.bytes_received);
	/* What each collector achieved: a failed NSX part is why DFW rules
	 * are unknown. */
	struct part_info *parts = NULL;
	unsigned np = 0;
	json_t *pj = json_array();
	if (store_parts(st, snap->id, &parts, &np) == 0) {
		for (unsigned i = 0; i < np; i++) {
			json_t *p = json_pack("{s:s, s:s}", "part", part_name(parts[i].part), "status",
					      part_status_name(parts[i].status));
			json_object_set_new(p, "url", parts[i].url ? json_string(parts[i].url) : json_null());
			json_object_set_new(p, "error", parts[i].error ? json_string(parts[i].error) : json_null());
			json_array_append_new(pj, p);
		}
		part_list_free(parts, np);
	}
	json_object_set_new(sj, "parts", pj);
	json_text(f, "snapshot", sj, true);
	json_t *bl = json_array();
	struct counts *per = xcalloc(n ? n : 1, sizeof(*per));
	for (unsigned i = 0; i < n; i++) {
		if ((rc = store_eval_counts(st, evals[i].id, counts_add, &per[i])) < 0)
			break;
		for (int s = 0; s < RS_COUNT; s++)
			for (int v = 0; v < SEV_COUNT; v++)
				total->by[s][v] += per[i].by[s][v];
		json_t *c = counts_json(&per[i]);
		json_array_append_new(bl, json_pack("{s:s, s:s, s:s, s:I, s:s, s:o, s:o}", "id", evals[i].baseline_id,
						    "title", evals[i].baseline_title, "version", evals[i].baseline_version,
						    "evaluation_id", (json_int_t)evals[i].id, "kind", evals[i].kind,
						    "counts", json_incref(json_object_get(c, "by_status")),
						    "counts_by_severity", json_incref(json_object_get(c, "by_severity"))));
		json_decref(c);
	}
	free(per);
	json_text(f, "baselines", bl, true);
	json_t *c = counts_json(total);
	json_text(f, "counts", json_incref(json_object_get(c, "by_status")), true);
	json_text(f, "counts_by_severity", json_incref(json_object_get(c, "by_severity")), true);
	json_decref(c);
	double pct;
	json_text(f, "score", rpt_score(total, &pct) ? json_real((double)(long long)(pct * 10 + 0.5) / 10) : json_null(),
		  true);
	json_text(f, "fail_on", o->fail_on >= 0 ? json_string(severity_name((enum severity)o->fail_on)) : json_string("none"), true);
	json_text(f, "findings_include", json_string(o->all ? "all" : "fail,unknown,waived"), true);
	fputs("  \"findings\": [", f);
	struct json_ctx x = { f, o, NULL, true };
	for (unsigned i = 0; i < n && rc >= 0; i++) {
		x.baseline_id = evals[i].baseline_id;
		rc = store_findings_each(st, evals[i].id, json_row, &x);
	}
	fputs(x.first ? "]\n}\n" : "\n  ]\n}\n", f);
	return rc < 0 ? rc : 0;
}

/* ---- inventory ---- */

struct inv_ctx {
	FILE *f;
	enum rformat fmt;
	bool first;
};

static int inv_object(void *vctx, const struct sobject *o)
{
	struct inv_ctx *x = vctx;
	if (x->fmt == FMT_TABLE) {
		fprintf(x->f, "%s ", o->type);
		fput_safe(x->f, o->name, 0);
		fprintf(x->f, " (%s)\n", o->moref);
		for (unsigned i = 0; i < o->nprops; i++) {
			const struct sprop *p = &o->props[i];
			if (p->type == PT_GROUP) {
				if (!p->collected)
					fprintf(x->f, "  %-48s (not collected)\n", p->name);
				continue;
			}
			fputs("  ", x->f);
			fput_safe(x->f, p->name, 48);
			fputc(' ', x->f);
			fput_safe(x->f, p->collected ? p->value : "(not collected)", 0);
			fputc('\n', x->f);
		}
		return 0;
	}
	json_t *props = json_object(), *missing = json_array();
	for (unsigned i = 0; i < o->nprops; i++) {
		const struct sprop *p = &o->props[i];
		if (!p->collected)
			json_array_append_new(missing, json_string(p->name));
		else if (p->type != PT_GROUP)
			json_object_set_new(props, p->name, typed_value(ptype_name(p->type), p->value));
	}
	json_t *j = json_pack("{s:s, s:s, s:s, s:o, s:o}", "type", o->type, "id", o->moref, "name", o->name,
			      "properties", props, "not_collected", missing);
	json_stream_item(x->f, j, &x->first);
	return 0;
}

int inventory_write(FILE *f, struct store *st, const struct snapshot_info *snap, enum rformat fmt)
{
	struct inv_ctx x = { f, fmt, true };
	if (fmt == FMT_TABLE) {
		table_header(f, st, snap);
		fputc('\n', f);
		return store_objects_each(st, snap->id, NULL, inv_object, &x);
	}
	fputs("{\n", f);
	json_text(f, "schema", json_string(INVENTORY_JSON_SCHEMA), true);
	json_text(f, "schema_version", json_integer(INVENTORY_JSON_VERSION), true);
	json_text(f, "target", json_string(snap->target), true);
	json_text(f, "snapshot_id", json_integer(snap->id), true);
	fputs("  \"objects\": [", f);
	int rc = store_objects_each(st, snap->id, NULL, inv_object, &x);
	fputs(x.first ? "]\n}\n" : "\n  ]\n}\n", f);
	return rc;
}
