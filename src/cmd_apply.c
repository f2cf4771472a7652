/* harden apply --violation-id ID: hand a violation's suggestion to
 * vmware-pilot as a gated workflow, after the review gate.  harden apply
 * --approved: the same for every suggestion a reviewer approved in the
 * web panel and not yet submitted, the decision standing for the gate.
 * harden never writes to vCenter or NSX; pilot plans, the calling agent
 * dispatches, and the next scan proves the fix. */
#include <jansson.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "advise/advise.h"
#include "cmd_common.h"
#include "exitcode.h"
#include "mcp/pilot.h"
#include "store/store.h"
#include "util/util.h"

#define DEFAULT_MAX_AGE_S (24 * 3600)

struct apply_opts {
	const char *id, *approver, *target;
	bool yes, approved;
	long long max_age;
};

#define O(f) offsetof(struct apply_opts, f)
static const struct cmd_opt opts[] = {
	{ .name = "violation-id", .arg = "ID", .kind = OPT_STR, .off = O(id), .help = "the violation to fix" },
	{ .name = "approved", .kind = OPT_FLAG, .off = O(approved),
	  .help = "instead: every suggestion approved in harden web and not yet submitted; the reviewer approves" },
	{ .name = "target", .sname = 't', .arg = "T", .kind = OPT_STR, .off = O(target),
	  .help = "with --approved: only this target's approved suggestions" },
	{ .name = "yes", .sname = 'y', .kind = OPT_FLAG, .off = O(yes),
	  .help = "approve a change that needs review without asking (required without a terminal)" },
	{ .name = "approver", .arg = "NAME", .kind = OPT_STR, .off = O(approver),
	  .help = "who approves, as recorded by pilot and the twin (default: the login name)" },
	{ .name = "max-age", .arg = "SECONDS", .kind = OPT_INT, .off = O(max_age), .min = 1, .max = 365LL * 86400,
	  .help = "refuse when the latest snapshot is older (default: the targets file's pilot: max_snapshot_age, "
		  "else 86400)" },
	{ 0 },
};
#undef O

/* ---- the violation, fresh ---- */

struct find {
	const char *id;
	struct cmd_ctx *ctx;
	const struct target *t;
	struct catalog *cat;
	json_t *suggestion;	/* built from the latest snapshot */
	char *target;
	long long snap;
	int rc;
};

static int match(void *vctx, const struct violation *v)
{
	struct find *x = vctx;
	if (strcasecmp(v->id, x->id))
		return 0;
	if (advise_violation(x->ctx->store, v, x->t, x->cat, NULL, &x->suggestion, NULL) < 0) {
		log_error("%s: %s", v->id, err_get());
		x->rc = EXIT_USAGE;
		return 1;
	}
	x->target = xstrdup(v->target);
	x->snap = v->snapshot_id;
	return 1;
}

/* The violation in the latest completed snapshot of its target, which must
 * be younger than max_age. */
static int find_fresh(struct find *x, long long max_age)
{
	struct store *st = x->ctx->store;
	struct strlist targets = { 0 };
	struct suggestion_rec prev;
	int rc = 0;
	if (store_suggestion_get(st, x->id, 0, &prev) == 0) {
		strlist_add(&targets, prev.target);
		suggestion_rec_release(&prev);
	} else if (store_targets(st, &targets) < 0) {
		log_error("%s", err_get());
		return EXIT_STORE;
	}
	for (size_t i = 0; i < targets.n && !x->target && !x->rc; i++) {
		long long snap;
		struct snapshot_info si = { 0 };
		if (store_snapshot_latest(st, targets.v[i], &snap) != 0 || store_snapshot_get(st, snap, &si) != 0)
			continue;
		long long age = (long long)time(NULL) - (si.ended_at ? si.ended_at : si.started_at);
		x->t = x->ctx->targets ? targets_find(x->ctx->targets, targets.v[i]) : NULL;
		if (violations_each(st, targets.v[i], snap, match, x) < 0) {
			log_error("%s", err_get());
			x->rc = EXIT_STORE;
		}
		if (x->target && age > max_age) {
			log_error("the latest snapshot of target '%s' (%lld) is %lld s old, more than %lld: re-run harden "
				  "scan --target %s", targets.v[i], snap, age, max_age, targets.v[i]);
			x->rc = EXIT_STALE;
		}
		snapshot_info_release(&si);
	}
	if (!x->rc && !x->target) {
		log_error("violation %s is not failing in the latest completed snapshot of %s: nothing to apply "
			  "(re-run harden scan if the estate changed since)", x->id,
			  targets.n == 1 ? targets.v[0] : "any target");
		rc = EXIT_STALE;
	}
	strlist_release(&targets);
	return x->rc ? x->rc : rc;
}

