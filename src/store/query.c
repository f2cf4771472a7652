/* The query helper every store file and drift use: statements prepared
 * once and kept, arguments bound from a format string, rows handed to a
 * callback, SQLite's codes turned into harden's. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"
#include "util/util.h"

_Static_assert(W_SNAP_COMPLETED == W_SNAP + SNAP_COMPLETED && W_SNAP_FAILED == W_SNAP + SNAP_FAILED &&
		       W_SNAP + SNAP_COUNT <= W_PART,
	       "snapshot status words");
_Static_assert(W_PART_NSX == W_PART + PART_NSX && W_PART + PART_COUNT <= W_RS, "part words");
_Static_assert(W_RS_FAIL == W_RS + RS_FAIL && W_RS_NA == W_RS + RS_NA && W_RS_UNKNOWN == W_RS + RS_UNKNOWN &&
		       W_RS_WAIVED == W_RS + RS_WAIVED && W_RS + RS_COUNT <= W_SEV,
	       "result status words");
_Static_assert(W_SEV_LOW == W_SEV + SEV_LOW && W_SEV_MEDIUM == W_SEV + SEV_MEDIUM && W_SEV_HIGH == W_SEV + SEV_HIGH &&
		       W_SEV_CRITICAL == W_SEV + SEV_CRITICAL && W_SEV + SEV_COUNT <= W_END,
	       "severity words");

static int full_or_store(sqlite3 *db)
{
	int code = sqlite3_errcode(db);
	if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
		return HERR_BUSY;
	return code == SQLITE_FULL || code == SQLITE_IOERR ? HERR_FULL : HERR_STORE;
}

static int db_error(struct store *st, const char *what, const char *msg)
{
	int rc = full_or_store(st->db);
	if (rc == HERR_BUSY)
		err_set("cannot %s database '%s': it is busy (another harden is writing it)", what, st->path);
	else
		err_set("cannot %s database '%s': %s", what, st->path, msg);
	return rc;
}

int store_db_error(struct store *st, const char *what)
{
	return db_error(st, what, sqlite3_errmsg(st->db));
}

int store_exec(struct store *st, const char *sql, const char *what)
{
	char *msg = NULL;
	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	int rc = db_error(st, what, msg ? msg : sqlite3_errmsg(st->db));
	sqlite3_free(msg);
	return rc;
}

const char *store_col_text(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

char *store_col_dup(sqlite3_stmt *s, int i)
{
	const char *t = store_col_text(s, i);
	return t ? xstrdup(t) : NULL;
}

void store_cols(sqlite3_stmt *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	for (int i = 0; fmt[i]; i++) {
		switch (fmt[i]) {
		case 'i':
			*va_arg(ap, long long *) = sqlite3_column_int64(s, i);
			break;
		case 'd':
			*va_arg(ap, double *) = sqlite3_column_double(s, i);
			break;
		case 'b':
			*va_arg(ap, bool *) = sqlite3_column_int(s, i) != 0;
			break;
		case 's':
			*va_arg(ap, char **) = store_col_dup(s, i);
			break;
		case '-':
			break;
		default:	/* t */
			*va_arg(ap, const char **) = store_col_text(s, i);
			break;
		}
	}
	va_end(ap);
}

void *store_list_add(struct store_list *l, size_t size)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xrealloc(l->v, l->cap * size);
	}
	void *e = (char *)l->v + l->n++ * size;
	memset(e, 0, size);
	return e;
}

int store_id_row(void *ctx, sqlite3_stmt *s)
{
	long long *id = store_list_add(ctx, sizeof(*id));
	*id = sqlite3_column_int64(s, 0);
	return 0;
}

static const char *word(int param)
{
	if (param >= W_SEV)
		return severity_name((enum severity)(param - W_SEV));
	if (param >= W_RS)
		return rstatus_name((enum rstatus)(param - W_RS));
	if (param >= W_PART)
		return part_name((enum part)(param - W_PART));
	return snap_status_name((enum snap_status)(param - W_SNAP));
}

/* How many of the statement's parameters are its own: all, or those
 * numbered below the words. */
static int own_params(sqlite3_stmt *s)
{
	int n = sqlite3_bind_parameter_count(s);
	if (n < W_SNAP)
		return n;
	for (int i = W_SNAP - 1; i > 0; i--)
		if (sqlite3_bind_parameter_name(s, i))
			return i;
	return 0;
}

