/* harden waiver lint FILE...: check waiver files before any scan: every
 * error of a file, not only the first; with --baseline, that each rule
 * exists (by id or alias); with --target, that each selector matches an
 * object of the target's latest snapshot. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmd_common.h"
#include "rules/rules.h"
#include "rules/waiver.h"

struct lint_opts {
	struct strlist baselines;
	const char *target;
};

/* The rule a waiver names in the baselines given: by id, else by alias
 * (*alias set); NULL when none has it. */
static const struct rule *find_rule(struct baseline **bl, size_t n, const struct waiver *w, bool *alias)
{
	const struct rule *found = NULL;
	*alias = false;
	for (size_t i = 0; i < n; i++) {
		if (!waiver_for_baseline(w, bl[i]->id))
			continue;
		for (unsigned k = 0; k < bl[i]->nrules; k++) {
			const struct rule *r = &bl[i]->rules[k];
			if (!strcmp(r->id, w->rule))
				return r;
			if (!found && strlist_has(&r->aliases, w->rule)) {
				found = r;
				*alias = true;
			}
		}
	}
	return found;
}

/* The closest rule id to a misspelt one, for "did you mean" (a new
 * string), or NULL. */
static char *closest_rule(struct baseline **bl, size_t n, const char *id)
{
	struct strlist ids = { 0 };
	for (size_t i = 0; i < n; i++)
		for (unsigned k = 0; k < bl[i]->nrules; k++)
			strlist_add(&ids, bl[i]->rules[k].id);
	const char *best = cmd_closest(id, (const char *const *)ids.v, ids.n);
	char *out = best ? xstrdup(best) : NULL;
	strlist_release(&ids);
	return out;
}

/* A waiver's baseline: one given, else one of the search path (a waiver
 * naming no baseline there would apply to nothing: an error).  Returns
 * whether its rule can be checked against the baselines given. */
static bool check_baseline(const struct waiver *x, struct baseline **bl, size_t n, int *errors)
{
	if (!x->baseline)
		return n > 0;
	for (size_t k = 0; k < n; k++)
		if (!strcmp(bl[k]->id, x->baseline))
			return true;
	char *path = baseline_dir_file("", x->baseline);
	if (!path) {
		log_error("%s: waiver applies to baseline '%s', which is in no baseline directory (see 'harden "
			  "baseline list'): it would apply to nothing", x->where, x->baseline);
		(*errors)++;
	} else if (n) {
		log_warn("%s: waiver applies to baseline '%s', which is not among the --baseline given; its rule is "
			 "not checked", x->where, x->baseline);
	}
	free(path);
	return false;
}

/* Baseline names and rule ids against the baselines: an unknown one is an
 * error. */
static int check_rules(const struct waivers *w, struct baseline **bl, size_t n, const char **types)
{
	int errors = 0;
	for (size_t i = 0; i < w->n; i++) {
		const struct waiver *x = &w->v[i];
		if (!check_baseline(x, bl, n, &errors))
			continue;
		bool alias;
		const struct rule *r = find_rule(bl, n, x, &alias);
		if (!r) {
			char *best = closest_rule(bl, n, x->rule);
			log_error("%s: rule '%s' is in none of the baselines given%s%s%s", x->where, x->rule,
				  best ? "; did you mean '" : "", best ? best : "", best ? "'?" : "");
			free(best);
			errors++;
			continue;
		}
		types[i] = r->object_type;
		if (alias)
			log_info("%s: rule '%s' is now '%s' (the waiver still applies through the alias)", x->where,
				 x->rule, r->id);
	}
	return errors;
}

struct select_ctx {
	const struct waivers *w;
	const char **types;	/* each waiver's rule's object type, or NULL */
	bool *hit;
};

static int select_object(void *vctx, const struct sobject *o)
{
	struct select_ctx *x = vctx;
	for (size_t i = 0; i < x->w->n; i++)
		if (!x->hit[i] && (!x->types[i] || !strcmp(x->types[i], o->type)) && waiver_selects(&x->w->v[i], o))
			x->hit[i] = true;
	return 0;
}

/* Selectors against the latest snapshot: one that selects nothing is
 * told (a warning: the object may come back). */