/* ---- the review gate ---- */

static char *login_name(void)
{
	const char *u = getenv("USER");
	if (u && *u)
		return xstrdup(u);
	struct passwd *pw = getpwuid(getuid());
	return xstrdup(pw && pw->pw_name ? pw->pw_name : "unknown");
}

/* 0 when approved, EXIT_NOT_APPROVED when not. */
static int review_gate(const json_t *s, const struct apply_opts *o, bool *reviewed)
{
	struct strlist why = { 0 };
	*reviewed = advise_review_needed(s, &why);
	if (!*reviewed)
		return 0;
	fputs("This change needs human review:\n", stdout);
	for (size_t i = 0; i < why.n; i++)
		printf("  - %s\n", why.v[i]);
	strlist_release(&why);
	advise_print(stdout, s);
	fflush(stdout);
	if (o->yes) {
		printf("Approved with --yes.\n");
		return 0;
	}
	if (!isatty(STDIN_FILENO)) {
		log_error("not approved: no terminal to ask on; review the plan above and re-run with --yes "
			  "(and --approver NAME)");
		return EXIT_NOT_APPROVED;
	}
	fputs("Approve? [y/N] ", stdout);
	fflush(stdout);
	char line[64];
	if (!fgets(line, sizeof(line), stdin) || (strcasecmp(line, "y\n") && strcasecmp(line, "yes\n"))) {
		log_error("not approved: nothing was submitted");
		return EXIT_NOT_APPROVED;
	}
	return 0;
}

/* ---- the workflow ---- */

static bool needs_gate(const json_t *st)
{
	return json_is_true(json_object_get(st, "destructive")) || !json_is_true(json_object_get(st, "verified")) ||
	       !json_is_string(json_object_get(st, "risk"));
}

/* create_workflow's steps: the tool steps, a require_approval gate before
 * every destructive or unclassified one. */
static json_t *workflow_steps(const json_t *s)
{
	json_t *steps = json_array();
	size_t i;
	json_t *st;
	json_array_foreach(json_object_get(json_object_get(s, "execution_plan"), "steps"), i, st) {
		if (json_is_true(json_object_get(st, "manual")))
			continue;
		if (needs_gate(st)) {
			char *msg = xasprintf("harden %s step %zu: %s", json_string_value(json_object_get(s, "violation_id")),
					      i + 1, json_string_value(json_object_get(st, "description")));
			json_array_append_new(steps, json_pack("{s:s, s:s, s:s, s:{s:s}}", "action", "require_approval",
							       "skill", "pilot", "tool", "approve", "params", "message",
							       msg));
			free(msg);
		}
		char *action = xasprintf("harden_fix_%zu", i + 1);
		json_t *w = json_pack("{s:s, s:O, s:O, s:O}", "action", action, "skill", json_object_get(st, "skill"),
				      "tool", json_object_get(st, "tool"), "params", json_object_get(st, "params"));
		free(action);
		if (json_is_string(json_object_get(st, "rollback_tool"))) {
			json_object_set(w, "rollback_tool", json_object_get(st, "rollback_tool"));
			json_object_set(w, "rollback_params", json_object_get(st, "rollback_params"));
		}
		json_array_append_new(steps, w);
	}
	return steps;
}

