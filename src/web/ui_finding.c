/* /finding: one result of a snapshot (baseline, rule, object) with its
 * evidence, the rule's text, the waiver that applied, and the violation's
 * suggestion, review and remediation (ui_plan.c). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "web/web.h"

struct one {
	struct web_req *r;
	struct html_page *p;
	bool found;
	int rc;
};

static void details(struct html_page *p, struct web_req *r, const char *details_json)
{
	json_t *d = details_json ? json_loads(details_json, 0, NULL) : NULL;
	if (!d)
		return;
	const char *desc = json_string_value(json_object_get(d, "description"));
	const char *why = json_string_value(json_object_get(d, "rationale"));
	if (desc) {
		html_elem(p, "h2", NULL, web_tr(r, "Description"));
		html_elem(p, "p", NULL, desc);
	}
	if (why) {
		html_elem(p, "h2", NULL, web_tr(r, "Rationale"));
		html_elem(p, "p", NULL, why);
	}
	json_t *refs = json_object_get(d, "references");
	if (json_array_size(refs)) {
		html_elem(p, "h2", NULL, web_tr(r, "References"));
		html_open(p, "ul", NULL);
		size_t i;
		json_t *v;
		json_array_foreach(refs, i, v)
			html_elem(p, "li", NULL, json_string_value(v));
		html_close(p);
	}
	json_t *rem = json_object_get(d, "remediation");
	if (json_is_object(rem)) {
		html_elem(p, "h2", NULL, web_tr(r, "Remediation"));
		html_open(p, "table", "meta");
		const char *k;
		json_t *v;
		json_object_foreach(rem, k, v) {
			char *t = json_is_string(v) ? xstrdup(json_string_value(v)) : json_dumps(v, JSON_COMPACT);
			web_kv(p, k, t);
			free(t);
		}
		html_close(p);
	}
	json_decref(d);
}

/* Whether each property the result read ("a; b") was collected: "yes; no". */
static char *collected_text(struct web_req *r, const struct finding_row *f)
{
	struct buf b = BUF_INIT;
	char *props = xstrdup(f->property ? f->property : ""), *save = NULL;
	for (char *w = strtok_r(props, "; ", &save); w; w = strtok_r(NULL, "; ", &save)) {
		bool collected = false;
		char *value = NULL;
		int have = store_object_prop(r->st, r->si.id, f->object_type, f->moref, w, &collected, &value);
		buf_printf(&b, "%s%s", b.len ? "; " : "", have == 0 ? web_tr(r, collected ? "yes" : "no") : "-");
		free(value);
	}
	free(props);
	if (!b.len)
		buf_puts(&b, "-");
	return buf_detach(&b);
}

static int one_row(void *ctx, const struct browse_row *b)
{
	struct one *x = ctx;
	struct web_req *r = x->r;
	struct html_page *p = x->p;
	const struct finding_row *f = &b->f;
	x->found = true;
	char vid[VIOLATION_ID_SIZE];
	violation_id(vid, r->target, f->rule_id, f->object_type, f->moref);
	char *obj = xasprintf("%s (%s %s)", f->object_name, f->object_type, f->moref);
	char *rule = xasprintf("%s: %s", f->rule_id, f->title);
	char *collected = collected_text(r, f);
	html_open(p, "table", "meta");
	web_kv(p, web_tr(r, "Violation id"), vid);
	web_kv(p, web_tr(r, "Baseline"), b->baseline_id);
	web_kv(p, web_tr(r, "Rule"), rule);
	web_kv(p, web_tr(r, "Severity"), web_severity_label(r, f->severity));
	html_open(p, "tr", web_status_class(f->status));
	html_elem(p, "th", NULL, web_tr(r, "Status"));
	html_elem(p, "td", NULL, web_status_label(r, f->status));
	html_close(p);
	web_kv(p, web_tr(r, "Object"), obj);
	web_kv(p, web_tr(r, "Property"), f->property);
	web_kv(p, web_tr(r, "Observed"), f->observed);
	web_kv(p, web_tr(r, "Expected"), f->expected);
	web_kv(p, web_tr(r, "Collected"), collected);
	if (f->waiver_justification) {
		char *w = xasprintf("%s %s, %s%s%s: %s", f->waiver_expired ? web_tr(r, "Expired") : web_tr(r, "Expires"),
				    f->waiver_expires, f->waiver_approver, f->waiver_ticket ? ", " : "",
				    f->waiver_ticket ? f->waiver_ticket : "", f->waiver_justification);
		web_kv(p, web_tr(r, "Waiver"), w);
		free(w);
	}
	html_close(p);
	char *h = web_url(r, "/history", "object", f->moref, NULL);
	html_open(p, "p", NULL);
	html_link(p, h, NULL, web_tr(r, "Property history of an object"));
	html_close(p);
	free(h);
	details(p, r, f->details_json);
	x->rc = web_plan_section(p, r, vid);
	free(collected);
	free(obj);
	free(rule);
	return 1;
}

int ui_finding(struct web_req *r)
{
	struct html_page *p = web_page_begin(r, "/finding", web_tr(r, "Finding"));
	if (!p)
		return HERR_OUTPUT;
	struct browse_filter flt = { .snapshot = r->si.id, .severity = -1, .status = -1 };
	flt.baseline = web_arg(r, "baseline");
	flt.rule = web_arg(r, "rule");
	flt.moref = web_arg(r, "moref");
	struct one x = { r, p, false, 0 };
	int rc = 0;
	/* The baseline may be left out: the first baseline's result. */
	if (r->si.id && flt.rule && flt.moref)
		rc = store_browse(r->st, &flt, 0, 1, one_row, &x);
	if (rc >= 0 && x.rc < 0)
		rc = x.rc;
	if (rc >= 0 && !x.found) {
		r->status = 404;
		html_elem(p, "p", NULL, web_tr(r, "No such result in this snapshot."));
	}
	if (web_page_end(r, p) < 0 && rc >= 0)
		rc = HERR_OUTPUT;
	return rc < 0 ? rc : 0;
}
