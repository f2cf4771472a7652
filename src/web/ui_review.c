/* POST /review: a reviewer's decision on the latest revision of a
 * violation's suggestion, written with the server's write connection
 * (harden web --allow-review only; the server has checked the access and
 * CSRF tokens).  The name and comment are stored as given, within bounds,
 * and every page shows them escaped.  Answers 303 to the finding page. */
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "web/web.h"

#define STR_(x) #x
#define STR(x) STR_(x)

/* Whether s is valid UTF-8 (no overlong forms or surrogates). */
static bool utf8_ok(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	while (*u) {
		int n = *u < 0x80 ? 0 : (*u & 0xE0) == 0xC0 ? 1 : (*u & 0xF0) == 0xE0 ? 2 : (*u & 0xF8) == 0xF0 ? 3 : -1;
		if (n < 0 || (n == 1 && *u < 0xC2) || (n == 3 && *u > 0xF4))
			return false;
		unsigned cp = n ? *u & (0x3F >> n) : *u;
		for (int i = 1; i <= n; i++) {
			if ((u[i] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (u[i] & 0x3F);
		}
		if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
			return false;
		u += n + 1;
	}
	return true;
}

/* The fields, checked: NULL, or why they are refused. */
static const char *check(const struct web_req *r, struct review_rec *rv)
{
	const char *vid = web_arg(r, "violation_id"), *dec = web_arg(r, "decision");
	const char *who = web_arg(r, "reviewer"), *comment = web_arg(r, "comment");
	long long rev = web_arg_int(r, "revision", 0);
	if (!vid || !violation_id_valid(vid))
		return "violation_id: not a violation id";
	if (rev < 1 || rev > 1000000)
		return "revision: not a revision number";
	if (!dec || review_decision_parse(dec, &rv->decision) < 0)
		return "decision: approve or reject";
	if (!who || strlen(who) > WEB_REVIEWER_MAX || !utf8_ok(who))
		return "reviewer: a name of 1 to " STR(WEB_REVIEWER_MAX) " bytes of UTF-8 is required";
	if (comment && (strlen(comment) > WEB_COMMENT_MAX || !utf8_ok(comment)))
		return "comment: at most " STR(WEB_COMMENT_MAX) " bytes of UTF-8";
	rv->violation_id = (char *)vid;
	rv->revision = (int)rev;
	rv->reviewer = (char *)who;
	rv->comment = (char *)(comment ? comment : "");
	return NULL;
}

int ui_review(struct web_req *r)
{
	struct review_rec rv = { 0 };
	const char *bad = check(r, &rv);
	if (bad) {
		web_plain(r, 400, bad);
		return 0;
	}
	int rc = store_review_add(r->wst, &rv);
	if (rc == HERR_BUSY) {
		web_plain(r, 503, "the twin is busy (another harden is writing it): the decision was not recorded; "
				  "try again in a moment");
		return 0;
	}
	if (rc == 1) {
		char *t = xasprintf("not recorded: %s", err_get());
		web_plain(r, 409, t);
		free(t);
		return 0;
	}
	if (rc < 0) {
		log_error("web: review: %s", err_get());
		web_plain(r, 500, "the twin cannot be written: the decision was not recorded");
		return 0;
	}
	log_info("web: %s %s revision %d (review %lld)", review_decision_name(rv.decision), rv.violation_id,
		 rv.revision, rv.id);
	r->location = web_finding_url(r, web_arg(r, "baseline"), web_arg(r, "rule"), web_arg(r, "type"),
				      web_arg(r, "moref"), web_arg_int(r, "snap", 0));
	r->status = 303;
	struct html_page *p = web_page_begin(r, "/finding", web_tr(r, "Decision recorded"));
	if (!p)
		return HERR_OUTPUT;
	html_open(p, "p", NULL);
	html_link(p, r->location, NULL, web_tr(r, "Back to the finding"));
	html_close(p);
	return web_page_end(r, p) < 0 ? HERR_OUTPUT : 0;
}
