/* The twin: a SQLite file holding one snapshot per scan per target, the
 * objects and typed properties collected, and the evaluations of
 * baselines against snapshots. */
#ifndef HARDEN_STORE_H
#define HARDEN_STORE_H

#include <stdbool.h>

#include "status.h"
#include "util/error.h"
#include "util/util.h"
#include "vocab.h"

#define STORE_SCHEMA_VERSION 10

/* Errors (util/error.h), with the message in err_get(): every function
 * returning int returns 0 on success, HERR_STORE when the twin cannot be
 * read or written, and HERR_FULL when its disk or database is full, unless
 * its comment says otherwise.  A few return 1 for "there is none"; callback
 * walks (_each) return the callback's non-zero result when it stops them. */

struct store;

/* HERR_STORE also when the file is no twin or of a newer schema. */
int store_open(struct store **out, const char *path, bool readonly);
void store_close(struct store *st);
const char *store_path(const struct store *st);

/* The twin's health (health.c), for harden doctor: opened read-only
 * whatever its schema version, never written. */
struct store_health {
	long long bytes;	/* the file's size */
	long long schema_version;	/* PRAGMA user_version */
	long long snapshots, completed;
	char *quick_check;	/* PRAGMA quick_check: "ok", or its first problems */
	unsigned problems;	/* quick_check's rows other than "ok" */
};
/* 0 (problems may be non-zero), 1 when there is no file (the error set),
 * or HERR_STORE when it is no SQLite database or no twin (the error set). */
int store_health(const char *path, struct store_health *h);
void store_health_release(struct store_health *h);

/* Serialises scans on one database: an advisory lock on "<db>.lock".
 * Waits up to wait_s seconds; HERR_BUSY when another scan holds it.
 * Once held, snapshots left running by a killed scan are marked failed. */
int store_scan_lock(struct store *st, int wait_s);

int store_begin(struct store *st);
/* A savepoint inside the open transaction, to undo part of it. */
int store_savepoint(struct store *st);
int store_rollback_savepoint(struct store *st);
int store_commit(struct store *st);
void store_rollback(struct store *st);

struct scan_stats {
	long long objects;
	long long api_calls;
	long long bytes_received;
	double collect_ms;
	double store_ms;
};

int store_snapshot_begin(struct store *st, const char *target, const char *baselines,
			 const char *source_url, long long *id);
/* status: SNAP_COMPLETED or SNAP_FAILED; stats may be NULL. */
int store_snapshot_end(struct store *st, long long id, enum snap_status status, const char *error,
		       const struct scan_stats *stats);

struct snapshot_info {
	long long id;
	char *target;
	char *baselines;
	enum snap_status status;
	char *error;
	char *source_url;
	long long started_at, ended_at;
	struct scan_stats stats;
};
/* Parts: what each collector (part) of a snapshot achieved; stats may be
 * NULL.  HERR_INPUT when part or status is out of range. */
int store_part_set(struct store *st, long long snap, enum part part, enum part_status status, const char *url,
		   const char *error, const struct scan_stats *stats);
struct part_info {
	enum part part;
	enum part_status status;
	char *url, *error;
	long long objects, api_calls, bytes_received;
	double ms;
};
/* The parts of a snapshot, vcenter first; snapshots older than parts have
 * none, and parts this harden does not know are left out. */
int store_parts(struct store *st, long long snap, struct part_info **out, unsigned *n);
const struct part_info *part_find(const struct part_info *v, unsigned n, enum part part);
void part_list_free(struct part_info *v, unsigned n);

/* 0, or 1 when there is no such snapshot.  A snapshot left running by a
 * scan that no longer holds the lock reads as failed. */
int store_snapshot_get(struct store *st, long long id, struct snapshot_info *out);
void snapshot_info_release(struct snapshot_info *si);
/* Every snapshot of target (every target when NULL), by target then id;
 * a running one whose scan is gone reads as failed.  fn returning
 * non-zero stops (returned when negative). */
typedef int (*store_snapshot_fn)(void *ctx, const struct snapshot_info *si);
int store_snapshots_each(struct store *st, const char *target, store_snapshot_fn fn, void *ctx);
/* The newest completed snapshot of target (any target when NULL): 0, or
 * 1 when there is none. */
int store_snapshot_latest(struct store *st, const char *target, long long *id);
/* The newest completed snapshot of target older than snap: 0, or 1 when
 * there is none. */