static void show_refusal(const char *what, const json_t *res)
{
	const char *err = json_string_value(json_object_get(res, "error"));
	log_error("vmware-pilot refused %s: %s", what, err ? err : "(isError)");
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(res, "approval_gate_violations"), i, v)
		log_error("  approval gate: step %lld %s.%s: %s (%s)",
			  (long long)json_integer_value(json_object_get(v, "step_index")),
			  json_string_value(json_object_get(v, "skill")), json_string_value(json_object_get(v, "tool")),
			  json_string_value(json_object_get(v, "reason")), json_string_value(json_object_get(v, "kind")));
	json_array_foreach(json_object_get(res, "blocking_findings"), i, v)
		log_error("  finding: %s", json_string_value(json_object_get(v, "message")));
}

struct submit {
	char *workflow_id;
	char *state;		/* pilot's, at the end */
	char *message;
	int rc;
};

/* Calls tool; on a refusal shows it and sets x->rc. */
static json_t *call(struct pilot *p, const char *tool, json_t *args, struct submit *x)
{
	json_t *res = NULL;
	bool refused;
	if (pilot_call(p, tool, args, &res, &refused) != HERR_OK) {
		log_error("vmware-pilot failed during %s: %s", tool, err_get());
		x->rc = EXIT_PILOT_FAILED;
		return NULL;
	}
	if (refused) {
		show_refusal(tool, res);
		x->rc = json_object_get(res, "approval_gate_violations") ? EXIT_PILOT_REFUSED : EXIT_PILOT_FAILED;
		json_decref(res);
		return NULL;
	}
	return res;
}

static void take_state(struct submit *x, const json_t *res)
{
	const char *s = json_string_value(json_object_get(res, "state"));
	if (s) {
		free(x->state);
		x->state = xstrdup(s);
	}
}

static void submit(struct pilot *p, const json_t *s, const char *approver, struct submit *x)
{
	char *name = xasprintf("harden %s %s", json_string_value(json_object_get(s, "violation_id")),
			       json_string_value(json_object_get(s, "rule_id")));
	json_t *res = call(p, "create_workflow",
			   json_pack("{s:s, s:O, s:o, s:b}", "name", name, "description", json_object_get(s, "summary"),
				     "steps", workflow_steps(s), "save_as_template", false), x);
	free(name);
	if (!res)
		return;
	const char *id = json_string_value(json_object_get(res, "workflow_id"));
	if (!id) {
		log_error("vmware-pilot created no workflow id");
		x->rc = EXIT_PILOT_FAILED;
		json_decref(res);
		return;
	}
	x->workflow_id = xstrdup(id);
	take_state(x, res);
	json_decref(res);
	printf("workflow %s created in vmware-pilot\n", x->workflow_id);

	if ((res = call(p, "review_workflow", json_pack("{s:s}", "workflow_id", x->workflow_id), x))) {
		const char *verdict = json_string_value(json_object_get(res, "verdict"));
		printf("pilot's review: %s", verdict ? verdict : "?");
		const char *summary = json_string_value(json_object_get(res, "summary"));
		if (summary) {
			fputs(": ", stdout);
			fput_safe(stdout, summary, 0);
		}
		fputc('\n', stdout);
		size_t i;
		json_t *f;
		json_array_foreach(json_object_get(res, "findings"), i, f) {
			printf("  %s: ", json_string_value(json_object_get(f, "severity")));
			fput_safe(stdout, json_string_value(json_object_get(f, "message")), 0);
			fputc('\n', stdout);
		}
		json_decref(res);
	} else {
		return;
	}

	res = call(p, "run_workflow", json_pack("{s:s, s:b}", "workflow_id", x->workflow_id, "force", false), x);
	/* Each gate: the approval given at harden's own review gate. */
	for (int gates = 0; res && gates < 64; gates++) {
		take_state(x, res);
		const char *outcome = json_string_value(json_object_get(res, "outcome"));
		if (!outcome || strcmp(outcome, "awaiting_approval"))
			break;
		json_decref(res);
		res = call(p, "approve", json_pack("{s:s, s:s}", "workflow_id", x->workflow_id, "approver", approver), x);
		if (res)
			printf("approved in pilot as %s\n", approver);
	}
	if (!res)
		return;
	take_state(x, res);
	const char *outcome = json_string_value(json_object_get(res, "outcome"));
	json_t *pending = json_object_get(res, "pending_dispatch");
	if (outcome && !strcmp(outcome, "dispatch_required")) {
		printf("pilot state %s: dispatch required; the agent performs %zu step%s:\n", x->state ? x->state : "?",
		       json_array_size(pending), json_array_size(pending) == 1 ? "" : "s");
		size_t i;
		json_t *d;
		json_array_foreach(pending, i, d) {
			char *pj = json_dumps(json_object_get(d, "params"), JSON_COMPACT | JSON_SORT_KEYS);
			printf("  %lld %s.%s ", (long long)json_integer_value(json_object_get(d, "index")),
			       json_string_value(json_object_get(d, "skill")), json_string_value(json_object_get(d, "tool")));
			fput_safe(stdout, pj ? pj : "{}", 0);
			fputc('\n', stdout);
			free(pj);
		}
		x->message = xstrdup("dispatch required: pilot's agent performs the steps");
	} else if (x->state && (!strcmp(x->state, "failed") || !strcmp(x->state, "cancelled"))) {
		const char *why = json_string_value(json_object_get(res, "blocked_reason"));
		log_error("vmware-pilot's workflow %s %s%s%s", x->workflow_id, x->state, why ? ": " : "", why ? why : "");
		x->message = xasprintf("workflow %s", x->state);
		x->rc = EXIT_PILOT_FAILED;
	} else {
		printf("pilot state %s\n", x->state ? x->state : "?");
	}
	json_decref(res);
}

