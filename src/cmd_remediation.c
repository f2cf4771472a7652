/* harden remediation list / show: what apply handed to vmware-pilot, with
 * pilot's state refreshed (get_workflow_status) and what the scans since
 * proved. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advise/advise.h"
#include "cmd_common.h"
#include "exitcode.h"
#include "mcp/pilot.h"
#include "store/store.h"
#include "util/util.h"

struct rem_opts {
	const char *target;
	int format;
};

#define O(f) offsetof(struct rem_opts, f)
static const struct cmd_opt list_opts[] = {
	{ .name = "target", .sname = 't', .arg = "T", .kind = OPT_STR, .off = O(target),
	  .help = "only this target's remediations" },
	{ .name = "format", .sname = 'f', .arg = "F", .kind = OPT_CHOICE, .off = O(format), .choices = cmd_table_json,
	  .help = "the output (default table)" },
	{ 0 },
};
static const struct cmd_opt show_opts[] = {
	{ .name = "format", .sname = 'f', .arg = "F", .kind = OPT_CHOICE, .off = O(format), .choices = cmd_table_json,
	  .help = "the output (default table)" },
	{ 0 },
};
#undef O

/* Pilot's state of each open remediation, refreshed once per command. */
struct refresh {
	struct cmd_ctx *ctx;
	struct pilot p;
	bool tried, up;
	int rc;
};

static void refresh_one(struct refresh *x, const struct remediation_rec *r)
{
	if (r->state != RM_SUBMITTED || !r->workflow_id)
		return;
	if (!x->tried) {
		x->tried = true;
		x->up = pilot_open(&x->p, x->ctx->targets) == HERR_OK;
		if (!x->up)
			log_warn("pilot's state not refreshed: %s", err_get());
	}
	if (!x->up)
		return;
	json_t *res = NULL;
	bool refused;
	if (pilot_call(&x->p, "get_workflow_status", json_pack("{s:s}", "workflow_id", r->workflow_id), &res,
		       &refused) != HERR_OK) {
		log_warn("pilot's state of %s not refreshed: %s", r->workflow_id, err_get());
		return;
	}
	const char *state = refused ? NULL : json_string_value(json_object_get(res, "state"));
	if (state) {
		enum remed_state to = RM_SUBMITTED;
		char *msg = NULL;
		bool rolled = json_array_size(json_object_get(res, "rollback_results")) > 0 ||
			      !strcmp(state, "rolling_back");
		if (!strcmp(state, "failed")) {
			/* Failed, or failed and rolled back: the fix did not happen. */
			to = RM_FAILED;
			const char *why = json_string_value(json_object_get(res, "blocked_reason"));
			msg = xasprintf("pilot's workflow failed%s%s%s", rolled ? " and was rolled back" : "",
					why ? ": " : "", why ? why : "");
		} else if (!strcmp(state, "cancelled")) {
			to = RM_CANCELLED;
			msg = xstrdup("pilot's workflow was cancelled");
		}
		if ((!r->pilot_state || strcmp(r->pilot_state, state) || to != r->state) &&
		    store_remediation_update(x->ctx->store, r->id, to, state, 0, msg) < 0) {
			log_error("%s", err_get());
			x->rc = EXIT_STORE;
		}
		free(msg);
	}
	json_decref(res);
}

struct list_ctx {
	struct refresh *rf;
	json_t *out;
};

static int collect(void *vctx, const struct remediation_rec *r)
{
	struct list_ctx *x = vctx;
	refresh_one(x->rf, r);
	json_array_append_new(x->out, json_integer(r->id));
	return 0;
}

/* The records after the refresh, newest first. */
static int load(struct cmd_ctx *ctx, const char *target, long long only, json_t **out)
{
	struct refresh rf = { .ctx = ctx };
	struct list_ctx lc = { &rf, json_array() };
	int rc = cmd_targets_optional(ctx);
	if (rc)
		return rc;
	if (only) {
		struct remediation_rec r;
		int g = store_remediation_get(ctx->store, only, &r);
		if (g == 0) {
			refresh_one(&rf, &r);
			json_array_append_new(lc.out, json_integer(r.id));
			remediation_rec_release(&r);
		} else if (g < 0) {
			rc = EXIT_STORE;
		}
	} else if (store_remediations_each(ctx->store, target, collect, &lc) < 0) {
		rc = EXIT_STORE;
	}
	if (rf.up)
		pilot_close(&rf.p);
	if (rc || rf.rc) {
		if (rc)
			log_error("%s", err_get());
		json_decref(lc.out);
		return rc ? rc : rf.rc;
	}
	*out = json_array();
	size_t i;
	json_t *id;
	json_array_foreach(lc.out, i, id) {
		struct remediation_rec r;
		if (store_remediation_get(ctx->store, json_integer_value(id), &r) == 0) {
			json_array_append_new(*out, remediation_rec_json(&r));
			remediation_rec_release(&r);
		}
	}
	json_decref(lc.out);
	return 0;
}

static const char *jstr(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "-";
}

