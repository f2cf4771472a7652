/* Reviews: a reviewer's decision (approve or reject) on one revision of a
 * violation's suggestion, recorded from the web panel, and the plans of a
 * target (each violation's latest suggestion with its latest decision)
 * that the Remediations page and apply --approved read. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store_int.h"
#include "util/util.h"

static const char *const decision_names[REVIEW_COUNT] = { "approve", "reject" };

const char *review_decision_name(enum review_decision d)
{
	return (unsigned)d < REVIEW_COUNT ? decision_names[d] : "?";
}

int review_decision_parse(const char *s, enum review_decision *out)
{
	for (int i = 0; s && i < REVIEW_COUNT; i++)
		if (!strcmp(s, decision_names[i])) {
			*out = (enum review_decision)i;
			return 0;
		}
	return -1;
}

int store_review_add(struct store *st, struct review_rec *r)
{
	static const char sql[] = "INSERT INTO suggestion_review(violation_id, target, revision, decision, reviewer, "
				  "comment, decided_at) VALUES (?,?,?,?,?,?,?)";
	struct suggestion_rec s = { 0 };
	int rc = store_begin(st);
	if (rc < 0)
		return rc;
	if ((rc = store_suggestion_get(st, r->violation_id, 0, &s)) != 0) {
		if (rc == 1)
			err_set("violation %s has no stored suggestion", r->violation_id);
		goto out;
	}
	if (s.revision != r->revision) {
		err_set("suggestion %s revision %d is not the latest (%d): review that one", r->violation_id,
			r->revision, s.revision);
		rc = 1;
		goto out;
	}
	r->decided_at = (long long)time(NULL);
	rc = store_query(st, "write", sql, NULL, NULL, "ttiteei", r->violation_id, s.target, (long long)r->revision,
			 review_decision_name(r->decision), r->reviewer, r->comment, r->decided_at);
out:
	suggestion_rec_release(&s);
	if (rc != 0) {
		store_rollback(st);
		return rc;
	}
	r->id = sqlite3_last_insert_rowid(st->db);
	return store_commit(st);
}

int store_review_mark(struct store *st, long long id, long long remediation_id)
{
	static const char sql[] = "UPDATE suggestion_review SET remediation_id = ?1 WHERE id = ?2";
	return store_query(st, "write", sql, NULL, NULL, "ii", remediation_id, id);
}

#define REVIEW_COLS                                                                                           \
	"SELECT id, violation_id, target, revision, decision, reviewer, comment, decided_at, remediation_id "  \
	"FROM suggestion_review "

static void review_from_row(struct review_rec *o, sqlite3_stmt *s)
{
	memset(o, 0, sizeof(*o));
	const char *decision;
	long long rev;
	store_cols(s, "issitssii", &o->id, &o->violation_id, &o->target, &rev, &decision, &o->reviewer, &o->comment,
		   &o->decided_at, &o->remediation_id);
	o->revision = (int)rev;
	if (review_decision_parse(decision, &o->decision) < 0)
		o->decision = REVIEW_REJECT;	/* a word this harden does not know approves nothing */
}

void review_rec_release(struct review_rec *r)
{
	free(r->violation_id);
	free(r->target);
	free(r->reviewer);
	free(r->comment);
	memset(r, 0, sizeof(*r));
}

struct review_walk {
	store_review_fn fn;
	void *ctx;
};

static int review_row(void *ctx, sqlite3_stmt *s)
{
	struct review_walk *x = ctx;
	struct review_rec r;
	review_from_row(&r, s);
	int rc = x->fn(x->ctx, &r);
	review_rec_release(&r);
	return rc;
}

int store_reviews_of(struct store *st, const char *vid, long long limit, store_review_fn fn, void *ctx)
{
	static const char sql[] = REVIEW_COLS "WHERE violation_id = ?1 ORDER BY id DESC LIMIT ?2";
	struct review_walk x = { fn, ctx };
	return store_query(st, "read", sql, review_row, &x, "ti", vid, limit);
}

/* ---- plans ---- */

/* Each violation's latest suggestion of target ?1, its latest decision
 * (any revision) and the remediation of that revision, if any. */
#define PLAN_SQL                                                                                                   \
	"SELECT s.violation_id, s.revision, s.rule_id, s.object_type, s.moref, s.object_name, s.body, s.source, "  \
	"s.created_at, s.snapshot_id, r.id, r.revision, r.decision, r.reviewer, r.comment, r.decided_at, "         \
	"r.remediation_id, "                                                                                       \
	"(SELECT m.id FROM remediation m WHERE m.violation_id = s.violation_id "                                   \
	" AND m.suggestion_revision = s.revision ORDER BY m.id DESC LIMIT 1) "                                     \
	"FROM suggestion s LEFT JOIN suggestion_review r ON r.id = (SELECT max(x.id) FROM suggestion_review x "     \
	" WHERE x.violation_id = s.violation_id) "                                                                 \
	"WHERE s.target = ?1 AND s.revision = (SELECT max(y.revision) FROM suggestion y "                          \
	" WHERE y.violation_id = s.violation_id) "

struct plan_walk {
	store_plan_fn fn;
	void *ctx;
};

static int plan_row(void *ctx, sqlite3_stmt *s)
{
	struct plan_walk *x = ctx;
	struct plan_row p;
	memset(&p, 0, sizeof(p));
	long long rev, review_rev;
	const char *decision;
	store_cols(s, "tittttttiiiitttiii", &p.violation_id, &rev, &p.rule_id, &p.object_type, &p.moref,
		   &p.object_name, &p.body, &p.source, &p.created_at, &p.snapshot_id, &p.review_id, &review_rev, &decision,
		   &p.reviewer, &p.comment, &p.decided_at, &p.review_remediation, &p.remediation_id);
	p.revision = (int)rev;
	p.review_revision = (int)review_rev;
	p.reviewed = p.review_id != 0;
	if (p.reviewed && review_decision_parse(decision, &p.decision) < 0)
		p.decision = REVIEW_REJECT;
	return x->fn(x->ctx, &p);
}

int store_plans_each(struct store *st, const char *target, long long limit, store_plan_fn fn, void *ctx)
{
	static const char sql[] = PLAN_SQL "ORDER BY s.created_at DESC, s.violation_id LIMIT ?2";
	struct plan_walk x = { fn, ctx };
	return store_query(st, "read", sql, plan_row, &x, "ti", target, limit);
}
