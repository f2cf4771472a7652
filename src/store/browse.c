/* Reads for browsing the twin (harden web): a snapshot's results under a
 * filter, sorted and paged, counts by rule, waivers, drift pairs and the
 * comparison of two evaluations.  Every statement is a fixed string whose
 * filters are parameters (NULL: no filter), so the store prepares each
 * once; each walks one snapshot's evaluations through the indexes. */
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"
#include "util/util.h"

#define SEV_ORDER                                                                                                   \
	"CASE r.severity WHEN " SQLW(W_SEV_CRITICAL) " THEN 0 WHEN " SQLW(W_SEV_HIGH) " THEN 1 WHEN " SQLW(         \
		W_SEV_MEDIUM) " THEN 2 WHEN " SQLW(W_SEV_LOW) " THEN 3 ELSE 4 END"
#define STATUS_ORDER                                                                                                \
	"CASE f.status WHEN " SQLW(W_RS_FAIL) " THEN 0 WHEN " SQLW(W_RS_UNKNOWN) " THEN 1 WHEN " SQLW(              \
		W_RS_WAIVED) " THEN 2 WHEN " SQLW(W_RS_PASS) " THEN 3 ELSE 4 END"

#define LATEST_EVALS "SELECT max(id) FROM evaluation WHERE snapshot_id = ?1 GROUP BY baseline_id"

/* The objects of snapshot ?1 in cluster ?2: hosts by their cluster, VMs
 * by their host's.  Properties are read from the objects' sets directly
 * (property is a view over them).  Resolved once per store handle into a
 * JSON array of ids (cluster_ids), which the statements read as ?10. */
#define CLUSTER_OBJECTS                                                                                             \
	"SELECT x.id FROM object x JOIN propset_prop p ON p.set_id = x.propset_id AND p.name = 'cluster' "          \
	"WHERE x.snapshot_id = ?1 AND p.value = ?2 UNION "                                                          \
	"SELECT x.id FROM object x JOIN propset_prop p ON p.set_id = x.propset_id AND p.name = 'host' "             \
	"WHERE x.snapshot_id = ?1 AND p.value IN (SELECT h.name FROM object h JOIN propset_prop hc "               \
	"ON hc.set_id = h.propset_id AND hc.name = 'cluster' WHERE h.snapshot_id = ?1 AND h.type = 'host' "         \
	"AND hc.value = ?2)"
#define IN_CLUSTER "SELECT value FROM json_each(?10)"

/* The words of the search ?9 that an object's texts (name, moref) miss,
 * and those a result's texts (rule id, title, property, observed) miss,
 * as bit masks (search.c).  A row matches when no word is missed by
 * both. */
#define OBJECT_MISSES(o) "harden_unmatched(?9, " o ".name, " o ".moref)"
#define RESULT_MISSES(r, title) "harden_unmatched(?9, " r ".rule_id, " title ", " r ".property, " r ".observed)"

/* ?1 snapshot, ?2 baseline, ?3 rule, ?4 object name or moref, ?5 moref,
 * ?6 severity, ?7 status, ?8 open results only, ?9 search, ?10 cluster.
 * The rule is a range (from '' to any blob when absent), so that the
 * (evaluation, rule, status) index finds one rule's results. */
#define BROWSE_WHERE                                                                                                \
	"AND (?2 IS NULL OR e.baseline_id = ?2) "                                                                   \
	"AND f.rule_id >= coalesce(?3, '') AND f.rule_id <= coalesce(?3, x'') "                                     \
	"AND (?4 IS NULL OR o.name = ?4 OR o.moref = ?4) AND (?5 IS NULL OR o.moref = ?5) "                         \
	"AND (?6 IS NULL OR r.severity = ?6) AND (?7 IS NULL OR f.status = ?7) "                                    \
	"AND (?8 = 0 OR f.status IN (" SQLW(W_RS_FAIL) ", " SQLW(W_RS_UNKNOWN) ", " SQLW(W_RS_WAIVED) ")) "         \
	"AND (?9 IS NULL OR harden_unmatched(?9, f.rule_id, r.title, o.name, o.moref, f.property, f.observed) = 0) "

/* Walking the snapshot's evaluations, their results, then each result's
 * object: for filters by rule, severity, status, baseline and search. */
