/* Removing old snapshots: what goes is chosen in SQL, and deleted in one
 * transaction; foreign keys cascade to objects, evaluations, findings,
 * waivers, parts and drift, and the property sets no object points to
 * any more go with them.  Then the file gives the space back. */
#include <stdlib.h>

#include "store/store_int.h"
#include "util/util.h"

int store_prune_select(struct store *st, const char *target, long long keep, long long before, long long **ids,
		       unsigned *n)
{
	static const char by_keep[] =
		"SELECT s.id FROM snapshot s WHERE (?1 IS NULL OR s.target = ?1) AND s.status <> " SQLW(W_SNAP_RUNNING)
		" AND s.id < (SELECT min(id) FROM (SELECT k.id FROM snapshot k WHERE k.target = s.target "
		"            AND k.status = " SQLW(W_SNAP_COMPLETED) " ORDER BY k.id DESC LIMIT ?2)) ORDER BY s.id";
	static const char by_age[] =
		"SELECT s.id FROM snapshot s WHERE (?1 IS NULL OR s.target = ?1) AND s.status <> " SQLW(W_SNAP_RUNNING)
		" AND s.started_at <= ?2 AND s.id IS NOT (SELECT max(k.id) FROM snapshot k WHERE k.target = s.target "
		"AND k.status = " SQLW(W_SNAP_COMPLETED) ") ORDER BY s.id";
	struct store_list x = { 0 };
	int rc = store_query(st, "read", keep > 0 ? by_keep : by_age, store_id_row, &x, "ti", target,
			     keep > 0 ? keep : before);
	if (rc < 0) {
		free(x.v);
		x.v = NULL;
		x.n = 0;
	}
	*ids = x.v;
	*n = x.n;
	return rc;
}

int store_snapshots_delete(struct store *st, const long long *ids, unsigned n)
{
	static const char sql[] = "DELETE FROM snapshot WHERE id = ?1 AND status <> " SQLW(W_SNAP_RUNNING);
	int rc = store_begin(st);
	for (unsigned i = 0; i < n && rc == 0; i++)
		rc = store_query(st, "write", sql, NULL, NULL, "i", ids[i]);
	if (rc == 0)
		rc = store_propsets_prune(st);
	if (rc == 0)
		rc = store_resultsets_prune(st);
	if (rc == 0)
		rc = store_rule_details_prune(st);
	if (rc < 0) {
		store_rollback(st);
		return rc;
	}
	return store_commit(st);
}

/* The database's size in pages (free pages included). */
static int page_count(struct store *st, long long *pages)
{
	return store_query_int(st, "PRAGMA page_count", pages, "");
}

int store_reclaim(struct store *st, long long *freed)
{
	long long mode = 0, size = 0, before = 0, after = 0;
	int rc;
	*freed = 0;
	if ((rc = store_query_int(st, "PRAGMA auto_vacuum", &mode, "")) < 0 ||
	    (rc = store_query_int(st, "PRAGMA page_size", &size, "")) < 0 || (rc = page_count(st, &before)) < 0)
		return rc;
	/* 2 is INCREMENTAL; a twin from before it (NONE, 0) is rebuilt once. */
	if (mode != 2)
		rc = store_exec(st, "PRAGMA auto_vacuum = INCREMENTAL; VACUUM", "vacuum");
	else
		rc = store_exec(st, "PRAGMA incremental_vacuum", "vacuum");
	/* In WAL mode the file shrinks when the log is written back. */
	if (rc == 0)
		rc = store_exec(st, "PRAGMA wal_checkpoint(TRUNCATE)", "vacuum");
	if (rc == 0 && (rc = page_count(st, &after)) == 0 && after < before)
		*freed = (before - after) * size;
	return rc;
}
