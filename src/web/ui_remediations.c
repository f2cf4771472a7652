/* /remediations: the target's fixes from plan to proof.  Planned: each
 * violation's latest suggestion not yet submitted, by its review (awaiting
 * review, approved, rejected); then what apply handed to vmware-pilot, by
 * state (submitted, verified, not effective, failed).  Each row links to
 * its finding. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "web/web.h"

#define PLANS_SHOWN 500

enum plan_kind { PLAN_AWAITING, PLAN_APPROVED, PLAN_REJECTED, PLAN_KINDS };

static enum plan_kind plan_kind(const struct plan_row *pl)
{
	if (!pl->reviewed || pl->review_revision != pl->revision)
		return PLAN_AWAITING;
	return pl->decision == REVIEW_APPROVE ? PLAN_APPROVED : PLAN_REJECTED;
}

struct walk {
	struct web_req *r;
	struct html_page *p;
	int which;
	long long n;
	const char *const *head;	/* the table's columns, written before its first row */
	size_t nhead;
};

static void link_cell(struct html_page *p, const char *href, const char *text)
{
	html_open(p, "td", NULL);
	html_link(p, href, NULL, text);
	html_close(p);
}

/* Opens the table with its head at the first row. */
static void first_row(struct walk *x, const char *cls)
{
	if (x->n++)
		return;
	html_open(x->p, "table", cls);
	html_open(x->p, "tr", NULL);
	for (size_t i = 0; i < x->nhead; i++)
		html_elem(x->p, "th", NULL, web_tr(x->r, x->head[i]));
	html_close(x->p);
}

/* Closes the table, or says there is none. */
static void end_table(struct walk *x)
{
	if (x->n)
		html_close(x->p);
	else
		html_elem(x->p, "p", "muted", web_tr(x->r, "None."));
}

static int plan_one(void *ctx, const struct plan_row *pl)
{
	struct walk *x = ctx;
	/* Submitted: shown with the remediations below. */
	if (pl->remediation_id || (pl->review_remediation && pl->review_revision == pl->revision) ||
	    (int)plan_kind(pl) != x->which)
		return 0;
	struct html_page *p = x->p;
	struct web_req *r = x->r;
	json_t *s = pl->body ? json_loads(pl->body, 0, NULL) : NULL;
	const char *baseline = json_string_value(json_object_get(s, "baseline"));
	char *href = web_finding_url(r, baseline, pl->rule_id, pl->object_type, pl->moref, pl->snapshot_id);
	char *obj = xasprintf("%s (%s %s)", pl->object_name, pl->object_type, pl->moref);
	char rev[16], when[32];
	snprintf(rev, sizeof(rev), "%d", pl->revision);
	web_time(when, pl->created_at);
	first_row(x, "plans");
	html_open(p, "tr", NULL);
	link_cell(p, href, pl->violation_id);
	html_elem(p, "td", NULL, pl->rule_id);
	html_elem(p, "td", NULL, obj);
	html_elem(p, "td", NULL, json_string_value(json_object_get(s, "summary")));
	html_elem(p, "td", "num", rev);
	html_elem(p, "td", NULL, when);
	html_elem(p, "td", NULL, pl->source);
	if (x->which != PLAN_AWAITING) {
		char dec[32];
		web_time(dec, pl->decided_at);
		html_elem(p, "td", "reviewer", pl->reviewer);
		html_elem(p, "td", "comment", pl->comment);
		html_elem(p, "td", NULL, dec);
	}
	html_close(p);
	free(obj);
	free(href);
	json_decref(s);
	return 0;
}

static int plans(struct web_req *r, struct html_page *p)
{
	static const char *const titles[PLAN_KINDS] = { "Planned: awaiting review", "Approved, not yet submitted",
							"Rejected" };
	static const char *const head[] = { "Violation id", "Rule", "Object", "Summary", "Revision", "Advised",
					    "Source", "Reviewer", "Comment", "Decided" };
	int rc = 0;
	for (int k = 0; k < PLAN_KINDS && rc >= 0; k++) {
		html_elem(p, "h2", NULL, web_tr(r, titles[k]));
		struct walk x = { r, p, k, 0, head, k == PLAN_AWAITING ? 7 : ARRAY_SIZE(head) };
		rc = store_plans_each(r->st, r->target, PLANS_SHOWN, plan_one, &x);
		end_table(&x);
	}
	return rc;
}

