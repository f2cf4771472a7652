/* /framework: one baseline as section -> control -> rules, a bar per
 * section and per rule, the counts linking to the violations. */
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "util/util.h"
#include "web/web.h"

struct rule_c {
	char *id, *title;
	enum severity sev;
	char section[64], control[64];
	struct counts c;
};
struct fw {
	struct rule_c *v;
	unsigned n, cap;
};

static int rule_add(void *ctx, const char *rule_id, const char *title, enum severity sev, const char *object_type,
		    const char *details_json)
{
	(void)object_type;
	(void)details_json;
	struct fw *x = ctx;
	if (x->n == x->cap) {
		x->cap = x->cap ? 2 * x->cap : 32;
		x->v = xrealloc(x->v, x->cap * sizeof(*x->v));
	}
	struct rule_c *rc = &x->v[x->n++];
	memset(rc, 0, sizeof(*rc));
	rc->id = xstrdup(rule_id);
	rc->title = xstrdup(title);
	rc->sev = sev;
	web_section(rule_id, rc->section, sizeof(rc->section), rc->control, sizeof(rc->control));
	return 0;
}

static void count_add(void *ctx, const char *rule_id, enum rstatus status, long long n)
{
	struct fw *x = ctx;
	for (unsigned i = 0; i < x->n; i++)
		if (!strcmp(x->v[i].id, rule_id))
			x->v[i].c.by[status][x->v[i].sev] += n;
}

/* Rules in clause order (8.3.4 before 10.2.1), then by id. */
static int rule_cmp(const void *a, const void *b)
{
	const struct rule_c *x = a, *y = b;
	int c = strverscmp(x->control, y->control);
	return c ? c : strcmp(x->id, y->id);
}

static void add_counts(struct counts *to, const struct counts *c)
{
	for (int s = 0; s < RS_COUNT; s++)
		for (int v = 0; v < SEV_COUNT; v++)
			to->by[s][v] += c->by[s][v];
}

int ui_framework(struct web_req *r)
{
	struct html_page *p = web_page_begin(r, "/framework", web_tr(r, "Framework"));
	if (!p)
		return HERR_OUTPUT;
	struct evaluation_info *ev = NULL;
	unsigned n = 0;
	int rc = 0;
	struct fw x = { 0 };
	if (!r->si.id) {
		html_elem(p, "p", NULL, web_tr(r, "No completed snapshot in the twin."));
		goto out;
	}
	if ((rc = store_latest_evaluations(r->st, r->si.id, &ev, &n)) < 0)
		goto out;
	const char *want = web_arg(r, "baseline");
	unsigned k = 0;
	for (unsigned i = 0; want && i < n; i++)
		if (!strcmp(ev[i].baseline_id, want))
			k = i;
	html_open(p, "p", NULL);
	for (unsigned i = 0; i < n; i++) {
		char *u = web_url(r, "/framework", "baseline", ev[i].baseline_id, NULL);
		html_link(p, u, i == k ? "here" : NULL, ev[i].baseline_id);
		html_text(p, "  ");
		free(u);
	}
	html_close(p);
	if (!n) {
		html_elem(p, "p", NULL, web_tr(r, "No evaluation of this snapshot."));
		goto out;
	}
	html_elem(p, "h2", NULL, ev[k].baseline_title && *ev[k].baseline_title ? ev[k].baseline_title
									  : ev[k].baseline_id);
	if ((rc = store_eval_rules(r->st, ev[k].id, rule_add, &x)) < 0 ||
	    (rc = web_rule_counts(r, &ev[k], count_add, &x)) < 0)
		goto out;
	if (x.n)
		qsort(x.v, x.n, sizeof(*x.v), rule_cmp);
	/* Sections in the order their first rule comes. */
	bool *done = xcalloc(x.n ? x.n : 1, sizeof(*done));
	for (unsigned i = 0; i < x.n; i++) {
		if (done[i])
			continue;
		struct counts sc = { 0 };
		for (unsigned j = i; j < x.n; j++)
			if (!strcmp(x.v[j].section, x.v[i].section))
				add_counts(&sc, &x.v[j].c);
		html_open(p, "section", "fw-section");
		double pct;
		char *h = report_score(&sc, &pct)
				  ? xasprintf("%s %s: %.0f%%", web_tr(r, "Section"), x.v[i].section, pct)
				  : xasprintf("%s %s", web_tr(r, "Section"), x.v[i].section);
		html_elem(p, "h3", NULL, h);
		free(h);
		web_bar(p, &sc, 480);
		html_open(p, "table", NULL);
		html_open(p, "tr", NULL);
		static const char *const head[] = { "Control", "Rule", "Title", "Severity", "fail", "pass", "unknown",
						    "waived", "not applicable" };
		for (size_t c = 0; c < ARRAY_SIZE(head); c++)
			html_elem(p, "th", NULL, web_tr(r, head[c]));
		html_close(p);
		for (unsigned j = i; j < x.n; j++) {
			if (strcmp(x.v[j].section, x.v[i].section))
				continue;
			done[j] = true;
			const struct rule_c *rr = &x.v[j];
			html_open(p, "tr", counts_status(&rr->c, RS_FAIL) ? "st-fail" : NULL);
			html_elem(p, "td", NULL, rr->control);
			html_open(p, "td", NULL);
			char *u = web_url(r, "/violations", "baseline", ev[k].baseline_id, "rule", rr->id, "status",
					  "all", NULL);
			html_link(p, u, NULL, rr->id);
			free(u);
			html_close(p);
			html_elem(p, "td", NULL, rr->title);
			html_elem(p, "td", NULL, web_severity_label(r, rr->sev));
			static const enum rstatus st[] = { RS_FAIL, RS_PASS, RS_UNKNOWN, RS_WAIVED, RS_NA };
			for (size_t s = 0; s < ARRAY_SIZE(st); s++) {
				char v[24];
				snprintf(v, sizeof(v), "%lld", counts_status(&rr->c, st[s]));
				html_elem(p, "td", "num", v);
			}
			html_close(p);
		}
		html_close(p);
		html_close(p);
	}
	free(done);
out:
	for (unsigned i = 0; i < x.n; i++) {
		free(x.v[i].id);
		free(x.v[i].title);
	}
	free(x.v);
	evaluation_list_free(ev, n);
	if (web_page_end(r, p) < 0 && rc >= 0)
		rc = HERR_OUTPUT;
	return rc;
}
