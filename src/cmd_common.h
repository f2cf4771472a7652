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
/* Evaluates each baseline against snapshot si as a new evaluation of kind,
 * writes the report (nowhere with --quiet), and returns the gate's exit code. */
int cmd_evaluate_and_report(const struct cmd_ctx *ctx, struct store *st, const struct snapshot_info *si,
			    struct baseline **bl, size_t n, const char *kind, const struct waivers *w,
			    const char *waiver_source, struct report_opts *ro, double *eval_ms);
/* Loads a waiver file (path may be NULL: none), warning about expired ones. */
int cmd_load_waivers(const char *path, struct waivers *w);

#endif
