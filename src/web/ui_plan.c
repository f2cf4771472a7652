/* The finding page's lower half: the violation's stored suggestion (its
 * latest revision: summary, execution plan, impact prediction, rollback,
 * source), the reviewers' decisions with the form that records one
 * (harden web --allow-review), and the remediation handed to pilot. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "web/web.h"

/* A JSON value as text: strings as they are, the rest compact JSON. */
static char *json_text(const json_t *v)
{
	if (!v || json_is_null(v))
		return xstrdup("-");
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_real(v))
		return xasprintf("%.2f", json_real_value(v));
	char *d = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	char *t = xstrdup(d ? d : "");
	free(d);
	return t;
}

static void cell_json(struct html_page *p, const json_t *v)
{
	char *t = json_text(v);
	html_elem(p, "td", NULL, t);
	free(t);
}

static const char *yes_no(const struct web_req *r, const json_t *v)
{
	return web_tr(r, json_is_true(v) ? "yes" : "no");
}

/* Manual commands ("shell: command" each) as a list in one cell. */
static void cell_commands(struct html_page *p, const json_t *cmds)
{
	html_open(p, "td", NULL);
	html_open(p, "ul", NULL);
	size_t i;
	json_t *c;
	json_array_foreach(cmds, i, c) {
		char *t = xasprintf("%s: %s", json_string_value(json_object_get(c, "shell")) ?: "?",
				    json_string_value(json_object_get(c, "command")) ?: "");
		html_elem(p, "li", NULL, t);
		free(t);
	}
	html_close(p);
	html_close(p);
}

static void plan_steps(struct html_page *p, const struct web_req *r, const json_t *s)
{
	static const char *const head[] = { "#", "Step", "Parameters", "Rollback", "Risk", "Destructive",
					    "Verified", "Description" };
	html_elem(p, "h3", NULL, web_tr(r, "Execution plan"));
	html_open(p, "table", "plan");
	html_open(p, "tr", NULL);
	for (size_t i = 0; i < ARRAY_SIZE(head); i++)
		html_elem(p, "th", NULL, web_tr(r, head[i]));
	html_close(p);
	size_t i;
	json_t *st;
	json_array_foreach(json_object_get(json_object_get(s, "execution_plan"), "steps"), i, st) {
		char n[24];
		snprintf(n, sizeof(n), "%zu", i + 1);
		html_open(p, "tr", NULL);
		html_elem(p, "td", "num", n);
		if (json_is_true(json_object_get(st, "manual"))) {
			html_elem(p, "td", NULL, web_tr(r, "manual"));
			cell_commands(p, json_object_get(st, "commands"));
			cell_commands(p, json_object_get(st, "rollback_commands"));
			html_elem(p, "td", NULL, "-");
			html_elem(p, "td", NULL, "-");
			html_elem(p, "td", NULL, "-");
		} else {
			char *tool = xasprintf("%s.%s", json_string_value(json_object_get(st, "skill")) ?: "?",
					       json_string_value(json_object_get(st, "tool")) ?: "?");
			html_elem(p, "td", NULL, tool);
			free(tool);
			cell_json(p, json_object_get(st, "params"));
			const char *rb = json_string_value(json_object_get(st, "rollback_tool"));
			char *pj = json_text(json_object_get(st, "rollback_params"));
			char *back = rb ? xasprintf("%s %s", rb, pj) : xstrdup(web_tr(r, "none"));
			html_elem(p, "td", NULL, back);
			free(back);
			free(pj);
			cell_json(p, json_object_get(st, "risk"));
			html_elem(p, "td", NULL, yes_no(r, json_object_get(st, "destructive")));
			html_elem(p, "td", NULL, yes_no(r, json_object_get(st, "verified")));
		}
		html_elem(p, "td", NULL, json_string_value(json_object_get(st, "description")));
		html_close(p);
	}
	html_close(p);
}

