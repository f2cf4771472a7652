/* JSON (schema harden.scan, a versioned contract): the envelope is written
 * here and each finding encoded by jansson as it streams out of the store,
 * so memory stays flat. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_int.h"
#include "report/report_util.h"
#include "report/since.h"
#include "version.h"

struct json_ctx {
	FILE *f;
	const struct report_opts *o;
	const char *baseline_id, *target;
	bool first;
};

static json_t *string_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

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
	char vid[VIOLATION_ID_SIZE];
	if (rpt_violation_id(vid, x->target, r))
		json_object_set_new(o, "violation_id", json_string(vid));
	/* Only when the gate compared with a reference: whether the result is
	 * new since it. */
	if (x->o->gate && x->o->gate->ref)
		json_object_set_new(o, "new", json_boolean(since_is_new(x->o->gate->ref, x->target, r)));
	json_object_set_new(o, "property", string_or_null(r->property));
	json_object_set_new(o, "observed", string_or_null(r->observed));
	json_object_set_new(o, "expected", string_or_null(r->expected));
	/* What the finding cites and advises, so an auditor need not look the
	 * rule up. */
	struct rpt_trace t;
	rpt_trace_load(&t, r->details_json);
	json_t *refs = json_array();
	size_t i;
	json_t *v;
	json_array_foreach(t.refs, i, v)
		if (json_is_string(v))
			json_array_append(refs, v);
	json_object_set_new(o, "references", refs);
	json_object_set_new(o, "rationale", string_or_null(t.rationale));
	json_object_set_new(o, "remediation", string_or_null(t.remediation));
	rpt_trace_release(&t);
	if (r->waiver_justification) {
		json_t *w = json_pack("{s:s, s:s, s:s, s:b}", "justification", r->waiver_justification,
				      "approver", r->waiver_approver, "expires", r->waiver_expires,
				      "expired", r->waiver_expired);
		json_object_set_new(w, "ticket", string_or_null(r->waiver_ticket));
		json_object_set_new(o, "waiver", w);
	} else {
		json_object_set_new(o, "waiver", json_null());
	}
	json_stream_item(x->f, o, &x->first);
	return 0;
}

static json_t *by_severity(const struct counts *c)
{
	json_t *by_sev = json_object();
	for (int v = SEV_COUNT - 1; v >= 0; v--) {
		json_t *o = json_object();
		for (int s = 0; s < RS_COUNT; s++)
			json_object_set_new(o, rstatus_name((enum rstatus)s), json_integer(c->by[s][v]));
		json_object_set_new(by_sev, severity_name((enum severity)v), o);
	}
	return by_sev;
}

/* What each collector achieved: a failed NSX part is why DFW rules are
 * unknown. */
static json_t *snapshot_json(struct store *st, const struct snapshot_info *snap)
{
	char started[32], ended[32];
	time_iso8601(started, snap->started_at);
	time_iso8601(ended, snap->ended_at);
	json_t *sj = json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:I}", "id", (json_int_t)snap->id,
			       "status", snap_status_name(snap->status), "started_at", started, "ended_at", ended,
			       "objects", (json_int_t)snap->stats.objects, "api_calls", (json_int_t)snap->stats.api_calls,
			       "bytes_received", (json_int_t)snap->stats.bytes_received);
	struct part_info *parts = NULL;
	unsigned np = 0;
	json_t *pj = json_array();
	if (store_parts(st, snap->id, &parts, &np) == 0) {
		for (unsigned i = 0; i < np; i++) {
			json_t *p = json_pack("{s:s, s:s}", "part", part_name(parts[i].part), "status",
					      part_status_name(parts[i].status));
			json_object_set_new(p, "url", string_or_null(parts[i].url));
			json_object_set_new(p, "error", string_or_null(parts[i].error));
			json_array_append_new(pj, p);
		}
		part_list_free(parts, np);
	}
	json_object_set_new(sj, "parts", pj);
	return sj;
}

