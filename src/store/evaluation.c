/* Evaluations of baselines against a snapshot: the rules evaluated, their
 * findings and the waivers in force, read back in report order. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store_int.h"
#include "util/util.h"

int store_evaluation_begin(struct store *st, long long snap, const struct eval_meta *m, long long *id)
{
	static const char sql[] = "INSERT INTO evaluation(snapshot_id, baseline_id, baseline_title, baseline_version, "
				  "baseline_path, kind, created_at, params) VALUES (?,?,?,?,?,?,?,?)";
	static const char last_set[] = "SELECT coalesce(max(id), 0) FROM resultset";
	int rc = store_query(st, "write", sql, NULL, NULL, "iteeetit", snap, m->baseline_id, m->baseline_title,
			     m->baseline_version, m->baseline_path, m->kind, (long long)time(NULL), m->params);
	if (rc == 0)
		*id = sqlite3_last_insert_rowid(st->db);
	return rc < 0 ? rc : store_query_int(st, last_set, &st->rpend.before, "");
}

int store_evaluation_end(struct store *st, long long id, double eval_ms)
{
	static const char sql[] = "UPDATE evaluation SET eval_ms = ? WHERE id = ?";
	/* A set this evaluation stored for an object it later gave more
	 * results (merge_earlier) is nobody's: no other evaluation saw it. */
	static const char orphans[] = "DELETE FROM resultset WHERE id > ?1 AND id NOT IN "
				      "(SELECT set_id FROM eval_object WHERE evaluation_id = ?2)";
	int rc = store_query(st, "write", sql, NULL, NULL, "di", eval_ms, id);
	return rc < 0 ? rc : store_query(st, "write", orphans, NULL, NULL, "ii", st->rpend.before, id);
}

int store_eval_rule(struct store *st, long long eval, const char *rule_id, const char *title,
		    enum severity severity, const char *object_type, const char *details_json)
{
	static const char text[] = "INSERT OR IGNORE INTO rule_details(details) VALUES (?1)";
	static const char sql[] = "INSERT OR REPLACE INTO evaluated_rule(evaluation_id, rule_id, title, severity, "
				  "object_type, details_id) VALUES (?1, ?2, ?3, ?4, ?5, "
				  "(SELECT id FROM rule_details WHERE details = ?6))";
	int rc = details_json ? store_query(st, "write", text, NULL, NULL, "t", details_json) : 0;
	return rc < 0 ? rc : store_query(st, "write", sql, NULL, NULL, "ittttt", eval, rule_id, title,
					  severity_name(severity), object_type, details_json);
}

int store_rule_details_prune(struct store *st)
{
	static const char sql[] = "DELETE FROM rule_details WHERE id NOT IN "
				  "(SELECT details_id FROM evaluated_rule WHERE details_id IS NOT NULL)";
	return store_query(st, "write", sql, NULL, NULL, "");
}

/* Migration 10: the eval_rule table of older twins keeps each details
 * text once, and a view of the old shape takes its name. */
int store_rules_migrate(struct store *st)
{
	static const char move[] =
		"CREATE TABLE evaluated_rule("
		"  evaluation_id INTEGER NOT NULL REFERENCES evaluation(id) ON DELETE CASCADE,"
		"  rule_id TEXT NOT NULL,"
		"  title TEXT NOT NULL,"
		"  severity TEXT NOT NULL,"
		"  object_type TEXT NOT NULL,"
		"  details_id INTEGER,"
		"  PRIMARY KEY (evaluation_id, rule_id)) WITHOUT ROWID;"
		"INSERT OR IGNORE INTO rule_details(details) SELECT details FROM eval_rule WHERE details IS NOT NULL;"
		"INSERT INTO evaluated_rule SELECT r.evaluation_id, r.rule_id, r.title, r.severity, r.object_type, d.id "
		"FROM eval_rule r LEFT JOIN rule_details d ON d.details = r.details;"
		"DROP TABLE eval_rule;"
		"CREATE VIEW eval_rule(evaluation_id, rule_id, title, severity, object_type, details) AS "
		"SELECT r.evaluation_id, r.rule_id, r.title, r.severity, r.object_type, d.details FROM evaluated_rule r "
		"LEFT JOIN rule_details d ON d.id = r.details_id";
	int rc = store_is_table(st, "eval_rule");
	if (rc <= 0)
		return rc;
	return store_exec(st, move, "migrate");
}

