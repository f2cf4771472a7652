/* harden baseline list | show ID | validate FILE... | conflicts A B... |
 * coverage ID */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advise/advise.h"
#include "cmd.h"
#include "cmd_common.h"
#include "rules/coverage.h"
#include "rules/rules.h"

struct format_opts {
	int format;		/* 0 table, 1 json */
};

static void print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	puts(s);
	free(s);
	json_decref(j);
}

static int do_list(struct cmd_ctx *ctx, void *vopts)
{
	(void)ctx;
	const struct format_opts *o = vopts;
	struct strlist names = { 0 }, paths = { 0 };
	baseline_catalog(NULL, &names, &paths);
	int rc = EXIT_CLEAN;
	json_t *list = json_array();
	for (size_t i = 0; i < names.n; i++) {
		struct baseline *b;
		if (baseline_load(&b, paths.v[i]) < 0) {
			if (o->format == 1)
				json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "name", names.v[i], "path",
								      paths.v[i], "error", err_get()));
			else
				printf("%-32s invalid: %s\n", names.v[i], err_get());
			rc = EXIT_USAGE;
			continue;
		}
		if (o->format == 1)
			json_array_append_new(list, json_pack("{s:s, s:s, s:s?, s:s?, s:i, s:i, s:s}", "name", names.v[i],
							      "id", b->id, "title", b->title, "version", b->version,
							      "rules", (int)b->nrules, "parameters", (int)b->nparams,
							      "path", paths.v[i]));
		else
			printf("%-32s %3u rules  %s\n", names.v[i], b->nrules, b->title);
		if (strcmp(b->id, names.v[i]))
			log_warn("baseline file '%s' declares id '%s'; it is found by its file name", paths.v[i], b->id);
		baseline_free(b);
	}
	if (o->format == 1)
		print_json(json_pack("{s:s, s:i, s:o}", "schema", "harden.baselines", "schema_version", 1, "baselines", list));
	else
		json_decref(list);
	strlist_release(&names);
	strlist_release(&paths);
	return rc;
}

/* Under a rule: what it cites (one line a reference), why, and the fix. */
static void show_trace(json_t *d)
{
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(d, "references"), i, v)
		if (json_is_string(v))
			printf("    ref: %s\n", json_string_value(v));
	const char *why = json_string_value(json_object_get(d, "rationale"));
	const char *fix = json_string_value(json_object_get(json_object_get(d, "remediation"), "summary"));
	if (why)
		printf("    why: %s\n", why);
	if (fix)
		printf("    fix: %s\n", fix);
}

/* A parameter's default as --set takes it: a list joined by commas. */
static char *param_default(const struct param *p)
{
	struct buf b = BUF_INIT;
	buf_add(&b, "", 0);
	for (size_t i = 0; i < p->values.n; i++)
		buf_printf(&b, "%s%s", i ? "," : "", p->values.v[i]);
	return buf_detach(&b);
}

static void show_params(const struct baseline *b)
{
	if (!b->nparams)
		return;
	printf("Parameters (override with --set NAME=VALUE or the target's 'parameters:'):\n");
	for (unsigned i = 0; i < b->nparams; i++) {
		const struct param *p = &b->params[i];
		char *d = param_default(p);
		printf("  %s = %s%s\n", p->name, d, p->list ? " (a list)" : "");
		if (p->description)
			printf("      %s\n", p->description);
		free(d);
	}
	putchar('\n');
}