#define BROWSE_FROM                                                                                                 \
	"FROM evaluation e JOIN finding f ON f.evaluation_id = e.id "                                               \
	"JOIN eval_rule r ON r.evaluation_id = f.evaluation_id AND r.rule_id = f.rule_id "                          \
	"JOIN object o ON o.id = f.object_id LEFT JOIN waiver w ON w.id = f.waiver_id "                             \
	"WHERE e.id IN (" LATEST_EVALS ") " BROWSE_WHERE "AND (?10 IS NULL OR o.id IN (" IN_CLUSTER ")) "

/* Walking the objects first (by name or moref, or a cluster's), then
 * their results by the (object, evaluation, rule) index. */
#define BROWSE_FROM_OBJECTS                                                                                         \
	"FROM object o CROSS JOIN finding f ON f.object_id = o.id "                                                 \
	"JOIN evaluation e ON e.id = f.evaluation_id "                                                              \
	"JOIN eval_rule r ON r.evaluation_id = f.evaluation_id AND r.rule_id = f.rule_id "                          \
	"LEFT JOIN waiver w ON w.id = f.waiver_id "                                                                 \
	"WHERE o.snapshot_id = ?1 AND (?10 IS NULL OR o.id IN (" IN_CLUSTER ")) "                                   \
	"AND f.evaluation_id IN (" LATEST_EVALS ") " BROWSE_WHERE

#define BROWSE_COLUMNS                                                                                              \
	"SELECT f.rule_id, r.title, r.severity, r.object_type, r.details, f.status, f.property, f.observed, "       \
	"f.expected, o.moref, o.name, o.id, w.justification, w.approver, w.expires, w.ticket, w.expired, "         \
	"e.baseline_id, e.id "

#define ORDER_SEVERITY                                                                                              \
	"ORDER BY " SEV_ORDER ", f.rule_id COLLATE harden_natural, o.name COLLATE harden_natural, o.moref, "        \
	"e.baseline_id LIMIT ?11 OFFSET ?12"
#define ORDER_RULE                                                                                                  \
	"ORDER BY f.rule_id COLLATE harden_natural, e.baseline_id, o.name COLLATE harden_natural, o.moref "         \
	"LIMIT ?11 OFFSET ?12"
#define ORDER_OBJECT                                                                                                \
	"ORDER BY o.name COLLATE harden_natural, o.moref, " SEV_ORDER ", f.rule_id COLLATE harden_natural, "        \
	"e.baseline_id LIMIT ?11 OFFSET ?12"
#define ORDER_STATUS                                                                                                \
	"ORDER BY " STATUS_ORDER ", " SEV_ORDER ", f.rule_id COLLATE harden_natural, o.name COLLATE harden_natural, " \
	"o.moref, e.baseline_id LIMIT ?11 OFFSET ?12"

static const char *const browse_sql[2][BROWSE_SORT_COUNT] = {
	{
		[BROWSE_SEVERITY] = BROWSE_COLUMNS BROWSE_FROM ORDER_SEVERITY,
		[BROWSE_RULE] = BROWSE_COLUMNS BROWSE_FROM ORDER_RULE,
		[BROWSE_OBJECT] = BROWSE_COLUMNS BROWSE_FROM ORDER_OBJECT,
		[BROWSE_STATUS] = BROWSE_COLUMNS BROWSE_FROM ORDER_STATUS,
	},
	{
		[BROWSE_SEVERITY] = BROWSE_COLUMNS BROWSE_FROM_OBJECTS ORDER_SEVERITY,
		[BROWSE_RULE] = BROWSE_COLUMNS BROWSE_FROM_OBJECTS ORDER_RULE,
		[BROWSE_OBJECT] = BROWSE_COLUMNS BROWSE_FROM_OBJECTS ORDER_OBJECT,
		[BROWSE_STATUS] = BROWSE_COLUMNS BROWSE_FROM_OBJECTS ORDER_STATUS,
	},
};

/* Whether the filter names objects, so that the statement starts from them. */
static int by_objects(const struct browse_filter *flt)
{
	return flt->object || flt->moref || flt->cluster;
}

struct browse_ctx {
	browse_fn fn;
	void *ctx;
};

static int browse_row(void *ctx, sqlite3_stmt *s)
{
	struct browse_ctx *x = ctx;
	struct browse_row b;
	struct finding_row *f = &b.f;
	const char *severity, *status;
	store_cols(s, "tttttttttttittttbti", &f->rule_id, &f->title, &severity, &f->object_type, &f->details_json,
		   &status, &f->property, &f->observed, &f->expected, &f->moref, &f->object_name, &f->object_id,
		   &f->waiver_justification, &f->waiver_approver, &f->waiver_expires, &f->waiver_ticket,
		   &f->waiver_expired, &b.baseline_id, &b.evaluation_id);
	if (severity_parse(severity, &f->severity) < 0 || rstatus_parse(status, &f->status) < 0)
		return 0;
	return x->fn(x->ctx, &b);
}

