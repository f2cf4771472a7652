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
void waivers_release(struct waivers *w);
/* Today's date in UTC, as waivers compare it. */
void waivers_today(char out[11]);
/* The waiver for a failing result of rule on object o: an active one if
 * any matches, else an expired one, else NULL.  A waiver written against
 * one of the rule's aliases (its earlier ids; may be NULL) matches too. */
const struct waiver *waivers_match(const struct waivers *w, const char *rule, const struct strlist *aliases,
				   const struct sobject *o);

#endif
