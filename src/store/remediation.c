/* Suggestions and remediations: what advise proposed (every revision kept)
 * and what apply handed to vmware-pilot, until a later scan proves it. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "store/store_int.h"
#include "util/util.h"

static const char *const remed_state_names[RM_COUNT] = {
	"submitted", "verified", "not_effective", "failed", "rolled_back", "cancelled",
};

const char *remed_state_name(enum remed_state s)
{
	return (unsigned)s < RM_COUNT ? remed_state_names[s] : "?";
}

int remed_state_parse(const char *s, enum remed_state *out)
{
	for (int i = 0; s && i < RM_COUNT; i++)
		if (!strcmp(s, remed_state_names[i])) {
			*out = (enum remed_state)i;
			return 0;
		}
	return -1;
}

bool remed_state_open(enum remed_state s)
{
	return s == RM_SUBMITTED || s == RM_NOT_EFFECTIVE;
}

/* ---- suggestions ---- */

int store_suggestion_add(struct store *st, struct suggestion_rec *s)
{
	static const char next_sql[] = "SELECT COALESCE(MAX(revision), 0) + 1 FROM suggestion WHERE violation_id = ?";
	static const char sql[] = "INSERT INTO suggestion(violation_id, target, rule_id, object_type, moref, "
				  "object_name, revision, body, source, snapshot_id, created_at) "
				  "VALUES (?,?,?,?,?,?,?,?,?,?,?)";
	long long rev = 1;
	int rc = store_exec(st, "BEGIN IMMEDIATE", "write");
	if (rc < 0)
		return rc;
	if ((rc = store_query_int(st, next_sql, &rev, "t", s->violation_id)) < 0)
		goto out;
	s->created_at = (long long)time(NULL);
	rc = store_query(st, "write", sql, NULL, NULL, "ttttteittzi", s->violation_id, s->target, s->rule_id,
			 s->object_type, s->moref, s->object_name, rev, s->body, s->source,
			 s->snapshot_id, s->created_at);
out:
	if (rc < 0) {
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	s->id = sqlite3_last_insert_rowid(st->db);
	s->revision = (int)rev;
	return store_exec(st, "COMMIT", "write");
}

static void suggestion_from_row(struct suggestion_rec *o, sqlite3_stmt *s)
{
	o->id = sqlite3_column_int64(s, 0);
	o->violation_id = store_col_dup(s, 1);
	o->target = store_col_dup(s, 2);
	o->rule_id = store_col_dup(s, 3);
	o->object_type = store_col_dup(s, 4);
	o->moref = store_col_dup(s, 5);
	o->object_name = store_col_dup(s, 6);
	o->revision = sqlite3_column_int(s, 7);
	o->body = store_col_dup(s, 8);
	o->source = store_col_dup(s, 9);
	o->snapshot_id = sqlite3_column_int64(s, 10);
	o->created_at = sqlite3_column_int64(s, 11);
}

static int suggestion_row(void *ctx, sqlite3_stmt *s)
{
	suggestion_from_row(ctx, s);
	return 1;
}

int store_suggestion_get(struct store *st, const char *vid, int revision, struct suggestion_rec *out)
{
	static const char sql[] = "SELECT id, violation_id, target, rule_id, object_type, moref, object_name, revision, "
				  "body, source, snapshot_id, created_at FROM suggestion "
				  "WHERE violation_id = ?1 AND (?2 = 0 OR revision = ?2) ORDER BY revision DESC LIMIT 1";
	memset(out, 0, sizeof(*out));
	int rc = store_query(st, "read", sql, suggestion_row, out, "ti", vid, (long long)revision);
	return rc < 0 ? rc : rc == 1 ? 0 : 1;
}

void suggestion_rec_release(struct suggestion_rec *s)
{
	free(s->violation_id);
	free(s->target);
	free(s->rule_id);
	free(s->object_type);
	free(s->moref);
	free(s->object_name);
	free(s->body);
	free(s->source);
	memset(s, 0, sizeof(*s));
}

/* ---- remediations ---- */

int store_remediation_add(struct store *st, struct remediation_rec *r)
{
	static const char sql[] = "INSERT INTO remediation(violation_id, target, rule_id, object_type, moref, "
				  "suggestion_revision, workflow_id, approver, state, pilot_state, message, "
				  "applied_snapshot, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
	r->created_at = r->updated_at = (long long)time(NULL);
	int rc = store_query(st, "write", sql, NULL, NULL, "tttttitttttzii", r->violation_id, r->target, r->rule_id,
			     r->object_type, r->moref, (long long)r->suggestion_revision, r->workflow_id, r->approver,
			     remed_state_name(r->state), r->pilot_state, r->message, r->applied_snapshot, r->created_at,
			     r->updated_at);
	if (rc == 0)
		r->id = sqlite3_last_insert_rowid(st->db);
	return rc;
}

int store_remediation_update(struct store *st, long long id, enum remed_state state, const char *pilot_state,
			     long long proof_snapshot, const char *message)
{
	static const char sql[] = "UPDATE remediation SET state = ?1, pilot_state = COALESCE(?2, pilot_state), "
				  "proof_snapshot = COALESCE(?3, proof_snapshot), message = COALESCE(?4, message), "
				  "updated_at = ?5 WHERE id = ?6";
	return store_query(st, "write", sql, NULL, NULL, "ttztii", remed_state_name(state), pilot_state,
			   proof_snapshot, message, (long long)time(NULL), id);
}

#define REMEDIATION_COLS                                                                                      \
	"SELECT id, violation_id, target, rule_id, object_type, moref, suggestion_revision, workflow_id, "    \
	"approver, state, pilot_state, message, applied_snapshot, proof_snapshot, created_at, updated_at "     \
	"FROM remediation "

static void remediation_from_row(struct remediation_rec *o, sqlite3_stmt *s)
{
	memset(o, 0, sizeof(*o));
	o->id = sqlite3_column_int64(s, 0);
	o->violation_id = store_col_dup(s, 1);
	o->target = store_col_dup(s, 2);
	o->rule_id = store_col_dup(s, 3);
	o->object_type = store_col_dup(s, 4);
	o->moref = store_col_dup(s, 5);
	o->suggestion_revision = sqlite3_column_int(s, 6);
	o->workflow_id = store_col_dup(s, 7);
	o->approver = store_col_dup(s, 8);
	if (remed_state_parse((const char *)sqlite3_column_text(s, 9), &o->state) < 0)
		o->state = RM_FAILED;
	o->pilot_state = store_col_dup(s, 10);
	o->message = store_col_dup(s, 11);
	o->applied_snapshot = sqlite3_column_int64(s, 12);
	o->proof_snapshot = sqlite3_column_int64(s, 13);
	o->created_at = sqlite3_column_int64(s, 14);
	o->updated_at = sqlite3_column_int64(s, 15);
}

void remediation_rec_release(struct remediation_rec *r)
{
	free(r->violation_id);
	free(r->target);
	free(r->rule_id);
	free(r->object_type);
	free(r->moref);
	free(r->workflow_id);
	free(r->approver);
	free(r->pilot_state);
	free(r->message);
	memset(r, 0, sizeof(*r));
}

static int remediation_one(void *ctx, sqlite3_stmt *s)
{
	remediation_from_row(ctx, s);
	return 1;
}

int store_remediation_get(struct store *st, long long id, struct remediation_rec *out)
{
	static const char sql[] = REMEDIATION_COLS "WHERE id = ?";
	memset(out, 0, sizeof(*out));
	int rc = store_query(st, "read", sql, remediation_one, out, "i", id);
	return rc < 0 ? rc : rc == 1 ? 0 : 1;
}

int store_remediation_latest(struct store *st, const char *vid, struct remediation_rec *out)
{
	static const char sql[] = REMEDIATION_COLS "WHERE violation_id = ? ORDER BY id DESC LIMIT 1";
	memset(out, 0, sizeof(*out));
	int rc = store_query(st, "read", sql, remediation_one, out, "t", vid);
	return rc < 0 ? rc : rc == 1 ? 0 : 1;
}

/* Rows are gathered first, so that fn may write to the twin. */
struct rem_list {
	struct remediation_rec *v;
	size_t n;
};

static int remediation_collect(void *ctx, sqlite3_stmt *s)
{
	struct rem_list *l = ctx;
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	remediation_from_row(&l->v[l->n++], s);
	return 0;
}

int store_remediations_each(struct store *st, const char *target, store_remediation_fn fn, void *ctx)
{
	static const char sql[] = REMEDIATION_COLS "WHERE ?1 IS NULL OR target = ?1 ORDER BY id DESC";
	struct rem_list l = { NULL, 0 };
	int rc = store_query(st, "read", sql, remediation_collect, &l, "t", target);
	for (size_t i = 0; i < l.n; i++) {
		if (rc == 0)
			rc = fn(ctx, &l.v[i]);
		remediation_rec_release(&l.v[i]);
	}
	free(l.v);
	return rc;
}

static int status_row(void *ctx, sqlite3_stmt *s)
{
	enum rstatus *out = ctx;
	return rstatus_parse((const char *)sqlite3_column_text(s, 0), out) < 0 ? 2 : 1;
}

int store_finding_status(struct store *st, long long snap, const char *rule_id, const char *object_type,
			 const char *moref, enum rstatus *status)
{
	static const char sql[] = "SELECT f.status FROM finding f JOIN evaluation e ON e.id = f.evaluation_id "
				  "JOIN object o ON o.id = f.object_id WHERE e.snapshot_id = ?1 AND f.rule_id = ?2 "
				  "AND o.type = ?3 AND o.moref = ?4 ORDER BY e.id DESC LIMIT 1";
	static const char gone_sql[] = "SELECT count(*) FROM eval_rule r JOIN evaluation e ON e.id = r.evaluation_id "
				       "WHERE e.snapshot_id = ?1 AND r.rule_id = ?2 AND NOT EXISTS (SELECT 1 FROM object o "
				       "WHERE o.snapshot_id = ?1 AND o.type = ?3 AND o.moref = ?4)";
	int rc = store_query(st, "read", sql, status_row, status, "ittt", snap, rule_id, object_type, moref);
	if (rc < 0 || rc == 1)
		return rc < 0 ? rc : 0;
	long long gone = 0;
	if ((rc = store_query_int(st, gone_sql, &gone, "ittt", snap, rule_id, object_type, moref)) < 0)
		return rc;
	return gone ? 2 : 1;
}

struct verify_ctx {
	struct store *st;
	long long snap;
	unsigned verified, not_effective;
};

static int verify_one(void *vctx, const struct remediation_rec *r)
{
	struct verify_ctx *x = vctx;
	if (!remed_state_open(r->state) || (r->applied_snapshot && x->snap <= r->applied_snapshot))
		return 0;
	enum rstatus s;
	int rc = store_finding_status(x->st, x->snap, r->rule_id, r->object_type, r->moref, &s);
	if (rc < 0 || rc == 1)
		return rc < 0 ? rc : 0;
	if (rc == 2 || s == RS_PASS || s == RS_NA) {
		char *msg = rc == 2 ? xasprintf("snapshot %lld evaluated the rule and the object is gone", x->snap)
				    : xasprintf("snapshot %lld no longer finds the violation", x->snap);
		rc = store_remediation_update(x->st, r->id, RM_VERIFIED, NULL, x->snap, msg);
		free(msg);
		x->verified += rc == 0;
	} else if (s == RS_FAIL && r->state == RM_SUBMITTED && r->pilot_state &&
		   !strcmp(r->pilot_state, "completed")) {
		char *msg = xasprintf("pilot completed the workflow, but snapshot %lld still finds the violation",
				      x->snap);
		rc = store_remediation_update(x->st, r->id, RM_NOT_EFFECTIVE, NULL, x->snap, msg);
		free(msg);
		x->not_effective += rc == 0;
	}
	return rc;
}

int store_remediations_verify(struct store *st, const char *target, long long snap, unsigned *verified,
			      unsigned *not_effective)
{
	struct verify_ctx x = { st, snap, 0, 0 };
	int rc = store_remediations_each(st, target, verify_one, &x);
	if (verified)
		*verified = x.verified;
	if (not_effective)
		*not_effective = x.not_effective;
	return rc;
}
