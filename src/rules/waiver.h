/* Waivers: justified, approved, expiring exceptions for findings.  A waiver
 * names a rule and selects objects; a failing result it matches is
 * reported as waived and does not fail the gate, until it expires. */
#ifndef HARDEN_WAIVER_H
#define HARDEN_WAIVER_H

#include <stdbool.h>
#include <stddef.h>

#include "store/store.h"
#include "util/util.h"

struct waiver {
	char *rule;		/* rule id */
	char *baseline;		/* the baseline whose evaluation it applies to, or NULL: any */
	char *moref;		/* selectors: each optional, all must match */
	char *name;		/* glob on the object's name */
	char *cluster;		/* glob on the object's cluster property */
	char *justification;
	char *approver;
	char *expires;		/* YYYY-MM-DD, the last day it applies */
	char *ticket;
	char *where;		/* file:line:col */
	bool expired;
	long long id;		/* its row in the twin, once stored */
};

struct waivers {
	struct waiver *v;
	size_t n;
};

/* Loads a waiver file; today is "YYYY-MM-DD" (UTC) and decides expiry. */
int waivers_load(struct waivers *w, const char *path, const char *today);
/* The same from memory; name stands for the file in messages. */
int waivers_parse(struct waivers *w, const char *name, const char *text, size_t len, const char *today);
/* For waiver lint: parses past a bad waiver, adding each error
 * ("file:line:col: reason") to errs and keeping the good waivers in w.
 * Returns the number of errors (0: w holds every waiver). */
int waivers_check(struct waivers *w, const char *path, const char *today, struct strlist *errs);
void waivers_release(struct waivers *w);
/* Today's date in UTC, as waivers compare it. */
void waivers_today(char out[11]);
/* The waiver for a failing result of rule of baseline (its id) on object
 * o: an active one if any matches, else an expired one, else NULL.  A
 * waiver written against one of the rule's aliases (its earlier ids; may
 * be NULL) matches too; one that names another baseline does not. */
const struct waiver *waivers_match(const struct waivers *w, const char *baseline, const char *rule,
				   const struct strlist *aliases, const struct sobject *o);
/* Whether w applies to the evaluation of baseline (its id). */
bool waiver_for_baseline(const struct waiver *w, const char *baseline);
/* Whether w's selectors (moref, name, cluster) select o. */
bool waiver_selects(const struct waiver *w, const struct sobject *o);

#endif
