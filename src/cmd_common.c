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
#include "vocab.h"

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
			err_set("no scan yet of target '%s'; run harden scan --target %s first (no completed snapshot in "
				"'%s')", target, target, store_path(st));
		else
			err_set("no scan yet; run harden scan first (no completed snapshot in '%s')", store_path(st));
		return EXIT_NO_SCAN;
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

/* A comma-separated list of names from names[0..n), any case, into bits;
 * with plus, "NAME+" also takes the names after it (higher severities). */
static int parse_words(const char *opt, const char *arg, const char *const *names, unsigned n, bool plus,
		       unsigned *bits)
{
	char *copy = xstrdup(arg), *save = NULL;
	int rc = 0;
	*bits = 0;
	for (char *w = strtok_r(copy, ",", &save); w && !rc; w = strtok_r(NULL, ",", &save)) {
		size_t len = strlen(w);
		bool up = plus && len > 1 && w[len - 1] == '+';
		if (up)
			w[len - 1] = '\0';
		unsigned k = 0;
		while (k < n && strcasecmp(w, names[k]))
			k++;
		if (k == n) {
			const char *best = cmd_closest(w, names, n);
			struct buf all = BUF_INIT;
			for (unsigned j = 0; j < n; j++)
				buf_printf(&all, "%s%s", j ? ", " : "", names[j]);
			err_set("--%s: unknown value '%s'%s%s%s (one or more of %s, comma-separated%s)", opt, w,
				best ? "; did you mean '" : "", best ? best : "", best ? "'?" : "", all.data,
				plus ? "; NAME+ for NAME and above" : "");
			buf_release(&all);
			rc = -1;
			break;
		}
		for (unsigned j = k; j < (up ? n : k + 1); j++)
			*bits |= 1u << j;
	}
	if (!rc && !*bits) {
		err_set("--%s: empty list", opt);
		rc = -1;
	}
	free(copy);
	return rc;
}

static int parse_severities(const char *arg, void *dst)
{
	const char *names[SEV_COUNT];
	for (int i = 0; i < SEV_COUNT; i++)
		names[i] = severity_name((enum severity)i);
	return parse_words("severity", arg, names, SEV_COUNT, true, dst);
}

static int parse_statuses(const char *arg, void *dst)
{
	const char *names[RS_COUNT];
	for (int i = 0; i < RS_COUNT; i++)
		names[i] = rstatus_name((enum rstatus)i);
	return parse_words("status", arg, names, RS_COUNT, false, dst);
}

static int parse_type(const char *arg, void *dst)
{
	if (!vocab_known_type(arg)) {
		err_set("--type: unknown object type '%s' (harden-properties(7) lists them)", arg);
		return -1;
	}
	*(const char **)dst = arg;
	return 0;
}

static const char *const group_keys[] = { "none", "rule", NULL };

#define VA(f) offsetof(struct view_args, f)
#define VIEW_OBJECT_OPTS                                                                                           \
	{ .name = "object", .arg = "GLOB", .kind = OPT_STR, .off = VA(f.object),                                   \
	  .help = "only objects whose name or moref matches GLOB (*, ?, [...])" },                                \
	{ .name = "type", .arg = "TYPE", .kind = OPT_FN, .off = VA(f.type), .parse = parse_type,                   \
	  .help = "only objects of TYPE: host, vm, datastore, dfw_rule, ..." }