int store_snapshot_previous(struct store *st, const char *target, long long snap, long long *prev);

/* The targets the twin holds snapshots of, by name. */
int store_targets(struct store *st, struct strlist *out);
/* The ids of target's snapshots (every status), newest first; caller
 * frees *ids. */
int store_snapshot_ids(struct store *st, const char *target, long long **ids, unsigned *n);

/* Objects and properties of a snapshot being written. */
int store_object_add(struct store *st, long long snap, const char *type, const char *moref,
		     const char *name, long long *id);
/* value NULL records the property as not collected. */
int store_prop(struct store *st, long long obj, const char *name, enum ptype type, const char *value);

struct sprop {
	char *name;
	enum ptype type;
	bool collected;
	char *value;
};

struct sobject {
	long long id;
	char *type;
	char *moref;
	char *name;
	struct sprop *props;	/* sorted by name */
	unsigned nprops;
};
const struct sprop *sobject_find(const struct sobject *o, const char *name);

typedef int (*store_object_fn)(void *ctx, const struct sobject *o);
/* Calls fn for each object of type (all types when NULL), one at a time. */
int store_objects_each(struct store *st, long long snap, const char *type, store_object_fn fn, void *ctx);
/* The same for the objects whose name or moref matches glob (NULL: all). */
int store_objects_matching(struct store *st, long long snap, const char *type, const char *glob, store_object_fn fn,
			   void *ctx);

/* Evaluations. */
struct eval_meta {
	const char *baseline_id;
	const char *baseline_title;
	const char *baseline_version;
	const char *baseline_path;
	const char *kind;	/* scan or evaluate */
	const char *params;	/* parameters in force: JSON array of {name, value, source} */
};
int store_evaluation_begin(struct store *st, long long snap, const struct eval_meta *m, long long *id);
int store_evaluation_end(struct store *st, long long id, double eval_ms);
int store_eval_rule(struct store *st, long long eval, const char *rule_id, const char *title,
		    enum severity severity, const char *object_type, const char *details_json);
/* waiver: the row of the waiver that matched, or 0. */
int store_finding(struct store *st, long long eval, const char *rule_id, long long obj, enum rstatus status,
		  const char *property, const char *observed, const char *expected, long long waiver);
/* Records a waiver in force for an evaluation. */
int store_waiver(struct store *st, long long eval, const char *rule_id, const char *selector,
		 const char *justification, const char *approver, const char *expires, const char *ticket,
		 const char *source, bool expired, long long *id);

struct finding_row {
	const char *rule_id, *title, *object_type, *details_json;
	enum severity severity;
	enum rstatus status;
	const char *property, *observed, *expected;
	const char *moref, *object_name;
	long long object_id;
	/* The waiver that matched, if any (justification NULL when none). */
	const char *waiver_justification, *waiver_approver, *waiver_expires, *waiver_ticket;
	bool waiver_expired;
};
typedef int (*store_finding_fn)(void *ctx, const struct finding_row *f);
/* Findings of an evaluation, ordered by severity (highest first), rule and
 * object name; a status or severity this harden does not know is left out. */
int store_findings_each(struct store *st, long long eval, store_finding_fn fn, void *ctx);
/* Which findings a view lists; every member is optional (0 or NULL: no
 * condition).  Globs are shell patterns (*, ?, [...]) as SQLite's GLOB
 * reads them, case-sensitive. */
struct finding_filter {
	unsigned severities;	/* a bit (1u << enum severity) for each listed */
	unsigned statuses;	/* a bit (1u << enum rstatus) for each listed */
	const char *rule;	/* glob on the rule id */
	const char *object;	/* glob on the object's name or moref */
	const char *type;	/* the object type, exactly */
};
/* Whether ff (may be NULL) has any condition. */
bool finding_filter_active(const struct finding_filter *ff);
/* store_findings_each's findings that pass ff (NULL: all), in its order;
 * the conditions are SQL, so filtered rows are never read. */
int store_findings_filtered(struct store *st, long long eval, const struct finding_filter *ff, store_finding_fn fn,
			    void *ctx);

