#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "store/store_int.h"
#include "util/util.h"

static const char *const queries[Q_COUNT] = {
	[Q_OBJ_ADD] = "INSERT INTO object(snapshot_id, type, moref, name) VALUES (?,?,?,?)",
	[Q_PROP_ADD] = "INSERT OR REPLACE INTO property(object_id, name, type, collected, value) VALUES (?,?,?,?,?)",
	[Q_FINDING_ADD] = "INSERT INTO finding(evaluation_id, rule_id, object_id, status, property, observed, expected, waiver_id) VALUES (?,?,?,?,?,?,?,?)",
	[Q_EVAL_RULE_ADD] = "INSERT OR REPLACE INTO eval_rule(evaluation_id, rule_id, title, severity, object_type, details) VALUES (?,?,?,?,?,?)",
};


/* Migrations: migrations[i] takes the schema from version i to i + 1. */
static const char *const migrations[] = {
	"CREATE TABLE snapshot("
	"  id INTEGER PRIMARY KEY,"
	"  target TEXT NOT NULL,"
	"  baselines TEXT NOT NULL DEFAULT '',"
	"  source_url TEXT,"
	"  started_at INTEGER NOT NULL,"
	"  ended_at INTEGER,"
	"  status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed')),"
	"  error TEXT,"
	"  objects INTEGER NOT NULL DEFAULT 0,"
	"  api_calls INTEGER NOT NULL DEFAULT 0,"
	"  bytes_received INTEGER NOT NULL DEFAULT 0,"
	"  collect_ms REAL NOT NULL DEFAULT 0,"
	"  store_ms REAL NOT NULL DEFAULT 0);"
	"CREATE INDEX snapshot_by_target ON snapshot(target, status, id);"
	"CREATE TABLE object("
	"  id INTEGER PRIMARY KEY,"
	"  snapshot_id INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,"
	"  type TEXT NOT NULL,"
	"  moref TEXT NOT NULL,"
	"  name TEXT NOT NULL,"
	"  UNIQUE (snapshot_id, type, moref));"
	"CREATE TABLE property("
	"  object_id INTEGER NOT NULL REFERENCES object(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL,"
	"  type TEXT NOT NULL,"
	"  collected INTEGER NOT NULL,"
	"  value TEXT,"
	"  PRIMARY KEY (object_id, name)) WITHOUT ROWID;"
	"CREATE TABLE evaluation("
	"  id INTEGER PRIMARY KEY,"
	"  snapshot_id INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,"
	"  baseline_id TEXT NOT NULL,"
	"  baseline_title TEXT NOT NULL DEFAULT '',"
	"  baseline_version TEXT NOT NULL DEFAULT '',"
	"  baseline_path TEXT NOT NULL DEFAULT '',"
	"  kind TEXT NOT NULL CHECK (kind IN ('scan', 'evaluate')),"
	"  created_at INTEGER NOT NULL,"
	"  eval_ms REAL NOT NULL DEFAULT 0);"
	"CREATE INDEX evaluation_by_snapshot ON evaluation(snapshot_id);"
	"CREATE TABLE eval_rule("
	"  evaluation_id INTEGER NOT NULL REFERENCES evaluation(id) ON DELETE CASCADE,"
	"  rule_id TEXT NOT NULL,"
	"  title TEXT NOT NULL,"
	"  severity TEXT NOT NULL,"
	"  object_type TEXT NOT NULL,"
	"  details TEXT,"
	"  PRIMARY KEY (evaluation_id, rule_id)) WITHOUT ROWID;"
	"CREATE TABLE finding("
	"  id INTEGER PRIMARY KEY,"
	"  evaluation_id INTEGER NOT NULL REFERENCES evaluation(id) ON DELETE CASCADE,"
	"  rule_id TEXT NOT NULL,"
	"  object_id INTEGER NOT NULL REFERENCES object(id) ON DELETE CASCADE,"
	"  status TEXT NOT NULL,"
	"  property TEXT,"
	"  observed TEXT,"
	"  expected TEXT);"
	"CREATE INDEX finding_by_evaluation ON finding(evaluation_id);"
	"CREATE INDEX finding_by_object ON finding(object_id);",
	/* 2: waivers in force for each evaluation, and the one a finding used. */
	"CREATE TABLE waiver("
	"  id INTEGER PRIMARY KEY,"
	"  evaluation_id INTEGER NOT NULL REFERENCES evaluation(id) ON DELETE CASCADE,"
	"  rule_id TEXT NOT NULL,"
	"  selector TEXT NOT NULL,"
	"  justification TEXT NOT NULL,"
	"  approver TEXT NOT NULL,"
	"  expires TEXT NOT NULL,"
	"  ticket TEXT,"
	"  source TEXT NOT NULL,"
	"  expired INTEGER NOT NULL);"
	"CREATE INDEX waiver_by_evaluation ON waiver(evaluation_id);"
	"ALTER TABLE finding ADD COLUMN waiver_id INTEGER REFERENCES waiver(id) ON DELETE SET NULL;",
	/* 3: what each collector of a snapshot achieved (vCenter, NSX). */
	"CREATE TABLE snapshot_part("
	"  snapshot_id INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,"
	"  part TEXT NOT NULL,"
	"  status TEXT NOT NULL CHECK (status IN ('completed', 'failed', 'not_configured')),"
	"  url TEXT,"
	"  error TEXT,"
	"  objects INTEGER NOT NULL DEFAULT 0,"
	"  api_calls INTEGER NOT NULL DEFAULT 0,"
	"  bytes_received INTEGER NOT NULL DEFAULT 0,"
	"  collect_ms REAL NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (snapshot_id, part)) WITHOUT ROWID;",
	/* 4: drift between consecutive completed snapshots of a target. */
	"CREATE TABLE drift_pair("
	"  from_snapshot INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,"
	"  to_snapshot INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,"
	"  computed_at INTEGER NOT NULL,"
	"  PRIMARY KEY (from_snapshot, to_snapshot)) WITHOUT ROWID;"
	"CREATE TABLE drift_event("
	"  id INTEGER PRIMARY KEY,"
	"  from_snapshot INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,"
	"  to_snapshot INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,"
	"  kind TEXT NOT NULL,"
	"  object_type TEXT NOT NULL,"
	"  moref TEXT NOT NULL,"
	"  object_name TEXT NOT NULL,"
	"  property TEXT,"
	"  baseline_id TEXT,"
	"  old_value TEXT,"
	"  new_value TEXT);"
	"CREATE INDEX drift_by_pair ON drift_event(to_snapshot, from_snapshot);"
	"CREATE INDEX drift_by_from ON drift_event(from_snapshot);",
};