/* The arguments of a filter that are not its own fields: the ids of its
 * cluster's objects, and its search when it has words. */
struct fargs {
	const char *cl;
	const char *q;
};

#define FILTER_ARGS(flt, a)                                                                                         \
	(flt)->snapshot, (flt)->baseline, (flt)->rule, (flt)->object, (flt)->moref,                                 \
		(flt)->severity >= 0 ? severity_name((enum severity)(flt)->severity) : NULL,                        \
		(flt)->status >= 0 ? rstatus_name((enum rstatus)(flt)->status) : NULL, (flt)->status == -2,         \
		(a).q, (a).cl

static int text_row(void *ctx, sqlite3_stmt *s)
{
	free(*(char **)ctx);
	*(char **)ctx = store_col_dup(s, 0);
	return 0;
}

/* The ids of the objects of flt's cluster (NULL: no cluster asked), kept
 * for the last snapshot and cluster asked: a snapshot's objects never
 * change once written. */
static int cluster_ids(struct store *st, const struct browse_filter *flt, const char **ids)
{
	static const char sql[] = "SELECT json_group_array(id) FROM (" CLUSTER_OBJECTS ")";
	*ids = NULL;
	if (!flt->cluster)
		return 0;
	if (!st->clu.ids || st->clu.snap != flt->snapshot || strcmp(st->clu.cluster, flt->cluster)) {
		char *v = NULL;
		int rc = store_query(st, "read", sql, text_row, &v, "it", flt->snapshot, flt->cluster);
		if (rc < 0) {
			free(v);
			return rc;
		}
		store_clusters_release(st);
		st->clu.snap = flt->snapshot;
		st->clu.cluster = xstrdup(flt->cluster);
		st->clu.ids = v ? v : xstrdup("[]");
	}
	*ids = st->clu.ids;
	return 0;
}

static int fargs_get(struct store *st, const struct browse_filter *flt, struct fargs *a)
{
	struct strlist w = { 0 };
	int rc = cluster_ids(st, flt, &a->cl);
	if (rc == 0)
		rc = store_search_words(flt->search, &w);
	a->q = w.n ? flt->search : NULL;
	strlist_release(&w);
	return rc;
}

int store_browse(struct store *st, const struct browse_filter *flt, long long offset, long long limit, browse_fn fn,
		 void *ctx)
{
	struct browse_ctx x = { fn, ctx };
	unsigned sort = (unsigned)flt->sort < BROWSE_SORT_COUNT ? flt->sort : BROWSE_SEVERITY;
	struct fargs a = { 0 };
	int rc = fargs_get(st, flt, &a);
	if (rc == 0)
		rc = store_query(st, "read", browse_sql[by_objects(flt)][sort], browse_row, &x, "ittttttbttii",
				 FILTER_ARGS(flt, a), limit, offset);
	return rc;
}

struct rule_count_ctx {
	store_rule_count_fn fn;
	void *ctx;
};

static int rule_count_row(void *ctx, sqlite3_stmt *s)
{
	struct rule_count_ctx *x = ctx;
	enum rstatus status;
	if (rstatus_parse(store_col_text(s, 1), &status) == 0)
		x->fn(x->ctx, store_col_text(s, 0), status, sqlite3_column_int64(s, 2));
	return 0;
}

int store_rule_counts(struct store *st, long long eval, store_rule_count_fn fn, void *ctx)
{
	/* Over the evaluation's distinct result sets, each counted as many
	 * times as objects point to it. */
	static const char sql[] =
		"SELECT x.rule_id, x.status, sum(g.n) FROM (SELECT set_id, count(*) AS n FROM eval_object "
		"WHERE evaluation_id = ? GROUP BY set_id) g JOIN result x ON x.set_id = g.set_id "
		"GROUP BY 1, 2 ORDER BY 1 COLLATE harden_natural";
	struct rule_count_ctx x = { fn, ctx };
	return store_query(st, "read", sql, rule_count_row, &x, "i", eval);
}

/* Counting through the result sets.  An evaluation's objects that share
 * a set share its results, so the rule, severity and status filters and
 * the search's words the result's own texts (rule id, title, property,
 * observed) miss (qm) are taken once per distinct set (hit), and the
 * objects are counted per set and the words their name and moref miss
 * (og: om).  A row matches when qm & om is 0.  ?11: one evaluation, or
 * NULL for all. */
