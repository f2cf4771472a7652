/* Removing old snapshots: what goes is chosen in SQL, and deleted in one
 * transaction; foreign keys cascade to objects, properties, evaluations,
 * findings, waivers, parts and drift. */
#include <stdlib.h>

#include "store/store_int.h"
#include "util/util.h"

int store_prune_select(struct store *st, const char *target, long long keep, long long before, long long **ids,
		       unsigned *n)
{
	*ids = NULL;
	*n = 0;
	sqlite3_stmt *s;
	const char *sql = keep > 0
		? "SELECT s.id FROM snapshot s WHERE (?1 IS NULL OR s.target = ?1) AND s.status <> 'running' "
		  "AND s.id < (SELECT min(id) FROM (SELECT k.id FROM snapshot k WHERE k.target = s.target "
		  "            AND k.status = 'completed' ORDER BY k.id DESC LIMIT ?2)) ORDER BY s.id"
		: "SELECT s.id FROM snapshot s WHERE (?1 IS NULL OR s.target = ?1) AND s.status <> 'running' "
		  "AND s.started_at <= ?2 AND s.id IS NOT (SELECT max(k.id) FROM snapshot k WHERE k.target = s.target "
		  "AND k.status = 'completed') ORDER BY s.id";
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return store_db_error(st, "read");
	store_bind_text(s, 1, target);
	sqlite3_bind_int64(s, 2, keep > 0 ? keep : before);
	unsigned cap = 0;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*ids = xrealloc(*ids, cap * sizeof(**ids));
		}
		(*ids)[(*n)++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		free(*ids);
		*ids = NULL;
		*n = 0;
		return store_db_error(st, "read");
	}
	return 0;
}

int store_snapshots_delete(struct store *st, const long long *ids, unsigned n)
{
	int rc = store_begin(st);
	if (rc < 0)
		return rc;
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, "DELETE FROM snapshot WHERE id = ? AND status <> 'running'", -1, &s, NULL) !=
	    SQLITE_OK) {
		rc = store_db_error(st, "write");
		store_rollback(st);
		return rc;
	}
	for (unsigned i = 0; i < n && rc == 0; i++) {
		sqlite3_bind_int64(s, 1, ids[i]);
		rc = store_step_done(st, s, "write");
	}
	sqlite3_finalize(s);
	if (rc < 0) {
		store_rollback(st);
		return rc;
	}
	return store_commit(st);
}