/* Records what was submitted: the remediation, and prints it.  0 or
 * EXIT_STORE; *id gets the remediation's row. */
static int record(struct cmd_ctx *ctx, const json_t *s, const char *target, int revision, const char *approver,
		  long long snap, const struct submit *sub, long long *id)
{
	const json_t *obj = json_object_get(s, "object");
	struct remediation_rec rem = {
		.violation_id = (char *)json_string_value(json_object_get(s, "violation_id")), .target = (char *)target,
		.rule_id = (char *)json_string_value(json_object_get(s, "rule_id")),
		.object_type = (char *)json_string_value(json_object_get(obj, "type")),
		.moref = (char *)json_string_value(json_object_get(obj, "id")), .suggestion_revision = revision,
		.workflow_id = sub->workflow_id, .approver = (char *)approver, .state = sub->rc ? RM_FAILED : RM_SUBMITTED,
		.pilot_state = sub->state, .message = sub->message, .applied_snapshot = snap,
	};
	if (store_remediation_add(ctx->store, &rem) < 0) {
		log_error("%s", err_get());
		return EXIT_STORE;
	}
	printf("remediation %lld recorded: %s, workflow %s, approver %s, suggestion revision %d\n", rem.id,
	       remed_state_name(rem.state), sub->workflow_id, approver, revision);
	if (!sub->rc)
		printf("once the steps are performed, re-run harden scan --target %s: the scan verifies the fix\n",
		       target);
	*id = rem.id;
	return 0;
}

static void submit_release(struct submit *sub)
{
	free(sub->workflow_id);
	free(sub->state);
	free(sub->message);
	memset(sub, 0, sizeof(*sub));
}

static long long max_age_of(const struct cmd_ctx *ctx, const struct apply_opts *o)
{
	return o->max_age ? o->max_age
	       : ctx->targets && ctx->targets->pilot_max_age_s ? ctx->targets->pilot_max_age_s
							       : DEFAULT_MAX_AGE_S;
}