#define SET_CTES                                                                                                    \
	"WITH obj AS MATERIALIZED (SELECT o.id, o.name, o.moref, " OBJECT_MISSES("o") " AS om FROM object o "       \
	"WHERE o.snapshot_id = ?1 AND (?4 IS NULL OR o.name = ?4 OR o.moref = ?4) AND (?5 IS NULL OR o.moref = ?5) " \
	"AND (?10 IS NULL OR o.id IN (" IN_CLUSTER "))), "                                                          \
	"ev AS MATERIALIZED (SELECT id FROM evaluation WHERE id IN (" LATEST_EVALS ") "                             \
	"AND (?2 IS NULL OR baseline_id = ?2) AND (?11 IS NULL OR id = ?11)), "                                      \
	"og AS MATERIALIZED (SELECT x.evaluation_id AS eid, x.set_id AS sid, obj.om AS om, count(*) AS n "         \
	"FROM ev CROSS JOIN eval_object x ON x.evaluation_id = ev.id JOIN obj ON obj.id = x.object_id "             \
	"GROUP BY 1, 2, 3), "                                                                                        \
	"hit AS MATERIALIZED (SELECT s.eid, s.sid, r.rule_id, r.status, " RESULT_MISSES("r", "er.title")            \
	" AS qm FROM (SELECT DISTINCT eid, sid FROM og) s CROSS JOIN result r ON r.set_id = s.sid "                  \
	"JOIN eval_rule er ON er.evaluation_id = s.eid AND er.rule_id = r.rule_id "                                  \
	"WHERE r.rule_id >= coalesce(?3, '') AND r.rule_id <= coalesce(?3, x'') "                                    \
	"AND (?6 IS NULL OR er.severity = ?6) AND (?7 IS NULL OR r.status = ?7) "                                    \
	"AND (?8 = 0 OR r.status IN (" SQLW(W_RS_FAIL) ", " SQLW(W_RS_UNKNOWN) ", " SQLW(W_RS_WAIVED) "))) "

static const char set_rule_counts[] = SET_CTES
	"SELECT h.rule_id, h.status, sum(og.n), h.eid FROM hit h JOIN og ON og.eid = h.eid AND og.sid = h.sid "
	"WHERE (h.qm & og.om) = 0 GROUP BY h.eid, 1, 2 ORDER BY h.eid, 1 COLLATE harden_natural";

struct eval_count_ctx {
	store_eval_count_fn fn;
	void *ctx;
};

static int eval_count_row(void *ctx, sqlite3_stmt *s)
{
	struct eval_count_ctx *x = ctx;
	enum rstatus status;
	if (rstatus_parse(store_col_text(s, 1), &status) == 0)
		x->fn(x->ctx, sqlite3_column_int64(s, 3), store_col_text(s, 0), status, sqlite3_column_int64(s, 2));
	return 0;
}

int store_browse_rule_counts(struct store *st, const struct browse_filter *flt, store_eval_count_fn fn, void *ctx)
{
	struct eval_count_ctx x = { fn, ctx };
	struct fargs a = { 0 };
	int rc = fargs_get(st, flt, &a);
	if (rc == 0)
		rc = store_query(st, "read", set_rule_counts, eval_count_row, &x, "ittttttbttz", FILTER_ARGS(flt, a),
				 0LL);
	return rc;
}

static int add_count(void *ctx, sqlite3_stmt *s)
{
	*(long long *)ctx += sqlite3_column_int64(s, 2);
	return 0;
}

int store_browse_count(struct store *st, const struct browse_filter *flt, long long *n)
{
	struct fargs a = { 0 };
	int rc = fargs_get(st, flt, &a);
	*n = 0;
	if (rc == 0)
		rc = store_query(st, "read", set_rule_counts, add_count, n, "ittttttbttz", FILTER_ARGS(flt, a), 0LL);
	return rc;
}

/* The page of the sort by object: the filter's rows counted per object
 * (through the sets), in the sort's object order; then the rows of only
 * the objects the page reaches, read by one statement that orders them.
 * Objects equal in that order (name and moref) stay together. */
struct obj_walk {
	long long off, limit, pos, skip;
	char *name, *moref;	/* of the last object taken */
	bool taking, done;
	struct buf ids;		/* JSON array of the object ids taken */
};

