#include "cmd_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitcode.h"
#include "drift/drift.h"
#include "util/util.h"

int cmd_parse_fail_on(const char *s, int *out)
{
	enum severity sev;
	if (!strcmp(s, "none")) {
		*out = -1;
		return 0;
	}
	if (severity_parse(s, &sev) < 0)
		return -1;
	*out = (int)sev;
	return 0;
}

int cmd_pick_snapshot(struct store *st, const char *target, const char *which, long long *id)
{
	if (which && strcmp(which, "latest")) {
		if (!parse_int64(which, id) || *id <= 0) {
			err_set("invalid snapshot id '%s'", which);
			return EXIT_USAGE;
		}
		return 0;
	}
	int r = store_snapshot_latest(st, target, id);
	if (r < 0)
		return EXIT_STORE;
	if (r > 0) {
		if (target)
			err_set("no completed snapshot of target '%s' in '%s' (run 'harden scan' first)", target, store_path(st));
		else
			err_set("no completed snapshot in '%s' (run 'harden scan' first)", store_path(st));
		return EXIT_USAGE;
	}
	return 0;
}

int cmd_completed_snapshot(struct store *st, const char *target, const char *which, long long known_id,
			   struct snapshot_info *si)
{
	long long id = known_id;
	int rc;
	if (id <= 0 && (rc = cmd_pick_snapshot(st, target, which, &id)) != 0) {
		log_error("%s", err_get());
		return rc;
	}
	int r = store_snapshot_get(st, id, si);
	if (r != 0) {
		if (r > 0)
			log_error("no snapshot %lld in '%s'", id, store_path(st));
		else
			log_error("%s", err_get());
		return r > 0 ? EXIT_USAGE : EXIT_STORE;
	}
	if (target && strcmp(si->target, target)) {
		log_error("snapshot %lld belongs to target '%s', not '%s'", id, si->target, target);
		return EXIT_USAGE;
	}
	if (si->status != SNAP_COMPLETED) {
		log_error("snapshot %lld of target '%s' is %s: %s", id, si->target, snap_status_name(si->status),
			  si->error ? si->error : "");
		return EXIT_COLLECT;
	}
	return 0;
}

int cmd_load_baselines(const struct strlist *names, struct baseline ***out)
{
	struct baseline **bl = xcalloc(names->n ? names->n : 1, sizeof(*bl));
	*out = bl;
	for (size_t i = 0; i < names->n; i++) {
		char *path = baseline_resolve(names->v[i]);
		if (!path || baseline_load(&bl[i], path) < 0) {
			log_error("%s", err_get());
			free(path);
			return EXIT_USAGE;
		}
		free(path);
		for (size_t j = 0; j < i; j++) {
			if (!strcmp(bl[j]->id, bl[i]->id)) {
				log_error("baseline '%s' given twice", bl[i]->id);
				return EXIT_USAGE;
			}
		}
	}
	return 0;
}

int cmd_bind_params(struct baseline **bl, size_t n, const struct target *t, const struct strlist *sets)
{
	size_t nt = t ? t->param_names.n : 0, cap = nt + sets->n + 1;
	struct param_override *ov = xcalloc(cap, sizeof(*ov));
	size_t k = 0;
	int rc = EXIT_USAGE;
	for (size_t i = 0; i < nt; i++)
		ov[k++] = (struct param_override){ t->param_names.v[i], t->param_values.v[i], t->param_sources.v[i] };
	for (size_t i = 0; i < sets->n; i++) {
		char *eq = strchr(sets->v[i], '=');
		if (!eq || eq == sets->v[i]) {
			log_error("--set takes NAME=VALUE, not '%s'", sets->v[i]);
			goto out;
		}
		*eq = '\0';	/* the strlist owns it: split in place */
		bool known = false;
		for (size_t j = 0; j < n && !known; j++)
			known = baseline_has_param(bl[j], sets->v[i]);
		if (!known) {
			log_error("--set %s: no baseline given declares parameter '%s'", sets->v[i], sets->v[i]);
			*eq = '=';
			goto out;
		}
		ov[k++] = (struct param_override){ sets->v[i], eq + 1, "--set" };
	}
	for (size_t j = 0; j < n; j++) {
		if (baseline_bind(bl[j], ov, k) < 0) {
			log_error("%s", err_get());
			goto out;
		}
	}
	rc = 0;
out:
	free(ov);
	return rc;
}