const struct cmd_opt cmd_view_opts[] = {
	{ .name = "severity", .arg = "LIST", .kind = OPT_FN, .off = VA(f.severities), .parse = parse_severities,
	  .help = "only results of these severities, e.g. high,critical; high+ for high and above" },
	{ .name = "status", .arg = "LIST", .kind = OPT_FN, .off = VA(f.statuses), .parse = parse_statuses,
	  .help = "only results of these statuses: fail, unknown, waived, pass, not_applicable" },
	{ .name = "rule", .arg = "GLOB", .kind = OPT_STR, .off = VA(f.rule),
	  .help = "only rules whose id matches GLOB, e.g. 'cis-esxi-3.*'" },
	VIEW_OBJECT_OPTS,
	{ .name = "group-by", .arg = "KEY", .kind = OPT_CHOICE, .off = VA(group_by), .choices = group_keys,
	  .help = "rule: one entry per rule with its counts and first objects (default none)" },
	{ 0 },
};
const struct cmd_opt cmd_object_opts[] = { VIEW_OBJECT_OPTS, { 0 } };
#undef VIEW_OBJECT_OPTS
#undef VA

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
		  "low, info or none (scan, evaluate: default critical)" },
	{ .name = "fail-on-new", .kind = OPT_FLAG, .off = GT(fail_on_new),
	  .help = "gate only on failing and unknown results new since the previous completed scan of the "
		  "target (or --since, --since-report)" },
	{ .name = "since", .arg = "ID", .kind = OPT_ID, .off = GT(since),
	  .help = "the snapshot --fail-on-new compares with (implies --fail-on-new)" },
	{ .name = "since-report", .arg = "FILE", .kind = OPT_STR, .off = GT(since_report),
	  .help = "a JSON or SARIF report of an earlier run for --fail-on-new to compare with (implies "
		  "--fail-on-new)" },
	{ .name = "max-unknown", .arg = "N", .kind = OPT_INT, .off = GT(max_unknown), .min = 0, .max = LLONG_MAX,
	  .help = "exit 3 when more than N results are unknown, whatever their severity" },
	{ .name = "min-score", .arg = "P", .kind = OPT_FN, .off = GT(min_score), .parse = parse_score,
	  .help = "exit 1 when the compliance score is below P percent" },
	{ 0 },
};
#undef GT

/* ---- reports and the gate ---- */

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

static bool gate_compares(const struct gate *g)
{
	return g && (g->fail_on_new || g->since || g->since_report);
}

int cmd_gate_prepare(struct store *st, const char *target, long long before, const struct gate *g,
		     struct since *ref)
{
	memset(ref, 0, sizeof(*ref));
	if (!gate_compares(g))
		return 0;
	if (g->since_report && g->since) {
		log_error("--since %lld and --since-report %s both name what --fail-on-new compares with: give one",
			  g->since, g->since_report);
		return EXIT_USAGE;
	}
	if (g->since_report) {
		if (since_from_report(ref, g->since_report, target) != HERR_OK) {
			log_error("--since-report %s", err_get());
			return EXIT_USAGE;
		}
		return 0;
	}
	long long id = g->since;
	int r = 0, rc;
	if (!id)
		r = before ? store_snapshot_previous(st, target, before, &id) : store_snapshot_latest(st, target, &id);
	if (r < 0) {
		log_error("%s", err_get());
		return EXIT_STORE;
	}
	if (r > 0) {
		/* A first run has no baseline: every failing result is new, and
		 * the gate says so rather than failing silently. */
		char *why = xasprintf("no earlier completed snapshot of target '%s'", target);
		log_warn("--fail-on-new: %s and no --since-report: every failing or unknown result counts as new",
			 why);
		since_none(ref, why);
		free(why);
		return 0;
	}
	struct snapshot_info ri = { 0 };
	rc = cmd_completed_snapshot(st, target, NULL, id, &ri);
	snapshot_info_release(&ri);
	if (rc)
		return rc;
	if (since_from_snapshot(ref, st, id) != HERR_OK) {
		log_error("%s", err_get());
		since_release(ref);
		return EXIT_STORE;
	}
	return 0;
}

struct fresh_ctx {
	const struct since *ref;
	const char *target;
	struct counts *fresh;
};

static int count_fresh(void *vctx, const struct finding_row *r)
{
	struct fresh_ctx *x = vctx;
	if (since_is_new(x->ref, x->target, r))
		x->fresh->by[r->status][r->severity]++;
	return 0;
}