struct evaluation_info {
	long long id;
	long long snapshot_id;
	char *baseline_id, *baseline_title, *baseline_version, *kind;
	char *params;		/* JSON array of {name, value, source}; NULL before schema 5 */
	long long created_at;
	double eval_ms;
};
/* Evaluations of a snapshot, oldest first; caller frees with evaluation_list_free. */
int store_evaluations(struct store *st, long long snap, struct evaluation_info **out, unsigned *n);
void evaluation_list_free(struct evaluation_info *v, unsigned n);
/* The snapshot an evaluation belongs to: 0, or 1 when there is none. */
int store_evaluation_snapshot(struct store *st, long long eval, long long *snap);

/* Pruning: the snapshots of target (every target when NULL) to remove,
 * oldest first.  keep > 0 keeps the newest keep completed snapshots and
 * whatever is newer than the oldest of them; before > 0 removes those
 * started before that time.  Running snapshots and each target's latest
 * completed snapshot are never chosen.  Caller frees *ids. */
int store_prune_select(struct store *st, const char *target, long long keep, long long before, long long **ids,
		       unsigned *n);
/* Removes snapshots and everything that belongs to them, in one transaction. */
int store_snapshots_delete(struct store *st, const long long *ids, unsigned n);
/* Gives the pages that removing freed back to the file system: an
 * incremental vacuum, or, on a twin made before twins vacuumed
 * incrementally, one full VACUUM that switches it over.  *freed gets the
 * bytes the file shrank by. */
int store_reclaim(struct store *st, long long *freed);

/* Object counts of a snapshot per type, "host=6 vm=12 ..." style. */
int store_object_count(struct store *st, long long snap, const char *type, long long *n);

/* Read-only SQL checks.  The query sees two views of one snapshot only:
 *   objects(moref, type, name)
 *   props(moref, type, name, value, collected)
 * and returns the morefs of the objects that fail, with an optional second
 * column for the value seen.  It runs on a read-only connection whose
 * authorizer allows nothing but reading those views, under a time limit and
 * size limits (a value of STORE_SQL_MAX_VALUE bytes, 64 KiB of SQL, an
 * expression depth of 100) that one function call cannot get past. */
#define STORE_SQL_TIMEOUT_MS 10000
/* The largest value (string, blob, row) an SQL check may build or read. */
#define STORE_SQL_MAX_VALUE (1024 * 1024)
#define STORE_SQL_MAX_VALUE_TEXT "1 MiB"
typedef int (*store_sql_fn)(void *ctx, const char *moref, const char *observed);
/* Checks that sql would be accepted: 0, or HERR_INPUT with the reason, or
 * HERR_STORE when no connection to check it on can be had. */
int store_sql_validate(const char *sql);
/* HERR_INPUT when the SQL is refused or runs out of time or size, HERR_STORE when
 * the twin cannot be read, or fn's non-zero result. */
int store_sql_check(struct store *st, long long snap, const char *sql, int timeout_ms, store_sql_fn fn, void *ctx);

/* Result counts of an evaluation, one call per (status, severity) present;
 * counts_add (status.h) adds them to a struct counts. */
typedef void (*store_count_fn)(void *ctx, enum rstatus status, enum severity severity, long long n);
int store_eval_counts(struct store *st, long long eval, store_count_fn fn, void *ctx);

/* Suggestions and remediations (remediation.c).  A suggestion is stored
 * whole as JSON; each advise of a violation adds a revision. */
struct suggestion_rec {
	long long id;
	char *violation_id, *target, *rule_id, *object_type, *moref, *object_name;
	int revision;
	char *body, *source;	/* the Suggestion as JSON; "baseline", or the model */
	long long snapshot_id, created_at;
};
/* Adds s as the next revision of its violation; sets s->id, s->revision. */
int store_suggestion_add(struct store *st, struct suggestion_rec *s);
/* A violation's suggestion: revision 0 means the latest.  0, or 1 when
 * there is none; release *out with suggestion_rec_release. */
int store_suggestion_get(struct store *st, const char *vid, int revision, struct suggestion_rec *out);
void suggestion_rec_release(struct suggestion_rec *s);

enum remed_state {
	RM_SUBMITTED,		/* handed to pilot; not yet proven */
	RM_VERIFIED,		/* a later scan found the violation gone */
	RM_NOT_EFFECTIVE,	/* pilot completed, the violation still fails */
	RM_FAILED,		/* pilot's workflow failed */
	RM_ROLLED_BACK,		/* pilot rolled the workflow back */
	RM_CANCELLED,		/* the workflow was cancelled */
	RM_COUNT
};
const char *remed_state_name(enum remed_state s);
int remed_state_parse(const char *s, enum remed_state *out);
/* Whether a later scan may still verify it. */
bool remed_state_open(enum remed_state s);

