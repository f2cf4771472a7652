/* Steps and options that several commands share: choosing a stored
 * snapshot, loading baselines, site parameters and waivers, writing
 * reports, and the CI gate.  Each step logs its own error and returns 0 or
 * the exit code to use. */
#ifndef HARDEN_CMD_COMMON_H
#define HARDEN_CMD_COMMON_H

#include "cmd.h"
#include "config/targets.h"
#include "report/report.h"
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

/* The CI gate: --fail-on, and the options that refine it. */
struct gate {
	int fail_on;		/* a severity, or -1 for none */
	bool fail_on_new;	/* only results new since the reference snapshot count */
	long long since;	/* the reference snapshot; 0: the previous completed one */
	long long max_unknown;	/* -1: no limit */
	double min_score;	/* -1: no minimum */
};
#define GATE_INIT { SEV_CRITICAL, false, 0, -1, -1 }
extern const struct cmd_opt cmd_gate_opts[];
/* --fail-on alone, for report and evaluate. */
extern const struct cmd_opt cmd_fail_on_opt[];

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

/* Writes the report of evals to standard output in ra's format (unless
 * quiet, or an output goes there), then each --output, and fills total
 * with the counts.  Returns 0 or EXIT_STORE. */
int cmd_write_reports(const struct cmd_ctx *ctx, struct store *st, const struct snapshot_info *si,
		      const struct evaluation_info *evals, unsigned n, const struct report_args *ra, int fail_on,
		      bool drift, struct counts *total);

/* The --fail-on threshold over counts: EXIT_FINDINGS, EXIT_UNKNOWN or EXIT_CLEAN. */
int gate_exit(const struct counts *c, int fail_on);
/* The exit code of the whole gate over the evaluations of si, whose
 * counts are total; explains on stderr what tripped it. */
int cmd_gate(struct store *st, const struct snapshot_info *si, const struct evaluation_info *evals, unsigned nev,
	     const struct counts *total, const struct gate *g);

/* The targets file when one exists (ctx->targets, else left NULL), for
 * the commands that can do without it: 0 or EXIT_USAGE. */
int cmd_targets_optional(struct cmd_ctx *ctx);

struct catalog;
/* The skill catalog: pilot's get_skill_catalog when pilot starts, else
 * the catalog file shipped with harden (with an information line).
 * Returns 0, or EXIT_USAGE when neither is to be had. */
int cmd_catalog(struct cmd_ctx *ctx, struct catalog *cat);
#endif
