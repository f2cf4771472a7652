/* The twin's health for harden doctor: SQLite's own integrity check, the
 * schema version and what the twin holds, read without the version check
 * store_open makes (an older twin is worth describing too) and without
 * ever writing. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/store_int.h"
#include "util/util.h"

/* quick_check's rows: "ok", or the problems, the first few kept. */
static int check_row(void *ctx, sqlite3_stmt *s)
{
	struct store_health *h = ctx;
	const char *t = store_col_text(s, 0);
	if (h->problems < 3) {
		char *old = h->quick_check;
		h->quick_check = old ? xasprintf("%s; %s", old, t ? t : "?") : xstrdup(t ? t : "?");
		free(old);
	}
	if (!t || strcmp(t, "ok"))
		h->problems++;
	return 0;
}

int store_health(const char *path, struct store_health *h)
{
	static const char check_sql[] = "PRAGMA quick_check";
	static const char version_sql[] = "PRAGMA user_version";
	static const char snaps_sql[] = "SELECT count(*) FROM snapshot";
	static const char done_sql[] = "SELECT count(*) FROM snapshot WHERE status = " SQLW(W_SNAP_COMPLETED);
	struct store st = { .path = (char *)path, .lock_fd = -1 };
	struct stat sb;
	int rc = HERR_STORE;
	memset(h, 0, sizeof(*h));
	if (stat(path, &sb) < 0) {
		err_set("no twin database at '%s'", path);
		return 1;
	}
	h->bytes = (long long)sb.st_size;
	if (sqlite3_open_v2(path, &st.db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		err_set("cannot open database '%s': %s", path, st.db ? sqlite3_errmsg(st.db) : "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(st.db, 5000);
	if ((rc = store_query(&st, "check", check_sql, check_row, h, "")) < 0 ||
	    (rc = store_query_int(&st, version_sql, &h->schema_version, "")) < 0)
		goto out;
	if (h->problems) {
		rc = 0;
		goto out;
	}
	if (store_query_int(&st, snaps_sql, &h->snapshots, "") < 0 ||
	    store_query_int(&st, done_sql, &h->completed, "") < 0) {
		err_set("database '%s' is not a harden twin (no snapshot table)", path);
		rc = HERR_STORE;
		goto out;
	}
	rc = 0;
out:
	for (unsigned i = 0; i < st.ncache; i++)
		sqlite3_finalize(st.cache[i].s);
	if (st.db)
		sqlite3_close(st.db);
	return rc;
}

void store_health_release(struct store_health *h)
{
	free(h->quick_check);
	memset(h, 0, sizeof(*h));
}