struct remediation_rec {
	long long id;
	char *violation_id, *target, *rule_id, *object_type, *moref;
	int suggestion_revision;
	char *workflow_id, *approver, *pilot_state, *message;
	enum remed_state state;
	long long applied_snapshot, proof_snapshot, created_at, updated_at;
};
/* Records a remediation; sets r->id. */
int store_remediation_add(struct store *st, struct remediation_rec *r);
/* Sets the state, pilot's state (NULL keeps it), the proving snapshot (0
 * keeps it) and the message (NULL keeps it). */
int store_remediation_update(struct store *st, long long id, enum remed_state state, const char *pilot_state,
			     long long proof_snapshot, const char *message);
/* 0, or 1 when there is none; release with remediation_rec_release. */
int store_remediation_get(struct store *st, long long id, struct remediation_rec *out);
void remediation_rec_release(struct remediation_rec *r);
typedef int (*store_remediation_fn)(void *ctx, const struct remediation_rec *r);
/* Remediations of target (all when NULL), newest first. */
int store_remediations_each(struct store *st, const char *target, store_remediation_fn fn, void *ctx);
/* A finding's status for rule and object in the latest evaluation of snap
 * that evaluated it: 0 with *status, 2 when snap evaluated the rule but
 * the object is gone (deleted: the violation with it), or 1 when the rule
 * was not evaluated on that object. */
int store_finding_status(struct store *st, long long snap, const char *rule_id, const char *object_type,
			 const char *moref, enum rstatus *status);
/* After a scan: each open remediation of target whose violation no longer
 * fails in snap becomes verified with snap as proof; one whose workflow
 * completed while the violation still fails becomes not_effective.
 * *verified and *not_effective (may be NULL) get the counts. */
int store_remediations_verify(struct store *st, const char *target, long long snap, unsigned *verified,
			      unsigned *not_effective);

/* Reviews (review.c): a reviewer's decision on one revision of a
 * violation's suggestion, recorded by harden web --allow-review; the
 * latest decision on a violation is the one in force. */
enum review_decision { REVIEW_APPROVE, REVIEW_REJECT, REVIEW_COUNT };
const char *review_decision_name(enum review_decision d);
int review_decision_parse(const char *s, enum review_decision *out);
struct review_rec {
	long long id;
	char *violation_id, *target;
	int revision;
	enum review_decision decision;
	char *reviewer, *comment;
	long long decided_at;
	long long remediation_id;	/* 0 until apply --approved submits it */
};
/* Records r (violation_id, revision, decision, reviewer, comment; the
 * target is the suggestion's) and sets r->id and r->decided_at; 1, with
 * the error set, when the violation has no suggestion or revision is not
 * its latest. */
int store_review_add(struct store *st, struct review_rec *r);
/* Links a decision to the remediation submitted for it. */
int store_review_mark(struct store *st, long long id, long long remediation_id);
void review_rec_release(struct review_rec *r);
typedef int (*store_review_fn)(void *ctx, const struct review_rec *r);
/* The decisions on a violation, newest first, at most limit. */
int store_reviews_of(struct store *st, const char *vid, long long limit, store_review_fn fn, void *ctx);

/* A plan: a violation's latest suggestion revision, the latest decision
 * on the violation (any revision; reviewed false when none) and the
 * remediation submitted for that revision (0: none).  Text is valid
 * during the callback only. */
struct plan_row {
	const char *violation_id, *rule_id, *object_type, *moref, *object_name, *body, *source;
	int revision;
	long long created_at, snapshot_id;
	bool reviewed;
	long long review_id;
	int review_revision;
	enum review_decision decision;
	const char *reviewer, *comment;
	long long decided_at, review_remediation;
	long long remediation_id;
};
typedef int (*store_plan_fn)(void *ctx, const struct plan_row *p);
/* The plans of target, newest suggestion first, at most limit. */
int store_plans_each(struct store *st, const char *target, long long limit, store_plan_fn fn, void *ctx);
/* The newest remediation of a violation: 0, or 1 when there is none;
 * release with remediation_rec_release. */
int store_remediation_latest(struct store *st, const char *vid, struct remediation_rec *out);
/* How long a connection waits for another's write lock before HERR_BUSY
 * (10 s unless set). */
void store_busy_wait(struct store *st, int ms);

