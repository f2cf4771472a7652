/* The advisor: a Suggestion for a failing result, built offline and
 * deterministically from the rule's check, the evidence and the object,
 * and every tool it names checked against the skill catalog.  harden never
 * runs a plan itself: apply hands the tool steps to vmware-pilot, and the
 * manual steps are commands for people.
 *
 * A Suggestion is JSON (schema "harden.suggestion", a versioned contract
 * described in harden(1), ADVISE):
 *   schema, schema_version, violation_id, target, baseline, rule_id,
 *   rule_title, severity, object {type, id, name},
 *   evidence {property, observed, expected}, summary,
 *   change [{property, from, to}],
 *   execution_plan {steps: [...]}, impact_prediction {...}, confidence,
 *   human_review_required, review_reasons [...], review {from the rule},
 *   source {kind, catalog {source, date}}
 * A step is either a tool step
 *   {step, skill, tool, params, rollback_tool, rollback_params,
 *    destructive, verified, risk, description}
 * or a manual one
 *   {step, manual: true, description, commands: [{shell, command}],
 *    rollback_commands: [...]}. */
#ifndef HARDEN_ADVISE_H
#define HARDEN_ADVISE_H

#include <jansson.h>
#include <stdbool.h>

#include "config/targets.h"
#include "rules/rules.h"
#include "util/util.h"

#define SUGGESTION_SCHEMA "harden.suggestion"
#define SUGGESTION_VERSION 1

/* The skill catalog: skill -> {tools: {name: {risk, desc}}}. */
struct catalog {
	json_t *skills;
	char *source;		/* "vmware-pilot get_skill_catalog", or the file */
	char *date;		/* the file's date, or NULL for pilot's */
};

/* $HARDEN_CATALOG, else catalog.json in the first baseline directory
 * holding one; NULL when there is none. */
char *catalog_default_path(void);
/* A catalog file: {date, source, catalog: {...}}.  HERR_INPUT with the
 * error set when it cannot be read. */
int catalog_load(struct catalog *c, const char *path);
/* Pilot's get_skill_catalog result (taken). */
void catalog_from_pilot(struct catalog *c, json_t *result);
void catalog_release(struct catalog *c);
/* Whether skill.tool is listed; skill as the family spells it
 * ("nsx-security", "vmware-nsx-security", "vmware_nsx_security"). */
bool catalog_has(const struct catalog *c, const char *skill, const char *tool);
/* A listed tool's risk (low, medium, high, critical), or NULL. */
const char *catalog_risk(const struct catalog *c, const char *skill, const char *tool);
/* "vmware_nsx_security.dfw_rule_delete" -> skill "nsx-security", tool
 * "dfw_rule_delete" (new strings); -1 when it has no dot. */
int tool_split(const char *qualified, char **skill, char **tool);
/* A step destructive as pilot classifies it: a name with delete, remove,
 * destroy, ... in it, a high or critical risk, or a truthy confirm. */
bool step_destructive(const struct catalog *c, const char *skill, const char *tool, const json_t *params);

/* What the advisor reads for one failing result. */
struct advise_in {
	const char *target, *violation_id, *baseline_id;
	const struct rule *rule;
	const char *property, *observed, *expected;	/* the evidence; property NULL for SQL checks */
	const char *object_type, *moref, *object_name;
	const struct sobject *obj;	/* the object in the snapshot, or NULL */
	const struct catalog *cat;
};

/* The offline Suggestion (a new object). */
json_t *advise_offline(const struct advise_in *in);

/* The optional model (llm.c): a suggestion from the model c configures,
 * merged into the offline one and checked against the catalog.  0 with
 * *out, 1 when no model is configured or no key is set (offline), or -1
 * on any failure (the error set; the caller keeps the offline one). */
int advise_llm(const struct advisor_conf *c, const struct advise_in *in, const json_t *offline,
	       const struct catalog *cat, json_t **out);

/* The review gate: the rule's human_review_required, confidence below its
 * min_confidence, the suggestion's own flag, any destructive or unverified
 * step.  Adds the reasons to why (may be NULL); true when any holds. */
bool advise_review_needed(const json_t *suggestion, struct strlist *why);
/* Sets human_review_required (own: the suggestion's own flag, before the
 * gate) and review_reasons from advise_review_needed. */
void advise_settle_review(json_t *suggestion, bool own);

/* The tool steps of a suggestion, in order (borrowed); manual steps are
 * not counted. */
size_t advise_tool_steps(const json_t *suggestion);

/* Writers for people and for other tools (advise.c / export.c). */
void advise_print(FILE *f, const json_t *suggestion);
/* An Ansible playbook (community.vmware) or a PowerCLI script for the
 * suggestions in list; harden never runs them. */
void advise_write_ansible(FILE *f, const json_t *list);
void advise_write_powercli(FILE *f, const json_t *list);


/* ---- violations: the failing results of a snapshot (violation.c) ---- */

struct violation {
	char id[VIOLATION_ID_SIZE];
	const char *target, *baseline_id;
	long long snapshot_id;
	const struct finding_row *f;	/* rule, object and evidence */
};
typedef int (*violation_fn)(void *ctx, const struct violation *v);
/* Each failing result of snapshot snap of target. */
int violations_each(struct store *st, const char *target, long long snap, violation_fn fn, void *ctx);

/* Builds the suggestion of v: loads its baseline (bound to the target's
 * parameters, t may be NULL) and its object; offline, or from the model
 * llm configures (NULL: offline), *model telling what became of it (0 the
 * model's, 1 no model or no key, -1 the model failed, with the error set:
 * the offline one is returned).  HERR_INPUT when the rule cannot be found,
 * with the error set. */
int advise_violation(struct store *st, const struct violation *v, const struct target *t,
		     const struct catalog *cat, const struct advisor_conf *llm, json_t **out, int *model);

/* ---- shared by harden advise and harden mcp (record.c) ---- */

/* The catalog tools are checked against: pilot's get_skill_catalog when
 * pilot answers (t may be NULL), else the file (catalog_default_path).
 * Returns where it came from, or HERR_INPUT with the error set. */
enum { ADVISE_CATALOG_PILOT, ADVISE_CATALOG_FILE, ADVISE_CATALOG_FILE_NO_ANSWER };
int advise_catalog(const struct targets *t, struct catalog *cat);
/* The failing result with id vid (any case) in the latest completed
 * snapshot of any target, to fn; the first one found when a rule is in two
 * baselines, as harden advise takes it.  0 (fn's negative result passed
 * on), 1 when there is none, or the store's error. */
int violation_find(struct store *st, const char *vid, violation_fn fn, void *ctx);
/* advise_violation, then the suggestion stored as the violation's next
 * revision: *out gains revision and snapshot_id.  HERR_INPUT (no rule) or
 * HERR_STORE with the error set. */
int advise_record(struct store *st, const struct violation *v, const struct target *t, const struct catalog *cat,
		  const struct advisor_conf *llm, json_t **out, int *model);
/* A remediation record as JSON (harden remediation, harden mcp). */
struct remediation_rec;
json_t *remediation_rec_json(const struct remediation_rec *r);

#endif