int store_db_error(struct store *st, const char *what)
{
	int code = sqlite3_errcode(st->db);
	err_set("cannot %s database '%s': %s", what, st->path, sqlite3_errmsg(st->db));
	return code == SQLITE_FULL || code == SQLITE_IOERR ? STORE_EFULL : -1;
}

int store_exec(struct store *st, const char *sql, const char *what)
{
	char *msg = NULL;
	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int code = sqlite3_errcode(st->db);
		err_set("cannot %s database '%s': %s", what, st->path, msg ? msg : sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		return code == SQLITE_FULL || code == SQLITE_IOERR ? STORE_EFULL : -1;
	}
	return 0;
}

static int migrate(struct store *st)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
		return store_db_error(st, "read");
	int version = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
	sqlite3_finalize(s);
	if (version > STORE_SCHEMA_VERSION) {
		err_set("database '%s' has schema version %d; this harden knows up to %d",
			st->path, version, STORE_SCHEMA_VERSION);
		return -1;
	}
	for (int v = version; v < STORE_SCHEMA_VERSION; v++) {
		int rc;
		if ((rc = store_exec(st, "BEGIN IMMEDIATE", "migrate")) < 0)
			return rc;
		char *sql = xasprintf("%s; PRAGMA user_version = %d;", migrations[v], v + 1);
		rc = store_exec(st, sql, "migrate");
		free(sql);
		if (rc < 0) {
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
			return rc;
		}
		if ((rc = store_exec(st, "COMMIT", "migrate")) < 0)
			return rc;
	}
	return 0;
}

/* harden_part(type): the snapshot part that collects objects of type, so
 * that queries (drift) follow the vocabulary instead of listing types. */
static void sql_part(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const unsigned char *t = sqlite3_value_text(argv[0]);
	sqlite3_result_text(ctx, vocab_part(t ? (const char *)t : ""), -1, SQLITE_STATIC);
}