static int bind_args(sqlite3_stmt *s, const char *fmt, va_list ap)
{
	int n = sqlite3_bind_parameter_count(s), own = own_params(s);
	if ((int)strlen(fmt) < own) {
		err_set("internal error: a query of the twin takes %d arguments, not %d", own, (int)strlen(fmt));
		return -1;
	}
	for (int i = 1; *fmt; fmt++, i++) {
		long long v;
		const char *t;
		switch (*fmt) {
		case 'i':
		case 'z':
			v = va_arg(ap, long long);
			if (i > n)
				break;
			if (*fmt == 'z' && !v)
				sqlite3_bind_null(s, i);
			else
				sqlite3_bind_int64(s, i, v);
			break;
		case 'b':
			v = va_arg(ap, int);
			if (i <= n)
				sqlite3_bind_int(s, i, (int)v);
			break;
		case 'd': {
			double d = va_arg(ap, double);
			if (i <= n)
				sqlite3_bind_double(s, i, d);
			break;
		}
		default:	/* t, e */
			t = va_arg(ap, const char *);
			if (!t && *fmt == 'e')
				t = "";
			if (i > n)
				break;
			if (t)
				sqlite3_bind_text(s, i, t, -1, SQLITE_STATIC);
			else
				sqlite3_bind_null(s, i);
			break;
		}
	}
	for (int i = W_SNAP; i <= n && i < W_END; i++)
		if (sqlite3_bind_parameter_name(s, i))
			sqlite3_bind_text(s, i, word(i), -1, SQLITE_STATIC);
	return 0;
}

/* The kept statement for sql, or a new one (*fresh set) when the cache is
 * full or the kept one is in use further up the stack. */
static sqlite3_stmt *prepare(struct store *st, const char *sql, bool *fresh)
{
	sqlite3_stmt *s = NULL;
	*fresh = false;
	for (unsigned i = 0; i < st->ncache; i++)
		if (st->cache[i].sql == sql) {
			if (!sqlite3_stmt_busy(st->cache[i].s))
				return st->cache[i].s;
			*fresh = true;
			break;
		}
	if (!*fresh && st->ncache < STORE_CACHE) {
		if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK)
			return NULL;
		st->cache[st->ncache].sql = sql;
		st->cache[st->ncache++].s = s;
		return s;
	}
	*fresh = true;
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return NULL;
	return s;
}

static int vquery(struct store *st, const char *what, const char *sql, store_row_fn fn, void *ctx,
		  const char *fmt, va_list ap)
{
	bool fresh;
	/* What the statement reads or writes sees the held results and
	 * properties. */
	if (st->rpend.obj && !st->rpend.busy) {
		int r = store_results_flush(st);
		if (r < 0)
			return r;
	}
	if (st->pend.obj && !st->pend.busy) {
		int r = store_props_flush(st);
		if (r < 0)
			return r;
	}
	sqlite3_stmt *s = prepare(st, sql, &fresh);
	if (!s)
		return store_db_error(st, what);
	int rc = 0, r;
	if (bind_args(s, fmt, ap) < 0) {
		rc = HERR_STORE;
		goto out;
	}
	while ((r = sqlite3_step(s)) == SQLITE_ROW)
		if (fn && (rc = fn(ctx, s)) != 0)
			break;
	if (rc == 0 && r != SQLITE_DONE)
		rc = store_db_error(st, what);
out:
	if (fresh) {
		sqlite3_finalize(s);
	} else {
		/* Bound text is the caller's: never keep it past the call. */
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
	}
	return rc;
}

int store_query(struct store *st, const char *what, const char *sql, store_row_fn fn, void *ctx, const char *fmt,
		...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = vquery(st, what, sql, fn, ctx, fmt, ap);
	va_end(ap);
	return rc;
}

struct int_row {
	long long *out;
	bool found;
};

static int int_row(void *ctx, sqlite3_stmt *s)
{
	struct int_row *x = ctx;
	if (sqlite3_column_type(s, 0) != SQLITE_NULL) {
		*x->out = sqlite3_column_int64(s, 0);
		x->found = true;
	}
	return 0;
}

int store_query_int(struct store *st, const char *sql, long long *out, const char *fmt, ...)
{
	*out = 0;
	struct int_row x = { .out = out, .found = false };
	va_list ap;
	va_start(ap, fmt);
	int rc = vquery(st, "read", sql, int_row, &x, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return rc;
	return x.found ? 0 : 1;
}

int store_is_table(struct store *st, const char *name)
{
	static const char sql[] = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?";
	long long n = 0;
	int rc = store_query_int(st, sql, &n, "t", name);
	return rc < 0 ? rc : n > 0;
}
