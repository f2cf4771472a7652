/* harden advise: a Suggestion per failing result, offline and
 * deterministic, each stored in the twin as a new revision. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "advise/advise.h"
#include "cmd_common.h"
#include "exitcode.h"
#include "store/store.h"
#include "util/util.h"

static const char *const formats[] = { "table", "json", "ansible", "powercli", NULL };
enum { F_TABLE, F_JSON, F_ANSIBLE, F_POWERCLI };

struct advise_opts {
	struct strlist ids;
	bool all_critical, llm;
	int severity;		/* the lowest severity selected, -1: none */
	const char *target, *output;
	int format;
};

static int parse_severity(const char *s, void *dst)
{
	enum severity v;
	if (severity_parse(s, &v) < 0) {
		err_set("unknown severity '%s' (info, low, medium, high, critical)", s);
		return -1;
	}
	*(int *)dst = (int)v;
	return 0;
}

#define O(f) offsetof(struct advise_opts, f)
static const struct cmd_opt opts[] = {
	{ .name = "violation-id", .arg = "ID", .kind = OPT_LIST, .off = O(ids),
	  .help = "the violation to advise on (repeatable; ids are in every report)" },
	{ .name = "all-critical", .kind = OPT_FLAG, .off = O(all_critical),
	  .help = "every failing result of severity critical" },
	{ .name = "severity", .arg = "S", .kind = OPT_FN, .off = O(severity), .parse = parse_severity,
	  .help = "every failing result at or above severity S" },
	{ .name = "llm", .kind = OPT_FLAG, .off = O(llm),
	  .help = "ask the model of the targets file's advisor: block (key from its api_key_env), checked against "
		  "the catalog; any failure keeps the offline suggestion" },
	{ .name = "target", .sname = 't', .arg = "T", .kind = OPT_STR, .off = O(target),
	  .help = "only this target's latest completed snapshot (default: every target's)" },
	{ .name = "format", .sname = 'f', .arg = "F", .kind = OPT_CHOICE, .off = O(format), .choices = formats,
	  .help = "table, json (schema harden.advice), ansible (a community.vmware playbook) or powercli (a script); "
		  "harden never runs them" },
	{ .name = "output", .sname = 'o', .arg = "FILE", .kind = OPT_STR, .off = O(output),
	  .help = "write there instead of standard output" },
	{ 0 },
};
#undef O

static const struct advise_opts defaults = { .severity = -1 };

struct pick {
	struct cmd_ctx *ctx;
	const struct advise_opts *o;
	const struct target *t;
	struct catalog *cat;
	json_t *list;
	bool *seen;		/* per --violation-id */
	int rc;
	int warned_offline;
};

static bool selected(struct pick *x, const struct violation *v)
{
	const struct advise_opts *o = x->o;
	bool hit = false;
	for (size_t i = 0; i < o->ids.n; i++)
		if (!strcasecmp(o->ids.v[i], v->id)) {
			x->seen[i] = true;
			hit = true;
		}
	if (o->all_critical && v->f->severity == SEV_CRITICAL)
		hit = true;
	if (o->severity >= 0 && (int)v->f->severity >= o->severity)
		hit = true;
	return hit;
}

static int each_violation(void *vctx, const struct violation *v)
{
	struct pick *x = vctx;
	if (!selected(x, v))
		return 0;
	for (size_t i = 0; i < json_array_size(x->list); i++)
		if (!strcmp(json_string_value(json_object_get(json_array_get(x->list, i), "violation_id")), v->id))
			return 0;	/* a rule in two baselines: advised once */
	json_t *s;
	int model = 1;
	const struct advisor_conf *llm = x->o->llm && x->ctx->targets ? &x->ctx->targets->advisor : NULL;
	int rc = advise_record(x->ctx->store, v, x->t, x->cat, llm, &s, &model);
	if (rc == HERR_STORE) {
		log_error("%s", err_get());
		x->rc = EXIT_STORE;
		return 1;
	}
	if (rc < 0) {
		log_warn("%s: %s", v->id, err_get());
		return 0;
	}
	if (x->o->llm && model < 0)
		log_warn("%s: the model failed (%s): the offline suggestion is used", v->id, err_get());
	else if (x->o->llm && model > 0 && !x->warned_offline++)
		log_warn("no model to ask (%s): offline suggestions", llm ? err_get() : "no advisor: block in the targets file");
	json_array_append_new(x->list, s);
	return 0;
}