void cmd_free_baselines(struct baseline **bl, size_t n)
{
	if (!bl)
		return;
	for (size_t i = 0; i < n; i++)
		baseline_free(bl[i]);
	free(bl);
}

int cmd_load_waivers(const char *path, struct waivers *w)
{
	memset(w, 0, sizeof(*w));
	if (!path)
		return 0;
	char today[11];
	waivers_today(today);
	if (waivers_load(w, path, today) < 0) {
		log_error("%s", err_get());
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < w->n; i++)
		if (w->v[i].expired)
			log_warn("%s: waiver for '%s' expired on %s and no longer applies", w->v[i].where, w->v[i].rule,
				 w->v[i].expires);
	return 0;
}

int cmd_write_reports(bool quiet, struct store *st, const struct snapshot_info *si,
		      const struct evaluation_info *evals, unsigned n, struct report_opts *ro,
		      const struct report_output *outs, unsigned nouts, const struct report_extra *x,
		      struct counts *total)
{
	/* Only the table uses colour, and only on a terminal. */
	const char *nc = getenv("NO_COLOR");
	ro->color = isatty(STDOUT_FILENO) && !(nc && *nc);
	int r = 0;
	if (!quiet && !report_outputs_stdout(outs, nouts))
		r = report_write_ex(stdout, st, si, evals, n, ro, x, total);
	fflush(stdout);
	/* Fills total again, the same, and with --quiet the first time. */
	if (r >= 0)
		r = report_write_outputs(outs, nouts, st, si, evals, n, ro, x, total);
	if (r < 0) {
		log_error("%s", err_get());
		return EXIT_STORE;
	}
	return 0;
}

int cmd_run_evaluations(struct store *st, const struct snapshot_info *si, struct baseline **bl, size_t n, const char *kind,
		 const struct waivers *w, const char *waiver_source, struct evaluation_info **out, unsigned *nout,
		 double *eval_ms)
{
	struct evaluation_info *evals = xcalloc(n ? n : 1, sizeof(*evals));
	unsigned nev = 0;
	*eval_ms = 0;
	*out = evals;
	*nout = 0;
	for (size_t i = 0; i < n; i++, nev++) {
		struct eval_summary sum;
		if (rules_evaluate(st, si->id, bl[i], kind, w, waiver_source, &sum) < 0) {
			log_error("%s", err_get());
			*nout = nev;
			return EXIT_STORE;
		}
		*eval_ms += sum.ms;
		evals[i].id = sum.eval_id;
		evals[i].eval_ms = sum.ms;
		evals[i].snapshot_id = si->id;
		evals[i].baseline_id = xstrdup(bl[i]->id);
		evals[i].baseline_title = xstrdup(bl[i]->title);
		evals[i].baseline_version = xstrdup(bl[i]->version ? bl[i]->version : "");
		evals[i].kind = xstrdup(kind);
	}
	*nout = nev;
	return 0;
}

int cmd_evaluate_and_report_to(const struct cmd_ctx *ctx, struct store *st, const struct snapshot_info *si,
			       struct baseline **bl, size_t n, const char *kind, const struct waivers *w,
			       const char *waiver_source, struct report_opts *ro, const struct report_output *outs,
			       unsigned nouts, double *eval_ms)
{
	struct evaluation_info *evals;
	unsigned nev;
	int rc = cmd_run_evaluations(st, si, bl, n, kind, w, waiver_source, &evals, &nev, eval_ms);
	struct counts total;
	if (rc == 0 && (rc = cmd_write_reports(ctx->quiet, st, si, evals, nev, ro, outs, nouts, NULL, &total)) == 0)
		rc = gate_exit(&total, ro->fail_on);
	evaluation_list_free(evals, nev);
	return rc;
}

