/* The twin's file: its schema and migrations, opening and closing it, and
 * transactions. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_int.h"
#include "util/torture.h"
#include "util/util.h"
#include "vocab.h"

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
	/* 5: suggestions (each advise a new revision) and remediations
	 * submitted to vmware-pilot, verified by a later scan. */
	"CREATE TABLE suggestion("
	"  id INTEGER PRIMARY KEY,"
	"  violation_id TEXT NOT NULL,"
	"  target TEXT NOT NULL,"
	"  rule_id TEXT NOT NULL,"
	"  object_type TEXT NOT NULL,"
	"  moref TEXT NOT NULL,"
	"  object_name TEXT NOT NULL DEFAULT '',"
	"  revision INTEGER NOT NULL,"
	"  body TEXT NOT NULL,"
	"  source TEXT NOT NULL,"
	"  snapshot_id INTEGER REFERENCES snapshot(id) ON DELETE SET NULL,"
	"  created_at INTEGER NOT NULL,"
	"  UNIQUE (violation_id, revision));"
	"CREATE TABLE remediation("
	"  id INTEGER PRIMARY KEY,"
	"  violation_id TEXT NOT NULL,"
	"  target TEXT NOT NULL,"
	"  rule_id TEXT NOT NULL,"
	"  object_type TEXT NOT NULL,"
	"  moref TEXT NOT NULL,"
	"  suggestion_revision INTEGER NOT NULL,"
	"  workflow_id TEXT,"
	"  approver TEXT,"
	"  state TEXT NOT NULL,"
	"  pilot_state TEXT,"
	"  message TEXT,"
	"  applied_snapshot INTEGER REFERENCES snapshot(id) ON DELETE SET NULL,"
	"  proof_snapshot INTEGER REFERENCES snapshot(id) ON DELETE SET NULL,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL);"
	"CREATE INDEX remediation_by_target ON remediation(target, state);"
	"CREATE INDEX remediation_by_violation ON remediation(violation_id);",
	/* 6: the site parameters in force, with their source, per evaluation. */
	"ALTER TABLE evaluation ADD COLUMN params TEXT;",
	/* 7: reviewers' decisions on suggestions (harden web --allow-review),
	 * each row a decision on one revision, linked to the remediation
	 * apply --approved submitted for it. */
	"CREATE TABLE suggestion_review("
	"  id INTEGER PRIMARY KEY,"
	"  violation_id TEXT NOT NULL,"
	"  target TEXT NOT NULL,"
	"  revision INTEGER NOT NULL,"
	"  decision TEXT NOT NULL CHECK (decision IN ('approve', 'reject')),"
	"  reviewer TEXT NOT NULL,"
	"  comment TEXT NOT NULL DEFAULT '',"
	"  decided_at INTEGER NOT NULL,"
	"  remediation_id INTEGER REFERENCES remediation(id) ON DELETE SET NULL);"
	"CREATE INDEX review_by_violation ON suggestion_review(violation_id, id);"
	"CREATE INDEX review_by_target ON suggestion_review(target, id);"
	"CREATE INDEX suggestion_by_target ON suggestion(target, violation_id, revision);",
	/* 8: indexes that fit the reads: posture drift finds the old finding
	 * of an object by (object, evaluation, rule) and a rule's findings by
	 * (evaluation, rule), as do the counts by rule and status (covered);
	 * the evaluation reads the objects of one type in id order.  Each new index starts with the columns of the
	 * one it replaces.  Written to run again harmlessly on a twin that
	 * has them (the tests make older twins by taking newer things away). */
	"DROP INDEX IF EXISTS finding_by_object;"
	"CREATE INDEX finding_by_object ON finding(object_id, evaluation_id, rule_id);"
	"DROP INDEX IF EXISTS finding_by_evaluation;"
	"CREATE INDEX finding_by_evaluation ON finding(evaluation_id, rule_id, status);"
	"CREATE INDEX IF NOT EXISTS object_by_type ON object(snapshot_id, type);"
	/* ... and property sets stored once (propset.c): an object points to
	 * its set; the property table becomes a view of the same shape
	 * (store_props_migrate, after this). */
	"CREATE TABLE IF NOT EXISTS propset("
	"  id INTEGER PRIMARY KEY,"
	"  hash INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS propset_by_hash ON propset(hash);"
	"CREATE TABLE IF NOT EXISTS propset_prop("
	"  set_id INTEGER NOT NULL REFERENCES propset(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL,"
	"  type TEXT NOT NULL,"
	"  collected INTEGER NOT NULL,"
	"  value TEXT,"
	"  PRIMARY KEY (set_id, name)) WITHOUT ROWID;",
	/* 9: a part may be not_needed: no baseline of the scan read its types. */
	"CREATE TABLE snapshot_part_9("
	"  snapshot_id INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,"
	"  part TEXT NOT NULL,"
	"  status TEXT NOT NULL CHECK (status IN ('completed', 'failed', 'not_configured', 'not_needed')),"
	"  url TEXT,"
	"  error TEXT,"
	"  objects INTEGER NOT NULL DEFAULT 0,"
	"  api_calls INTEGER NOT NULL DEFAULT 0,"
	"  bytes_received INTEGER NOT NULL DEFAULT 0,"
	"  collect_ms REAL NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (snapshot_id, part)) WITHOUT ROWID;"
	"INSERT INTO snapshot_part_9 SELECT snapshot_id, part, status, url, error, objects, api_calls, bytes_received, "
	"  collect_ms FROM snapshot_part;"
	"DROP TABLE snapshot_part;"
	"ALTER TABLE snapshot_part_9 RENAME TO snapshot_part;",
	/* 10: results stored once (resultset.c): an evaluation's object points
	 * to the set of its results; the waiver a result used is linked per
	 * evaluation; the finding table becomes a view of the same columns
	 * (store_results_migrate, after this).  eval_object has no index by
	 * object or set and no key to object: an evaluation's objects are its
	 * snapshot's, deleted with it (the evaluation cascades); readers reach
	 * an object's results by (evaluation, object), and prune finds the
	 * sets no evaluation points to in one pass.  Written to run again
	 * harmlessly on a twin that has them, as 8 is. */
	"CREATE TABLE IF NOT EXISTS resultset("
	"  id INTEGER PRIMARY KEY,"
	"  hash INTEGER NOT NULL,"
	"  n_pass INTEGER NOT NULL,"
	"  n_fail INTEGER NOT NULL,"
	"  n_na INTEGER NOT NULL,"
	"  n_unknown INTEGER NOT NULL,"
	"  n_waived INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS resultset_by_hash ON resultset(hash);"
	"CREATE TABLE IF NOT EXISTS result("
	"  set_id INTEGER NOT NULL REFERENCES resultset(id) ON DELETE CASCADE,"
	"  rule_id TEXT NOT NULL,"
	"  status TEXT NOT NULL,"
	"  property TEXT,"
	"  observed TEXT,"
	"  expected TEXT,"
	"  PRIMARY KEY (set_id, rule_id)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS eval_object("
	"  evaluation_id INTEGER NOT NULL REFERENCES evaluation(id) ON DELETE CASCADE,"
	"  object_id INTEGER NOT NULL,"
	"  set_id INTEGER NOT NULL,"
	"  PRIMARY KEY (evaluation_id, object_id)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS finding_waiver("
	"  evaluation_id INTEGER NOT NULL REFERENCES evaluation(id) ON DELETE CASCADE,"
	"  object_id INTEGER NOT NULL,"
	"  rule_id TEXT NOT NULL,"
	"  waiver_id INTEGER NOT NULL REFERENCES waiver(id) ON DELETE CASCADE,"
	"  PRIMARY KEY (evaluation_id, object_id, rule_id)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS finding_waiver_by_waiver ON finding_waiver(waiver_id);"
	/* ... and each rule's details (rationale, references, remediation)
	 * stored once, not with every evaluation: eval_rule becomes a view
	 * over evaluated_rule and rule_details (store_rules_migrate). */
	"CREATE TABLE IF NOT EXISTS rule_details("
	"  id INTEGER PRIMARY KEY,"
	"  details TEXT NOT NULL UNIQUE);",
};

