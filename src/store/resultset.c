/* Result sets, each stored once.  One object's results in one evaluation
 * (rule, status, property, observed, expected) are held in memory while
 * the evaluator writes them and stored when the object changes or the
 * next statement runs: as the set already in the twin with the same
 * contents (an object whose results did not change since the previous
 * scan, or that equal another object's, points to the stored set), or as
 * a new set.  Sets are found by a hash of their contents and compared
 * whole, so two sets whose hashes collide stay apart.  eval_object links
 * an evaluation's object to its set; the waiver a result used varies per
 * evaluation, so it is linked outside the set (finding_waiver).  The
 * finding view gives readers the shape of the old table. */
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"
#include "util/util.h"

/* One result held for the pending object; seq orders repeated rules (the
 * last written wins). */
struct rres {
	char *rule_id, *property, *observed, *expected;
	enum rstatus status;
	long long waiver;
	unsigned seq;
};

static void rres_drop(void *a)
{
	struct rres *x = a;
	free(x->rule_id);
	free(x->property);
	free(x->observed);
	free(x->expected);
}

static void rpending_clear(struct store_rpending *p)
{
	struct rres *v = p->rows.v;
	for (unsigned i = 0; i < p->rows.n; i++)
		rres_drop(&v[i]);
	p->rows.n = 0;
	p->eval = 0;
	p->obj = 0;
}

static void rpending_add(struct store_rpending *p, const char *rule_id, enum rstatus status, const char *property,
			 const char *observed, const char *expected, long long waiver, unsigned seq)
{
	struct rres *x = store_list_add(&p->rows, sizeof(*x));
	x->rule_id = xstrdup(rule_id);
	x->property = property ? xstrdup(property) : NULL;
	x->observed = observed ? xstrdup(observed) : NULL;
	x->expected = expected ? xstrdup(expected) : NULL;
	x->status = status;
	x->waiver = waiver;
	x->seq = seq;
}

void store_results_discard(struct store *st)
{
	rpending_clear(&st->rpend);
}

void store_results_release(struct store *st)
{
	rpending_clear(&st->rpend);
	free(st->rpend.rows.v);
	st->rpend.rows.v = NULL;
	st->rpend.rows.cap = 0;
}