int store_open(struct store **out, const char *path, bool readonly)
{
	*out = NULL;
	struct store *st = xcalloc(1, sizeof(*st));
	st->path = xstrdup(path);
	st->lock_fd = -1;
	if (!readonly && mkdir_parents(path) < 0)
		goto fail;
	int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &st->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		err_set("cannot open database '%s': %s", path, st->db ? sqlite3_errmsg(st->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(st->db, 10000);
	sqlite3_extended_result_codes(st->db, 0);
	if (store_exec(st, "PRAGMA foreign_keys = ON", "configure") < 0)
		goto fail;
	if (sqlite3_create_function(st->db, "harden_part", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sql_part, NULL,
				    NULL) != SQLITE_OK) {
		store_db_error(st, "configure");
		goto fail;
	}
	if (!readonly) {
		if (store_exec(st, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL", "configure") < 0)
			goto fail;
		if (migrate(st) < 0)
			goto fail;
	} else {
		sqlite3_stmt *s;
		if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK) {
			store_db_error(st, "read");
			goto fail;
		}
		int v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
		sqlite3_finalize(s);
		if (v != STORE_SCHEMA_VERSION) {
			err_set("database '%s' is not a harden twin of schema version %d", path, STORE_SCHEMA_VERSION);
			goto fail;
		}
	}
	*out = st;
	return 0;
fail:
	store_close(st);
	return -1;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	for (int i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(st->q[i]);
	if (st->db)
		sqlite3_close(st->db);
	if (st->lock_fd >= 0)
		close(st->lock_fd);
	free(st->path);
	free(st);
}

const char *store_path(const struct store *st)
{
	return st->path;
}

static sqlite3_stmt *stmt(struct store *st, int q)
{
	if (!st->q[q]) {
		if (sqlite3_prepare_v3(st->db, queries[q], -1, SQLITE_PREPARE_PERSISTENT, &st->q[q], NULL) != SQLITE_OK) {
			store_db_error(st, "prepare a statement on");
			return NULL;
		}
	} else {
		sqlite3_reset(st->q[q]);
		sqlite3_clear_bindings(st->q[q]);
	}
	return st->q[q];
}

int store_step_done(struct store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);
	if (rc != SQLITE_DONE) {
		int r = store_db_error(st, what);
		sqlite3_reset(s);
		return r;
	}
	sqlite3_reset(s);
	return 0;
}

void store_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

int store_scan_lock(struct store *st, int wait_s)
{
	char *lp = xasprintf("%s.lock", st->path);
	int fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		err_set("cannot open lock file '%s': %s", lp, strerror(errno));
		free(lp);
		return -1;
	}
	double deadline = now_ms() + wait_s * 1000.0;
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK || now_ms() >= deadline) {
			err_set("another scan is using database '%s' (lock '%s' held)", st->path, lp);
			close(fd);
			free(lp);
			return -1;
		}
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	free(lp);
	st->lock_fd = fd;
	/* We hold the only scan lock: whatever still says running was killed. */
	return store_exec(st, "UPDATE snapshot SET status = 'failed', "
			"error = 'scan interrupted before it finished', "
			"ended_at = COALESCE(ended_at, started_at) WHERE status = 'running'",
		    "update");
}

int store_begin(struct store *st)
{
	return store_exec(st, "BEGIN IMMEDIATE", "write");
}

int store_savepoint(struct store *st)
{
	return store_exec(st, "SAVEPOINT harden_sp", "write");
}

int store_rollback_savepoint(struct store *st)
{
	return store_exec(st, "ROLLBACK TO harden_sp", "write");
}

int store_commit(struct store *st)
{
	return store_exec(st, "COMMIT", "write");
}

void store_rollback(struct store *st)
{
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

int store_snapshot_begin(struct store *st, const char *target, const char *baselines,
			 const char *source_url, long long *id)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db,
			       "INSERT INTO snapshot(target, baselines, source_url, started_at, status) "
			       "VALUES (?,?,?,?, 'running')", -1, &s, NULL) != SQLITE_OK)
		return store_db_error(st, "write");
	store_bind_text(s, 1, target);
	store_bind_text(s, 2, baselines);
	store_bind_text(s, 3, source_url);
	sqlite3_bind_int64(s, 4, (long long)time(NULL));
	int rc = store_step_done(st, s, "write");
	sqlite3_finalize(s);
	if (rc < 0)
		return rc;
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int store_snapshot_end(struct store *st, long long id, const char *status, const char *error,
		       const struct scan_stats *x)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db,
			       "UPDATE snapshot SET status = ?, error = ?, ended_at = ?, objects = ?, "
			       "api_calls = ?, bytes_received = ?, collect_ms = ?, store_ms = ? WHERE id = ?",
			       -1, &s, NULL) != SQLITE_OK)
		return store_db_error(st, "write");
	store_bind_text(s, 1, status);
	store_bind_text(s, 2, error);
	sqlite3_bind_int64(s, 3, (long long)time(NULL));
	sqlite3_bind_int64(s, 4, x ? x->objects : 0);
	sqlite3_bind_int64(s, 5, x ? x->api_calls : 0);
	sqlite3_bind_int64(s, 6, x ? x->bytes_received : 0);
	sqlite3_bind_double(s, 7, x ? x->collect_ms : 0);
	sqlite3_bind_double(s, 8, x ? x->store_ms : 0);
	sqlite3_bind_int64(s, 9, id);
	int rc = store_step_done(st, s, "write");
	sqlite3_finalize(s);
	return rc;
}

