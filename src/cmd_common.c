#include "cmd_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <errno.h>
#include <float.h>
#include <limits.h>
#include <stddef.h>
#include <sys/stat.h>

#include "advise/advise.h"
#include "exitcode.h"
#include "drift/drift.h"
#include "mcp/pilot.h"
#include "util/util.h"

static int pick_snapshot(struct store *st, const char *target, const char *which, long long *id)
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
	if (id <= 0 && (rc = pick_snapshot(st, target, which, &id)) != 0) {
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

/* ---- shared options ---- */

#define PA(f) offsetof(struct pick_args, f)
const struct cmd_opt cmd_pick_opts[] = {
	{ .name = "target", .sname = 't', .arg = "T", .kind = OPT_STR, .off = PA(target),
	  .help = "the target whose latest completed snapshot is meant" },
	{ .name = "snapshot", .sname = 's', .arg = "ID", .kind = OPT_STR, .off = PA(snapshot),
	  .help = "a snapshot by id, or 'latest' (of any target, or of --target)" },
	{ 0 },
};
#undef PA

const char *const cmd_table_json[] = { "table", "json", NULL };

#define BA(f) offsetof(struct baseline_args, f)
const struct cmd_opt cmd_baseline_opts[] = {
	{ .name = "baseline", .sname = 'b', .arg = "B", .kind = OPT_LIST, .off = BA(names), .flags = OPTF_REQUIRED,
	  .help = "a baseline's name or file" },
	{ .name = "set", .arg = "NAME=VALUE", .kind = OPT_LIST, .off = BA(sets),
	  .help = "override a baseline's site parameter (a list: a,b,c)" },
	{ .name = "waivers", .arg = "FILE", .kind = OPT_STR, .off = BA(waivers),
	  .help = "waivers to apply (scan: default the target's 'waivers')" },
	{ 0 },
};
#undef BA

const char *const cmd_report_formats[] = { "table", "json", "sarif", "junit", "csv", "html", NULL };

static int parse_output(const char *arg, void *dst)
{
	struct output_list *l = dst;
	if (report_outputs_add(&l->v, &l->n, arg) < 0)
		return -1;
	/* Two reports into one file, or two on standard output, would be
	 * one report spoiled. */
	const char *path = l->v[l->n - 1].path;
	for (unsigned i = 0; i + 1 < l->n; i++) {
		if (!strcmp(l->v[i].path, path)) {
			err_set(strcmp(path, "-") ? "--output names '%s' twice" : "--output names standard output ('%s') twice",
				path);
			return -1;
		}
	}
	return 0;
}

void cmd_report_args_release(struct report_args *ra)
{
	report_outputs_free(ra->outputs.v, ra->outputs.n);
	ra->outputs.v = NULL;
	ra->outputs.n = 0;
}

#define RA(f) offsetof(struct report_args, f)
const struct cmd_opt cmd_report_opts[] = {
	{ .name = "format", .sname = 'f', .arg = "F", .kind = OPT_CHOICE, .off = RA(format),
	  .choices = cmd_report_formats, .help = "the report on standard output (default table)" },
	{ .name = "output", .sname = 'o', .arg = "F:PATH", .kind = OPT_FN, .off = RA(outputs), .parse = parse_output,
	  .flags = OPTF_REPEAT, .help = "also write format F to PATH, '-' for standard output instead of --format" },
	{ .name = "all", .sname = 'a', .kind = OPT_FLAG, .off = RA(all),
	  .help = "also list passing and not-applicable results" },
	{ 0 },
};
#undef RA

static int parse_score(const char *arg, void *dst)
{
	char *end;
	errno = 0;
	double v = strtod(arg, &end);
	if (end == arg || *end || errno || !(v >= 0 && v <= 100)) {
		err_set("--min-score takes a percentage from 0 to 100, not '%s'", arg);
		return -1;
	}
	*(double *)dst = v;
	return 0;
}

#define GT(f) offsetof(struct gate, f)
const struct cmd_opt cmd_gate_opts[] = {
	{ .name = "fail-on", .arg = "SEV", .kind = OPT_FN, .off = GT(fail_on), .parse = cmd_parse_fail_on,
	  .help = "exit 1 on failing (3 on unknown) results of this severity or above: critical, high, medium, "
		  "low, info or none (default critical)" },
	{ .name = "fail-on-new", .kind = OPT_FLAG, .off = GT(fail_on_new),
	  .help = "gate only on failing and unknown results new since the previous completed scan of the "
		  "target (or --since)" },
	{ .name = "since", .arg = "ID", .kind = OPT_ID, .off = GT(since),
	  .help = "the snapshot --fail-on-new compares with (implies --fail-on-new)" },
	{ .name = "max-unknown", .arg = "N", .kind = OPT_INT, .off = GT(max_unknown), .min = 0, .max = LLONG_MAX,
	  .help = "exit 3 when more than N results are unknown, whatever their severity" },
	{ .name = "min-score", .arg = "P", .kind = OPT_FN, .off = GT(min_score), .parse = parse_score,
	  .help = "exit 1 when the compliance score is below P percent" },
	{ 0 },
};

const struct cmd_opt cmd_fail_on_opt[] = {
	{ .name = "fail-on", .arg = "SEV", .kind = OPT_FN, .off = 0, .parse = cmd_parse_fail_on,
	  .help = "exit as scan would for this threshold: critical, high, medium, low, info or none" },
	{ 0 },
};
#undef GT

/* ---- reports and the gate ---- */

int cmd_write_reports(const struct cmd_ctx *ctx, struct store *st, const struct snapshot_info *si,
		      const struct evaluation_info *evals, unsigned n, const struct report_args *ra, int fail_on,
		      bool drift, struct counts *total)
{
	/* --format -1: not given, the table. */
	struct report_opts ro = { ra->format < 0 ? FMT_TABLE : (enum rformat)ra->format, ra->all, cmd_color(ctx), fail_on,
				  drift };
	struct report_counts rc;
	if (report_counts(st, evals, n, &rc) < 0) {
		log_error("%s", err_get());
		return EXIT_STORE;
	}
	*total = rc.total;
	int r = 0;
	/* --quiet silences progress and the default table, never a format
	 * that was asked for. */
	if ((!ctx->quiet || ra->format >= 0) && !report_outputs_stdout(ra->outputs.v, ra->outputs.n))
		r = report_write(ra->out ? ra->out : stdout, st, si, evals, n, &rc, &ro);
	fflush(ra->out ? ra->out : stdout);
	if (r >= 0)
		r = report_write_outputs(ra->outputs.v, ra->outputs.n, st, si, evals, n, &rc, &ro);
	report_counts_release(&rc);
	if (r < 0) {
		log_error("%s", err_get());
		return EXIT_STORE;
	}
	return 0;
}

int gate_exit(const struct counts *c, int fail_on)
{
	if (fail_on < 0)
		return EXIT_CLEAN;
	long long fail = 0, unknown = 0;
	for (int s = fail_on; s < SEV_COUNT; s++) {
		fail += c->by[RS_FAIL][s];
		unknown += c->by[RS_UNKNOWN][s];
	}
	if (fail)
		return EXIT_FINDINGS;
	return unknown ? EXIT_UNKNOWN : EXIT_CLEAN;
}

/* The counts of results new since the reference snapshot. */
static int new_counts(struct store *st, const struct snapshot_info *si, const struct evaluation_info *evals,
		      unsigned nev, const struct counts *total, const struct gate *g, struct counts *fresh)
{
	long long ref = g->since;
	int r = ref ? 0 : store_snapshot_previous(st, si->target, si->id, &ref), rc;
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
	if (r > 0) {
		/* Nothing to compare with: everything is new. */
		*fresh = *total;
		log_info("gate: no earlier completed snapshot of target '%s'; every result counts as new", si->target);
		return 0;
	}
	memset(fresh, 0, sizeof(*fresh));
	for (unsigned i = 0; i < nev; i++)
		if (drift_new_results(st, evals[i].id, ref, RS_FAIL, counts_add, fresh) < 0 ||
		    drift_new_results(st, evals[i].id, ref, RS_UNKNOWN, counts_add, fresh) < 0) {
			log_error("%s", err_get());
			return EXIT_STORE;
		}
	log_info("gate: %lld failing and %lld unknown results are new since snapshot %lld",
		 counts_status(fresh, RS_FAIL), counts_status(fresh, RS_UNKNOWN), ref);
	return 0;
}

int cmd_gate(struct store *st, const struct snapshot_info *si, const struct evaluation_info *evals, unsigned nev,
	     const struct counts *total, const struct gate *g)
{
	int rc;
	if ((g->fail_on_new || g->since) && g->fail_on >= 0) {
		struct counts fresh;
		if ((rc = new_counts(st, si, evals, nev, total, g, &fresh)) != 0)
			return rc;
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

int cmd_targets_optional(struct cmd_ctx *ctx)
{
	if (ctx->targets)
		return 0;
	char *cfg = cmd_config_path(ctx);
	if (access(cfg, F_OK) != 0) {
		free(cfg);
		return 0;
	}
	ctx->targets = xcalloc(1, sizeof(*ctx->targets));
	int r = targets_load(ctx->targets, cfg);
	free(cfg);
	if (r < 0) {
		log_error("%s", err_get());
		return EXIT_USAGE;
	}
	return 0;
}

int cmd_catalog(struct cmd_ctx *ctx, struct catalog *cat)
{
	struct pilot p;
	if (pilot_open(&p, ctx->targets) == HERR_OK) {
		json_t *res = NULL;
		bool refused;
		enum herr rc = pilot_call(&p, "get_skill_catalog", json_object(), &res, &refused);
		pilot_close(&p);
		if (rc == HERR_OK && !refused && json_is_object(res)) {
			catalog_from_pilot(cat, res);
			return 0;
		}
		json_decref(res);
		log_warn("vmware-pilot gave no skill catalog; using the catalog file");
	}
	char *path = catalog_default_path();
	if (!path) {
		log_error("no skill catalog: vmware-pilot is not reachable and no catalog.json was found "
			  "(set $HARDEN_CATALOG)");
		return EXIT_USAGE;
	}
	int r = catalog_load(cat, path);
	free(path);
	if (r < 0) {
		log_error("%s", err_get());
		return EXIT_USAGE;
	}
	if (!ctx->quiet)
		log_info("vmware-pilot is not reachable: tools checked against %s (dated %s)", cat->source,
			 cat->date ? cat->date : "?");
	return 0;
}
