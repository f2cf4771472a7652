/* Drift between snapshots, computed by SQLite over the twin's own tables:
 * objects matched by type and moref, properties by name, findings by
 * baseline, rule and object. */
#include "store/drift.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store_int.h"
#include "util/util.h"
#include "vocab.h"

static const char *const kind_names[] = {
#define X(e, s) s,
	DRIFT_KINDS
#undef X
};

const char *drift_kind_name(enum drift_kind k)
{
	return kind_names[k];
}

static int kind_parse(const char *s)
{
	for (int i = 0; i < DK_COUNT; i++)
		if (!strcmp(kind_names[i], s))
			return i;
	return -1;
}

int store_snapshot_previous(struct store *st, const char *target, long long snap, long long *prev)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db,
			       "SELECT max(id) FROM snapshot WHERE target = ? AND status = 'completed' AND id < ?",
			       -1, &s, NULL) != SQLITE_OK)
		return store_db_error(st, "read");
	store_bind_text(s, 1, target);
	sqlite3_bind_int64(s, 2, snap);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL) {
		*prev = sqlite3_column_int64(s, 0);
		rc = 0;
	} else {
		rc = rc == SQLITE_ROW ? 1 : store_db_error(st, "read");
	}
	sqlite3_finalize(s);
	return rc;
}

/* Whether the NSX part completed in a snapshot.  Snapshots from before
 * parts were recorded have no NSX objects, so they count as not. */
static int nsx_completed(struct store *st, long long snap, bool *yes)
{
	struct part_info *p;
	unsigned n;
	if (store_parts(st, snap, &p, &n) < 0)
		return -1;
	const struct part_info *x = part_find(p, n, "nsx");
	*yes = x && !strcmp(x->status, "completed");
	part_list_free(p, n);
	return 0;
}

/* Objects of the NSX part drop out of the comparison unless both NSX
 * parts completed; the part's own manager object always takes part. */
#define NSX_FILTER(t) \
	"(?3 OR harden_part(" t ") <> 'nsx' OR " t " = '" NSX_PART_OBJECT "')"

static const char *const drift_sql[] = {
	/* Objects added. */
	"INSERT INTO drift_event(from_snapshot, to_snapshot, kind, object_type, moref, object_name) "
	"SELECT ?1, ?2, 'object_added', n.type, n.moref, n.name FROM object n "
	"WHERE n.snapshot_id = ?2 AND " NSX_FILTER("n.type")
	" AND NOT EXISTS (SELECT 1 FROM object o WHERE o.snapshot_id = ?1 AND o.type = n.type AND o.moref = n.moref)",
	/* Objects removed. */
	"INSERT INTO drift_event(from_snapshot, to_snapshot, kind, object_type, moref, object_name) "
	"SELECT ?1, ?2, 'object_removed', o.type, o.moref, o.name FROM object o "
	"WHERE o.snapshot_id = ?1 AND " NSX_FILTER("o.type")
	" AND NOT EXISTS (SELECT 1 FROM object n WHERE n.snapshot_id = ?2 AND n.type = o.type AND n.moref = o.moref)",
	/* Properties of objects in both: changed, appeared, newly collected or
	 * no longer collected.  A property that stays not collected, or goes
	 * from absent to not collected, says nothing new. */
	"INSERT INTO drift_event(from_snapshot, to_snapshot, kind, object_type, moref, object_name, property, "
	"  old_value, new_value) "
	"SELECT ?1, ?2, CASE WHEN po.object_id IS NULL OR (po.collected AND pn.collected) THEN 'property_changed' "
	"                    WHEN pn.collected THEN 'property_collected' ELSE 'property_uncollected' END, "
	"  n.type, n.moref, n.name, pn.name, CASE WHEN po.collected THEN po.value END, "
	"  CASE WHEN pn.collected THEN pn.value END "
	"FROM object n JOIN object o ON o.snapshot_id = ?1 AND o.type = n.type AND o.moref = n.moref "
	"JOIN property pn ON pn.object_id = n.id "
	"LEFT JOIN property po ON po.object_id = o.id AND po.name = pn.name "
	"WHERE n.snapshot_id = ?2 AND pn.type <> 'group' AND " NSX_FILTER("n.type")
	" AND ((po.object_id IS NULL AND pn.collected) OR po.collected <> pn.collected "
	"      OR (po.collected AND pn.collected AND po.value IS NOT pn.value))",
	/* Properties that disappeared from an object in both. */
	"INSERT INTO drift_event(from_snapshot, to_snapshot, kind, object_type, moref, object_name, property, "
	"  old_value, new_value) "
	"SELECT ?1, ?2, 'property_changed', n.type, n.moref, n.name, po.name, po.value, NULL "
	"FROM object n JOIN object o ON o.snapshot_id = ?1 AND o.type = n.type AND o.moref = n.moref "
	"JOIN property po ON po.object_id = o.id "
	"WHERE n.snapshot_id = ?2 AND po.type <> 'group' AND po.collected AND " NSX_FILTER("n.type")
	" AND NOT EXISTS (SELECT 1 FROM property pn WHERE pn.object_id = n.id AND pn.name = po.name)",
	/* Posture: the latest scan evaluation of each baseline both snapshots
	 * were evaluated against, finding by finding.  Each new finding finds
	 * its old one through the objects' and findings' indexes. */
	"INSERT INTO drift_event(from_snapshot, to_snapshot, kind, object_type, moref, object_name, property, "
	"  baseline_id, old_value, new_value) "
	"SELECT ?1, ?2, CASE WHEN fn.status = 'fail' AND fo.status = 'waived' AND coalesce(w.expired, 0) "
	"                    THEN 'waiver_expired' "
	"                    WHEN fn.status = 'fail' THEN 'regressed' "
	"                    WHEN fn.status = 'unknown' THEN 'became_unknown' ELSE 'fixed' END, "
	"  n.type, n.moref, n.name, fn.rule_id, en.baseline_id, fo.status, fn.status "
	"FROM evaluation en "
	"JOIN evaluation eo ON eo.id = (SELECT max(id) FROM evaluation WHERE snapshot_id = ?1 AND kind = 'scan' "
	"                               AND baseline_id = en.baseline_id) "
	"JOIN finding fn ON fn.evaluation_id = en.id "
	"JOIN object n ON n.id = fn.object_id "
	"JOIN object o ON o.snapshot_id = ?1 AND o.type = n.type AND o.moref = n.moref "
	"JOIN finding fo ON fo.object_id = o.id AND fo.evaluation_id = eo.id AND fo.rule_id = fn.rule_id "
	"LEFT JOIN waiver w ON w.id = fn.waiver_id "
	"WHERE en.snapshot_id = ?2 AND en.kind = 'scan' "
	"  AND en.id = (SELECT max(id) FROM evaluation WHERE snapshot_id = ?2 AND kind = 'scan' "
	"               AND baseline_id = en.baseline_id) "
	"  AND ((fn.status = 'fail' AND fo.status <> 'fail') OR (fn.status = 'unknown' AND fo.status <> 'unknown') "
	"       OR (fo.status = 'fail' AND fn.status IN ('pass', 'not_applicable')))",
};