/* Rule ids in byte order: the order the result table's key keeps. */
static int rres_cmp(const void *a, const void *b)
{
	const struct rres *x = a, *y = b;
	int c = strcmp(x->rule_id, y->rule_id);
	return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

static bool rres_same_key(const void *a, const void *b)
{
	return !strcmp(((const struct rres *)a)->rule_id, ((const struct rres *)b)->rule_id);
}

/* FNV-1a over each result's texts, each marked as NULL or not. */
static long long set_hash(const struct store_rpending *p)
{
	const struct rres *v = p->rows.v;
	unsigned long long h = 14695981039346656037ULL;
	for (unsigned i = 0; i < p->rows.n; i++) {
		const char *t[] = { v[i].rule_id, rstatus_name(v[i].status), v[i].property, v[i].observed,
				    v[i].expected };
		for (size_t k = 0; k < ARRAY_SIZE(t); k++) {
			h = store_hash_add(h, t[k] ? "v" : "n");
			h = store_hash_add(h, t[k]);
		}
	}
	return (long long)h;
}

/* Whether a stored row is the pending result. */
static bool same_result(const void *row, sqlite3_stmt *s)
{
	const struct rres *x = row;
	const char *rule, *status, *property, *observed, *expected;
	store_cols(s, "ttttt", &rule, &status, &property, &observed, &expected);
	return store_same_text(rule, x->rule_id) && store_same_text(status, rstatus_name(x->status)) &&
	       store_same_text(property, x->property) && store_same_text(observed, x->observed) &&
	       store_same_text(expected, x->expected);
}

static const char set_rows_sql[] = "SELECT rule_id, status, property, observed, expected FROM result "
				   "WHERE set_id = ?1 ORDER BY rule_id";

/* The number of results of each status, stored with the set. */
static void set_counts(const struct store_rpending *p, long long n[RS_COUNT])
{
	const struct rres *v = p->rows.v;
	memset(n, 0, sizeof(long long) * RS_COUNT);
	for (unsigned i = 0; i < p->rows.n; i++)
		n[v[i].status]++;
}

/* The stored set equal to the pending results, or a new one. */
static int find_or_add(struct store *st, long long *set)
{
	static const char by_hash[] = "SELECT id FROM resultset WHERE hash = ?1";
	static const char add_set[] = "INSERT INTO resultset(hash, n_pass, n_fail, n_na, n_unknown, n_waived) "
				      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
	static const char add_row[] = "INSERT INTO result(set_id, rule_id, status, property, observed, expected) "
				      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
	const struct store_rpending *p = &st->rpend;
	long long hash = set_hash(p);
	struct store_cset c = { p->rows.v, sizeof(struct rres), p->rows.n, 0, same_result };
	int rc = store_cset_find(st, by_hash, set_rows_sql, hash, &c, set);
	if (rc < 0 || *set)
		return rc;
	long long n[RS_COUNT];
	set_counts(p, n);
	if ((rc = store_query(st, "write", add_set, NULL, NULL, "iiiiii", hash, n[RS_PASS], n[RS_FAIL],
					n[RS_NA], n[RS_UNKNOWN], n[RS_WAIVED])) < 0)
		return rc;
	*set = sqlite3_last_insert_rowid(st->db);
	const struct rres *v = p->rows.v;
	for (unsigned i = 0; rc == 0 && i < p->rows.n; i++)
		rc = store_query(st, "write", add_row, NULL, NULL, "itettt", *set, v[i].rule_id,
				 rstatus_name(v[i].status), v[i].property, v[i].observed, v[i].expected);
	return rc;
}

static int load_row(void *ctx, sqlite3_stmt *s)
{
	struct store_rpending *p = ctx;
	enum rstatus status;
	if (rstatus_parse(store_col_text(s, 1), &status) < 0)
		status = RS_UNKNOWN;
	rpending_add(p, store_col_text(s, 0), status, store_col_text(s, 2), store_col_text(s, 3),
		     store_col_text(s, 4), 0, 0);
	return 0;
}

/* An object given results earlier in the same evaluation (the part's own
 * object, unknown for each type of a part that did not complete): what it
 * has is merged under what is pending. */
static int merge_earlier(struct store *st)
{
	static const char set_of[] = "SELECT set_id FROM eval_object WHERE evaluation_id = ?1 AND object_id = ?2";
	long long set = 0;
	int rc = store_query_int(st, set_of, &set, "ii", st->rpend.eval, st->rpend.obj);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	return store_query(st, "read", set_rows_sql, load_row, &st->rpend, "i", set);
}

int store_results_flush(struct store *st)
{
	static const char link[] = "INSERT OR REPLACE INTO eval_object(evaluation_id, object_id, set_id) "
				   "VALUES (?1, ?2, ?3)";
	static const char waive[] = "INSERT OR REPLACE INTO finding_waiver(evaluation_id, object_id, rule_id, "
				    "waiver_id) VALUES (?1, ?2, ?3, ?4)";
	struct store_rpending *p = &st->rpend;
	if (!p->obj || p->busy)
		return 0;
	p->busy = true;
	long long set = 0;
	int rc = merge_earlier(st);
	if (rc == 0) {
		store_cset_sort(&p->rows, sizeof(struct rres), rres_cmp, rres_same_key, rres_drop);
		rc = find_or_add(st, &set);
	}
	if (rc == 0)
		rc = store_query(st, "write", link, NULL, NULL, "iii", p->eval, p->obj, set);
	const struct rres *v = p->rows.v;
	for (unsigned i = 0; rc == 0 && i < p->rows.n; i++)
		if (v[i].waiver)
			rc = store_query(st, "write", waive, NULL, NULL, "iiti", p->eval, p->obj, v[i].rule_id,
					 v[i].waiver);
	rpending_clear(p);
	p->busy = false;
	return rc;
}

int store_finding(struct store *st, long long eval, const char *rule_id, long long obj, enum rstatus status,
		  const char *property, const char *observed, const char *expected, long long waiver)
{
	struct store_rpending *p = &st->rpend;
	if ((unsigned)status >= RS_COUNT) {
		err_set("cannot write database '%s': result status %d", st->path, (int)status);
		return HERR_STORE;
	}
	if (p->obj && (p->obj != obj || p->eval != eval)) {
		int rc = store_results_flush(st);
		if (rc < 0)
			return rc;
	}
	p->eval = eval;
	p->obj = obj;
	rpending_add(p, rule_id, status, property, observed, expected, waiver, p->rows.n + 1);
	return 0;
}

int store_resultsets_prune(struct store *st)
{
	static const char sql[] = "DELETE FROM resultset WHERE id NOT IN (SELECT set_id FROM eval_object)";
	return store_query(st, "write", sql, NULL, NULL, "");
}

/* Migration 10: the finding table of older twins becomes sets, object by
 * object within each evaluation, and a view of the old shape takes its
 * name. */
static int move_row(void *ctx, sqlite3_stmt *s)
{
	struct store *st = ctx;
	enum rstatus status;
	/* A status no harden wrote is kept as unknown rather than lost. */
	if (rstatus_parse(store_col_text(s, 3), &status) < 0)
		status = RS_UNKNOWN;
	return store_finding(st, sqlite3_column_int64(s, 0), store_col_text(s, 2), sqlite3_column_int64(s, 1), status,
			     store_col_text(s, 4), store_col_text(s, 5), store_col_text(s, 6),
			     sqlite3_column_int64(s, 7));
}

int store_results_migrate(struct store *st)
{
	static const char rows[] = "SELECT evaluation_id, object_id, rule_id, status, property, observed, expected, "
				   "waiver_id FROM finding ORDER BY evaluation_id, object_id, id";
	int rc = store_is_table(st, "finding");
	if (rc <= 0)
		return rc;
	if ((rc = store_query(st, "migrate", rows, move_row, st, "")) == 0)
		rc = store_results_flush(st);
	store_results_discard(st);
	if (rc < 0)
		return rc;
	return store_exec(st, "DROP TABLE finding;" STORE_FINDING_VIEW, "migrate");
}
