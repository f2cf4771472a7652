/* harden web, inside: one request being answered, the page chrome every
 * page shares (scope selector, navigation, links, language), and one
 * function per page (ui_*.c).  Every string a page shows goes through the
 * page writer (report/html.h), which escapes it: VM names and everything
 * else the estate names are attacker-controlled. */
#ifndef HARDEN_WEB_H
#define HARDEN_WEB_H

#include <stdbool.h>
#include <stdio.h>

#include "report/html.h"
#include "status.h"
#include "store/store.h"

enum web_lang { WEB_EN, WEB_ZH };

/* Counts of evaluations, read once for the server's life (cache.c). */
struct web_cache;
struct web_cache *web_cache_new(void);
void web_cache_free(struct web_cache *c);
/* Reads the counts the overview needs for each target's latest snapshot,
 * before the server answers, so that the first page does not wait for
 * them (older snapshots' are read when first shown): 0 or a store error. */
int web_cache_warm(struct web_cache *c, struct store *st);

struct web_req {
	struct store *st;
	struct web_cache *cache;	/* may be NULL */
	const char *(*getarg)(void *conn, const char *name);	/* a query parameter, or NULL */
	void *conn;
	enum web_lang lang;
	/* The answer: status, type, an optional download name, and the body. */
	int status;
	const char *ctype;
	const char *download;
	FILE *f;
	/* Reviews (harden web --allow-review): the write connection (NULL:
	 * the server never writes), whether this request carries the access
	 * token, and the run's CSRF token a review form carries. */
	struct store *wst;
	bool authed;
	const char *csrf;
	char *location;		/* a redirect's target (303), freed by the server */
	/* The scope every page has: a target and one of its snapshots. */
	char *target;
	struct snapshot_info si;	/* si.id 0: the target has no completed snapshot */
};

/* A query parameter, NULL when absent or empty. */
const char *web_arg(const struct web_req *r, const char *name);
/* A non-negative integer parameter, or def. */
long long web_arg_int(const struct web_req *r, const char *name, long long def);
/* The page text in the request's language (en is the key). */
const char *web_tr(const struct web_req *r, const char *en);

/* A link to path keeping the scope and language, with name, value pairs
 * (NULL-terminated; a NULL or empty value is left out, a name given here
 * overrides the scope's).  Caller frees. */
char *web_url(const struct web_req *r, const char *path, ...) __attribute__((sentinel));

/* Resolves ?target= and ?snap= (defaults: the first target, its latest
 * completed snapshot): 0, or a store error. */
int web_scope(struct web_req *r);
/* The page's head, navigation and scope selector; then a <main>. */
struct html_page *web_page_begin(struct web_req *r, const char *page, const char *title);
/* Closes <main> and the page: 0, or -1 when a write failed. */
int web_page_end(struct web_req *r, struct html_page *p);
/* A page of plain text with a status (404, 400, 403...). */
void web_plain(struct web_req *r, int status, const char *text);

/* The section and control a rule id belongs to: the numeric clause in it
 * (8.1.3.2 -> section 8.1.3 and control 8.1.3.2; r8-3-4 -> 8 and 8.3.4;
 * 2.2.1 -> 2 and 2.2.1), else the word after the framework's prefix
 * (scg-vm-... -> vm). */
void web_section(const char *rule_id, char *section, size_t ns, char *control, size_t nc);

/* An evaluation's counts by status and severity, and by rule and status,
 * through the cache: 0 or a store error. */
int web_eval_counts(struct web_req *r, const struct evaluation_info *ev, struct counts *out);
int web_rule_counts(struct web_req *r, const struct evaluation_info *ev, store_rule_count_fn fn, void *ctx);

/* The rows of a /violations page, offset then at most limit of them, as
 * store_browse gives them, reading only the rules the page reaches when
 * the filter allows (paging.c): 0 or a store error.  ev: the snapshot's
 * latest evaluations. */
int web_browse(struct web_req *r, const struct browse_filter *flt, const struct evaluation_info *ev, unsigned nev,
	       long long off, long long limit, browse_fn fn, void *ctx);
/* A filter's counts by evaluation, rule and status, read once for a page
 * (its total, then its rows): 0 or a store error (*out NULL). */
struct web_counts;
int web_counts_read(struct web_req *r, const struct browse_filter *flt, struct web_counts **out, long long *total);
void web_counts_free(struct web_counts *c);
/* web_browse with the filter's counts already read (NULL: read them). */
int web_browse_counted(struct web_req *r, const struct browse_filter *flt, const struct web_counts *counts,
		       const struct evaluation_info *ev, unsigned nev, long long off, long long limit, browse_fn fn,
		       void *ctx);

/* Shared pieces of pages. */
void web_counts_row(struct html_page *p, const struct web_req *r, const struct counts *c);
void web_score(struct html_page *p, const struct web_req *r, const struct counts *c);
/* A horizontal stacked bar (pass, fail, unknown, waived) in an inline SVG. */
void web_bar(struct html_page *p, const struct counts *c, int width);
const char *web_status_class(enum rstatus s);
const char *web_status_label(const struct web_req *r, enum rstatus s);
const char *web_severity_label(const struct web_req *r, enum severity s);
/* Forms: <form method=get>, a <label> left open for its control, a labelled
 * input showing the parameter's value, a submit button. */
void web_form_open(struct html_page *p, const char *cls, const char *action);
void web_label_open(struct html_page *p, const struct web_req *r, const char *label);
void web_input(struct html_page *p, const struct web_req *r, const char *label, const char *name, const char *type);
/* web_input with a placeholder and a help text (its title), each
 * translated; either may be NULL. */
void web_input_hint(struct html_page *p, const struct web_req *r, const char *label, const char *name,
		    const char *type, const char *placeholder, const char *help);
void web_submit(struct html_page *p, const struct web_req *r, const char *label);
/* <input type=hidden>, when value is not NULL. */
void web_hidden(struct html_page *p, const char *name, const char *value);
void web_kv(struct html_page *p, const char *k, const char *v);
/* A remediation's numbers as text ("-" for a snapshot it has not), and the
 * row class of its state. */
struct web_remed_text {
	char id[24], rev[16], applied[24], proof[24], when[32];
};
void web_remed_text(struct web_remed_text *t, const struct remediation_rec *m);
const char *web_remed_class(enum remed_state s);
/* A time as YYYY-MM-DDTHH:MM:SSZ, "-" for 0. */
void web_time(char out[32], long long t);
/* A link to the finding page of rule on an object (baseline may be NULL:
 * the first baseline's result), in snapshot snap (0: the scope's).
 * Caller frees. */
char *web_finding_url(const struct web_req *r, const char *baseline, const char *rule, const char *type,
		      const char *moref, long long snap);

/* The pages; each returns 0, or a store error (the server answers 500). */
int ui_overview(struct web_req *r);
int ui_framework(struct web_req *r);
int ui_violations(struct web_req *r);
int ui_finding(struct web_req *r);
int ui_drift(struct web_req *r);
int ui_history(struct web_req *r);
int ui_waivers(struct web_req *r);
int ui_remediations(struct web_req *r);
/* The finding page's suggestion, review and remediation of violation vid
 * (ui_plan.c): 0 or a store error. */
int web_plan_section(struct html_page *p, struct web_req *r, const char *vid);
/* POST /review: records a decision with the write connection; the server
 * has checked the access and CSRF tokens. */
int ui_review(struct web_req *r);

/* The longest reviewer name and comment a review may carry, in bytes. */
#define WEB_REVIEWER_MAX 128
#define WEB_COMMENT_MAX 2000

#endif