static int apply_one(struct cmd_ctx *ctx, const struct apply_opts *o)
{
	long long max_age = max_age_of(ctx, o);
	struct catalog cat = { 0 };
	struct find x = { .id = o->id, .ctx = ctx, .cat = &cat };
	struct submit sub = { 0 };
	struct pilot p = { 0 };
	char *approver = o->approver ? xstrdup(o->approver) : login_name();
	int rc;
	if ((rc = cmd_catalog(ctx, &cat)) != 0 || (rc = find_fresh(&x, max_age)) != 0)
		goto out;
	if (!advise_tool_steps(x.suggestion)) {
		advise_print(stdout, x.suggestion);
		log_error("the plan for %s has only manual steps: no skill tool does this, so there is nothing to "
			  "submit to vmware-pilot; carry out the commands above, then re-run harden scan", o->id);
		rc = EXIT_USAGE;
		goto out;
	}
	/* Stored before the gate, so that what was approved is on record. */
	char *body = json_dumps(x.suggestion, JSON_COMPACT | JSON_SORT_KEYS);
	const json_t *obj = json_object_get(x.suggestion, "object");
	struct suggestion_rec rec = {
		.violation_id = (char *)o->id, .target = x.target,
		.rule_id = (char *)json_string_value(json_object_get(x.suggestion, "rule_id")),
		.object_type = (char *)json_string_value(json_object_get(obj, "type")),
		.moref = (char *)json_string_value(json_object_get(obj, "id")),
		.object_name = (char *)json_string_value(json_object_get(obj, "name")), .body = body,
		.source = (char *)"baseline", .snapshot_id = x.snap,
	};
	int r = store_suggestion_add(ctx->store, &rec);
	free(body);
	if (r < 0) {
		log_error("%s", err_get());
		rc = EXIT_STORE;
		goto out;
	}
	json_object_set_new(x.suggestion, "revision", json_integer(rec.revision));
	bool reviewed;
	if ((rc = review_gate(x.suggestion, o, &reviewed)) != 0)
		goto out;
	enum herr pr = pilot_open(&p, ctx->targets);
	if (pr != HERR_OK) {
		log_error("%s", err_get());
		rc = pr == HERR_INPUT ? EXIT_PILOT_MISSING : EXIT_PILOT_FAILED;
		goto out;
	}
	submit(&p, x.suggestion, approver, &sub);
	pilot_close(&p);
	long long rem_id;
	if (!sub.workflow_id)
		rc = sub.rc;
	else if ((rc = record(ctx, x.suggestion, x.target, rec.revision, approver, x.snap, &sub, &rem_id)) == 0)
		rc = sub.rc ? sub.rc : EXIT_CLEAN;
out:
	json_decref(x.suggestion);
	free(x.target);
	submit_release(&sub);
	free(approver);
	catalog_release(&cat);
	return rc;
}

/* ---- --approved: the panel's decisions ---- */

/* An approved suggestion waiting to be submitted, or a decision skipped. */
struct approved {
	char *vid, *reviewer, *body, *why_skipped;
	bool stale;		/* skipped as stale, not as rejected */
	int revision;
	long long review_id, decided_at;
};

struct approved_list {
	struct approved *v;
	size_t n;
};

static int approved_take(void *ctx, const struct plan_row *pl)
{
	struct approved_list *l = ctx;
	if (!pl->reviewed || pl->remediation_id || pl->review_remediation)
		return 0;
	char *why = NULL;
	if (pl->decision == REVIEW_REJECT && pl->review_revision == pl->revision)
		why = xasprintf("rejected by %s (revision %d)", pl->reviewer, pl->revision);
	else if (pl->review_revision != pl->revision && pl->decision == REVIEW_APPROVE)
		why = xasprintf("stale: %s approved revision %d, but revision %d is newer; review it in harden web",
				pl->reviewer, pl->review_revision, pl->revision);
	else if (pl->review_revision != pl->revision)
		return 0;	/* the latest revision awaits review */
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = (struct approved){ .vid = xstrdup(pl->violation_id), .reviewer = xstrdup(pl->reviewer),
					  .body = xstrdup(pl->body), .why_skipped = why,
					  .stale = pl->decision == REVIEW_APPROVE, .revision = pl->revision,
					  .review_id = pl->review_id, .decided_at = pl->decided_at };
	return 0;
}

