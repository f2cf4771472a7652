/* Read-only SQL checks: a second connection that sees one snapshot through
 * two views, an authorizer that allows reading those alone, and a time
 * limit. */
#include <string.h>

#include "store/store_int.h"
#include "util/util.h"

static const char sql_views[] =
	"CREATE TEMP VIEW objects AS SELECT moref, type, name FROM main.object WHERE snapshot_id = %lld;"
	"CREATE TEMP VIEW props AS SELECT o.moref AS moref, o.type AS type, p.name AS name, p.value AS value, "
	"p.collected AS collected FROM main.object o JOIN main.property p ON p.object_id = o.id "
	"WHERE o.snapshot_id = %lld;";

/* Reading is allowed through the two views only; nothing else at all. */
static int sql_authorizer(void *ud, int action, const char *a, const char *b, const char *db, const char *view)
{
	(void)ud, (void)a, (void)b;
	switch (action) {
	case SQLITE_SELECT:
	case SQLITE_FUNCTION:
	case SQLITE_RECURSIVE:
		return SQLITE_OK;
	case SQLITE_READ:
		if (db && !strcmp(db, "temp"))
			return SQLITE_OK;
		/* A common table expression of the query itself has no database. */
		if (!db)
			return SQLITE_OK;
		/* JSON lists (props.value of list properties) through SQLite's own
		 * table-valued functions. */
		if (a && (!strcmp(a, "json_each") || !strcmp(a, "json_tree")))
			return SQLITE_OK;
		if (a && (!strcmp(a, "sqlite_master") || !strcmp(a, "sqlite_schema")))
			return SQLITE_OK;	/* the schema itself, read to load it */
		if (view && (!strcmp(view, "objects") || !strcmp(view, "props")))
			return SQLITE_OK;
		return SQLITE_DENY;
	case SQLITE_UPDATE:
		/* Connecting json_each declares its table: SQLite reports that as
		 * an update of sqlite_master.  No statement that writes passes
		 * sqlite3_stmt_readonly, and the connection is read-only anyway. */
		if (a && !strcmp(a, "sqlite_master") && !view)
			return SQLITE_OK;
		return SQLITE_DENY;
	default:
		return SQLITE_DENY;
	}
}

struct sql_deadline {
	double at;
};

static int sql_progress(void *ud)
{
	return now_ms() > ((struct sql_deadline *)ud)->at;
}

/* A connection for SQL checks: read-only, the views, then the authorizer. */
static sqlite3 *sql_connection(const char *path, long long snap)
{
	sqlite3 *h = NULL;
	int flags = path ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_MEMORY;
	if (sqlite3_open_v2(path ? path : ":memory:", &h, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		err_set("cannot open a read-only connection for SQL checks: %s", h ? sqlite3_errmsg(h) : "out of memory");
		sqlite3_close(h);
		return NULL;
	}
	sqlite3_busy_timeout(h, 10000);
	char *views = sqlite3_mprintf(sql_views, snap, snap);
	/* Validation runs on an empty database of the same shape. */
	const char *shape = path ? "" : "CREATE TABLE object(id INTEGER PRIMARY KEY, snapshot_id INTEGER, type TEXT, "
					"moref TEXT, name TEXT);"
					"CREATE TABLE property(object_id INTEGER, name TEXT, type TEXT, collected INTEGER, "
					"value TEXT);";
	char *msg = NULL;
	int rc = sqlite3_exec(h, shape, NULL, NULL, &msg);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(h, views, NULL, NULL, &msg);
	sqlite3_free(views);
	if (rc != SQLITE_OK) {
		err_set("cannot prepare SQL checks: %s", msg ? msg : sqlite3_errmsg(h));
		sqlite3_free(msg);
		sqlite3_close(h);
		return NULL;
	}
	sqlite3_set_authorizer(h, sql_authorizer, NULL);
	return h;
}

static int sql_prepare(sqlite3 *h, const char *sql, sqlite3_stmt **st)
{
	const char *tail = NULL, *why = NULL;
	if (sqlite3_prepare_v2(h, sql, -1, st, &tail) != SQLITE_OK) {
		err_set("%s", sqlite3_errmsg(h));
		return HERR_INPUT;
	}
	while (tail && (*tail == ' ' || *tail == '\n' || *tail == '\t' || *tail == ';'))
		tail++;
	if (!*st)
		why = "the SQL check is empty";
	else if (tail && *tail)
		why = "the SQL check must be a single statement";
	else if (!sqlite3_stmt_readonly(*st) || sqlite3_column_count(*st) < 1)
		why = "the SQL check must be a read-only SELECT returning the failing morefs";
	if (!why)
		return 0;
	sqlite3_finalize(*st);
	*st = NULL;
	err_set("%s", why);
	return HERR_INPUT;
}

int store_sql_validate(const char *sql)
{
	sqlite3 *h = sql_connection(NULL, 0);
	if (!h)
		return HERR_STORE;
	sqlite3_stmt *st = NULL;
	int rc = sql_prepare(h, sql, &st);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return rc;
}

int store_sql_check(struct store *st, long long snap, const char *sql, int timeout_ms, store_sql_fn fn, void *ctx)
{
	sqlite3 *h = sql_connection(st->path, snap);
	if (!h)
		return HERR_STORE;
	sqlite3_stmt *q = NULL;
	int rc = sql_prepare(h, sql, &q);
	if (rc == 0) {
		struct sql_deadline dl = { now_ms() + (timeout_ms > 0 ? timeout_ms : STORE_SQL_TIMEOUT_MS) };
		sqlite3_progress_handler(h, 1000, sql_progress, &dl);
		int r;
		while ((r = sqlite3_step(q)) == SQLITE_ROW) {
			const char *moref = (const char *)sqlite3_column_text(q, 0);
			const char *obs = sqlite3_column_count(q) > 1 ? (const char *)sqlite3_column_text(q, 1) : NULL;
			if (moref && (rc = fn(ctx, moref, obs)) != 0)
				break;
		}
		if (rc == 0 && r != SQLITE_DONE) {
			err_set("%s", r == SQLITE_INTERRUPT ? "the SQL check ran out of time" : sqlite3_errmsg(h));
			rc = r == SQLITE_INTERRUPT ? HERR_INPUT : HERR_STORE;
		}
	}
	sqlite3_finalize(q);
	sqlite3_close(h);
	return rc;
}