static json_t *show_json(const struct baseline *b, const char *path, const struct rule *const *order)
{
	json_t *params = json_array(), *rules = json_array(), *parents = json_array();
	for (size_t i = 0; i < b->parents.n; i++)
		json_array_append_new(parents, json_string(b->parents.v[i]));
	for (unsigned i = 0; i < b->nparams; i++) {
		const struct param *p = &b->params[i];
		json_t *d = json_array();
		for (size_t k = 0; k < p->values.n; k++)
			json_array_append_new(d, json_string(p->values.v[k]));
		if (!p->list) {
			json_t *one = json_incref(json_array_get(d, 0));
			json_decref(d);
			d = one ? one : json_null();
		}
		json_array_append_new(params, json_pack("{s:s, s:o, s:b, s:s?}", "name", p->name, "default", d, "list",
							p->list, "description", p->description));
	}
	for (unsigned i = 0; i < b->nrules; i++) {
		const struct rule *r = order[i];
		json_t *aliases = json_array();
		for (size_t k = 0; k < r->aliases.n; k++)
			json_array_append_new(aliases, json_string(r->aliases.v[k]));
		json_t *j = json_pack("{s:s, s:o, s:s, s:s, s:s, s:i}", "id", r->id, "aliases", aliases, "title", r->title,
				      "severity", severity_name(r->severity), "object_type", r->object_type, "line", r->line);
		json_t *d = r->details;
		const char *keys[] = { "references", "rationale", "remediation" };
		for (size_t k = 0; k < ARRAY_SIZE(keys); k++)
			json_object_set(j, keys[k], json_object_get(d, keys[k]) ? json_object_get(d, keys[k]) : json_null());
		json_array_append_new(rules, j);
	}
	return json_pack("{s:s, s:i, s:s, s:s?, s:s?, s:s, s:o, s:o, s:o}", "schema", "harden.baseline",
			 "schema_version", 1, "id", b->id, "title", b->title, "version", b->version, "path", path,
			 "extends", parents, "parameters", params, "rules", rules);
}

static int rule_order(const void *a, const void *b)
{
	return natcmp((*(const struct rule *const *)a)->id, (*(const struct rule *const *)b)->id);
}

static int do_show(struct cmd_ctx *ctx, void *vopts)
{
	const char *name = ctx->argv[0];
	const struct format_opts *o = vopts;
	char *path = baseline_resolve(name);
	struct baseline *b;
	if (!path || baseline_load(&b, path) < 0) {
		log_error("%s", err_get());
		free(path);
		return EXIT_USAGE;
	}
	/* Rules in natural order of their ids: 3.9 before 3.10. */
	const struct rule **order = xcalloc(b->nrules + 1, sizeof(*order));
	for (unsigned i = 0; i < b->nrules; i++)
		order[i] = &b->rules[i];
	qsort(order, b->nrules, sizeof(*order), rule_order);
	if (o->format == 1) {
		print_json(show_json(b, path, order));
		goto out;
	}
	printf("%s: %s", b->id, b->title);
	if (b->version)
		printf(" (version %s)", b->version);
	printf("\n%s\n", path);
	for (size_t i = 0; i < b->parents.n; i++)
		printf("extends %s\n", b->parents.v[i]);
	putchar('\n');
	show_params(b);
	for (unsigned i = 0; i < b->nrules; i++) {
		const struct rule *r = order[i];
		printf("%-18s %-8s %-9s %s\n", r->id, severity_name(r->severity), r->object_type, r->title);
		show_trace(r->details);
	}
	printf("\n%u rules, %u parameters\n", b->nrules, b->nparams);
out:
	free(order);
	baseline_free(b);
	free(path);
	return EXIT_CLEAN;
}

/* A remediation naming a tool the skill catalog does not list: advise
 * cannot hand it to vmware-pilot (the seed's "unknown mcp_tool"). */
static void warn_unknown_tools(const struct baseline *b, const struct catalog *cat)
{
	for (unsigned i = 0; i < b->nrules; i++) {
		const struct rule *r = &b->rules[i];
		const char *q = json_string_value(json_object_get(json_object_get(r->details, "remediation"), "mcp_tool"));
		char *skill = NULL, *tool = NULL;
		if (!q)
			continue;
		if (tool_split(q, &skill, &tool) < 0)
			log_warn("%s:%d: rule %s: remediation mcp_tool '%s' is not SKILL.TOOL", b->path, r->line, r->id, q);
		else if (!catalog_has(cat, skill, tool))
			log_warn("%s:%d: rule %s: remediation names unknown tool %s (not in the skill catalog %s, "
				 "dated %s): harden advise cannot submit it; name a real tool or leave mcp_tool out",
				 b->path, r->line, r->id, q, cat->source, cat->date ? cat->date : "?");
		free(skill);
		free(tool);
	}
}