static json_t *baselines_json(const struct report_ctx *x)
{
	json_t *bl = json_array();
	for (unsigned i = 0; i < x->n; i++) {
		const struct evaluation_info *ev = &x->evals[i];
		json_array_append_new(bl, json_pack("{s:s, s:s, s:s, s:I, s:s, s:o, s:o, s:o}", "id", ev->baseline_id,
						    "title", ev->baseline_title, "version", ev->baseline_version,
						    "evaluation_id", (json_int_t)ev->id, "kind", ev->kind,
						    "parameters", rpt_params_json(ev->params),
						    "counts", rpt_json_by_status(&x->counts->per[i]),
						    "counts_by_severity", by_severity(&x->counts->per[i])));
	}
	return bl;
}

static json_t *limit_or_null(long long v)
{
	return v >= 0 ? json_integer(v) : json_null();
}

/* The gate as the command applied it, or null when it applied none. */
static json_t *gate_json(const struct report_gate *g)
{
	if (!g)
		return json_null();
	const struct since *ref = g->ref;
	const char *fail_on = g->fail_on >= 0 ? severity_name((enum severity)g->fail_on) : "none";
	json_t *o = json_pack("{s:s, s:b}", "fail_on", fail_on, "fail_on_new", g->fail_on_new);
	char *since = ref && !ref->empty_reference ? rpt_clean(ref->what, false) : NULL;
	json_object_set_new(o, "since", since ? json_string(since) : json_null());
	free(since);
	json_object_set_new(o, "max_unknown", limit_or_null(g->max_unknown));
	json_object_set_new(o, "min_score", g->min_score >= 0 ? json_real(g->min_score) : json_null());
	json_object_set_new(o, "new", ref ? json_pack("{s:I, s:I}", "fail", (json_int_t)g->new_fail, "unknown",
						      (json_int_t)g->new_unknown)
					  : json_null());
	json_object_set_new(o, "outcome", json_string(g->exit_code == 0 ? "pass" : "fail"));
	json_object_set_new(o, "exit_code", json_integer(g->exit_code));
	return o;
}

static int json_write(const struct report_ctx *x)
{
	FILE *f = x->f;
	const struct report_opts *o = x->o;
	const struct counts *total = &x->counts->total;
	fputs("{\n", f);
	rpt_json_member(f, "schema", json_string(REPORT_JSON_SCHEMA), true);
	rpt_json_member(f, "schema_version", json_integer(REPORT_JSON_VERSION), true);
	rpt_json_member(f, "harden_version", json_string(HARDEN_VERSION), true);
	rpt_json_member(f, "target", json_string(x->snap->target), true);
	rpt_json_member(f, "snapshot_id", json_integer(x->snap->id), true);
	rpt_json_member(f, "snapshot", snapshot_json(x->st, x->snap), true);
	rpt_json_member(f, "baselines", baselines_json(x), true);
	rpt_json_member(f, "counts", rpt_json_by_status(total), true);
	rpt_json_member(f, "counts_by_severity", by_severity(total), true);
	rpt_json_member(f, "score", rpt_json_score(total), true);
	rpt_json_member(f, "fail_on", json_string(o->fail_on >= 0 ? severity_name((enum severity)o->fail_on) : "none"),
			true);
	rpt_json_member(f, "gate", gate_json(o->gate), true);
	rpt_json_member(f, "findings_include", json_string(o->all ? "all" : "fail,unknown,waived"), true);
	rpt_json_member(f, "filters", rpt_filter_json(o->filter), true);
	fputs("  \"findings\": [", f);
	struct json_ctx j = { f, o, NULL, x->snap->target, true };
	int rc = 0;
	for (unsigned i = 0; i < x->n && rc >= 0; i++) {
		j.baseline_id = x->evals[i].baseline_id;
		rc = rpt_findings_each(x, x->evals[i].id, json_row, &j);
	}
	fputs(j.first ? "]\n}\n" : "\n  ]\n}\n", f);
	return rc < 0 ? rc : 0;
}

const struct report_writer report_json = { "json", json_write, true };