const char *store_migration_sql(int v)
{
	return v >= 0 && (size_t)v < ARRAY_SIZE(migrations) ? migrations[v] : NULL;
}

/* The version whose migration moves properties into sets: after its SQL,
 * the steps SQL alone cannot take. */
#define SCHEMA_PROPSETS 8
/* ... and the version whose migration moves results into sets. */
#define SCHEMA_RESULTSETS 10

static int migrate_propsets(struct store *st)
{
	static const char has_column[] = "SELECT count(*) FROM pragma_table_info('object') WHERE name = 'propset_id'";
	long long n = 0;
	int rc = store_query_int(st, has_column, &n, "");
	if (rc == 0 && n == 0)
		rc = store_exec(st, "ALTER TABLE object ADD COLUMN propset_id INTEGER REFERENCES propset(id);"
				"CREATE INDEX object_by_propset ON object(propset_id)", "migrate");
	return rc < 0 ? rc : store_props_migrate(st);
}

static const char user_version_sql[] = "PRAGMA user_version";
static const char tables_sql[] = "SELECT count(*) FROM sqlite_master";

static int migrate(struct store *st)
{
	long long version = 0;
	int rc = store_query_int(st, user_version_sql, &version, "");
	if (rc < 0)
		return rc;
	if (version > STORE_SCHEMA_VERSION) {
		err_set("database '%s' has schema version %lld; this harden knows up to %d",
			st->path, version, STORE_SCHEMA_VERSION);
		return HERR_STORE;
	}
	for (int v = (int)version; v < STORE_SCHEMA_VERSION; v++) {
		if ((rc = store_exec(st, "BEGIN IMMEDIATE", "migrate")) < 0)
			return rc;
		char *sql = xasprintf("%s; PRAGMA user_version = %d;", migrations[v], v + 1);
		rc = store_exec(st, sql, "migrate");
		free(sql);
		if (rc == 0 && v + 1 == SCHEMA_PROPSETS)
			rc = migrate_propsets(st);
		if (rc == 0 && v + 1 == SCHEMA_RESULTSETS && (rc = store_results_migrate(st)) == 0)
			rc = store_rules_migrate(st);
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
	sqlite3_result_text(ctx, part_name(vocab_part(t ? (const char *)t : "")), -1, SQLITE_STATIC);
}

/* harden_group(type, name): the keyed family a property belongs to (its
 * group marker's name), or NULL: drift tells a member gone from its
 * collected family from a family that was not requested. */
static void sql_group(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const unsigned char *t = sqlite3_value_text(argv[0]), *n = sqlite3_value_text(argv[1]);
	const struct vocab_entry *e = t && n ? vocab_lookup((const char *)t, (const char *)n) : NULL;
	if (e && e->group)
		sqlite3_result_text(ctx, e->group, -1, SQLITE_STATIC);
	else
		sqlite3_result_null(ctx);
}

/* COLLATE harden_natural: names and rule ids in natural order (H3 before H15). */
static int sql_natural(void *ctx, int alen, const void *a, int blen, const void *b)
{
	(void)ctx;
	return natcmp_n(a, (size_t)alen, b, (size_t)blen);
}

static int not_twin(struct store *st)
{
	err_set("'%s' is not a harden twin", st->path);
	return HERR_STORE;
}

static int read_only(struct store *st)
{
	err_set("cannot write the twin database '%s': read-only", st->path);
	return HERR_STORE;
}

/* A file harden did not write is left untouched: a twin has harden's
 * snapshot table and a schema version from 1 up; a database with nothing
 * in it (a new path, a 0-byte file) becomes one. */
static int check_twin(struct store *st)
{
	static const char ours_sql[] = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'snapshot'";
	long long v = 0, tables = 0, ours = 0;
	int rc;
	if ((rc = store_query_int(st, user_version_sql, &v, "")) < 0 ||
	    (rc = store_query_int(st, tables_sql, &tables, "")) < 0 ||
	    (rc = store_query_int(st, ours_sql, &ours, "")) < 0)
		return sqlite3_errcode(st->db) == SQLITE_NOTADB ? not_twin(st) : rc;
	if ((v == 0 && tables == 0) || (v >= 1 && ours == 1))
		return 0;
	return not_twin(st);
}

static int configure(struct store *st, bool readonly)
{
	int rc;
	sqlite3_busy_timeout(st->db, 10000);
	sqlite3_extended_result_codes(st->db, 0);
	/* temp_store stays FILE: in memory, a report's sort of every result
	 * of a 10,000-VM scan (each row carrying its rule's details) took the
	 * peak RSS from 20 to 194 MB; property sets already removed most of
	 * the statement-journal writes it was meant to save. */
	if ((rc = store_exec(st, "PRAGMA foreign_keys = ON", "configure")) < 0)
		return rc;
	if (sqlite3_create_function(st->db, "harden_part", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sql_part, NULL,
				    NULL) != SQLITE_OK ||
	    sqlite3_create_function(st->db, "harden_group", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sql_group,
				    NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_collation(st->db, "harden_natural", SQLITE_UTF8, NULL, sql_natural) != SQLITE_OK ||
	    store_search_register(st->db) != SQLITE_OK)
		return store_db_error(st, "configure");
	if (!readonly) {
		if (sqlite3_db_readonly(st->db, "main") == 1)
			return read_only(st);
		if ((rc = check_twin(st)) < 0)
			return rc;
		/* A new twin gives pages freed by prune back to the file system
		 * (store_reclaim); this can only be set before the first table. */
		long long tables = 0;
		if ((rc = store_query_int(st, tables_sql, &tables, "")) < 0 ||
		    (tables == 0 && (rc = store_exec(st, "PRAGMA auto_vacuum = INCREMENTAL", "configure")) < 0))
			return rc;
		if ((rc = store_exec(st, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL", "configure")) < 0)
			return rc;
		return migrate(st);
	}
	long long v = -1;
	if ((rc = store_query_int(st, user_version_sql, &v, "")) < 0)
		return sqlite3_errcode(st->db) == SQLITE_NOTADB ? not_twin(st) : rc;
	if (v != STORE_SCHEMA_VERSION) {
		err_set("database '%s' is not a harden twin of schema version %d", st->path, STORE_SCHEMA_VERSION);
		return HERR_STORE;
	}
	return 0;
}

/* Before opening for writing: a twin marked read-only (no write bit, even
 * for root) or in a directory harden cannot write is refused by name, and a
 * new twin is created 0600 (SQLite gives its -wal and -shm the same mode). */
static int prepare_file(struct store *st)
{
	struct stat sb;
	if (stat(st->path, &sb) == 0) {
		if (S_ISREG(sb.st_mode) && (!(sb.st_mode & 0222) || access(st->path, W_OK) < 0))
			return read_only(st);
		char *dir = xstrdup(st->path);
		bool ro = access(dirname(dir), W_OK) < 0 && (errno == EACCES || errno == EROFS || errno == EPERM);
		free(dir);
		return ro ? read_only(st) : 0;
	}
	int fd = open(st->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 && errno != EEXIST) {
		if (errno == EACCES || errno == EROFS || errno == EPERM)
			return read_only(st);
		err_set("cannot create the twin database '%s': %s", st->path, strerror(errno));
		return HERR_STORE;
	}
	if (fd >= 0)
		close(fd);
	return 0;
}

void store_busy_wait(struct store *st, int ms)
{
	sqlite3_busy_timeout(st->db, ms);
}

/* A twin an older harden wrote is migrated once, on a writing connection,
 * before a reader opens it: reading commands keep working after an upgrade. */
static int upgrade_older(const char *path)
{
	sqlite3 *db = NULL;
	long long v = 0;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK) {
		sqlite3_stmt *s = NULL;
		if (sqlite3_prepare_v2(db, user_version_sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
			v = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
	if (v < 1 || v >= STORE_SCHEMA_VERSION)
		return 0;
	struct store *w;
	int rc = store_open(&w, path, false);
	store_close(w);
	return rc;
}

int store_open(struct store **out, const char *path, bool readonly)
{
	*out = NULL;
	int up = readonly && strcmp(path, ":memory:") ? upgrade_older(path) : 0;
	if (up < 0)
		return up;
	struct store *st = xcalloc(1, sizeof(*st));
	st->path = xstrdup(path);
	st->lock_fd = -1;
	int rc = HERR_STORE;
	/* ":memory:" is SQLite's in-memory database (the fuzzers use it), no file. */
	bool in_memory = !strcmp(path, ":memory:");
	if (!readonly && !in_memory && (mkdir_parents(path) < 0 || (rc = prepare_file(st)) < 0))
		goto fail;
	rc = HERR_STORE;
	/* The file itself, however reached: the scan lock goes by this name. */
	char *real = in_memory ? NULL : realpath(path, NULL);
	st->real = real ? xstrdup(real) : xstrdup(path);
	free(real);
	int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(st->real, &st->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		err_set("cannot open database '%s': %s", path, st->db ? sqlite3_errmsg(st->db) : "out of memory");
		goto fail;
	}
	if ((rc = configure(st, readonly)) < 0)
		goto fail;
	*out = st;
	return 0;
fail:
	store_close(st);
	return rc;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	/* Properties still held are written unless a transaction is open:
	 * closing rolls that back. */
	if (st->db && st->rpend.obj && sqlite3_get_autocommit(st->db))
		store_results_flush(st);
	if (st->db && st->pend.obj && sqlite3_get_autocommit(st->db))
		store_props_flush(st);
	store_results_release(st);
	store_props_release(st);
	store_clusters_release(st);
	for (unsigned i = 0; i < st->ncache; i++)
		sqlite3_finalize(st->cache[i].s);
	if (st->db)
		sqlite3_close(st->db);
	if (st->lock_fd >= 0)
		close(st->lock_fd);
	free(st->path);
	free(st->real);
	free(st);
}

const char *store_path(const struct store *st)
{
	return st->path;
}

/* What is held (properties, results) is stored before a transaction
 * starts or ends. */
static int flush_held(struct store *st)
{
	int rc = store_results_flush(st);
	return rc < 0 ? rc : store_props_flush(st);
}

int store_begin(struct store *st)
{
	int rc = flush_held(st);
	return rc < 0 ? rc : store_exec(st, "BEGIN IMMEDIATE", "write");
}

int store_savepoint(struct store *st)
{
	int rc = flush_held(st);
	return rc < 0 ? rc : store_exec(st, "SAVEPOINT harden_sp", "write");
}

int store_rollback_savepoint(struct store *st)
{
	store_results_discard(st);
	store_props_discard(st);
	return store_exec(st, "ROLLBACK TO harden_sp", "write");
}

int store_commit(struct store *st)
{
	int rc = flush_held(st);
	if (rc < 0) {
		store_rollback(st);
		return rc;
	}
	rc = store_exec(st, "COMMIT", "write");
	torture_point("commit");
	return rc;
}

void store_rollback(struct store *st)
{
	store_results_discard(st);
	store_props_discard(st);
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}