static int do_validate(struct cmd_ctx *ctx, void *opts)
{
	int n = ctx->argc;
	char **files = ctx->argv;
	(void)opts;
	int rc = EXIT_CLEAN;
	struct catalog cat = { 0 };
	char *cpath = catalog_default_path();
	bool have_cat = cpath && catalog_load(&cat, cpath) == 0;
	if (!have_cat)
		log_warn("no skill catalog to check remediation tools against (set $HARDEN_CATALOG)");
	free(cpath);
	for (int i = 0; i < n; i++) {
		struct baseline *b;
		if (baseline_load(&b, files[i]) < 0) {
			log_error("%s", err_get());
			rc = EXIT_USAGE;
			continue;
		}
		if (have_cat)
			warn_unknown_tools(b, &cat);
		if (baseline_params_used(b) < 0) {
			log_error("%s", err_get());
			rc = EXIT_USAGE;
			baseline_free(b);
			continue;
		}
		log_info("%s: ok, baseline '%s' with %u rules", files[i], b->id, b->nrules);
		baseline_free(b);
	}
	catalog_release(&cat);
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

struct coverage_opts {
	int format;
};

/* The rule of the loaded baselines that implements control c: its rule
 * itself, or the rules named rule.KIND (one control, a rule per device). */
static unsigned implementing(const struct coverage_control *c, const struct strlist *ids, const char **first)
{
	unsigned n = 0;
	size_t l = c->rule ? strlen(c->rule) : 0;
	*first = NULL;
	for (size_t i = 0; l && i < ids->n; i++) {
		const char *id = ids->v[i];
		if (!strcmp(id, c->rule) || (!strncmp(id, c->rule, l) && id[l] == '.')) {
			if (!*first)
				*first = id;
			n++;
		}
	}
	return n;
}

static int do_coverage(struct cmd_ctx *ctx, void *vopts)
{
	const struct coverage_opts *o = vopts;
	char *path = coverage_resolve(ctx->argv[0]);
	struct coverage *cov = NULL;
	if (!path || coverage_load(&cov, path) < 0) {
		log_error("%s", err_get());
		free(path);
		return EXIT_USAGE;
	}
	/* A control is covered when a builtin or user baseline has its rule. */
	struct strlist names = { 0 }, paths = { 0 }, ids = { 0 };
	baseline_catalog(NULL, &names, &paths);
	for (size_t i = 0; i < names.n; i++) {
		struct baseline *b;
		if (baseline_load(&b, paths.v[i]) < 0)
			continue;
		for (unsigned r = 0; r < b->nrules; r++)
			strlist_add(&ids, b->rules[r].id);
		baseline_free(b);
	}
	size_t implemented = 0, checkable = 0;
	json_t *controls = json_array();
	for (size_t i = 0; i < cov->n; i++) {
		const struct coverage_control *c = &cov->v[i];
		const char *first;
		unsigned n = implementing(c, &ids, &first);
		bool can = strcmp(c->status, "not_checkable") != 0;
		const char *state = n ? "implemented" : can ? "planned" : "not_checkable";
		checkable += can || n;
		implemented += n > 0;
		json_t *x = json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:i}", "id", c->id, "state", state, "rule", c->rule,
				      "title", c->title, "reason", n ? NULL : c->reason, "rules", (int)n);
		json_array_append_new(controls, x);
	}
	double share = checkable ? 100.0 * (double)implemented / (double)checkable : 0;
	double all = cov->n ? 100.0 * (double)implemented / (double)cov->n : 0;
	if (o->format == 1) {
		json_t *j = json_pack("{s:s, s:s?, s:s, s:{s:i, s:i, s:i, s:i, s:f, s:f}, s:o}", "framework",
				      cov->framework, "benchmark", cov->benchmark, "file", path, "counts", "controls",
				      (int)cov->n, "checkable", (int)checkable, "implemented", (int)implemented,
				      "not_checkable", (int)(cov->n - checkable), "share_of_checkable", share,
				      "share_of_all", all, "controls", controls);
		char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		puts(s);
		free(s);
		json_decref(j);
	} else {
		printf("%s: %s\n%s\n\n", cov->framework, cov->benchmark ? cov->benchmark : "", path);
		size_t i;
		json_t *x;
		json_array_foreach(controls, i, x) {
			const char *rule = json_string_value(json_object_get(x, "rule"));
			const char *reason = json_string_value(json_object_get(x, "reason"));
			const char *state = json_string_value(json_object_get(x, "state"));
			printf("%-52s %-13s %s\n", json_string_value(json_object_get(x, "id")), state,
			       !strcmp(state, "not_checkable") ? (reason ? reason : "") : (rule ? rule : ""));
		}
		printf("\n%zu controls: %zu implemented, %zu checkable through the APIs, %zu not\n"
		       "covered: %.1f%% of the checkable controls, %.1f%% of all\n",
		       cov->n, implemented, checkable, cov->n - checkable, share, all);
		json_decref(controls);
		controls = NULL;
	}
	strlist_release(&names);
	strlist_release(&paths);
	strlist_release(&ids);
	coverage_free(cov);
	free(path);
	return EXIT_CLEAN;
}