static int obj_count_row(void *ctx, sqlite3_stmt *s)
{
	struct obj_walk *w = ctx;
	const char *name = store_col_text(s, 1), *moref = store_col_text(s, 2);
	long long n = sqlite3_column_int64(s, 3);
	bool same = w->name && !natcmp(w->name, name) && !strcmp(w->moref, moref);
	if (w->done && !same)
		return 1;
	if (!w->taking && w->pos + n > w->off) {
		w->taking = true;
		w->skip = w->off - w->pos;
	}
	if (w->taking) {
		buf_printf(&w->ids, "%s%lld", w->ids.len > 1 ? "," : "", sqlite3_column_int64(s, 0));
		free(w->name);
		free(w->moref);
		w->name = xstrdup(name);
		w->moref = xstrdup(moref);
		if (w->pos + n >= w->off + w->limit)
			w->done = true;
	}
	w->pos += n;
	return 0;
}

int store_browse_by_object(struct store *st, const struct browse_filter *flt, long long offset, long long limit,
			   browse_fn fn, void *ctx)
{
	static const char counts[] = SET_CTES
		", hs AS MATERIALIZED (SELECT eid, sid, qm, count(*) AS n FROM hit GROUP BY 1, 2, 3) "
		"SELECT obj.id, obj.name, obj.moref, sum(hs.n) FROM obj "
		"CROSS JOIN eval_object x ON x.evaluation_id IN (SELECT id FROM ev) AND x.object_id = obj.id "
		"JOIN hs ON hs.eid = x.evaluation_id AND hs.sid = x.set_id WHERE (hs.qm & obj.om) = 0 "
		"GROUP BY obj.id ORDER BY obj.name COLLATE harden_natural, obj.moref";
	static const char rows[] = BROWSE_COLUMNS BROWSE_FROM_OBJECTS
		"AND o.id IN (SELECT value FROM json_each(?13)) " ORDER_OBJECT;
	struct obj_walk w = { .off = offset, .limit = limit, .ids = BUF_INIT };
	buf_putc(&w.ids, '[');
	struct fargs a = { 0 };
	int rc = fargs_get(st, flt, &a);
	if (rc == 0 && limit > 0)
		rc = store_query(st, "read", counts, obj_count_row, &w, "ittttttbttz", FILTER_ARGS(flt, a), 0LL);
	rc = rc > 0 ? 0 : rc;
	buf_putc(&w.ids, ']');
	if (rc == 0 && w.taking) {
		struct browse_ctx x = { fn, ctx };
		rc = store_query(st, "read", rows, browse_row, &x, "ittttttbttiit", FILTER_ARGS(flt, a), limit, w.skip,
				 w.ids.data);
	}
	free(w.name);
	free(w.moref);
	buf_release(&w.ids);
	return rc;
}

struct rule_ctx {
	store_rule_fn fn;
	void *ctx;
};

static int rule_row(void *ctx, sqlite3_stmt *s)
{
	struct rule_ctx *x = ctx;
	enum severity sev;
	if (severity_parse(store_col_text(s, 2), &sev) < 0)
		return 0;
	return x->fn(x->ctx, store_col_text(s, 0), store_col_text(s, 1), sev, store_col_text(s, 3),
		     store_col_text(s, 4));
}

int store_eval_rules(struct store *st, long long eval, store_rule_fn fn, void *ctx)
{
	static const char sql[] = "SELECT rule_id, title, severity, object_type, details FROM eval_rule "
				  "WHERE evaluation_id = ? ORDER BY rule_id COLLATE harden_natural";
	struct rule_ctx x = { fn, ctx };
	return store_query(st, "read", sql, rule_row, &x, "i", eval);
}

struct prop_ctx {
	bool found, *collected;
	char **value;
};

static int prop_row(void *ctx, sqlite3_stmt *s)
{
	struct prop_ctx *x = ctx;
	x->found = true;
	store_cols(s, "bs", x->collected, x->value);
	return 1;
}

int store_object_prop(struct store *st, long long snap, const char *type, const char *moref, const char *name,
		      bool *collected, char **value)
{
	static const char sql[] = "SELECT p.collected, p.value FROM object o JOIN property p ON p.object_id = o.id "
				  "WHERE o.snapshot_id = ? AND o.type = ? AND o.moref = ? AND p.name = ?";
	struct prop_ctx x = { false, collected, value };
	*collected = false;
	*value = NULL;
	int rc = store_query(st, "read", sql, prop_row, &x, "itte", snap, type, moref, name);
	if (rc < 0)
		return rc;
	return x.found ? 0 : 1;
}