/* Browsing (harden web): bounded, indexed reads for pages. */

/* Which results of a snapshot a page shows.  NULL strings and negative
 * enums are no filter.  The snapshot's results are those of the latest
 * evaluation of each baseline. */
enum browse_sort { BROWSE_SEVERITY, BROWSE_RULE, BROWSE_OBJECT, BROWSE_STATUS, BROWSE_SORT_COUNT };
struct browse_filter {
	long long snapshot;
	const char *baseline, *rule, *object, *moref, *cluster, *search;
	int severity;		/* enum severity, or -1 */
	int status;		/* enum rstatus, or -1; -2: fail, unknown and waived */
	enum browse_sort sort;
};
/* The words of a search, lower-cased, added to words: split on white
 * space; a word that begins with a double quote runs to the next one (or
 * the end), spaces included; empty words and repeats dropped.  A row
 * matches when each word occurs in one of its rule id, title, object name,
 * moref, property and observed value (ASCII case ignored).  HERR_INPUT
 * when there are more than STORE_SEARCH_WORDS_MAX. */
#define STORE_SEARCH_WORDS_MAX 32
int store_search_words(const char *q, struct strlist *words);
struct browse_row {
	struct finding_row f;
	const char *baseline_id;
	long long evaluation_id;
};
typedef int (*browse_fn)(void *ctx, const struct browse_row *r);
/* The rows of the filter, offset then at most limit of them. */
int store_browse(struct store *st, const struct browse_filter *flt, long long offset, long long limit, browse_fn fn,
		 void *ctx);
/* How many rows the filter has. */
int store_browse_count(struct store *st, const struct browse_filter *flt, long long *n);

/* The latest evaluation of each baseline of a snapshot, by baseline id. */
int store_latest_evaluations(struct store *st, long long snap, struct evaluation_info **out, unsigned *n);
/* Result counts of an evaluation by rule and status, and the rules it
 * evaluated (rule id order). */
typedef void (*store_rule_count_fn)(void *ctx, const char *rule_id, enum rstatus status, long long n);
int store_rule_counts(struct store *st, long long eval, store_rule_count_fn fn, void *ctx);
typedef int (*store_rule_fn)(void *ctx, const char *rule_id, const char *title, enum severity sev,
			     const char *object_type, const char *details_json);
int store_eval_rules(struct store *st, long long eval, store_rule_fn fn, void *ctx);
/* store_rule_counts of the snapshot's latest evaluations under the
 * filter, by evaluation (id order), then rule. */
typedef void (*store_eval_count_fn)(void *ctx, long long eval, const char *rule_id, enum rstatus status,
				    long long n);
int store_browse_rule_counts(struct store *st, const struct browse_filter *flt, store_eval_count_fn fn, void *ctx);
/* store_browse sorted by object (flt->sort is not read). */
int store_browse_by_object(struct store *st, const struct browse_filter *flt, long long offset, long long limit,
			   browse_fn fn, void *ctx);

/* A property of an object of a snapshot, by type and moref: 0, or 1 when
 * the object has no such property. */
int store_object_prop(struct store *st, long long snap, const char *type, const char *moref, const char *name,
		      bool *collected, char **value);

/* Waivers recorded with the latest evaluations of a snapshot. */
struct waiver_row {
	const char *baseline_id, *rule_id, *selector, *justification, *approver, *expires, *ticket, *source;
	bool expired;
};
typedef int (*store_waiver_fn)(void *ctx, const struct waiver_row *w);
int store_waivers_each(struct store *st, long long snap, store_waiver_fn fn, void *ctx);

/* The stored drift pairs of target, newest first, with event counts per
 * kind name (kind NULL and n 0 for a pair without events). */
typedef int (*store_pair_fn)(void *ctx, long long from, long long to, const char *kind, long long n);
int store_drift_pairs(struct store *st, const char *target, store_pair_fn fn, void *ctx);

/* Results of evaluation b whose status differs from the same baseline,
 * rule and object in evaluation a of snapshot snap_a (all results when
 * all); old_status NULL when a had none.  At most limit rows. */
typedef int (*store_compare_fn)(void *ctx, const char *rule_id, const char *object_type, const char *moref,
				const char *object_name, const char *old_status, const char *new_status);
int store_compare_results(struct store *st, long long a, long long snap_a, long long b, bool all, long long limit,
			  store_compare_fn fn, void *ctx);
#endif
