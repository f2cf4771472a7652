/* The scan pipeline: read the target's passwords, take the twin's scan
 * lock, collect each part of the target (vCenter, then NSX) into a new
 * snapshot in a transaction of its own, evaluate the baselines against it
 * and store the drift since the previous scan.  The command (cmd_scan.c)
 * adds only what a command knows: options, reports and the gate. */
#ifndef HARDEN_SCAN_H
#define HARDEN_SCAN_H

#include <stdbool.h>

#include "common/sink.h"
#include "config/targets.h"
#include "rules/rules.h"
#include "rules/waiver.h"
#include "store/store.h"
#include "util/error.h"

/* One part of a target collected by a worker thread (scan_run_many). */
struct scan_job_part {
	struct batch batch;
	int rc;			/* the collection's result */
	char *msg;		/* its error */
	struct scan_stats stats;
};

struct scan {
	/* What to scan, set by the caller. */
	const struct target *target;
	struct baseline **baselines;
	size_t nbaselines;
	const struct waivers *waivers;
	const char *waiver_source;
	int page_size;		/* objects per RetrievePropertiesEx page */
	int retrievals;		/* vCenter retrievals at once (0: the default) */
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
	/* scan_run_many's state for this target. */
	struct {
		long long snap;
		struct scan_job_part part[PART_COUNT];
		bool collected, written;
		enum herr rc;	/* what scan_run would have returned */
		char *error;	/* and its message */
	} job;
	int interrupted;	/* SIGINT or SIGTERM stopped the scan (see util/interrupt.h) */
	long long failed_id;	/* the snapshot marked failed, or 0 */
};

/* Reads the passwords and warns about endpoints without TLS verification,
 * before anything touches the twin. */
enum herr scan_prepare(struct scan *s);
/* Collects, evaluates and stores drift.  Returns 0 with the evaluations
 * in s (s->part_err tells of a failed NSX part), or an error: the
 * snapshot is then marked failed and earlier snapshots are untouched.
 * After SIGINT or SIGTERM (util/interrupt.h) it stops at the next transfer
 * or step, logs out, marks the snapshot failed ("interrupted by SIGINT"),
 * sets s->interrupted and returns HERR_COLLECT without a message. */
enum herr scan_run(struct scan *s, struct store *st);
void scan_release(struct scan *s);
/* Several targets (each prepared with scan_prepare): their snapshots are
 * begun, their collections run in up to jobs threads into memory, and
 * this thread alone writes each into the twin as it arrives, evaluates it
 * and stores its drift; a target that fails does not stop the others.
 * Each target's result is v[i]->job.rc.  Returns HERR_BUSY when the twin's
 * lock is held, HERR_STORE or HERR_FULL when the twin failed, else 0. */
enum herr scan_run_many(struct scan **v, size_t n, struct store *st, int jobs);

/* Evaluates each baseline against a completed snapshot as a new evaluation
 * of kind ("scan" or "evaluate"); *evals (freed with evaluation_list_free)
 * lists them and *ms gets the time taken. */
enum herr scan_evaluate(struct store *st, const struct snapshot_info *si, struct baseline **bl, size_t n,
			const char *kind, const struct waivers *w, const char *waiver_source,
			struct evaluation_info **evals, unsigned *nevals, double *ms);

#endif