struct waiver_ctx {
	store_waiver_fn fn;
	void *ctx;
};

static int waiver_row(void *ctx, sqlite3_stmt *s)
{
	struct waiver_ctx *x = ctx;
	struct waiver_row w;
	store_cols(s, "ttttttttb", &w.baseline_id, &w.rule_id, &w.selector, &w.justification, &w.approver, &w.expires,
		   &w.ticket, &w.source, &w.expired);
	return x->fn(x->ctx, &w);
}

int store_waivers_each(struct store *st, long long snap, store_waiver_fn fn, void *ctx)
{
	static const char sql[] = "SELECT e.baseline_id, w.rule_id, w.selector, w.justification, w.approver, "
				  "w.expires, w.ticket, w.source, w.expired FROM waiver w "
				  "JOIN evaluation e ON e.id = w.evaluation_id WHERE e.id IN (" LATEST_EVALS ") "
				  "ORDER BY w.expires, e.baseline_id, w.rule_id";
	struct waiver_ctx x = { fn, ctx };
	return store_query(st, "read", sql, waiver_row, &x, "i", snap);
}

struct pair_ctx {
	store_pair_fn fn;
	void *ctx;
};

static int pair_row(void *ctx, sqlite3_stmt *s)
{
	struct pair_ctx *x = ctx;
	return x->fn(x->ctx, sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1), store_col_text(s, 2),
		     sqlite3_column_int64(s, 3));
}

int store_drift_pairs(struct store *st, const char *target, store_pair_fn fn, void *ctx)
{
	static const char sql[] =
		"SELECT p.from_snapshot, p.to_snapshot, e.kind, count(e.id) FROM drift_pair p "
		"JOIN snapshot s ON s.id = p.to_snapshot LEFT JOIN drift_event e ON e.to_snapshot = p.to_snapshot "
		"AND e.from_snapshot = p.from_snapshot WHERE s.target = ? GROUP BY 1, 2, 3 ORDER BY 2 DESC, 1 DESC, 3";
	struct pair_ctx x = { fn, ctx };
	return store_query(st, "read", sql, pair_row, &x, "t", target);
}

struct compare_ctx {
	store_compare_fn fn;
	void *ctx;
};

static int compare_row(void *ctx, sqlite3_stmt *s)
{
	struct compare_ctx *x = ctx;
	return x->fn(x->ctx, store_col_text(s, 0), store_col_text(s, 1), store_col_text(s, 2), store_col_text(s, 3),
		     store_col_text(s, 4), store_col_text(s, 5));
}

int store_compare_results(struct store *st, long long a, long long snap_a, long long b, bool all, long long limit,
			  store_compare_fn fn, void *ctx)
{
	/* The objects of b are paired with snap_a's once (by the unique
	 * (snapshot, type, moref) index), and each with its result sets in b
	 * and a; unless every result is asked for, a pair pointing to the same
	 * set has nothing changed and its results are not read. */
	static const char sql[] =
		"WITH m AS MATERIALIZED (SELECT ob.id AS bid, ob.type, ob.moref, ob.name, oa.id AS aid FROM object ob "
		"LEFT JOIN object oa ON oa.snapshot_id = ?2 AND oa.type = ob.type AND oa.moref = ob.moref "
		"WHERE ob.snapshot_id = (SELECT snapshot_id FROM evaluation WHERE id = ?3)) "
		"SELECT rb.rule_id, m.type, m.moref, m.name, ra.status, rb.status FROM m "
		"CROSS JOIN eval_object xb ON xb.evaluation_id = ?3 AND xb.object_id = m.bid "
		"LEFT JOIN eval_object xa ON xa.evaluation_id = ?1 AND xa.object_id = m.aid "
		"CROSS JOIN result rb ON rb.set_id = xb.set_id "
		"LEFT JOIN result ra ON ra.set_id = xa.set_id AND ra.rule_id = rb.rule_id "
		"WHERE (?4 OR xa.set_id IS NOT xb.set_id) AND (?4 OR ra.status IS NOT rb.status) "
		"ORDER BY rb.rule_id COLLATE harden_natural, m.name COLLATE harden_natural, m.moref LIMIT ?5";
	struct compare_ctx x = { fn, ctx };
	return store_query(st, "read", sql, compare_row, &x, "iiibi", a, snap_a, b, (int)all, limit);
}

void store_clusters_release(struct store *st)
{
	free(st->clu.cluster);
	free(st->clu.ids);
	st->clu.cluster = st->clu.ids = NULL;
	st->clu.snap = 0;
}