int cmd_gate_option(const struct cmd *c, int opt, const char *arg, struct gate *g)
{
	long long v;
	char *end;
	switch (opt) {
	case 0x300:
		if (cmd_parse_fail_on(arg, &g->fail_on) < 0)
			return cmd_bad_usage(c, "unknown severity '%s' for --fail-on", arg);
		return 1;
	case 0x301:
		g->fail_on_new = true;
		return 1;
	case 0x302:
		if (!parse_int64(arg, &v) || v < 1)
			return cmd_bad_usage(c, "--since takes a snapshot id");
		g->since = v;
		g->fail_on_new = true;
		return 1;
	case 0x303:
		if (!parse_int64(arg, &v) || v < 0)
			return cmd_bad_usage(c, "--max-unknown takes a number, 0 or more");
		g->max_unknown = v;
		return 1;
	case 0x304:
		g->min_score = strtod(arg, &end);
		if (end == arg || *end || !(g->min_score >= 0 && g->min_score <= 100))
			return cmd_bad_usage(c, "--min-score takes a percentage from 0 to 100");
		return 1;
	default:
		return 0;
	}
}

int cmd_gate(struct store *st, const struct snapshot_info *si, const struct evaluation_info *evals, unsigned nev,
	     const struct counts *total, const struct gate *g)
{
	int rc;
	if (g->fail_on_new && g->fail_on >= 0) {
		long long ref = g->since;
		int r = ref ? 0 : store_snapshot_previous(st, si->target, si->id, &ref);
		if (r < 0) {
			log_error("%s", err_get());
			return EXIT_STORE;
		}
		struct snapshot_info ri = { 0 };
		if (r == 0 && (rc = cmd_completed_snapshot(st, si->target, NULL, ref, &ri)) != 0) {
			snapshot_info_release(&ri);
			return rc;
		}
		snapshot_info_release(&ri);
		struct counts fresh;
		if (r > 0) {
			/* Nothing to compare with: everything is new. */
			fresh = *total;
			log_info("gate: no earlier completed snapshot of target '%s'; every result counts as new", si->target);
		} else {
			memset(&fresh, 0, sizeof(fresh));
			for (unsigned i = 0; i < nev; i++)
				if (drift_new_results(st, evals[i].id, ref, RS_FAIL, counts_add, &fresh) < 0 ||
				    drift_new_results(st, evals[i].id, ref, RS_UNKNOWN, counts_add, &fresh) < 0) {
					log_error("%s", err_get());
					return EXIT_STORE;
				}
			log_info("gate: %lld failing and %lld unknown results are new since snapshot %lld",
				 counts_status(&fresh, RS_FAIL), counts_status(&fresh, RS_UNKNOWN), ref);
		}
		rc = gate_exit(&fresh, g->fail_on);
	} else {
		rc = gate_exit(total, g->fail_on);
	}
	long long unknown = counts_status(total, RS_UNKNOWN);
	if (g->max_unknown >= 0 && unknown > g->max_unknown && rc == EXIT_CLEAN) {
		log_error("gate: %lld results are unknown, more than --max-unknown %lld", unknown, g->max_unknown);
		rc = EXIT_UNKNOWN;
	}
	double pct;
	if (g->min_score >= 0) {
		if (!report_score(total, &pct)) {
			log_error("gate: no compliance score (nothing passed or failed) to hold to --min-score %g",
				  g->min_score);
			if (rc == EXIT_CLEAN)
				rc = EXIT_UNKNOWN;
		} else if (pct < g->min_score) {
			log_error("gate: compliance score %.1f%% is below --min-score %g", pct, g->min_score);
			rc = EXIT_FINDINGS;
		}
	}
	return rc;
}
