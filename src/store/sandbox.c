/* Read-only SQL checks: a second connection that sees one snapshot through
 * two views, an authorizer that allows reading those alone, a time limit,
 * and size limits that no single function call can get past. */
#include <string.h>
#include <strings.h>

#include "store/store_int.h"
#include "util/util.h"

static const char sql_views[] =
	"CREATE TEMP VIEW objects AS SELECT moref, type, name FROM main.object WHERE snapshot_id = %lld;"
	"CREATE TEMP VIEW props AS SELECT o.moref AS moref, o.type AS type, p.name AS name, p.value AS value, "
	"p.collected AS collected FROM main.object o JOIN main.propset_prop p ON p.set_id = o.propset_id "
	"WHERE o.snapshot_id = %lld;";

/* Functions a check may not call: printf() and format() pad a value to any
 * width or precision one character at a time inside a single call, which
 * neither the size limit (the result is cut, the loop goes on) nor the time
 * limit (checked between steps) interrupts. */
static const char *const sql_denied_fns[] = { "printf", "format" };

/* What the authorizer refused, for the message. */
struct sql_auth {
	const char *fn;
};

/* Reading is allowed through the two views only; nothing else at all. */
static int sql_authorizer(void *ud, int action, const char *a, const char *b, const char *db, const char *view)
{
	(void)a;
	switch (action) {
	case SQLITE_FUNCTION:
		for (size_t i = 0; b && i < ARRAY_SIZE(sql_denied_fns); i++) {
			if (!strcasecmp(b, sql_denied_fns[i])) {
				((struct sql_auth *)ud)->fn = sql_denied_fns[i];
				return SQLITE_DENY;
			}
		}
		return SQLITE_OK;
	case SQLITE_SELECT:
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

/* What one SQL check may build: a value of 1 MB at most (a string, a blob,
 * a row), so that printf('%.*c', 900000000, 'x') or zeroblob() fail at once
 * instead of running for minutes inside one step; and a bounded statement. */
static const struct {
	int id, value;
} sql_limits[] = {
	{ SQLITE_LIMIT_LENGTH, STORE_SQL_MAX_VALUE },
	{ SQLITE_LIMIT_SQL_LENGTH, 64 * 1024 },
	{ SQLITE_LIMIT_COLUMN, 100 },
	{ SQLITE_LIMIT_EXPR_DEPTH, 100 },
	{ SQLITE_LIMIT_COMPOUND_SELECT, 50 },
	{ SQLITE_LIMIT_VDBE_OP, 100000 },
	{ SQLITE_LIMIT_FUNCTION_ARG, 16 },
	{ SQLITE_LIMIT_ATTACHED, 0 },
	{ SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 100 },
	{ SQLITE_LIMIT_VARIABLE_NUMBER, 0 },
	{ SQLITE_LIMIT_TRIGGER_DEPTH, 1 },
};

/* SQLite's message, or what a limit means for a check. */
static const char *sql_error(sqlite3 *h, int code)
{
	switch (code) {
	case SQLITE_INTERRUPT: return "the SQL check ran out of time";
	case SQLITE_TOOBIG: return "the SQL check made or read a value over its limit of " STORE_SQL_MAX_VALUE_TEXT;
	case SQLITE_NOMEM: return "the SQL check ran out of memory";
	default: return sqlite3_errmsg(h);
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
static sqlite3 *sql_connection(const char *path, long long snap, struct sql_auth *auth)
{
	sqlite3 *h = NULL;
	int flags = path ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_MEMORY;
	if (sqlite3_open_v2(path ? path : ":memory:", &h, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		err_set("cannot open a read-only connection for SQL checks: %s", h ? sqlite3_errmsg(h) : "out of memory");
		sqlite3_close(h);
		return NULL;
	}
	sqlite3_busy_timeout(h, 10000);
	for (size_t i = 0; i < ARRAY_SIZE(sql_limits); i++)
		sqlite3_limit(h, sql_limits[i].id, sql_limits[i].value);
	char *views = sqlite3_mprintf(sql_views, snap, snap);
	/* Validation runs on an empty database of the same shape. */
	const char *shape = path ? "" : "CREATE TABLE object(id INTEGER PRIMARY KEY, snapshot_id INTEGER, type TEXT, "
					"moref TEXT, name TEXT, propset_id INTEGER);"
					"CREATE TABLE propset_prop(set_id INTEGER, name TEXT, type TEXT, collected INTEGER, "
					"value TEXT);"
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
	sqlite3_set_authorizer(h, sql_authorizer, auth);
	return h;
}

static int sql_prepare(sqlite3 *h, const struct sql_auth *auth, const char *sql, sqlite3_stmt **st)
{
	const char *tail = NULL, *why = NULL;
	int code = sqlite3_prepare_v2(h, sql, -1, st, &tail);
	if (code != SQLITE_OK) {
		if (auth->fn)
			err_set("the SQL check may not call %s(): one call can run past the time and size limits; "
				"build text with ||", auth->fn);
		else
			err_set("%s", code == SQLITE_TOOBIG ? "the SQL check is longer than its limit of 64 KiB"
							    : sqlite3_errmsg(h));
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
	struct sql_auth auth = { NULL };
	sqlite3 *h = sql_connection(NULL, 0, &auth);
	if (!h)
		return HERR_STORE;
	sqlite3_stmt *st = NULL;
	int rc = sql_prepare(h, &auth, sql, &st);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return rc;
}

int store_sql_check(struct store *st, long long snap, const char *sql, int timeout_ms, store_sql_fn fn, void *ctx)
{
	struct sql_auth auth = { NULL };
	sqlite3 *h = sql_connection(st->real, snap, &auth);
	if (!h)
		return HERR_STORE;
	sqlite3_stmt *q = NULL;
	int rc = sql_prepare(h, &auth, sql, &q);
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
			err_set("%s", sql_error(h, r));
			rc = r == SQLITE_INTERRUPT || r == SQLITE_TOOBIG || r == SQLITE_NOMEM ? HERR_INPUT : HERR_STORE;
		}
	}
	sqlite3_finalize(q);
	sqlite3_close(h);
	return rc;
}