static void suggestion_body(struct html_page *p, const struct web_req *r, const struct suggestion_rec *rec,
			    const json_t *s)
{
	char rev[16], when[32];
	snprintf(rev, sizeof(rev), "%d", rec->revision);
	web_time(when, rec->created_at);
	html_open(p, "table", "meta");
	web_kv(p, web_tr(r, "Summary"), json_string_value(json_object_get(s, "summary")));
	web_kv(p, web_tr(r, "Revision"), rev);
	web_kv(p, web_tr(r, "Advised"), when);
	web_kv(p, web_tr(r, "Source"), rec->source);
	char *conf = json_text(json_object_get(s, "confidence"));
	web_kv(p, web_tr(r, "Confidence"), conf);
	free(conf);
	struct buf why = BUF_INIT;
	buf_puts(&why, yes_no(r, json_object_get(s, "human_review_required")));
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(s, "review_reasons"), i, v)
		buf_printf(&why, "%s%s", i ? "; " : ": ", json_string_value(v) ?: "");
	web_kv(p, web_tr(r, "Human review required"), why.data);
	buf_release(&why);
	html_close(p);
	plan_steps(p, r, s);
	html_elem(p, "h3", NULL, web_tr(r, "Impact prediction"));
	html_open(p, "table", "meta");
	const char *k;
	json_object_foreach(json_object_get(s, "impact_prediction"), k, v) {
		char *t = json_text(v);
		web_kv(p, k, t);
		free(t);
	}
	html_close(p);
}

/* ---- reviews ---- */

struct reviews {
	struct html_page *p;
	const struct web_req *r;
	long long n;
};

static int review_row(void *ctx, const struct review_rec *rv)
{
	struct reviews *x = ctx;
	struct html_page *p = x->p;
	if (!x->n++) {
		static const char *const head[] = { "Decided", "Decision", "Revision", "Reviewer", "Comment",
						    "Remediation" };
		html_open(p, "table", "reviews");
		html_open(p, "tr", NULL);
		for (size_t i = 0; i < ARRAY_SIZE(head); i++)
			html_elem(p, "th", NULL, web_tr(x->r, head[i]));
		html_close(p);
	}
	char when[32], rev[16], rem[24];
	web_time(when, rv->decided_at);
	snprintf(rev, sizeof(rev), "%d", rv->revision);
	snprintf(rem, sizeof(rem), "%lld", rv->remediation_id);
	html_open(p, "tr", rv->decision == REVIEW_APPROVE ? "st-pass" : "st-fail");
	html_elem(p, "td", NULL, when);
	html_elem(p, "td", "decision", web_tr(x->r, rv->decision == REVIEW_APPROVE ? "approved" : "rejected"));
	html_elem(p, "td", "num", rev);
	html_elem(p, "td", "reviewer", rv->reviewer);
	html_elem(p, "td", "comment", rv->comment);
	html_elem(p, "td", NULL, rv->remediation_id ? rem : web_tr(x->r, "not submitted"));
	html_close(p);
	return 0;
}

static void radio(struct html_page *p, const struct web_req *r, const char *value, const char *label)
{
	html_open(p, "label", NULL);
	html_open(p, "input", NULL);
	html_attr(p, "type", "radio");
	html_attr(p, "name", "decision");
	html_attr(p, "value", value);
	html_attr(p, "required", "required");
	html_close_empty(p);
	html_text(p, " ");
	html_text(p, web_tr(r, label));
	html_close(p);
}

static void text_field(struct html_page *p, const struct web_req *r, const char *label, const char *name, int max,
		       bool area)
{
	web_label_open(p, r, label);
	html_open(p, area ? "textarea" : "input", NULL);
	if (!area)
		html_attr(p, "type", "text");
	html_attr(p, "name", name);
	html_attrf(p, "maxlength", "%d", max);
	if (area) {
		html_attr(p, "rows", "3");
		html_attr(p, "cols", "60");
		html_close(p);
	} else {
		html_attr(p, "required", "required");
		html_close_empty(p);
	}
	html_close(p);
}

