/* What --fail-on-new compares with: the failing and unknown results of a
 * reference, read from a completed snapshot in the twin or from a harden
 * report (JSON or SARIF) that an earlier run wrote, so that a CI runner
 * that starts with an empty twin still has a baseline to compare with.
 *
 * A result is the same as a reference result when both have the same
 * violation id (target, rule, object type and moref: violation_id()) and
 * the same status; a rule's aliases count as the rule itself, as drift
 * counts them.  Errors: 0, or HERR_INPUT (an unreadable or foreign
 * report) / HERR_STORE, with the error set. */
#ifndef HARDEN_REPORT_SINCE_H
#define HARDEN_REPORT_SINCE_H

#include <jansson.h>
#include <stdbool.h>

#include "store/store.h"
#include "util/error.h"

struct since {
	json_t *keys;		/* "V-XXXXXXXX fail" -> true */
	char *what;		/* "snapshot 41" or "report FILE (json)" */
	bool empty_reference;	/* no reference at all: every result is new */
};

/* The scan results of snapshot snap (the latest scan evaluation of each
 * baseline). */
enum herr since_from_snapshot(struct since *s, struct store *st, long long snap);
/* A harden JSON (schema harden.scan) or SARIF report of target at path;
 * anything else, or a report of another target, is refused. */
enum herr since_from_report(struct since *s, const char *path, const char *target);
/* Nothing to compare with. */
void since_none(struct since *s, const char *why);
void since_release(struct since *s);

/* Whether result r of target is new: failing or unknown, and not so in the
 * reference.  Other statuses are never new. */
bool since_is_new(const struct since *s, const char *target, const struct finding_row *r);

#endif