static int list(struct cmd_ctx *ctx, void *vopts)
{
	struct rem_opts *o = vopts;
	json_t *recs;
	int rc = load(ctx, o->target, 0, &recs);
	if (rc)
		return rc;
	if (o->format == 1) {
		json_t *doc = json_pack("{s:s, s:i, s:o}", "schema", "harden.remediations", "schema_version", 1,
					"remediations", recs);
		json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(15));
		fputc('\n', stdout);
		json_decref(doc);
		return EXIT_CLEAN;
	}
	size_t i;
	json_t *r;
	if (json_array_size(recs))
		printf("%-4s %-10s %-14s %-18s %-28s %-12s %s\n", "ID", "VIOLATION", "STATE", "RULE", "WORKFLOW",
		       "PILOT", "PROOF");
	json_array_foreach(recs, i, r) {
		json_t *proof = json_object_get(r, "proof_snapshot");
		printf("%-4lld %-10s %-14s ", (long long)json_integer_value(json_object_get(r, "id")),
		       jstr(r, "violation_id"), jstr(r, "state"));
		fput_safe(stdout, jstr(r, "rule_id"), 18);
		fputc(' ', stdout);
		fput_safe(stdout, jstr(r, "workflow_id"), 28);
		fputc(' ', stdout);
		fput_safe(stdout, jstr(r, "pilot_state"), 12);
		if (proof && !json_is_null(proof))
			printf(" snapshot %lld", (long long)json_integer_value(proof));
		fputc('\n', stdout);
	}
	if (!json_array_size(recs))
		printf("no remediations%s\n", o->target ? " for that target" : "");
	json_decref(recs);
	return EXIT_CLEAN;
}

static int show(struct cmd_ctx *ctx, void *vopts)
{
	struct rem_opts *o = vopts;
	char *end;
	long long id = strtoll(ctx->argv[0], &end, 10);
	if (*end || id <= 0)
		return cmd_bad_usage(ctx, "'%s' is not a remediation id", ctx->argv[0]);
	json_t *recs;
	int rc = load(ctx, NULL, id, &recs);
	if (rc)
		return rc;
	json_t *r = json_array_get(recs, 0);
	if (!r) {
		log_error("no remediation %lld (harden remediation list)", id);
		json_decref(recs);
		return EXIT_USAGE;
	}
	struct suggestion_rec sg;
	json_t *suggestion = NULL;
	if (store_suggestion_get(ctx->store, jstr(r, "violation_id"),
				 (int)json_integer_value(json_object_get(r, "suggestion_revision")), &sg) == 0) {
		suggestion = json_loads(sg.body, 0, NULL);
		suggestion_rec_release(&sg);
	}
	json_t *applied = json_object_get(r, "applied_snapshot"), *proof = json_object_get(r, "proof_snapshot");
	char *drift = NULL;
	if (json_is_integer(applied) && json_is_integer(proof))
		drift = xasprintf("harden drift --target %s --from %lld --to %lld", jstr(r, "target"),
				  (long long)json_integer_value(applied), (long long)json_integer_value(proof));
	if (o->format == 1) {
		json_object_set_new(r, "suggestion", suggestion ? suggestion : json_null());
		json_object_set_new(r, "drift_command", drift ? json_string(drift) : json_null());
		json_dumpf(r, stdout, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(15));
		fputc('\n', stdout);
	} else {
		printf("remediation %lld: %s\n", id, jstr(r, "state"));
		static const char *const keys[] = { "violation_id", "target", "rule_id", "workflow_id", "pilot_state",
						    "approver", "message", "created_at", "updated_at" };
		for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
			printf("  %-20s ", keys[i]);
			fput_safe(stdout, jstr(r, keys[i]), 0);
			fputc('\n', stdout);
		}
		printf("  %-20s %s %s\n", "object", jstr(json_object_get(r, "object"), "type"),
		       jstr(json_object_get(r, "object"), "id"));
		printf("  %-20s %lld\n", "suggestion revision",
		       (long long)json_integer_value(json_object_get(r, "suggestion_revision")));
		if (json_is_integer(applied))
			printf("  %-20s %lld\n", "applied on snapshot", (long long)json_integer_value(applied));
		if (json_is_integer(proof))
			printf("  %-20s %lld\n", "proved by snapshot", (long long)json_integer_value(proof));
		if (drift)
			printf("  %-20s %s\n", "what changed", drift);
		if (suggestion) {
			fputs("\n", stdout);
			advise_print(stdout, suggestion);
			json_decref(suggestion);
		}
	}
	free(drift);
	json_decref(recs);
	return EXIT_CLEAN;
}

static const struct cmd remediation_list = {
	.name = "list",
	.summary = "List remediations with pilot's state and their proof",
	.optsets = { { list_opts, 0 } },
	.opts_size = sizeof(struct rem_opts),
	.setup = CMD_TWIN_WRITE | CMD_TWIN_EXISTING,
	.exits = EXITS(EXIT_CLEAN, EXIT_USAGE, EXIT_STORE, EXIT_NO_SCAN),
	.exit_texts = { [EXIT_CLEAN] = "success" },
	.run = list,
};

static const struct cmd remediation_show = {
	.name = "show",
	.summary = "Show one remediation, its suggestion and the drift that proved it",
	.args = "ID", .min_args = 1, .max_args = 1,
	.optsets = { { show_opts, 0 } },
	.opts_size = sizeof(struct rem_opts),
	.setup = CMD_TWIN_WRITE | CMD_TWIN_EXISTING,
	.exits = EXITS(EXIT_CLEAN, EXIT_USAGE, EXIT_STORE, EXIT_NO_SCAN),
	.exit_texts = { [EXIT_CLEAN] = "success", [EXIT_USAGE] = "usage error, or no such remediation" },
	.run = show,
};

static const struct cmd *const subs[] = { &remediation_list, &remediation_show, NULL };

const struct cmd cmd_remediation = {
	.name = "remediation",
	.summary = "Follow fixes submitted to vmware-pilot until a scan proves them",
	.subs = subs,
	.exits = EXITS(EXIT_CLEAN, EXIT_USAGE, EXIT_STORE, EXIT_NO_SCAN),
	.exit_texts = { [EXIT_CLEAN] = "success" },
};