char *store_col_dup(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	return t ? xstrdup((const char *)t) : NULL;
}

int store_part_set(struct store *st, long long snap, const char *part, const char *status, const char *url,
		   const char *error, const struct scan_stats *x)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db,
			       "INSERT OR REPLACE INTO snapshot_part(snapshot_id, part, status, url, error, objects, "
			       "api_calls, bytes_received, collect_ms) VALUES (?,?,?,?,?,?,?,?,?)",
			       -1, &s, NULL) != SQLITE_OK)
		return store_db_error(st, "write");
	sqlite3_bind_int64(s, 1, snap);
	store_bind_text(s, 2, part);
	store_bind_text(s, 3, status);
	store_bind_text(s, 4, url);
	store_bind_text(s, 5, error);
	sqlite3_bind_int64(s, 6, x ? x->objects : 0);
	sqlite3_bind_int64(s, 7, x ? x->api_calls : 0);
	sqlite3_bind_int64(s, 8, x ? x->bytes_received : 0);
	sqlite3_bind_double(s, 9, x ? x->collect_ms + x->store_ms : 0);
	int rc = store_step_done(st, s, "write");
	sqlite3_finalize(s);
	return rc;
}

int store_parts(struct store *st, long long snap, struct part_info **out, unsigned *n)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db,
			       "SELECT part, status, url, error, objects, api_calls, bytes_received, collect_ms "
			       "FROM snapshot_part WHERE snapshot_id = ? ORDER BY part = 'nsx', part",
			       -1, &s, NULL) != SQLITE_OK)
		return store_db_error(st, "read");
	sqlite3_bind_int64(s, 1, snap);
	int rc;
	unsigned cap = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 4;
			*out = xrealloc(*out, cap * sizeof(**out));
		}
		struct part_info *p = &(*out)[(*n)++];
		p->part = store_col_dup(s, 0);
		p->status = store_col_dup(s, 1);
		p->url = store_col_dup(s, 2);
		p->error = store_col_dup(s, 3);
		p->objects = sqlite3_column_int64(s, 4);
		p->api_calls = sqlite3_column_int64(s, 5);
		p->bytes_received = sqlite3_column_int64(s, 6);
		p->ms = sqlite3_column_double(s, 7);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		part_list_free(*out, *n);
		*out = NULL;
		*n = 0;
		return store_db_error(st, "read");
	}
	return 0;
}

const struct part_info *part_find(const struct part_info *v, unsigned n, const char *part)
{
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(v[i].part, part))
			return &v[i];
	return NULL;
}

void part_list_free(struct part_info *v, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		free(v[i].part);
		free(v[i].status);
		free(v[i].url);
		free(v[i].error);
	}
	free(v);
}

/* True when no scan holds the database's scan lock. */
static bool scan_lock_free(struct store *st)
{
	if (st->lock_fd >= 0)
		return false;	/* we are the scan */
	char *lp = xasprintf("%s.lock", st->path);
	int fd = open(lp, O_RDONLY | O_CLOEXEC);
	free(lp);
	if (fd < 0)
		return true;
	bool free_ = flock(fd, LOCK_SH | LOCK_NB) == 0;
	close(fd);
	return free_;
}