static int run_pair(struct store *st, const char *sql, long long from, long long to, bool nsx_ok)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return store_db_error(st, "prepare drift on");
	sqlite3_bind_int64(s, 1, from);
	sqlite3_bind_int64(s, 2, to);
	if (sqlite3_bind_parameter_count(s) >= 3)
		sqlite3_bind_int(s, 3, nsx_ok);
	int rc = store_step_done(st, s, "write");
	sqlite3_finalize(s);
	return rc;
}

int drift_compute(struct store *st, long long from, long long to, long long counts[DK_COUNT])
{
	bool a, b;
	if (nsx_completed(st, from, &a) < 0 || nsx_completed(st, to, &b) < 0)
		return -1;
	int rc = store_begin(st);
	if (rc < 0)
		return rc;
	if ((rc = run_pair(st, "DELETE FROM drift_event WHERE from_snapshot = ?1 AND to_snapshot = ?2", from, to,
			   false)) < 0)
		goto fail;
	for (unsigned i = 0; i < ARRAY_SIZE(drift_sql); i++)
		if ((rc = run_pair(st, drift_sql[i], from, to, a && b)) < 0)
			goto fail;
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, "INSERT OR REPLACE INTO drift_pair(from_snapshot, to_snapshot, computed_at) "
			       "VALUES (?, ?, ?)", -1, &s, NULL) != SQLITE_OK) {
		rc = store_db_error(st, "write");
		goto fail;
	}
	sqlite3_bind_int64(s, 1, from);
	sqlite3_bind_int64(s, 2, to);
	sqlite3_bind_int64(s, 3, (long long)time(NULL));
	rc = store_step_done(st, s, "write");
	sqlite3_finalize(s);
	if (rc < 0)
		goto fail;
	if (counts) {
		memset(counts, 0, sizeof(long long) * DK_COUNT);
		if (sqlite3_prepare_v2(st->db, "SELECT kind, count(*) FROM drift_event WHERE from_snapshot = ? "
				       "AND to_snapshot = ? GROUP BY kind", -1, &s, NULL) != SQLITE_OK) {
			rc = store_db_error(st, "read");
			goto fail;
		}
		sqlite3_bind_int64(s, 1, from);
		sqlite3_bind_int64(s, 2, to);
		while (sqlite3_step(s) == SQLITE_ROW) {
			int k = kind_parse((const char *)sqlite3_column_text(s, 0));
			if (k >= 0)
				counts[k] = sqlite3_column_int64(s, 1);
		}
		sqlite3_finalize(s);
	}
	return store_commit(st);
fail:
	store_rollback(st);
	return rc;
}

