/* /waivers: the waivers recorded with the snapshot's evaluations, in
 * force, expiring within 30 days, and expired. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/util.h"
#include "web/web.h"

struct wv {
	struct web_req *r;
	struct html_page *p;
	int which;		/* 0 in force, 1 expiring, 2 expired */
	char soon[16];		/* the date 30 days from now, YYYY-MM-DD */
	long long n;
};

static int wv_row(void *ctx, const struct waiver_row *w)
{
	struct wv *x = ctx;
	int kind = w->expired ? 2 : strcmp(w->expires, x->soon) <= 0 ? 1 : 0;
	if (kind != x->which)
		return 0;
	struct html_page *p = x->p;
	x->n++;
	html_open(p, "tr", kind == 2 ? "st-fail" : kind == 1 ? "st-unknown" : NULL);
	const char *const cells[] = { w->baseline_id, w->rule_id, w->selector, w->justification,
				      w->approver, w->expires, w->ticket, w->source };
	for (size_t i = 0; i < ARRAY_SIZE(cells); i++)
		html_elem(p, "td", NULL, cells[i]);
	html_close(p);
	return 0;
}

int ui_waivers(struct web_req *r)
{
	struct html_page *p = web_page_begin(r, "/waivers", web_tr(r, "Waivers"));
	if (!p)
		return HERR_OUTPUT;
	int rc = 0;
	struct wv x = { .r = r, .p = p };
	time_t soon = time(NULL) + 30 * 86400;
	struct tm tm;
	gmtime_r(&soon, &tm);
	strftime(x.soon, sizeof(x.soon), "%Y-%m-%d", &tm);
	static const char *const titles[] = { "In force", "Expiring within 30 days", "Expired" };
	static const char *const head[] = { "Baseline", "Rule", "Selector", "Justification", "Approver", "Expires",
					    "Ticket", "Source" };
	for (int k = 0; k < 3 && rc >= 0 && r->si.id; k++) {
		html_elem(p, "h2", NULL, web_tr(r, titles[k]));
		html_open(p, "table", "waivers");
		html_open(p, "tr", NULL);
		for (size_t i = 0; i < ARRAY_SIZE(head); i++)
			html_elem(p, "th", NULL, web_tr(r, head[i]));
		html_close(p);
		x.which = k;
		x.n = 0;
		rc = store_waivers_each(r->st, r->si.id, wv_row, &x);
		html_close(p);
		if (!x.n)
			html_elem(p, "p", "muted", web_tr(r, "No waivers."));
	}
	if (web_page_end(r, p) < 0 && rc >= 0)
		rc = HERR_OUTPUT;
	return rc;
}