static void review_form(struct html_page *p, const struct web_req *r, const struct suggestion_rec *rec)
{
	char rev[16];
	snprintf(rev, sizeof(rev), "%d", rec->revision);
	html_open(p, "form", "review");
	html_attr(p, "method", "post");
	html_attr(p, "action", "/review");
	web_hidden(p, "csrf", r->csrf);
	web_hidden(p, "violation_id", rec->violation_id);
	web_hidden(p, "revision", rev);
	/* Where to come back to. */
	static const char *const keep[] = { "baseline", "rule", "type", "moref", "target", "snap", "lang" };
	for (size_t i = 0; i < ARRAY_SIZE(keep); i++)
		web_hidden(p, keep[i], web_arg(r, keep[i]));
	html_open(p, "p", NULL);
	radio(p, r, "approve", "Approve");
	radio(p, r, "reject", "Reject");
	html_close(p);
	html_open(p, "p", NULL);
	text_field(p, r, "Reviewer", "reviewer", WEB_REVIEWER_MAX, false);
	html_close(p);
	html_open(p, "p", NULL);
	text_field(p, r, "Comment", "comment", WEB_COMMENT_MAX, true);
	html_close(p);
	char *label = xasprintf("%s %d", web_tr(r, "Record the decision on revision"), rec->revision);
	html_open(p, "button", NULL);
	html_attr(p, "type", "submit");
	html_text(p, label);
	html_close(p);
	free(label);
	html_close(p);
}

static int reviews(struct html_page *p, struct web_req *r, const struct suggestion_rec *rec)
{
	html_elem(p, "h3", NULL, web_tr(r, "Review"));
	struct reviews x = { p, r, 0 };
	int rc = store_reviews_of(r->st, rec->violation_id, 50, review_row, &x);
	if (rc < 0)
		return rc;
	if (x.n)
		html_close(p);
	else
		html_elem(p, "p", "muted", web_tr(r, "No decision recorded yet."));
	if (!r->wst)
		html_elem(p, "p", "muted", web_tr(r, "Decisions are recorded when harden web runs with --allow-review."));
	else if (!r->authed)
		html_elem(p, "p", "muted",
			  web_tr(r, "To review, open the address harden web printed at start: it carries the access "
				    "token."));
	else
		review_form(p, r, rec);
	return 0;
}

/* ---- the remediation ---- */

static void remediation(struct html_page *p, const struct web_req *r, const struct remediation_rec *m)
{
	struct web_remed_text t;
	web_remed_text(&t, m);
	html_open(p, "table", "meta");
	web_kv(p, web_tr(r, "Remediation"), t.id);
	html_open(p, "tr", web_remed_class(m->state));
	html_elem(p, "th", NULL, web_tr(r, "State"));
	html_elem(p, "td", "state", web_tr(r, remed_state_name(m->state)));
	html_close(p);
	web_kv(p, web_tr(r, "Workflow"), m->workflow_id);
	web_kv(p, web_tr(r, "Pilot state"), m->pilot_state);
	web_kv(p, web_tr(r, "Approver"), m->approver);
	web_kv(p, web_tr(r, "Suggestion revision"), t.rev);
	web_kv(p, web_tr(r, "Applied to snapshot"), t.applied);
	web_kv(p, web_tr(r, "Proof snapshot"), t.proof);
	web_kv(p, web_tr(r, "Message"), m->message);
	web_kv(p, web_tr(r, "Updated"), t.when);
	html_close(p);
}

int web_plan_section(struct html_page *p, struct web_req *r, const char *vid)
{
	html_elem(p, "h2", NULL, web_tr(r, "Suggestion and review"));
	struct suggestion_rec rec;
	int rc = store_suggestion_get(r->st, vid, 0, &rec);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		char *t = xasprintf("%s harden advise --violation-id %s", web_tr(r, "No stored suggestion for this "
										  "violation; make one with:"), vid);
		html_elem(p, "p", "muted", t);
		free(t);
	} else {
		json_t *s = json_loads(rec.body, 0, NULL);
		if (s)
			suggestion_body(p, r, &rec, s);
		else
			html_elem(p, "p", "muted", web_tr(r, "The stored suggestion cannot be read."));
		json_decref(s);
		rc = reviews(p, r, &rec);
		suggestion_rec_release(&rec);
		if (rc < 0)
			return rc;
	}
	html_elem(p, "h2", NULL, web_tr(r, "Remediation state"));
	struct remediation_rec m;
	if ((rc = store_remediation_latest(r->st, vid, &m)) < 0)
		return rc;
	if (rc == 1) {
		html_elem(p, "p", "muted", web_tr(r, "Not submitted to vmware-pilot."));
		return 0;
	}
	remediation(p, r, &m);
	remediation_rec_release(&m);
	return 0;
}
