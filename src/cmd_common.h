/* Steps that several commands share: choosing a stored snapshot, loading
 * baselines, evaluating and reporting.  Each logs its own error and returns
 * 0 or the exit code to use. */
#ifndef HARDEN_CMD_COMMON_H
#define HARDEN_CMD_COMMON_H

#include "cmd.h"
#include "config/targets.h"
#include "report/report.h"
#include "rules/rules.h"
#include "rules/waiver.h"
#include "store/store.h"

/* The completed snapshot a command means: snapshot id `which` (or 'latest'),
 * or the target's latest; with known_id > 0, that one.  Fills si. */
int cmd_completed_snapshot(struct store *st, const char *target, const char *which, long long known_id,
			   struct snapshot_info *si);
/* Resolves and loads baselines by name or path, refusing an id given twice. */
int cmd_load_baselines(const struct strlist *names, struct baseline ***out);
void cmd_free_baselines(struct baseline **bl, size_t n);
/* Binds site parameters: the target's own (t may be NULL), then each
 * --set NAME=VALUE, the last winning.  A --set that no baseline declares is
 * refused; a target's parameter for another baseline is ignored. */
int cmd_bind_params(struct baseline **bl, size_t n, const struct target *t, const struct strlist *sets);
/* Evaluates each baseline against snapshot si as a new evaluation of kind;
 * *evals (freed with evaluation_list_free) lists them. */
int cmd_run_evaluations(struct store *st, const struct snapshot_info *si, struct baseline **bl, size_t n, const char *kind,
		 const struct waivers *w, const char *waiver_source, struct evaluation_info **evals, unsigned *nev,
		 double *eval_ms);
/* Evaluates each baseline against snapshot si as a new evaluation of kind,
 * writes the report (nowhere with --quiet) and each --output (outs may be
 * NULL when nouts is 0), and returns the --fail-on gate's exit code. */
int cmd_evaluate_and_report_to(const struct cmd_ctx *ctx, struct store *st, const struct snapshot_info *si,
			       struct baseline **bl, size_t n, const char *kind, const struct waivers *w,
			       const char *waiver_source, struct report_opts *ro, const struct report_output *outs,
			       unsigned nouts, double *eval_ms);
/* Writes the report of evals to standard output in ro's format (unless
 * quiet, or an output goes there), then each output; fills total with the
 * counts of evals, read once for all of them.
 * Returns 0 or EXIT_STORE (a store error, or an output not written). */
int cmd_write_reports(bool quiet, struct store *st, const struct snapshot_info *si,
		      const struct evaluation_info *evals, unsigned n, struct report_opts *ro,
		      const struct report_output *outs, unsigned nouts, struct counts *total);
/* The CI gate over counts c: EXIT_FINDINGS, EXIT_UNKNOWN or EXIT_CLEAN. */
int gate_exit(const struct counts *c, int fail_on);
/* The CI gate: --fail-on, and the options that refine it. */
struct gate {
	int fail_on;		/* a severity, or -1 for none */
	bool fail_on_new;	/* only results new since the reference snapshot count */
	long long since;	/* the reference snapshot; 0: the previous completed one */
	long long max_unknown;	/* -1: no limit */
	double min_score;	/* -1: no minimum */
};
#define GATE_INIT { SEV_CRITICAL, false, 0, -1, -1 }
#define CMD_GATE_OPTIONS \
	{ "fail-on", required_argument, NULL, 0x300 }, \
	{ "fail-on-new", no_argument, NULL, 0x301 }, \
	{ "since", required_argument, NULL, 0x302 }, \
	{ "max-unknown", required_argument, NULL, 0x303 }, \
	{ "min-score", required_argument, NULL, 0x304 }
#define CMD_GATE_HELP \
	"  --fail-on SEV         critical|high|medium|low|info|none (default critical)\n" \
	"  --fail-on-new         gate only on failing and unknown results new since the previous\n" \
	"                        completed scan of the target (or --since)\n" \
	"  --since ID            the snapshot --fail-on-new compares with\n" \
	"  --max-unknown N       exit 3 when more than N results are unknown, whatever their severity\n" \
	"  --min-score P         exit 1 when the compliance score is below P percent\n"
/* Handles a gate option: 1 handled, 0 not a gate option, or EXIT_USAGE. */
int cmd_gate_option(const struct cmd *c, int opt, const char *arg, struct gate *g);
/* The exit code of the gate over the evaluations of si, whose counts are
 * total; explains on stderr what tripped it. */
int cmd_gate(struct store *st, const struct snapshot_info *si, const struct evaluation_info *evals, unsigned nev,
	     const struct counts *total, const struct gate *g);
/* Loads a waiver file (path may be NULL: none), warning about expired ones. */
int cmd_load_waivers(const char *path, struct waivers *w);

#endif
