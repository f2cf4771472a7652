/* The advisor's tools: advise (a suggestion built and stored as a new
 * revision, exactly as harden advise does: src/advise/record.c is shared),
 * get_remediation (the latest suggestion with its plan, impact and
 * rollback, and what became of it: harden apply's remediation records),
 * and what get_finding shows of both.  Nothing here applies anything:
 * apply is not a tool. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "advise/advise.h"
#include "config/targets.h"
#include "mcp/server.h"
#include "status.h"
#include "store/store.h"
#include "util/util.h"

static enum herr check_id(const char *vid)
{
	if (violation_id_valid(vid))
		return HERR_OK;
	err_set("'%.16s' is not a violation id (V- and eight letters or digits)", vid);
	return HERR_INPUT;
}

/* The targets file when there is one (the advisor: and pilot: blocks, the
 * targets' parameters), else NULL; an unreadable one is an error. */
static enum herr targets_optional(struct mcp_ctx *x, struct targets **t)
{
	*t = NULL;
	if (!x->config || access(x->config, F_OK) != 0)
		return HERR_OK;
	return mcp_targets(x, t);
}

/* What a violation has: its latest stored suggestion (with revision and
 * snapshot_id, as advise returned it) and its remediation records. */
struct advice {
	const char *vid;
	json_t *suggestion;	/* or NULL */
	json_t *remediations;	/* newest first */
};

static int remediation_of(void *vctx, const struct remediation_rec *r)
{
	struct advice *a = vctx;
	if (!strcasecmp(r->violation_id, a->vid))
		json_array_append_new(a->remediations, remediation_rec_json(r));
	return 0;
}

static enum herr advice_load(struct store *st, const char *vid, struct advice *a)
{
	struct suggestion_rec rec = { 0 };
	*a = (struct advice){ vid, NULL, json_array() };
	int r = store_suggestion_get(st, vid, 0, &rec);
	if (r == 0) {
		a->suggestion = json_loads(rec.body, 0, NULL);
		if (json_is_object(a->suggestion)) {
			json_object_set_new(a->suggestion, "revision", json_integer(rec.revision));
			json_object_set_new(a->suggestion, "snapshot_id", json_integer(rec.snapshot_id));
		} else {
			json_decref(a->suggestion);
			a->suggestion = NULL;
		}
	}
	suggestion_rec_release(&rec);
	if (r < 0 || store_remediations_each(st, NULL, remediation_of, a) < 0) {
		json_decref(a->suggestion);
		json_decref(a->remediations);
		return HERR_STORE;
	}
	return HERR_OK;
}

/* The state in one word: the latest remediation's, else "suggested" when
 * a suggestion is stored, else "none". */
static const char *advice_state(const struct advice *a)
{
	const char *s = json_string_value(json_object_get(json_array_get(a->remediations, 0), "state"));
	return s ? s : a->suggestion ? "suggested" : "none";
}

void mcp_advice_attach(struct mcp_ctx *x, const char *violation_id, json_t *finding)
{
	struct store *st;
	struct advice a;
	if (mcp_twin(x, false, &st) || advice_load(st, violation_id, &a)) {
		json_object_set_new(finding, "suggestion", json_null());
		json_object_set_new(finding, "remediation_state", json_null());
		json_object_set_new(finding, "remediation", json_null());
		return;
	}
	json_object_set_new(finding, "remediation_state", json_string(advice_state(&a)));
	json_object_set_new(finding, "suggestion", a.suggestion ? mcp_data(a.suggestion) : json_null());
	json_t *latest = json_array_get(a.remediations, 0);
	json_object_set(finding, "remediation", latest ? mcp_data(latest) : json_null());
	json_decref(a.remediations);
}

/* ---- advise and get_remediation ---- */

struct advise_call {
	struct targets *t;
	const struct catalog *cat;
	struct store *st;
	bool record;		/* advise: stored as the next revision */
	bool build;		/* get_remediation: built, not stored */
	json_t *out;		/* the suggestion */
	int model;
};

static int advise_one(void *vctx, const struct violation *v)
{
	struct advise_call *c = vctx;
	const struct target *t = c->t ? targets_find(c->t, v->target) : NULL;
	const struct advisor_conf *llm = c->t ? &c->t->advisor : NULL;
	if (c->record)
		return advise_record(c->st, v, t, c->cat, llm, &c->out, &c->model);
	return c->build ? advise_violation(c->st, v, t, c->cat, NULL, &c->out, NULL) : 0;
}