int store_snapshot_get(struct store *st, long long id, struct snapshot_info *o)
{
	memset(o, 0, sizeof(*o));
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db,
			       "SELECT id, target, baselines, status, error, source_url, started_at, ended_at, "
			       "objects, api_calls, bytes_received, collect_ms, store_ms FROM snapshot WHERE id = ?",
			       -1, &s, NULL) != SQLITE_OK)
		return store_db_error(st, "read");
	sqlite3_bind_int64(s, 1, id);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		o->id = sqlite3_column_int64(s, 0);
		o->target = store_col_dup(s, 1);
		o->baselines = store_col_dup(s, 2);
		o->status = store_col_dup(s, 3);
		o->error = store_col_dup(s, 4);
		o->source_url = store_col_dup(s, 5);
		o->started_at = sqlite3_column_int64(s, 6);
		o->ended_at = sqlite3_column_int64(s, 7);
		o->stats.objects = sqlite3_column_int64(s, 8);
		o->stats.api_calls = sqlite3_column_int64(s, 9);
		o->stats.bytes_received = sqlite3_column_int64(s, 10);
		o->stats.collect_ms = sqlite3_column_double(s, 11);
		o->stats.store_ms = sqlite3_column_double(s, 12);
		rc = 0;
		/* A scan killed with -9 leaves 'running' behind until the next
		 * scan records it; readers already see it for what it is. */
		if (!strcmp(o->status, "running") && scan_lock_free(st)) {
			free(o->status);
			free(o->error);
			o->status = xstrdup("failed");
			o->error = xstrdup("scan interrupted before it finished");
		}
	} else if (rc == SQLITE_DONE) {
		rc = 1;
	} else {
		rc = store_db_error(st, "read");
	}
	sqlite3_finalize(s);
	return rc;
}

void snapshot_info_release(struct snapshot_info *si)
{
	free(si->target);
	free(si->baselines);
	free(si->status);
	free(si->error);
	free(si->source_url);
	memset(si, 0, sizeof(*si));
}

int store_snapshot_latest(struct store *st, const char *target, long long *id)
{
	sqlite3_stmt *s;
	const char *sql = target
		? "SELECT max(id) FROM snapshot WHERE status = 'completed' AND target = ?"
		: "SELECT max(id) FROM snapshot WHERE status = 'completed'";
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return store_db_error(st, "read");
	if (target)
		store_bind_text(s, 1, target);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL) {
		*id = sqlite3_column_int64(s, 0);
		rc = 0;
	} else if (rc == SQLITE_ROW) {
		rc = 1;
	} else {
		rc = store_db_error(st, "read");
	}
	sqlite3_finalize(s);
	return rc;
}

int store_object_add(struct store *st, long long snap, const char *type, const char *moref,
		     const char *name, long long *id)
{
	sqlite3_stmt *s = stmt(st, Q_OBJ_ADD);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, snap);
	store_bind_text(s, 2, type);
	store_bind_text(s, 3, moref);
	store_bind_text(s, 4, name ? name : "");
	int rc = store_step_done(st, s, "write");
	if (rc < 0)
		return rc;
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int store_prop(struct store *st, long long obj, const char *name, enum ptype type, const char *value)
{
	sqlite3_stmt *s = stmt(st, Q_PROP_ADD);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, obj);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, ptype_name(type), -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, value != NULL);
	store_bind_text(s, 5, value);
	return store_step_done(st, s, "write");
}

