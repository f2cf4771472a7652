/* The scan pipeline: read the target's passwords, take the twin's scan
 * lock, collect each part of the target (vCenter, then NSX) into a new
 * snapshot in a transaction of its own, evaluate the baselines against it
 * and store the drift since the previous scan.  The command (cmd_scan.c)
 * adds only what a command knows: options, reports and the gate. */
#ifndef HARDEN_SCAN_H
#define HARDEN_SCAN_H

#include <stdbool.h>

#include "config/targets.h"
#include "rules/rules.h"
#include "rules/waiver.h"
#include "store/store.h"
#include "util/error.h"

struct scan {
	/* What to scan, set by the caller. */
	const struct target *target;
	struct baseline **baselines;
	size_t nbaselines;
	const struct waivers *waivers;
	const char *waiver_source;
	int page_size;		/* objects per RetrievePropertiesEx page */
	int wait_s;		/* how long to wait for another scan's lock */
	bool progress;		/* a progress line on stderr */
	bool quiet;		/* no information lines */
	bool collect_all;	/* request everything, not only what the baselines read */

	/* What it did, filled by scan_prepare and scan_run. */
	struct prop_needs needs;	/* what the collectors request */
	char *vc_password, *nsx_password;
	struct snapshot_info snapshot;	/* the new snapshot, once completed */
	struct evaluation_info *evals;
	unsigned nevals;
	struct scan_stats stats;
	double eval_ms, drift_ms;
	enum herr part_err;	/* a part that failed without stopping the scan (NSX) */
};

/* Reads the passwords and warns about endpoints without TLS verification,
 * before anything touches the twin. */
enum herr scan_prepare(struct scan *s);
/* Collects, evaluates and stores drift.  Returns 0 with the evaluations
 * in s (s->part_err tells of a failed NSX part), or an error: the
 * snapshot is then marked failed and earlier snapshots are untouched. */
enum herr scan_run(struct scan *s, struct store *st);
void scan_release(struct scan *s);

/* Evaluates each baseline against a completed snapshot as a new evaluation
 * of kind ("scan" or "evaluate"); *evals (freed with evaluation_list_free)
 * lists them and *ms gets the time taken. */
enum herr scan_evaluate(struct store *st, const struct snapshot_info *si, struct baseline **bl, size_t n,
			const char *kind, const struct waivers *w, const char *waiver_source,
			struct evaluation_info **evals, unsigned *nevals, double *ms);

#endif