int store_waiver(struct store *st, long long eval, const char *rule_id, const char *selector,
		 const char *justification, const char *approver, const char *expires, const char *ticket,
		 const char *source, bool expired, long long *id)
{
	static const char sql[] = "INSERT INTO waiver(evaluation_id, rule_id, selector, justification, approver, "
				  "expires, ticket, source, expired) VALUES (?,?,?,?,?,?,?,?,?)";
	int rc = store_query(st, "write", sql, NULL, NULL, "itttttttb", eval, rule_id, selector, justification,
			     approver, expires, ticket, source, (int)expired);
	if (rc == 0)
		*id = sqlite3_last_insert_rowid(st->db);
	return rc;
}

struct findings_ctx {
	store_finding_fn fn;
	void *ctx;
};

static int finding_row(void *ctx, sqlite3_stmt *s)
{
	struct findings_ctx *x = ctx;
	struct finding_row f;
	const char *severity, *status;
	store_cols(s, "tttttttttttittttb", &f.rule_id, &f.title, &severity, &f.object_type, &f.details_json, &status,
		   &f.property, &f.observed, &f.expected, &f.moref, &f.object_name, &f.object_id,
		   &f.waiver_justification, &f.waiver_approver, &f.waiver_expires, &f.waiver_ticket, &f.waiver_expired);
	/* A status or severity this harden does not know is left out. */
	if (severity_parse(severity, &f.severity) < 0 || rstatus_parse(status, &f.status) < 0)
		return 0;
	return x->fn(x->ctx, &f);
}

bool finding_filter_active(const struct finding_filter *ff)
{
	return ff && (ff->severities || ff->statuses || ff->rule || ff->object || ff->type);
}

/* ",high,critical," of the bits set, for instr(); NULL when none is. */
static char *word_set(unsigned bits, unsigned n, const char *(*name)(int))
{
	if (!bits)
		return NULL;
	struct buf b = BUF_INIT;
	buf_putc(&b, ',');
	for (unsigned i = 0; i < n; i++)
		if (bits & (1u << i))
			buf_printf(&b, "%s,", name((int)i));
	return buf_detach(&b);
}

static const char *sev_word(int i)
{
	return severity_name((enum severity)i);
}

static const char *status_word(int i)
{
	return rstatus_name((enum rstatus)i);
}

int store_findings_filtered(struct store *st, long long eval, const struct finding_filter *ff, store_finding_fn fn,
			    void *ctx)
{
	static const char sql[] =
		"SELECT f.rule_id, r.title, r.severity, r.object_type, r.details, f.status, "
		"f.property, f.observed, f.expected, o.moref, o.name, o.id, "
		"w.justification, w.approver, w.expires, w.ticket, w.expired "
		"FROM finding f JOIN eval_rule r ON r.evaluation_id = f.evaluation_id AND r.rule_id = f.rule_id "
		"JOIN object o ON o.id = f.object_id LEFT JOIN waiver w ON w.id = f.waiver_id "
		"WHERE f.evaluation_id = ?1 "
		"AND (?2 IS NULL OR instr(?2, ',' || r.severity || ',') > 0) "
		"AND (?3 IS NULL OR instr(?3, ',' || f.status || ',') > 0) "
		"AND (?4 IS NULL OR f.rule_id GLOB ?4) "
		"AND (?5 IS NULL OR o.name GLOB ?5 OR o.moref GLOB ?5) "
		"AND (?6 IS NULL OR r.object_type = ?6) "
		"ORDER BY CASE r.severity WHEN " SQLW(W_SEV_CRITICAL) " THEN 0 WHEN " SQLW(W_SEV_HIGH) " THEN 1 "
		"WHEN " SQLW(W_SEV_MEDIUM) " THEN 2 WHEN " SQLW(W_SEV_LOW) " THEN 3 ELSE 4 END, f.rule_id COLLATE harden_natural, "
		"o.name COLLATE harden_natural, o.moref";
	struct finding_filter none = { 0 };
	if (!ff)
		ff = &none;
	char *sevs = word_set(ff->severities, SEV_COUNT, sev_word);
	char *stats = word_set(ff->statuses, RS_COUNT, status_word);
	struct findings_ctx x = { fn, ctx };
	int rc = store_query(st, "read", sql, finding_row, &x, "ittttt", eval, sevs, stats, ff->rule, ff->object,
			     ff->type);
	free(sevs);
	free(stats);
	return rc;
}