int drift_stored(struct store *st, long long from, long long to)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, "SELECT 1 FROM drift_pair WHERE from_snapshot = ? AND to_snapshot = ?", -1, &s,
			       NULL) != SQLITE_OK)
		return store_db_error(st, "read");
	sqlite3_bind_int64(s, 1, from);
	sqlite3_bind_int64(s, 2, to);
	int rc = sqlite3_step(s);
	rc = rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : store_db_error(st, "read");
	sqlite3_finalize(s);
	return rc;
}

static const char *text(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

int drift_events_each(struct store *st, long long from, long long to, const char *object, drift_event_fn fn,
		      void *ctx)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db,
			       "SELECT kind, object_type, moref, object_name, property, baseline_id, old_value, new_value "
			       "FROM drift_event WHERE from_snapshot = ?1 AND to_snapshot = ?2 "
			       "AND (?3 IS NULL OR object_name = ?3 OR moref = ?3) "
			       "ORDER BY object_type, object_name, moref, baseline_id IS NOT NULL, baseline_id, property, id",
			       -1, &s, NULL) != SQLITE_OK)
		return store_db_error(st, "read");
	sqlite3_bind_int64(s, 1, from);
	sqlite3_bind_int64(s, 2, to);
	store_bind_text(s, 3, object);
	int rc = 0, r;
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		int k = kind_parse(text(s, 0));
		if (k < 0)
			continue;
		struct drift_event e = { (enum drift_kind)k, text(s, 1), text(s, 2), text(s, 3), text(s, 4),
					 text(s, 5), text(s, 6), text(s, 7) };
		if ((rc = fn(ctx, &e)) != 0)
			break;
	}
	if (rc == 0 && r != SQLITE_DONE)
		rc = store_db_error(st, "read");
	sqlite3_finalize(s);
	return rc;
}

int store_history_each(struct store *st, const char *target, const char *object, const char *property,
		       history_fn fn, void *ctx)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db,
			       "WITH seen AS (SELECT s.id, s.started_at, o.id AS oid, o.type, o.moref, o.name "
			       "              FROM snapshot s JOIN object o ON o.snapshot_id = s.id "
			       "              WHERE s.target = ?1 AND s.status = 'completed' AND (o.name = ?2 OR o.moref = ?2)), "
			       "     names AS (SELECT DISTINCT seen.type, seen.moref, p.name FROM seen "
			       "               JOIN property p ON p.object_id = seen.oid "
			       "               WHERE p.type <> 'group' AND (?3 IS NULL OR p.name = ?3)) "
			       "SELECT seen.id, seen.started_at, seen.type, seen.moref, seen.name, names.name, "
			       "       p.object_id IS NOT NULL, coalesce(p.collected, 0), p.value "
			       "FROM names JOIN seen ON seen.type = names.type AND seen.moref = names.moref "
			       "LEFT JOIN property p ON p.object_id = seen.oid AND p.name = names.name "
			       "ORDER BY seen.type, seen.moref, names.name, seen.id",
			       -1, &s, NULL) != SQLITE_OK)
		return store_db_error(st, "read");
	store_bind_text(s, 1, target);
	store_bind_text(s, 2, object);
	store_bind_text(s, 3, property);
	int rc = 0, r;
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		struct history_point p = { sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1), text(s, 2),
					   text(s, 3), text(s, 4), text(s, 5), sqlite3_column_int(s, 6) != 0,
					   sqlite3_column_int(s, 7) != 0, text(s, 8) };
		if ((rc = fn(ctx, &p)) != 0)
			break;
	}
	if (rc == 0 && r != SQLITE_DONE)
		rc = store_db_error(st, "read");
	sqlite3_finalize(s);
	return rc;
}

int store_new_results(struct store *st, long long eval, long long ref_snap, const char *status, store_count_fn fn,
		      void *ctx)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db,
			       "SELECT r.severity, count(*) FROM finding f JOIN object o ON o.id = f.object_id "
			       "JOIN eval_rule r ON r.evaluation_id = f.evaluation_id AND r.rule_id = f.rule_id "
			       "WHERE f.evaluation_id = ?1 AND f.status = ?3 AND NOT EXISTS ("
			       "  SELECT 1 FROM object po JOIN finding pf ON pf.object_id = po.id "
			       "  WHERE po.snapshot_id = ?2 AND po.type = o.type AND po.moref = o.moref "
			       "    AND pf.rule_id = f.rule_id AND pf.status = ?3 "
			       "    AND pf.evaluation_id = (SELECT max(id) FROM evaluation WHERE snapshot_id = ?2 AND kind = 'scan' "
			       "        AND baseline_id = (SELECT baseline_id FROM evaluation WHERE id = ?1))) "
			       "GROUP BY r.severity",
			       -1, &s, NULL) != SQLITE_OK)
		return store_db_error(st, "read");
	sqlite3_bind_int64(s, 1, eval);
	sqlite3_bind_int64(s, 2, ref_snap);
	store_bind_text(s, 3, status);
	int r;
	while ((r = sqlite3_step(s)) == SQLITE_ROW)
		fn(ctx, status, text(s, 0), sqlite3_column_int64(s, 1));
	sqlite3_finalize(s);
	return r == SQLITE_DONE ? 0 : store_db_error(st, "read");
}