/* Remediation groups: the states each shows. */
static bool in_group(int group, enum remed_state s)
{
	switch (group) {
	case 0:
		return s == RM_SUBMITTED;
	case 1:
		return s == RM_VERIFIED;
	case 2:
		return s == RM_NOT_EFFECTIVE;
	default:
		return s == RM_FAILED || s == RM_ROLLED_BACK || s == RM_CANCELLED;
	}
}

static int rem_one(void *ctx, const struct remediation_rec *m)
{
	struct walk *x = ctx;
	if (!in_group(x->which, m->state))
		return 0;
	struct html_page *p = x->p;
	struct web_req *r = x->r;
	struct web_remed_text t;
	web_remed_text(&t, m);
	/* The baseline, from the suggestion submitted, keeps the finding's
	 * query on one evaluation (the rows are gathered: reading is allowed). */
	struct suggestion_rec sg;
	json_t *s = NULL;
	if (store_suggestion_get(r->st, m->violation_id, m->suggestion_revision, &sg) == 0) {
		s = json_loads(sg.body, 0, NULL);
		suggestion_rec_release(&sg);
	}
	char *href = web_finding_url(r, json_string_value(json_object_get(s, "baseline")), m->rule_id, m->object_type,
				     m->moref, m->applied_snapshot);
	json_decref(s);
	first_row(x, "remediations");
	html_open(p, "tr", web_remed_class(m->state));
	html_elem(p, "td", "num", t.id);
	link_cell(p, href, m->violation_id);
	html_elem(p, "td", NULL, m->rule_id);
	html_elem(p, "td", NULL, m->moref);
	html_elem(p, "td", "state", web_tr(r, remed_state_name(m->state)));
	html_elem(p, "td", NULL, m->workflow_id);
	html_elem(p, "td", NULL, m->pilot_state);
	html_elem(p, "td", NULL, m->approver);
	html_elem(p, "td", "num", t.rev);
	html_elem(p, "td", "num", t.applied);
	html_elem(p, "td", "num", t.proof);
	html_elem(p, "td", NULL, t.when);
	html_elem(p, "td", NULL, m->message);
	html_close(p);
	free(href);
	return 0;
}

static int submitted(struct web_req *r, struct html_page *p)
{
	static const char *const titles[] = { "Submitted to vmware-pilot", "Verified by a later scan",
					      "Not effective", "Failed, rolled back or cancelled" };
	static const char *const head[] = { "Remediation", "Violation id", "Rule", "Object", "State", "Workflow",
					    "Pilot state", "Approver", "Revision", "Applied to snapshot",
					    "Proof snapshot", "Updated", "Message" };
	int rc = 0;
	for (int g = 0; g < (int)ARRAY_SIZE(titles) && rc >= 0; g++) {
		html_elem(p, "h2", NULL, web_tr(r, titles[g]));
		struct walk x = { r, p, g, 0, head, ARRAY_SIZE(head) };
		rc = store_remediations_each(r->st, r->target, rem_one, &x);
		end_table(&x);
	}
	return rc;
}

int ui_remediations(struct web_req *r)
{
	struct html_page *p = web_page_begin(r, "/remediations", web_tr(r, "Remediations"));
	if (!p)
		return HERR_OUTPUT;
	int rc = 0;
	if (r->target) {
		html_elem(p, "p", "muted",
			  web_tr(r, "Suggestions come from harden advise; a reviewer approves or rejects them on the "
				    "finding page (harden web --allow-review); harden apply --approved submits the "
				    "approved ones to vmware-pilot; the next scan verifies them."));
		rc = plans(r, p);
		if (rc >= 0)
			rc = submitted(r, p);
	} else {
		html_elem(p, "p", NULL, web_tr(r, "No completed snapshot in the twin."));
	}
	if (web_page_end(r, p) < 0 && rc >= 0)
		rc = HERR_OUTPUT;
	return rc < 0 ? rc : 0;
}