/* The violation in the latest completed snapshot it fails in, and its
 * suggestion built now when asked (c->record: stored; c->build: not):
 * HERR_OK with c->out, or 1 when it fails in none. */
static int advise_now(struct mcp_ctx *x, const char *vid, struct advise_call *c)
{
	struct catalog cat = { 0 };
	enum herr rc = targets_optional(x, &c->t);
	if (rc)
		return rc;
	if ((c->record || c->build) && advise_catalog(c->t, &cat) < 0)
		return HERR_INPUT;
	c->cat = &cat;
	int r = violation_find(c->st, vid, advise_one, c);
	catalog_release(&cat);
	return r;
}

static void not_failing(const char *vid)
{
	err_set("no failing result with id %s in the latest completed snapshot of any target, and nothing "
		"advised or applied for it: check the id, or re-run harden scan", vid);
}

static enum herr advise(struct mcp_ctx *x, const json_t *args, json_t **out)
{
	const char *vid = mcp_arg_str(args, "violation_id");
	struct advise_call c = { .record = true, .model = 1 };
	enum herr rc;
	if ((rc = check_id(vid)) || (rc = mcp_twin(x, false, &c.st)) || (rc = mcp_twin(x, true, &c.st)))
		return rc;
	int r = advise_now(x, vid, &c);
	if (r > 0) {
		not_failing(vid);
		return HERR_INPUT;
	}
	if (r < 0)
		return (enum herr)r;
	json_t *notes = json_array();
	if (c.model < 0)
		json_array_append_new(notes, mcp_str(err_get()));
	json_t *kind = json_object_get(json_object_get(c.out, "source"), "kind");
	*out = json_pack("{s:s, s:O, s:O, s:o}", "violation_id", vid, "revision", json_object_get(c.out, "revision"),
			 "source", kind ? kind : json_null(), "notes", notes);
	json_object_set_new(*out, "suggestion", mcp_data(c.out));
	return HERR_OK;
}

/* What undoes each step: the rollback tool and parameters of a tool step,
 * the rollback commands of a manual one. */
static json_t *rollback_of(const json_t *suggestion)
{
	json_t *steps = json_object_get(json_object_get(suggestion, "execution_plan"), "steps"), *s;
	json_t *out = json_array();
	size_t i;
	json_array_foreach(steps, i, s) {
		json_t *o = json_pack("{s:O?}", "step", json_object_get(s, "step"));
		if (json_is_true(json_object_get(s, "manual"))) {
			json_object_set(o, "commands", json_object_get(s, "rollback_commands") ?: json_null());
		} else {
			json_object_set(o, "skill", json_object_get(s, "skill") ?: json_null());
			json_object_set(o, "tool", json_object_get(s, "rollback_tool") ?: json_null());
			json_object_set(o, "params", json_object_get(s, "rollback_params") ?: json_null());
		}
		json_array_append_new(out, o);
	}
	return out;
}

static enum herr get_remediation(struct mcp_ctx *x, const json_t *args, json_t **out)
{
	const char *vid = mcp_arg_str(args, "violation_id");
	struct advise_call c = { 0 };
	struct advice a;
	enum herr rc;
	if ((rc = check_id(vid)) || (rc = mcp_twin(x, false, &c.st)) || (rc = advice_load(c.st, vid, &a)))
		return rc;
	/* Failing now?  A suggestion is built (not stored) when none is. */
	c.build = !a.suggestion;
	int r = advise_now(x, vid, &c);
	if (r < 0 || (r > 0 && !a.suggestion && !json_array_size(a.remediations))) {
		if (r > 0)
			not_failing(vid);
		json_decref(a.suggestion);
		json_decref(a.remediations);
		json_decref(c.out);
		return r > 0 ? HERR_INPUT : (enum herr)r;
	}
	json_t *s = a.suggestion ? a.suggestion : c.out;
	json_t *o = json_pack("{s:s, s:b, s:s, s:b}", "violation_id", vid, "failing", r == 0, "state",
			      advice_state(&a), "stored", a.suggestion != NULL);
	json_object_set(o, "target", json_object_get(s, "target") ?: json_null());
	json_object_set(o, "rule_id", json_object_get(s, "rule_id") ?: json_null());
	json_object_set(o, "revision", json_object_get(s, "revision") ?: json_null());
	json_object_set(o, "plan", json_object_get(s, "execution_plan") ?: json_null());
	json_object_set(o, "impact", json_object_get(s, "impact_prediction") ?: json_null());
	json_object_set_new(o, "rollback", s ? rollback_of(s) : json_null());
	json_object_set(o, "suggestion", s ?: json_null());
	json_object_set(o, "remediation", json_array_get(a.remediations, 0) ?: json_null());
	json_object_set(o, "remediations", a.remediations);
	if (c.out && a.suggestion)
		json_decref(c.out);
	json_decref(s);
	json_decref(a.remediations);
	*out = mcp_data(o);
	return HERR_OK;
}