const struct sprop *sobject_find(const struct sobject *o, const char *name)
{
	unsigned lo = 0, hi = o->nprops;
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		int c = strcmp(o->props[mid].name, name);
		if (!c)
			return &o->props[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void sobject_clear(struct sobject *o, unsigned *cap)
{
	for (unsigned i = 0; i < o->nprops; i++) {
		free(o->props[i].name);
		free(o->props[i].value);
	}
	free(o->type);
	free(o->moref);
	free(o->name);
	o->type = o->moref = o->name = NULL;
	o->nprops = 0;
	(void)cap;
}

int store_objects_each(struct store *st, long long snap, const char *type, store_object_fn fn, void *ctx)
{
	sqlite3_stmt *s;
	const char *sql = type
		? "SELECT o.id, o.type, o.moref, o.name, p.name, p.type, p.collected, p.value "
		  "FROM object o LEFT JOIN property p ON p.object_id = o.id "
		  "WHERE o.snapshot_id = ?1 AND o.type = ?2 ORDER BY o.id, p.name"
		: "SELECT o.id, o.type, o.moref, o.name, p.name, p.type, p.collected, p.value "
		  "FROM object o LEFT JOIN property p ON p.object_id = o.id "
		  "WHERE o.snapshot_id = ?1 ORDER BY o.type, o.name, o.id, p.name";
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return store_db_error(st, "read");
	sqlite3_bind_int64(s, 1, snap);
	if (type)
		store_bind_text(s, 2, type);
	struct sobject o;
	memset(&o, 0, sizeof(o));
	unsigned cap = 0;
	int rc = 0, r;
	bool have = false;
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		long long id = sqlite3_column_int64(s, 0);
		if (have && id != o.id) {
			if ((rc = fn(ctx, &o)) != 0)
				goto out;
			sobject_clear(&o, &cap);
			have = false;
		}
		if (!have) {
			o.id = id;
			o.type = store_col_dup(s, 1);
			o.moref = store_col_dup(s, 2);
			o.name = store_col_dup(s, 3);
			have = true;
		}
		if (sqlite3_column_type(s, 4) == SQLITE_NULL)
			continue;
		if (o.nprops == cap) {
			cap = cap ? cap * 2 : 32;
			o.props = xrealloc(o.props, cap * sizeof(*o.props));
		}
		struct sprop *p = &o.props[o.nprops++];
		p->name = store_col_dup(s, 4);
		const char *t = (const char *)sqlite3_column_text(s, 5);
		if (!t || ptype_parse(t, &p->type) < 0)
			p->type = PT_STRING;
		p->collected = sqlite3_column_int(s, 6) != 0;
		p->value = store_col_dup(s, 7);
	}
	if (r != SQLITE_DONE) {
		rc = store_db_error(st, "read");
		goto out;
	}
	if (have)
		rc = fn(ctx, &o);
out:
	sobject_clear(&o, &cap);
	free(o.props);
	sqlite3_finalize(s);
	return rc;
}

int store_evaluation_begin(struct store *st, long long snap, const struct eval_meta *m, long long *id)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db,
			       "INSERT INTO evaluation(snapshot_id, baseline_id, baseline_title, baseline_version, "
			       "baseline_path, kind, created_at) VALUES (?,?,?,?,?,?,?)", -1, &s, NULL) != SQLITE_OK)
		return store_db_error(st, "write");
	sqlite3_bind_int64(s, 1, snap);
	store_bind_text(s, 2, m->baseline_id);
	store_bind_text(s, 3, m->baseline_title ? m->baseline_title : "");
	store_bind_text(s, 4, m->baseline_version ? m->baseline_version : "");
	store_bind_text(s, 5, m->baseline_path ? m->baseline_path : "");
	store_bind_text(s, 6, m->kind);
	sqlite3_bind_int64(s, 7, (long long)time(NULL));
	int rc = store_step_done(st, s, "write");
	sqlite3_finalize(s);
	if (rc < 0)
		return rc;
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int store_evaluation_end(struct store *st, long long id, double eval_ms)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, "UPDATE evaluation SET eval_ms = ? WHERE id = ?", -1, &s, NULL) != SQLITE_OK)
		return store_db_error(st, "write");
	sqlite3_bind_double(s, 1, eval_ms);
	sqlite3_bind_int64(s, 2, id);
	int rc = store_step_done(st, s, "write");
	sqlite3_finalize(s);
	return rc;
}

int store_eval_rule(struct store *st, long long eval, const char *rule_id, const char *title,
		    const char *severity, const char *object_type, const char *details_json)
{
	sqlite3_stmt *s = stmt(st, Q_EVAL_RULE_ADD);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, eval);
	store_bind_text(s, 2, rule_id);
	store_bind_text(s, 3, title);
	store_bind_text(s, 4, severity);
	store_bind_text(s, 5, object_type);
	store_bind_text(s, 6, details_json);
	return store_step_done(st, s, "write");
}