static int check_selectors(struct store *st, const struct snapshot_info *si, const struct waivers *w,
			   const char **types)
{
	struct select_ctx x = { w, types, xcalloc(w->n + 1, sizeof(bool)) };
	int rc = store_objects_each(st, si->id, NULL, select_object, &x);
	if (rc < 0) {
		log_error("%s", err_get());
		free(x.hit);
		return EXIT_STORE;
	}
	for (size_t i = 0; i < w->n; i++)
		if (!x.hit[i])
			log_warn("%s: waiver for '%s' selects no %s%sobject in snapshot %lld of target '%s'",
				 w->v[i].where, w->v[i].rule, types[i] ? types[i] : "", types[i] ? " " : "", si->id,
				 si->target);
	free(x.hit);
	return 0;
}

static int lint_file(const char *file, const char *today, struct baseline **bl, size_t nbl, struct store *st,
		     const struct snapshot_info *si)
{
	struct waivers w;
	struct strlist errs = { 0 };
	int errors = waivers_check(&w, file, today, &errs);
	for (size_t k = 0; k < errs.n; k++)
		log_error("%s", errs.v[k]);
	strlist_release(&errs);
	const char **types = xcalloc(w.n + 1, sizeof(*types));
	errors += check_rules(&w, bl, nbl, types);
	int rc = st ? check_selectors(st, si, &w, types) : 0;
	size_t expired = 0;
	for (size_t k = 0; k < w.n; k++) {
		if (w.v[k].expired) {
			expired++;
			log_warn("%s: waiver for '%s' expired on %s", w.v[k].where, w.v[k].rule, w.v[k].expires);
		}
	}
	if (errors)
		log_error("%s: %d error%s", file, errors, errors == 1 ? "" : "s");
	else
		log_info("%s: ok, %zu waivers, %zu expired", file, w.n, expired);
	free(types);
	waivers_release(&w);
	return rc ? rc : errors ? EXIT_USAGE : EXIT_CLEAN;
}

static int lint(struct cmd_ctx *ctx, void *vopts)
{
	struct lint_opts *o = vopts;
	char today[11];
	waivers_today(today);
	struct baseline **bl = NULL;
	struct snapshot_info si = { 0 };
	int rc;
	if ((rc = cmd_load_baselines(&o->baselines, &bl)) != 0)
		goto out;
	if (o->target && ((rc = cmd_open_twin(ctx, CMD_TWIN_READ)) != 0 ||
			  (rc = cmd_completed_snapshot(ctx->store, o->target, NULL, 0, &si)) != 0))
		goto out;
	for (int i = 0; i < ctx->argc; i++) {
		int r = lint_file(ctx->argv[i], today, bl, o->baselines.n, o->target ? ctx->store : NULL, &si);
		if (r > rc)
			rc = r;
	}
out:
	cmd_free_baselines(bl, o->baselines.n);
	snapshot_info_release(&si);
	return rc;
}

#define O(f) offsetof(struct lint_opts, f)
static const struct cmd_opt lint_opts[] = {
	{ .name = "baseline", .sname = 'b', .arg = "B", .kind = OPT_LIST, .off = O(baselines),
	  .help = "check that each waiver's rule is in these baselines (by id or alias)" },
	{ .name = "target", .sname = 't', .arg = "T", .kind = OPT_STR, .off = O(target),
	  .help = "warn on selectors that match nothing in the target's latest snapshot" },
	{ 0 },
};

static const struct cmd waiver_lint = {
	.name = "lint",
	.summary = "Check waiver files: keys, justification, approver, expiry dates, rules and selectors",
	.description = "Every error of a file is reported, each with its file, line and column.",
	.args = "FILE...", .min_args = 1, .max_args = -1,
	.optsets = { { lint_opts, 0 } },
	.opts_size = sizeof(struct lint_opts),
	.exits = EXITS(EXIT_CLEAN, EXIT_USAGE, EXIT_COLLECT, EXIT_STORE),
	.exit_texts = { CMD_PLAIN_EXITS, [EXIT_USAGE] = "usage error, or a waiver file is invalid" },
	.run = lint,
};

static const struct cmd *const subs[] = { &waiver_lint, NULL };

const struct cmd cmd_waiver = {
	.name = "waiver",
	.summary = "Check waiver files",
	.subs = subs,
	.exits = EXITS(EXIT_CLEAN, EXIT_USAGE, EXIT_COLLECT, EXIT_STORE),
	.exit_texts = { CMD_PLAIN_EXITS, [EXIT_USAGE] = "usage error, or a waiver file is invalid" },
};
