/* Removing old snapshots: what goes is chosen in SQL, and deleted in one
 * transaction; foreign keys cascade to objects, properties, evaluations,
 * findings, waivers, parts and drift. */
#include <stdlib.h>

#include "store/store_int.h"
#include "util/util.h"

static int id_row(void *ctx, sqlite3_stmt *s)
{
	long long *id = store_list_add(ctx, sizeof(*id));
	*id = sqlite3_column_int64(s, 0);
	return 0;
}

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
	int rc = store_query(st, "read", keep > 0 ? by_keep : by_age, id_row, &x, "ti", target,
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
	if (rc < 0) {
		store_rollback(st);
		return rc;
	}
	return store_commit(st);
}