int store_waiver(struct store *st, long long eval, const char *rule_id, const char *selector,
		 const char *justification, const char *approver, const char *expires, const char *ticket,
		 const char *source, bool expired, long long *id)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db,
			       "INSERT INTO waiver(evaluation_id, rule_id, selector, justification, approver, expires, "
			       "ticket, source, expired) VALUES (?,?,?,?,?,?,?,?,?)", -1, &s, NULL) != SQLITE_OK)
		return store_db_error(st, "write");
	sqlite3_bind_int64(s, 1, eval);
	store_bind_text(s, 2, rule_id);
	store_bind_text(s, 3, selector);
	store_bind_text(s, 4, justification);
	store_bind_text(s, 5, approver);
	store_bind_text(s, 6, expires);
	store_bind_text(s, 7, ticket);
	store_bind_text(s, 8, source);
	sqlite3_bind_int(s, 9, expired);
	int rc = store_step_done(st, s, "write");
	sqlite3_finalize(s);
	if (rc == 0)
		*id = sqlite3_last_insert_rowid(st->db);
	return rc;
}

int store_finding(struct store *st, long long eval, const char *rule_id, long long obj,
		  const char *status, const char *property, const char *observed, const char *expected,
		  long long waiver)
{
	sqlite3_stmt *s = stmt(st, Q_FINDING_ADD);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, eval);
	store_bind_text(s, 2, rule_id);
	sqlite3_bind_int64(s, 3, obj);
	store_bind_text(s, 4, status);
	store_bind_text(s, 5, property);
	store_bind_text(s, 6, observed);
	store_bind_text(s, 7, expected);
	if (waiver)
		sqlite3_bind_int64(s, 8, waiver);
	else
		sqlite3_bind_null(s, 8);
	return store_step_done(st, s, "write");
}

int store_findings_each(struct store *st, long long eval, store_finding_fn fn, void *ctx)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db,
			       "SELECT f.rule_id, r.title, r.severity, r.object_type, r.details, f.status, "
			       "f.property, f.observed, f.expected, o.moref, o.name, o.id, "
			       "w.justification, w.approver, w.expires, w.ticket, w.expired "
			       "FROM finding f JOIN eval_rule r ON r.evaluation_id = f.evaluation_id AND r.rule_id = f.rule_id "
			       "JOIN object o ON o.id = f.object_id LEFT JOIN waiver w ON w.id = f.waiver_id "
			       "WHERE f.evaluation_id = ? "
			       "ORDER BY CASE r.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 "
			       "WHEN 'low' THEN 3 ELSE 4 END, f.rule_id, o.name, o.moref",
			       -1, &s, NULL) != SQLITE_OK)
		return store_db_error(st, "read");
	sqlite3_bind_int64(s, 1, eval);
	int rc = 0, r;
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		struct finding_row f = {
			.rule_id = (const char *)sqlite3_column_text(s, 0),
			.title = (const char *)sqlite3_column_text(s, 1),
			.severity = (const char *)sqlite3_column_text(s, 2),
			.object_type = (const char *)sqlite3_column_text(s, 3),
			.details_json = (const char *)sqlite3_column_text(s, 4),
			.status = (const char *)sqlite3_column_text(s, 5),
			.property = (const char *)sqlite3_column_text(s, 6),
			.observed = (const char *)sqlite3_column_text(s, 7),
			.expected = (const char *)sqlite3_column_text(s, 8),
			.moref = (const char *)sqlite3_column_text(s, 9),
			.object_name = (const char *)sqlite3_column_text(s, 10),
			.object_id = sqlite3_column_int64(s, 11),
			.waiver_justification = (const char *)sqlite3_column_text(s, 12),
			.waiver_approver = (const char *)sqlite3_column_text(s, 13),
			.waiver_expires = (const char *)sqlite3_column_text(s, 14),
			.waiver_ticket = (const char *)sqlite3_column_text(s, 15),
			.waiver_expired = sqlite3_column_int(s, 16) != 0,
		};
		if ((rc = fn(ctx, &f)) != 0)
			break;
	}
	if (!rc && r != SQLITE_DONE)
		rc = store_db_error(st, "read");
	sqlite3_finalize(s);
	return rc;
}

