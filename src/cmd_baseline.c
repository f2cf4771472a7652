/* harden baseline list | show ID | validate FILE... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "rules/rules.h"

static int do_list(struct cmd_ctx *ctx, void *opts)
{
	(void)ctx;
	(void)opts;
	struct strlist names = { 0 }, paths = { 0 };
	baseline_catalog(NULL, &names, &paths);
	int rc = EXIT_CLEAN;
	for (size_t i = 0; i < names.n; i++) {
		struct baseline *b;
		if (baseline_load(&b, paths.v[i]) < 0) {
			printf("%-32s invalid: %s\n", names.v[i], err_get());
			rc = EXIT_USAGE;
			continue;
		}
		printf("%-32s %3u rules  %s\n", names.v[i], b->nrules, b->title);
		if (strcmp(b->id, names.v[i]))
			log_warn("baseline file '%s' declares id '%s'; it is found by its file name", paths.v[i], b->id);
		baseline_free(b);
	}
	strlist_release(&names);
	strlist_release(&paths);
	return rc;
}

static int do_show(struct cmd_ctx *ctx, void *opts)
{
	const char *name = ctx->argv[0];
	(void)opts;
	char *path = baseline_resolve(name);
	struct baseline *b;
	if (!path || baseline_load(&b, path) < 0) {
		log_error("%s", err_get());
		free(path);
		return EXIT_USAGE;
	}
	printf("%s: %s", b->id, b->title);
	if (b->version)
		printf(" (version %s)", b->version);
	printf("\n%s\n", path);
	for (size_t i = 0; i < b->parents.n; i++)
		printf("extends %s\n", b->parents.v[i]);
	putchar('\n');
	for (unsigned i = 0; i < b->nrules; i++) {
		const struct rule *r = &b->rules[i];
		printf("%-18s %-8s %-9s %s\n", r->id, severity_name(r->severity), r->object_type, r->title);
	}
	printf("\n%u rules\n", b->nrules);
	baseline_free(b);
	free(path);
	return EXIT_CLEAN;
}

static int do_validate(struct cmd_ctx *ctx, void *opts)
{
	int n = ctx->argc;
	char **files = ctx->argv;
	(void)opts;
	int rc = EXIT_CLEAN;
	for (int i = 0; i < n; i++) {
		struct baseline *b;
		if (baseline_load(&b, files[i]) < 0) {
			log_error("%s", err_get());
			rc = EXIT_USAGE;
			continue;
		}
		log_info("%s: ok, baseline '%s' with %u rules", files[i], b->id, b->nrules);
		baseline_free(b);
	}
	return rc;
}

struct conflict_print {
	const struct baseline *a, *b;
};

static void print_conflict(void *vctx, const struct rule *ra, const struct check *ca, const struct rule *rb,
			   const struct check *cb)
{
	struct conflict_print *x = vctx;
	char *ea = check_describe(ca), *eb = check_describe(cb);
	printf("%s %s:\n  %s %s (%s:%d) wants %s\n  %s %s (%s:%d) wants %s\n", ra->object_type, ca->property,
	       x->a->id, ra->id, x->a->path, ra->line, ea, x->b->id, rb->id, x->b->path, rb->line, eb);
	free(ea);
	free(eb);
}

static int do_conflicts(struct cmd_ctx *ctx, void *opts)
{
	int n = ctx->argc;
	char **names = ctx->argv;
	(void)opts;
	struct baseline **bl = xcalloc((size_t)n, sizeof(*bl));
	int rc = EXIT_CLEAN, found = 0;
	for (int i = 0; i < n; i++) {
		char *path = baseline_resolve(names[i]);
		if (!path || baseline_load(&bl[i], path) < 0) {
			log_error("%s", err_get());
			free(path);
			rc = EXIT_USAGE;
			goto out;
		}
		free(path);
	}
	for (int i = 0; i < n; i++) {
		for (int j = i + 1; j < n; j++) {
			struct conflict_print x = { bl[i], bl[j] };
			found += baselines_conflicts(bl[i], bl[j], print_conflict, &x);
		}
	}
	if (found)
		rc = EXIT_FINDINGS;
	else
		log_info("no conflicts among %d baselines", n);
out:
	for (int i = 0; i < n; i++)
		baseline_free(bl[i]);
	free(bl);
	return rc;
}

static const struct cmd baseline_list = {
	.name = "list",
	.summary = "List builtin and user baselines with their rule counts",
	.exits = EXITS(EXIT_CLEAN, EXIT_USAGE),
	.exit_texts = { CMD_PLAIN_EXITS, [EXIT_USAGE] = "a baseline could not be loaded" },
	.run = do_list,
};

static const struct cmd baseline_show = {
	.name = "show",
	.summary = "Show a baseline's rules",
	.args = "ID", .min_args = 1, .max_args = 1,
	.exits = EXITS(EXIT_CLEAN, EXIT_USAGE),
	.exit_texts = { CMD_PLAIN_EXITS, [EXIT_USAGE] = "usage error, or the baseline could not be loaded" },
	.run = do_show,
};

static const struct cmd baseline_validate = {
	.name = "validate",
	.summary = "Check baseline files without scanning",
	.args = "FILE...", .min_args = 1, .max_args = -1,
	.exits = EXITS(EXIT_CLEAN, EXIT_USAGE),
	.exit_texts = { CMD_PLAIN_EXITS, [EXIT_USAGE] = "usage error, or a baseline is invalid" },
	.run = do_validate,
};

static const struct cmd baseline_conflicts = {
	.name = "conflicts",
	.summary = "Show rules of different baselines that demand incompatible values of the same property "
		   "(exit 1 when there are any)",
	.args = "A B...", .min_args = 2, .max_args = -1,
	.exits = EXITS(EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE),
	.exit_texts = { [EXIT_CLEAN] = "no conflicts", [EXIT_FINDINGS] = "conflicts were found", [EXIT_USAGE] = "usage error, or a baseline could not be loaded" },
	.run = do_conflicts,
};

static const struct cmd *const subs[] = { &baseline_list, &baseline_show, &baseline_validate, &baseline_conflicts,
					  NULL };

const struct cmd cmd_baseline = {
	.name = "baseline",
	.summary = "List, show, validate and compare baselines",
	.subs = subs,
	.exits = EXITS(EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE),
	.exit_texts = { [EXIT_CLEAN] = "success", [EXIT_FINDINGS] = "conflicts: conflicts were found", [EXIT_USAGE] = "usage error, or a baseline could not be loaded or is invalid" },
};