static void approved_release(struct approved_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].vid);
		free(l->v[i].reviewer);
		free(l->v[i].body);
		free(l->v[i].why_skipped);
	}
	free(l->v);
}

/* Whether an approved suggestion still holds: its violation fails in a
 * fresh snapshot with the evidence the reviewer saw.  0, EXIT_STALE
 * (*why set), or another exit code. */
static int still_holds(struct cmd_ctx *ctx, struct catalog *cat, long long max_age, const struct approved *a,
		       const json_t *s, struct find *x, char **why)
{
	x->id = a->vid;
	x->ctx = ctx;
	x->cat = cat;
	int rc = find_fresh(x, max_age);
	if (rc == EXIT_STALE) {
		*why = xstrdup("stale: the violation is not failing in a fresh snapshot (above)");
		return rc;
	}
	if (rc)
		return rc;
	if (!json_equal(json_object_get(s, "evidence"), json_object_get(x->suggestion, "evidence"))) {
		*why = xasprintf("stale: the evidence changed since revision %d was advised; advise and review again",
				 a->revision);
		return EXIT_STALE;
	}
	if (!advise_tool_steps(s)) {
		*why = xstrdup("the plan has only manual steps: nothing to submit to vmware-pilot");
		return EXIT_USAGE;
	}
	return 0;
}

/* Submits one approved suggestion; opens pilot the first time. */
static int submit_approved(struct cmd_ctx *ctx, struct pilot *p, bool *open, const struct approved *a,
			   json_t *s, const struct find *x)
{
	char when[32];
	time_iso8601(when, a->decided_at);
	printf("%s: revision %d approved in harden web by ", a->vid, a->revision);
	fput_safe(stdout, a->reviewer, 0);
	printf(" at %s\n", when);
	fflush(stdout);
	if (!*open) {
		enum herr pr = pilot_open(p, ctx->targets);
		if (pr != HERR_OK) {
			log_error("%s", err_get());
			return pr == HERR_INPUT ? EXIT_PILOT_MISSING : EXIT_PILOT_FAILED;
		}
		*open = true;
	}
	struct submit sub = { 0 };
	json_object_set_new(s, "revision", json_integer(a->revision));
	submit(p, s, a->reviewer, &sub);
	long long rem_id = 0;
	int rc = sub.rc;
	if (sub.workflow_id) {
		int r = record(ctx, s, x->target, a->revision, a->reviewer, x->snap, &sub, &rem_id);
		if (r == 0 && store_review_mark(ctx->store, a->review_id, rem_id) < 0)
			r = EXIT_STORE;
		if (r) {
			log_error("%s", err_get());
			rc = r;
		}
	}
	submit_release(&sub);
	return rc;
}

/* The worse of two outcomes: a failure over a skip over success. */
static int worse(int a, int b)
{
	if (!a || a == EXIT_STALE)
		return b ? b : a;
	return a;
}