int store_findings_each(struct store *st, long long eval, store_finding_fn fn, void *ctx)
{
	return store_findings_filtered(st, eval, NULL, fn, ctx);
}

static int evaluation_row(void *ctx, sqlite3_stmt *s)
{
	struct evaluation_info *e = store_list_add(ctx, sizeof(*e));
	store_cols(s, "iissssids", &e->id, &e->snapshot_id, &e->baseline_id, &e->baseline_title, &e->baseline_version,
		   &e->kind, &e->created_at, &e->eval_ms, &e->params);
	return 0;
}

int store_evaluations(struct store *st, long long snap, struct evaluation_info **out, unsigned *n)
{
	static const char sql[] = "SELECT id, snapshot_id, baseline_id, baseline_title, baseline_version, kind, "
				  "created_at, eval_ms, params FROM evaluation WHERE snapshot_id = ? ORDER BY id";
	struct store_list x = { 0 };
	int rc = store_query(st, "read", sql, evaluation_row, &x, "i", snap);
	*out = x.v;
	*n = x.n;
	return rc;
}

int store_latest_evaluations(struct store *st, long long snap, struct evaluation_info **out, unsigned *n)
{
	static const char sql[] = "SELECT id, snapshot_id, baseline_id, baseline_title, baseline_version, kind, "
				  "created_at, eval_ms FROM evaluation WHERE id IN (SELECT max(id) FROM evaluation "
				  "WHERE snapshot_id = ? GROUP BY baseline_id) ORDER BY baseline_id";
	struct store_list x = { 0 };
	int rc = store_query(st, "read", sql, evaluation_row, &x, "i", snap);
	*out = x.v;
	*n = x.n;
	return rc;
}

void evaluation_list_free(struct evaluation_info *v, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		free(v[i].baseline_id);
		free(v[i].baseline_title);
		free(v[i].baseline_version);
		free(v[i].kind);
		free(v[i].params);
	}
	free(v);
}

int store_evaluation_snapshot(struct store *st, long long eval, long long *snap)
{
	return store_query_int(st, "SELECT snapshot_id FROM evaluation WHERE id = ?", snap, "i", eval);
}

int store_count_row(void *ctx, sqlite3_stmt *s)
{
	struct store_counts *x = ctx;
	enum rstatus status;
	enum severity sev;
	if (rstatus_parse(store_col_text(s, 0), &status) == 0 && severity_parse(store_col_text(s, 1), &sev) == 0)
		x->fn(x->ctx, status, sev, sqlite3_column_int64(s, 2));
	return 0;
}

int store_eval_counts(struct store *st, long long eval, store_count_fn fn, void *ctx)
{
	/* Counted over the evaluation's distinct result sets, each as many
	 * times as objects point to it, then each rule's counts given its
	 * severity. */
	static const char sql[] = "SELECT x.status, r.severity, sum(g.n) FROM (SELECT set_id, count(*) AS n "
				  "FROM eval_object WHERE evaluation_id = ?1 GROUP BY set_id) g "
				  "JOIN result x ON x.set_id = g.set_id "
				  "JOIN eval_rule r ON r.evaluation_id = ?1 AND r.rule_id = x.rule_id GROUP BY 1, 2";
	struct store_counts x = { fn, ctx };
	return store_query(st, "read", sql, store_count_row, &x, "i", eval);
}