#define VID_IN "{\"type\": \"object\", \"properties\": {\"violation_id\": {\"type\": \"string\", \"maxLength\": 16, " \
	"\"description\": \"an id from list_violations\"}}, \"required\": [\"violation_id\"], " \
	"\"additionalProperties\": false}"
#define OBJ_OR_NULL "{\"type\": [\"object\", \"null\"]}"
#define ARR_OR_NULL "{\"type\": [\"array\", \"null\"]}"
#define STR_OR_NULL "{\"type\": [\"string\", \"null\"]}"
#define STATE "{\"type\": \"string\", \"enum\": [\"none\", \"suggested\", \"submitted\", \"verified\", " \
	"\"not_effective\", \"failed\", \"rolled_back\", \"cancelled\"]}"

const struct mcp_tool mcp_tools_advice[] = {
	{ .name = "get_remediation", .title = "Remediation of a violation",
	  .description = "The remediation of a violation: its latest suggestion (stored by advise or harden "
			 "advise; built offline, not stored, when there is none) with the execution plan, the "
			 "predicted impact and how to roll each step back, and what became of it: each time "
			 "harden apply handed it to vmware-pilot, and whether a later scan verified the fix.  "
			 "Nothing is applied.",
	  .input_schema = VID_IN,
	  .output_schema = "{\"type\": \"object\", \"properties\": {\"violation_id\": {\"type\": \"string\"}, "
			   "\"target\": " STR_OR_NULL ", \"rule_id\": " STR_OR_NULL ", \"failing\": {\"type\": "
			   "\"boolean\"}, \"state\": " STATE ", \"stored\": {\"type\": \"boolean\"}, \"revision\": "
			   "{\"type\": [\"integer\", \"null\"]}, \"plan\": " OBJ_OR_NULL ", \"impact\": " OBJ_OR_NULL
			   ", \"rollback\": " ARR_OR_NULL ", \"suggestion\": " OBJ_OR_NULL ", \"remediation\": "
			   OBJ_OR_NULL ", \"remediations\": {\"type\": \"array\", \"items\": {\"type\": \"object\", "
			   "\"properties\": {\"state\": {\"type\": \"string\"}, \"workflow_id\": " STR_OR_NULL "}}}}, "
			   "\"required\": [\"violation_id\", \"failing\", \"state\", \"stored\", \"plan\", \"impact\", "
			   "\"rollback\", \"suggestion\", \"remediation\", \"remediations\"]}",
	  .hints = MCP_READ_ONLY, .call = get_remediation },
	{ .name = "advise", .title = "Advise on a violation",
	  .description = "A suggestion for fixing a failing result, as 'harden advise --violation-id V' makes "
			 "it: offline from the rule, the evidence and the object, every tool checked against the "
			 "skill catalog (the model of the targets file's advisor: block only when one is "
			 "configured), stored in the twin as the violation's next revision.  Nothing is applied.",
	  .input_schema = VID_IN,
	  .output_schema = "{\"type\": \"object\", \"properties\": {\"violation_id\": {\"type\": \"string\"}, "
			   "\"revision\": {\"type\": \"integer\"}, \"source\": " STR_OR_NULL ", \"suggestion\": "
			   "{\"type\": \"object\", \"properties\": {\"schema\": {\"const\": \"harden.suggestion\"}, "
			   "\"execution_plan\": {\"type\": \"object\"}}, \"required\": [\"schema\", \"execution_plan\"]}, "
			   "\"notes\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}}}, "
			   "\"required\": [\"violation_id\", \"revision\", \"suggestion\", \"notes\"]}",
	  .hints = MCP_IDEMPOTENT, .call = advise },
	{ 0 },
};