static int apply_approved(struct cmd_ctx *ctx, const struct apply_opts *o)
{
	long long max_age = max_age_of(ctx, o);
	struct strlist targets = { 0 };
	struct approved_list l = { NULL, 0 };
	struct catalog cat = { 0 };
	struct pilot p = { 0 };
	bool open = false;
	int rc = 0, submitted = 0;
	if (o->target)
		strlist_add(&targets, o->target);
	else if (store_targets(ctx->store, &targets) < 0)
		rc = HERR_STORE;
	for (size_t i = 0; i < targets.n && !rc; i++)
		if (store_plans_each(ctx->store, targets.v[i], 1000000, approved_take, &l) < 0)
			rc = HERR_STORE;
	if (rc) {
		log_error("%s", err_get());
		rc = EXIT_STORE;
		goto out;
	}
	if ((rc = cmd_catalog(ctx, &cat)) != 0)
		goto out;
	for (size_t i = 0; i < l.n && rc != EXIT_PILOT_MISSING && rc != EXIT_STORE; i++) {
		struct approved *a = &l.v[i];
		json_t *s = a->why_skipped ? NULL : json_loads(a->body, 0, NULL);
		struct find x = { 0 };
		char *why = a->why_skipped ? xstrdup(a->why_skipped) : NULL;
		int r = why ? (a->stale ? EXIT_STALE : 0) : !s ? EXIT_STORE : still_holds(ctx, &cat, max_age, a, s, &x, &why);
		if (!s && !why)
			log_error("%s: the stored suggestion is not JSON", a->vid);
		if (why) {
			printf("%s: skipped: ", a->vid);
			fput_safe(stdout, why, 0);
			fputc('\n', stdout);
		} else if (r == 0) {
			r = submit_approved(ctx, &p, &open, a, s, &x);
			submitted += r == 0;
		}
		rc = worse(rc, r);
		free(why);
		json_decref(s);
		json_decref(x.suggestion);
		free(x.target);
	}
	printf("%d approved suggestion%s submitted to vmware-pilot\n", submitted, submitted == 1 ? "" : "s");
out:
	if (open)
		pilot_close(&p);
	catalog_release(&cat);
	approved_release(&l);
	strlist_release(&targets);
	return rc;
}

static int run(struct cmd_ctx *ctx, void *vopts)
{
	struct apply_opts *o = vopts;
	if (o->approved && (o->id || o->yes || o->approver))
		return cmd_bad_usage(ctx, "--approved submits what reviewers approved in harden web: give it without "
				     "--violation-id, --yes or --approver");
	if (!o->approved && !o->id)
		return cmd_bad_usage(ctx, "give --violation-id ID, or --approved");
	if (!o->approved && o->target)
		return cmd_bad_usage(ctx, "--target goes with --approved");
	if (o->id && !violation_id_valid(o->id))
		return cmd_bad_usage(ctx, "'%s' is not a violation id (V- and eight letters or digits)", o->id);
	int rc = cmd_targets_optional(ctx);
	if (rc)
		return rc;
	return o->approved ? apply_approved(ctx, o) : apply_one(ctx, o);
}

const struct cmd cmd_apply = {
	.name = "apply",
	.summary = "Submit a violation's fix to vmware-pilot as a gated workflow",
	.description = "The violation must fail in its target's latest completed snapshot, which must be recent.  "
		       "A change that needs review (the rule says so, low confidence, a destructive, unverified or "
		       "unclassified step) is shown and asks Approve? [y/N] on a terminal; without one it is "
		       "refused unless --yes.  --approved submits instead every suggestion a reviewer approved on "
		       "harden web's finding page and not yet submitted, with the reviewer as approver; a rejected "
		       "one, or one whose revision or evidence has changed since, is skipped with the reason.  "
		       "harden never performs the change: pilot plans it, its agent dispatches it, and the next "
		       "scan verifies it.",
	.optsets = { { opts, 0 } },
	.opts_size = sizeof(struct apply_opts),
	.setup = CMD_TWIN_WRITE | CMD_TWIN_EXISTING,
	.exits = EXITS(EXIT_CLEAN, EXIT_USAGE, EXIT_STORE, EXIT_STALE, EXIT_NOT_APPROVED, EXIT_PILOT_MISSING,
		       EXIT_PILOT_REFUSED, EXIT_PILOT_FAILED) | EXITS(EXIT_NO_SCAN),
	.exit_texts = { [EXIT_CLEAN] = "submitted to vmware-pilot and recorded (--approved: everything approved, "
				       "or nothing to submit)",
			[EXIT_USAGE] = "usage error, or the plan has only manual steps",
			[EXIT_STALE] = "the violation is not failing in a fresh snapshot (--approved: an approved one "
				       "was stale and skipped)" },
	.run = run,
};