static void write_out(FILE *f, int format, const json_t *list)
{
	switch (format) {
	case F_JSON: {
		json_t *doc = json_pack("{s:s, s:i, s:O}", "schema", "harden.advice", "schema_version",
					SUGGESTION_VERSION, "suggestions", list);
		json_dumpf(doc, f, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(15));
		fputc('\n', f);
		json_decref(doc);
		break;
	}
	case F_ANSIBLE:
		advise_write_ansible(f, list);
		break;
	case F_POWERCLI:
		advise_write_powercli(f, list);
		break;
	default:
		for (size_t i = 0; i < json_array_size(list); i++) {
			if (i)
				fputc('\n', f);
			advise_print(f, json_array_get(list, i));
		}
		if (!json_array_size(list))
			fputs("no violation selected\n", f);
	}
}

static int run(struct cmd_ctx *ctx, void *vopts)
{
	struct advise_opts *o = vopts;
	if (!o->ids.n && !o->all_critical && o->severity < 0)
		return cmd_bad_usage(ctx, "say which violations: --violation-id, --all-critical or --severity");
	for (size_t i = 0; i < o->ids.n; i++)
		if (!violation_id_valid(o->ids.v[i]))
			return cmd_bad_usage(ctx, "'%s' is not a violation id (V- and eight letters or digits)",
					     o->ids.v[i]);
	int rc = cmd_targets_optional(ctx);
	if (rc)
		return rc;
	struct catalog cat = { 0 };
	if ((rc = cmd_catalog(ctx, &cat)) != 0)
		return rc;
	struct strlist targets = { 0 };
	if (o->target)
		strlist_add(&targets, o->target);
	else if (store_targets(ctx->store, &targets) < 0) {
		log_error("%s", err_get());
		rc = EXIT_STORE;
		goto out;
	}
	struct pick x = { ctx, o, NULL, &cat, json_array(), xcalloc(o->ids.n + 1, sizeof(bool)), 0, 0 };
	for (size_t i = 0; i < targets.n && !x.rc; i++) {
		long long snap;
		int r = store_snapshot_latest(ctx->store, targets.v[i], &snap);
		if (r > 0 && !o->target)
			continue;	/* only failed scans of that target */
		if (r > 0) {
			log_error("no scan yet of target '%s'; run harden scan --target %s first", targets.v[i],
				  targets.v[i]);
			x.rc = EXIT_NO_SCAN;
			break;
		}
		x.t = ctx->targets ? targets_find(ctx->targets, targets.v[i]) : NULL;
		if (r < 0 || violations_each(ctx->store, targets.v[i], snap, each_violation, &x) < 0) {
			log_error("%s", err_get());
			x.rc = EXIT_STORE;
		}
	}
	for (size_t i = 0; i < o->ids.n && !x.rc; i++)
		if (!x.seen[i]) {
			log_error("violation %s is not failing in the latest completed snapshot of %s%s: re-run harden "
				  "scan, or check the id", o->ids.v[i], o->target ? "target " : "any target",
				  o->target ? o->target : "");
			x.rc = EXIT_USAGE;
		}
	if (!x.rc) {
		FILE *f = stdout;
		if (o->output && !(f = fopen(o->output, "w"))) {
			log_error("cannot write '%s': %s", o->output, strerror(errno));
			x.rc = EXIT_STORE;
		} else {
			write_out(f, o->format, x.list);
			if (f != stdout && fclose(f) != 0) {
				log_error("cannot write '%s': %s", o->output, strerror(errno));
				x.rc = EXIT_STORE;
			}
			if (!ctx->quiet && o->output)
				log_info("%zu suggestion%s written to %s", json_array_size(x.list),
					 json_array_size(x.list) == 1 ? "" : "s", o->output);
		}
	}
	rc = x.rc ? x.rc : EXIT_CLEAN;
	json_decref(x.list);
	free(x.seen);
out:
	strlist_release(&targets);
	catalog_release(&cat);
	return rc;
}

const struct cmd cmd_advise = {
	.name = "advise",
	.summary = "Suggest an exact, reversible fix for failing results (stored, never run)",
	.description = "Each suggestion names the vmware-pilot skill tool and its parameters, with rollback "
		       "parameters from the observed value, or exact manual commands where no skill tool "
		       "exists; every tool is checked against the skill catalog.  Each run stores a new "
		       "revision of the suggestion in the twin.",
	.optsets = { { opts, 0 } },
	.opts_size = sizeof(struct advise_opts),
	.defaults = &defaults,
	.setup = CMD_TWIN_WRITE | CMD_TWIN_EXISTING | CMD_NETWORK,
	.exits = EXITS(EXIT_CLEAN, EXIT_USAGE, EXIT_STORE, EXIT_NO_SCAN),
	.exit_texts = { [EXIT_CLEAN] = "suggestions written",
			[EXIT_USAGE] = "usage error, or a violation asked for is not failing" },
	.run = run,
};