/* The exit code of the gate over total (or, comparing, over the results new
 * since ref); explains on stderr what tripped it. */
static int gate_run(struct store *st, const struct snapshot_info *si, const struct evaluation_info *evals,
		    unsigned nev, const struct counts *total, const struct gate *g, const struct since *ref,
		    struct report_gate *out)
{
	int rc;
	if (ref && g->fail_on >= 0) {
		struct counts fresh = { 0 };
		struct fresh_ctx x = { ref, si->target, &fresh };
		for (unsigned i = 0; i < nev; i++)
			if (store_findings_each(st, evals[i].id, count_fresh, &x) < 0) {
				log_error("%s", err_get());
				return EXIT_STORE;
			}
		for (int s = g->fail_on; s < SEV_COUNT; s++) {
			out->new_fail += fresh.by[RS_FAIL][s];
			out->new_unknown += fresh.by[RS_UNKNOWN][s];
		}
		log_info("gate: %lld failing and %lld unknown results are new since %s (at or above %s)",
			 out->new_fail, out->new_unknown, ref->what, severity_name((enum severity)g->fail_on));
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

int cmd_report_gate(const struct cmd_ctx *ctx, struct store *st, const struct snapshot_info *si,
		    const struct evaluation_info *evals, unsigned n, const struct report_args *ra, const struct gate *g,
		    const struct since *ref, bool drift, const struct view_args *view, int part_exit)
{
	/* --format -1: not given, the table. */
	struct report_opts ro = { .format = ra->format < 0 ? FMT_TABLE : (enum rformat)ra->format,
				  .all = ra->all,
				  .color = cmd_color(ctx),
				  .fail_on = g ? g->fail_on : -1,
				  .drift = drift,
				  .filter = view ? &view->f : NULL,
				  .by_rule = view && view->group_by == 1 };
	struct report_gate rg = { -1, false, NULL, -1, -1, 0, 0, 0 };
	struct report_counts rc;
	int code = 0, r = 0;
	if (report_counts(st, evals, n, &rc) < 0) {
		log_error("%s", err_get());
		report_counts_release(&rc);
		return EXIT_STORE;
	}
	if (g) {
		rg = (struct report_gate){ g->fail_on, gate_compares(g), ref && ref->keys ? ref : NULL,
					   g->max_unknown, g->min_score, 0, 0, 0 };
		code = gate_run(st, si, evals, n, &rc.total, g, rg.ref, &rg);
		/* A part that failed outranks the gate: the verdicts are
		 * incomplete. */
		if (part_exit && code != EXIT_STORE)
			code = part_exit;
		rg.exit_code = code;
		ro.gate = &rg;
	}
	/* --quiet silences progress and the default table, never a format
	 * that was asked for. */
	FILE *out = ra->out ? ra->out : stdout;
	if (code != EXIT_STORE && (!ctx->quiet || ra->format >= 0) &&
	    !report_outputs_stdout(ra->outputs.v, ra->outputs.n))
		r = report_write(out, st, si, evals, n, &rc, &ro);
	fflush(out);
	if (code != EXIT_STORE && r >= 0)
		r = report_write_outputs(ra->outputs.v, ra->outputs.n, st, si, evals, n, &rc, &ro);
	report_counts_release(&rc);
	if (r < 0) {
		log_error("%s", err_get());
		return EXIT_STORE;
	}
	return code;
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
	int from = advise_catalog(ctx->targets, cat);
	if (from < 0) {
		log_error("%s", err_get());
		return EXIT_USAGE;
	}
	if (from == ADVISE_CATALOG_PILOT)
		return 0;
	if (from == ADVISE_CATALOG_FILE_NO_ANSWER)
		log_warn("vmware-pilot gave no skill catalog; using the catalog file");
	if (!ctx->quiet)
		log_info("vmware-pilot is not reachable: tools checked against %s (dated %s)", cat->source,
			 cat->date ? cat->date : "?");
	return 0;
}
