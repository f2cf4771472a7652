/* Steps and options that several commands share: choosing a stored
 * snapshot, loading baselines, site parameters and waivers, writing
 * reports, and the CI gate.  Each step logs its own error and returns 0 or
 * the exit code to use. */
#ifndef HARDEN_CMD_COMMON_H
#define HARDEN_CMD_COMMON_H

#include "cmd.h"
#include "config/targets.h"
#include "report/report.h"
#include "report/since.h"
#include "rules/rules.h"
#include "rules/waiver.h"
#include "store/store.h"

/* --target and --snapshot: which stored snapshot a command means. */
struct pick_args {
	const char *target, *snapshot;
};
extern const struct cmd_opt cmd_pick_opts[];
/* table or json, for the commands that print no results. */
extern const char *const cmd_table_json[];

/* --baseline, --set and --waivers. */
struct baseline_args {
	struct strlist names;
	struct strlist sets;
	const char *waivers;
};
extern const struct cmd_opt cmd_baseline_opts[];

/* --format, --output and --all for the commands that report results. */
struct output_list {
	struct report_output *v;
	unsigned n;
};
struct report_args {
	int format;		/* enum rformat, or -1 when --format was not given */
	struct output_list outputs;
	bool all;
	FILE *out;		/* where --format goes; NULL: standard output */
};
extern const struct cmd_opt cmd_report_opts[];
#define REPORT_ARGS_INIT { .format = -1 }
extern const char *const cmd_report_formats[];
/* Frees what --output allocated. */
void cmd_report_args_release(struct report_args *ra);

/* What a report lists: --severity, --status, --rule, --object, --type and
 * --group-by (scan, report); inventory takes --object and --type alone.
 * Counts and score are never filtered. */
struct view_args {
	struct finding_filter f;
	int group_by;		/* 0: each finding, 1: one entry per rule */
};
extern const struct cmd_opt cmd_view_opts[];
extern const struct cmd_opt cmd_object_opts[];

/* The CI gate: --fail-on, and the options that refine it. */
struct gate {
	int fail_on;		/* a severity, or -1 for none */
	bool fail_on_new;	/* only results new since the reference count */
	long long since;	/* the reference snapshot; 0: the previous completed one */
	const char *since_report;	/* or a report (JSON or SARIF) an earlier run wrote */
	long long max_unknown;	/* -1: no limit */
	double min_score;	/* -1: no minimum */
};
#define GATE_INIT { SEV_CRITICAL, false, 0, NULL, -1, -1 }
extern const struct cmd_opt cmd_gate_opts[];

/* The snapshot a command means: snapshot id `which` (or 'latest'), or the
 * target's latest; with known_id > 0, that one.  It must be completed. */
int cmd_completed_snapshot(struct store *st, const char *target, const char *which, long long known_id,
			   struct snapshot_info *si);
/* Resolves and loads baselines by name or path, refusing an id given twice. */
int cmd_load_baselines(const struct strlist *names, struct baseline ***out);
void cmd_free_baselines(struct baseline **bl, size_t n);
/* Binds site parameters: the target's own (t may be NULL), then each
 * --set NAME=VALUE, the last winning.  A --set that no baseline declares is
 * refused; a target's parameter for another baseline is ignored. */
int cmd_bind_params(struct baseline **bl, size_t n, const struct target *t, const struct strlist *sets);
/* Loads a waiver file (path may be NULL: none), warning about expired ones. */
int cmd_load_waivers(const char *path, struct waivers *w);

/* What --fail-on-new compares with, loaded before any work: --since-report
 * FILE, else snapshot --since, else the completed snapshot of target before
 * snapshot `before` (0: its latest).  ref is left empty (what NULL) when
 * the gate compares nothing.  Returns 0, EXIT_USAGE or EXIT_STORE. */
int cmd_gate_prepare(struct store *st, const char *target, long long before, const struct gate *g,
		     struct since *ref);

/* Works out the gate over the evaluations of si (g may be NULL: none;
 * ref as cmd_gate_prepare left it), then writes the report to ra->out
 * (standard output when NULL) in ra's format (unless quiet, or an output goes there) and each
 * --output, the JSON carrying the gate's outcome; view (may be NULL)
 * filters and groups the rows listed.  part_exit, when not 0,
 * is the exit code a failed collection part imposes (it outranks the
 * gate).  Returns the command's exit code. */
int cmd_report_gate(const struct cmd_ctx *ctx, struct store *st, const struct snapshot_info *si,
		    const struct evaluation_info *evals, unsigned n, const struct report_args *ra, const struct gate *g,
		    const struct since *ref, bool drift, const struct view_args *view, int part_exit);

/* The --fail-on threshold over counts: EXIT_FINDINGS, EXIT_UNKNOWN or EXIT_CLEAN. */
int gate_exit(const struct counts *c, int fail_on);

/* The targets file when one exists (ctx->targets, else left NULL), for
 * the commands that can do without it: 0 or EXIT_USAGE. */
int cmd_targets_optional(struct cmd_ctx *ctx);

struct catalog;
/* The skill catalog: pilot's get_skill_catalog when pilot starts, else
 * the catalog file shipped with harden (with an information line).
 * Returns 0, or EXIT_USAGE when neither is to be had. */
int cmd_catalog(struct cmd_ctx *ctx, struct catalog *cat);
#endif