#define CO(f) offsetof(struct coverage_opts, f)
static const struct cmd_opt coverage_opts[] = {
	{ .name = "format", .sname = 'f', .arg = "F", .kind = OPT_CHOICE, .off = CO(format), .choices = cmd_table_json,
	  .help = "the output (default table)" },
	{ 0 },
};

static const struct cmd baseline_coverage = {
	.name = "coverage",
	.summary = "Show a benchmark's controls, the rule that checks each or why the APIs cannot, and the share covered",
	.args = "ID", .min_args = 1, .max_args = 1,
	.optsets = { { coverage_opts, 0 } },
	.opts_size = sizeof(struct coverage_opts),
	.exits = EXITS(EXIT_CLEAN, EXIT_USAGE),
	.exit_texts = { CMD_PLAIN_EXITS, [EXIT_USAGE] = "usage error, or the coverage file could not be loaded" },
	.run = do_coverage,
};

#define FO(f) offsetof(struct format_opts, f)
static const struct cmd_opt format_opts[] = {
	{ .name = "format", .sname = 'f', .arg = "F", .kind = OPT_CHOICE, .off = FO(format), .choices = cmd_table_json,
	  .help = "the output (default table)" },
	{ 0 },
};

static const struct cmd baseline_list = {
	.name = "list",
	.summary = "List builtin and user baselines with their rule counts",
	.optsets = { { format_opts, 0 } },
	.opts_size = sizeof(struct format_opts),
	.exits = EXITS(EXIT_CLEAN, EXIT_USAGE),
	.exit_texts = { CMD_PLAIN_EXITS, [EXIT_USAGE] = "a baseline could not be loaded" },
	.run = do_list,
};

static const struct cmd baseline_show = {
	.name = "show",
	.summary = "Show a baseline's parameters, with defaults and descriptions, and its rules",
	.args = "ID", .min_args = 1, .max_args = 1,
	.optsets = { { format_opts, 0 } },
	.opts_size = sizeof(struct format_opts),
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
					  &baseline_coverage, NULL };

const struct cmd cmd_baseline = {
	.name = "baseline",
	.summary = "List, show, validate and compare baselines",
	.subs = subs,
	.exits = EXITS(EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE),
	.exit_texts = { [EXIT_CLEAN] = "success", [EXIT_FINDINGS] = "conflicts: conflicts were found", [EXIT_USAGE] = "usage error, or a baseline could not be loaded or is invalid" },
};