int store_evaluations(struct store *st, long long snap, struct evaluation_info **out, unsigned *n)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db,
			       "SELECT id, snapshot_id, baseline_id, baseline_title, baseline_version, kind, "
			       "created_at, eval_ms FROM evaluation WHERE snapshot_id = ? ORDER BY id",
			       -1, &s, NULL) != SQLITE_OK)
		return store_db_error(st, "read");
	sqlite3_bind_int64(s, 1, snap);
	unsigned cap = 0;
	int r;
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 4;
			*out = xrealloc(*out, cap * sizeof(**out));
		}
		struct evaluation_info *e = &(*out)[(*n)++];
		e->id = sqlite3_column_int64(s, 0);
		e->snapshot_id = sqlite3_column_int64(s, 1);
		e->baseline_id = store_col_dup(s, 2);
		e->baseline_title = store_col_dup(s, 3);
		e->baseline_version = store_col_dup(s, 4);
		e->kind = store_col_dup(s, 5);
		e->created_at = sqlite3_column_int64(s, 6);
		e->eval_ms = sqlite3_column_double(s, 7);
	}
	int rc = r == SQLITE_DONE ? 0 : store_db_error(st, "read");
	sqlite3_finalize(s);
	return rc;
}

void evaluation_list_free(struct evaluation_info *v, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		free(v[i].baseline_id);
		free(v[i].baseline_title);
		free(v[i].baseline_version);
		free(v[i].kind);
	}
	free(v);
}

int store_object_count(struct store *st, long long snap, const char *type, long long *n)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM object WHERE snapshot_id = ? AND type = ?",
			       -1, &s, NULL) != SQLITE_OK)
		return store_db_error(st, "read");
	sqlite3_bind_int64(s, 1, snap);
	store_bind_text(s, 2, type);
	int rc = sqlite3_step(s) == SQLITE_ROW ? 0 : store_db_error(st, "read");
	if (!rc)
		*n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return rc;
}

int store_eval_counts(struct store *st, long long eval, store_count_fn fn, void *ctx)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db,
			       "SELECT f.status, r.severity, count(*) FROM finding f JOIN eval_rule r "
			       "ON r.evaluation_id = f.evaluation_id AND r.rule_id = f.rule_id "
			       "WHERE f.evaluation_id = ? GROUP BY 1, 2", -1, &s, NULL) != SQLITE_OK)
		return store_db_error(st, "read");
	sqlite3_bind_int64(s, 1, eval);
	int r;
	while ((r = sqlite3_step(s)) == SQLITE_ROW)
		fn(ctx, (const char *)sqlite3_column_text(s, 0), (const char *)sqlite3_column_text(s, 1),
		   sqlite3_column_int64(s, 2));
	int rc = r == SQLITE_DONE ? 0 : store_db_error(st, "read");
	sqlite3_finalize(s);
	return rc;
}

int store_evaluation_snapshot(struct store *st, long long eval, long long *snap)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, "SELECT snapshot_id FROM evaluation WHERE id = ?", -1, &s, NULL) != SQLITE_OK)
		return store_db_error(st, "read");
	sqlite3_bind_int64(s, 1, eval);
	int r = sqlite3_step(s), rc;
	if (r == SQLITE_ROW) {
		*snap = sqlite3_column_int64(s, 0);
		rc = 0;
	} else {
		rc = r == SQLITE_DONE ? 1 : store_db_error(st, "read");
	}
	sqlite3_finalize(s);
	return rc;
}

/* ---- read-only SQL checks ---- */

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
	const char *tail = NULL;
	if (sqlite3_prepare_v2(h, sql, -1, st, &tail) != SQLITE_OK) {
		err_set("%s", sqlite3_errmsg(h));
		return -1;
	}
	if (!*st) {
		err_set("the SQL check is empty");
		return -1;
	}
	while (tail && (*tail == ' ' || *tail == '\n' || *tail == '\t' || *tail == ';'))
		tail++;
	if (tail && *tail) {
		sqlite3_finalize(*st);
		*st = NULL;
		err_set("the SQL check must be a single statement");
		return -1;
	}
	if (!sqlite3_stmt_readonly(*st) || sqlite3_column_count(*st) < 1) {
		sqlite3_finalize(*st);
		*st = NULL;
		err_set("the SQL check must be a read-only SELECT returning the failing morefs");
		return -1;
	}
	return 0;
}

int store_sql_validate(const char *sql)
{
	sqlite3 *h = sql_connection(NULL, 0);
	if (!h)
		return -1;
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
		return -1;
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
			rc = -1;
		}
	}
	sqlite3_finalize(q);
	sqlite3_close(h);
	return rc;
}
