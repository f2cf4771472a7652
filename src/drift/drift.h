/* Drift: typed differences between two completed snapshots of a target,
 * computed in the twin and stored, and the history of an object's
 * properties across snapshots.  Errors as the store's (store/store.h):
 * 0, HERR_STORE or HERR_FULL; the previous snapshot of a target is
 * store_snapshot_previous. */
#ifndef HARDEN_DRIFT_H
#define HARDEN_DRIFT_H

#include <stdbool.h>

#include "store/store.h"

/* Event kinds.  Object and property events come from the collected data;
 * posture events from the scan evaluations of baselines both snapshots
 * were evaluated against. */
#define DRIFT_KINDS \
	X(OBJECT_ADDED, "object_added") \
	X(OBJECT_REMOVED, "object_removed") \
	X(PROPERTY_CHANGED, "property_changed") \
	X(PROPERTY_COLLECTED, "property_collected") \
	X(PROPERTY_UNCOLLECTED, "property_uncollected") \
	X(REGRESSED, "regressed") \
	X(FIXED, "fixed") \
	X(BECAME_UNKNOWN, "became_unknown") \
	X(WAIVER_EXPIRED, "waiver_expired")

enum drift_kind {
#define X(e, s) DK_##e,
	DRIFT_KINDS
#undef X
	DK_COUNT
};
const char *drift_kind_name(enum drift_kind k);

/* Computes the drift from snapshot from to snapshot to (both completed, of
 * one target) and stores it, replacing what was stored for the pair.
 * Objects of a part (NSX) that did not complete in both are left out, so a
 * failed NSX collection never reads as every DFW rule removed.  counts,
 * if not NULL, gets the number of events per kind. */
int drift_compute(struct store *st, long long from, long long to, long long counts[DK_COUNT]);
/* Whether the pair's drift was computed: 0 yes, 1 no. */
int drift_stored(struct store *st, long long from, long long to);

struct drift_event {
	enum drift_kind kind;
	const char *object_type, *moref, *object_name;
	const char *property;	/* property events: its name; posture events: the rule id */
	const char *baseline_id;	/* posture events */
	const char *old_value, *new_value;	/* NULL: absent (property) */
};
typedef int (*drift_event_fn)(void *ctx, const struct drift_event *e);
/* The stored events of a pair, objects by type and name; object, when not
 * NULL, keeps those whose name or moref it equals. */
int drift_events_each(struct store *st, long long from, long long to, const char *object, drift_event_fn fn,
		      void *ctx);

struct history_point {
	long long snapshot_id;
	long long started_at;
	const char *object_type, *moref, *object_name;
	const char *property;
	bool present;		/* false: the property was absent on the object */
	bool collected;
	const char *value;
};
typedef int (*history_fn)(void *ctx, const struct history_point *p);
/* Every completed snapshot of target holding an object whose name or moref
 * is object, property by property (only property when not NULL), oldest
 * snapshot first. */
int drift_history_each(struct store *st, const char *target, const char *object, const char *property,
		       history_fn fn, void *ctx);

#endif
