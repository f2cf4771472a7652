/* The SQLite twin. */
#include <sqlite3.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <fcntl.h>
#include <unistd.h>

#include "lib/testutil.h"
#include "store/store.h"
#include "drift/drift.h"
#include "store/store_int.h"
#include "util/util.h"

static char *dir, *db;

static void setup(void)
{
	dir = tu_tmpdir();
	db = xasprintf("%s/sub/twin.db", dir);
}

static void teardown(void)
{
	tu_rmdir(dir);
	free(dir);
	free(db);
}

static long long completed_snapshot(struct store *st, const char *target)
{
	long long id, obj;
	ck_assert_int_eq(store_snapshot_begin(st, target, "b", "http://x/sdk", &id), 0);
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_object_add(st, id, "host", "host-1", "esx-01", &obj), 0);
	ck_assert_int_eq(store_prop(st, obj, "name", PT_STRING, "esx-01"), 0);
	ck_assert_int_eq(store_prop(st, obj, "lockdown_mode", PT_STRING, NULL), 0);
	ck_assert_int_eq(store_prop(st, obj, "ntp.servers", PT_LIST, "[]"), 0);
	ck_assert_int_eq(store_commit(st), 0);
	struct scan_stats s = { 1, 10, 100, 1.0, 2.0 };
	ck_assert_int_eq(store_snapshot_end(st, id, SNAP_COMPLETED, NULL, &s), 0);
	return id;
}

static int count_objects(void *ctx, const struct sobject *o)
{
	(*(int *)ctx)++;
	ck_assert_str_eq(o->name, "esx-01");
	ck_assert_uint_eq(o->nprops, 3);
	const struct sprop *p = sobject_find(o, "lockdown_mode");
	ck_assert_ptr_nonnull(p);
	ck_assert(!p->collected);
	p = sobject_find(o, "ntp.servers");
	ck_assert(p->collected);
	ck_assert_str_eq(p->value, "[]");
	ck_assert_int_eq(p->type, PT_LIST);
	ck_assert_ptr_null(sobject_find(o, "nope"));
	return 0;
}

START_TEST(test_snapshot_roundtrip_and_not_collected)
{
	struct store *st;
	ck_assert_int_eq(store_open(&st, db, false), 0);
	long long id = completed_snapshot(st, "lab");
	int n = 0;
	ck_assert_int_eq(store_objects_each(st, id, "host", count_objects, &n), 0);
	ck_assert_int_eq(n, 1);
	struct snapshot_info si;
	ck_assert_int_eq(store_snapshot_get(st, id, &si), 0);
	ck_assert_int_eq(si.status, SNAP_COMPLETED);
	ck_assert_int_eq(si.stats.api_calls, 10);
	snapshot_info_release(&si);
	store_close(st);
}
END_TEST

/* The twin's collation: vc2 before vc10; 5.8 before 5.10; H3 before H15;
 * equal only when identical (a collation must be a total order). */
START_TEST(test_natural_order)
{
	ck_assert_int_lt(natcmp("H3", "H15"), 0);
	ck_assert_int_lt(natcmp("cis-esxi-5.8", "cis-esxi-5.10"), 0);
	ck_assert_int_lt(natcmp("H2", "H3"), 0);
	ck_assert_int_gt(natcmp("H15", "H2"), 0);
	ck_assert_int_eq(natcmp("H15", "H15"), 0);
	ck_assert_int_ne(natcmp("a01", "a1"), 0);
	ck_assert_int_lt(natcmp_n("H3xyz", 2, "H15", 3), 0);	/* lengths, not NULs */
	struct store *st;
	ck_assert_int_eq(store_open(&st, db, false), 0);
	const char *const names[] = { "vc10", "vc2", "vc1", "vc15", "vc3" };
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		completed_snapshot(st, names[i]);
	struct strlist t = { 0 };
	ck_assert_int_eq(store_targets(st, &t), 0);
	ck_assert_uint_eq(t.n, 5);
	const char *const want[] = { "vc1", "vc2", "vc3", "vc10", "vc15" };
	for (size_t i = 0; i < t.n; i++)
		ck_assert_str_eq(t.v[i], want[i]);
	strlist_release(&t);
	store_close(st);
}
END_TEST

START_TEST(test_latest_ignores_failed_and_running)
{
	struct store *st;
	ck_assert_int_eq(store_open(&st, db, false), 0);
	long long good = completed_snapshot(st, "lab"), bad, run, latest;
	ck_assert_int_eq(store_snapshot_begin(st, "lab", "b", NULL, &bad), 0);
	ck_assert_int_eq(store_snapshot_end(st, bad, SNAP_FAILED, "refused", NULL), 0);
	ck_assert_int_eq(store_snapshot_begin(st, "lab", "b", NULL, &run), 0);
	ck_assert_int_eq(store_snapshot_latest(st, "lab", &latest), 0);
	ck_assert_int_eq(latest, good);
	ck_assert_int_eq(store_snapshot_latest(st, "other", &latest), 1);
	store_close(st);
}
END_TEST

START_TEST(test_rollback_keeps_earlier_snapshots)
{
	struct store *st;
	ck_assert_int_eq(store_open(&st, db, false), 0);
	long long good = completed_snapshot(st, "lab"), bad, obj;
	ck_assert_int_eq(store_snapshot_begin(st, "lab", "b", NULL, &bad), 0);
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_object_add(st, bad, "host", "host-1", "half", &obj), 0);
	store_rollback(st);
	ck_assert_int_eq(store_snapshot_end(st, bad, SNAP_FAILED, "network", NULL), 0);
	long long n;
	ck_assert_int_eq(store_object_count(st, bad, "host", &n), 0);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(store_object_count(st, good, "host", &n), 0);
	ck_assert_int_eq(n, 1);
	store_close(st);
}
END_TEST

START_TEST(test_scan_lock_and_interrupted_scans)
{
	struct store *a, *b;
	ck_assert_int_eq(store_open(&a, db, false), 0);
	long long killed;
	ck_assert_int_eq(store_snapshot_begin(a, "lab", "b", NULL, &killed), 0);
	ck_assert_int_eq(store_open(&b, db, false), 0);
	ck_assert_int_eq(store_scan_lock(b, 0), 0);
	/* b holds the lock: the running snapshot left by a is stale. */
	struct snapshot_info si;
	ck_assert_int_eq(store_snapshot_get(b, killed, &si), 0);
	ck_assert_int_eq(si.status, SNAP_FAILED);
	ck_assert_ptr_nonnull(strstr(si.error, "interrupted"));
	snapshot_info_release(&si);
	ck_assert_int_eq(store_scan_lock(a, 0), HERR_BUSY);
	ck_assert_ptr_nonnull(strstr(err_get(), "another scan"));
	store_close(b);
	ck_assert_int_eq(store_scan_lock(a, 0), 0);
	store_close(a);
}
END_TEST

START_TEST(test_schema_version_and_foreign_files)
{
	struct store *st;
	ck_assert_int_eq(store_open(&st, db, false), 0);
	store_close(st);
	sqlite3 *raw;
	ck_assert_int_eq(sqlite3_open(db, &raw), SQLITE_OK);
	int v = -1;
	sqlite3_stmt *s;
	sqlite3_prepare_v2(raw, "PRAGMA user_version", -1, &s, NULL);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	ck_assert_int_eq(v, STORE_SCHEMA_VERSION);
	sqlite3_exec(raw, "PRAGMA user_version = 99", NULL, NULL, NULL);
	sqlite3_close(raw);
	ck_assert_int_eq(store_open(&st, db, false), HERR_STORE);
	ck_assert_ptr_nonnull(strstr(err_get(), "schema version 99"));
	char *junk = tu_write(dir, "junk.db", "this is not sqlite at all, not even close..........", 0644);
	ck_assert_int_eq(store_open(&st, junk, true), HERR_STORE);
	ck_assert_ptr_nonnull(strstr(err_get(), "junk.db"));
	free(junk);
}
END_TEST

START_TEST(test_evaluation_findings_and_counts)
{
	struct store *st;
	ck_assert_int_eq(store_open(&st, db, false), 0);
	long long snap = completed_snapshot(st, "lab"), ev, obj = 1;
	struct eval_meta m = { "cis", "CIS", "1", "/x", "scan", NULL };
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_evaluation_begin(st, snap, &m, &ev), 0);
	ck_assert_int_eq(store_eval_rule(st, ev, "r1", "Rule 1", SEV_HIGH, "host", "{}"), 0);
	ck_assert_int_eq(store_finding(st, ev, "r1", obj, RS_FAIL, "name", "esx-01", "x", 0), 0);
	ck_assert_int_eq(store_commit(st), 0);
	struct evaluation_info *v;
	unsigned n;
	ck_assert_int_eq(store_evaluations(st, snap, &v, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0].baseline_id, "cis");
	ck_assert_str_eq(v[0].kind, "scan");
	evaluation_list_free(v, n);
	store_close(st);
}
END_TEST

static long long twin_int(struct store *st, const char *sql)
{
	long long n = -1;
	ck_assert_int_eq(store_query_int(st, sql, &n, ""), 0);
	return n;
}

static int collect_result(void *ctx, const struct finding_row *f)
{
	buf_printf(ctx, "%s %s %s %s|", f->moref, f->rule_id, rstatus_name(f->status), f->observed ? f->observed : "-");
	return 0;
}

/* Results are held per object and stored as sets: equal objects share
 * one, an object given results in two runs keeps both, the counts come
 * from the sets, and a rollback leaves nothing. */
START_TEST(test_result_sets)
{
	struct store *st;
	ck_assert_int_eq(store_open(&st, db, false), 0);
	long long snap = completed_snapshot(st, "lab"), ev, h2, h3;
	struct eval_meta m = { "cis", "CIS", "1", "/x", "scan", NULL };
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_object_add(st, snap, "host", "host-2", "esx-02", &h2), 0);
	ck_assert_int_eq(store_object_add(st, snap, "host", "host-3", "esx-03", &h3), 0);
	ck_assert_int_eq(store_evaluation_begin(st, snap, &m, &ev), 0);
	ck_assert_int_eq(store_eval_rule(st, ev, "r1", "Rule 1", SEV_HIGH, "host", "{\"rationale\": \"why\"}"), 0);
	ck_assert_int_eq(store_eval_rule(st, ev, "r2", "Rule 2", SEV_LOW, "host", "{\"rationale\": \"why\"}"), 0);
	ck_assert_int_eq(store_finding(st, ev, "r1", 1, RS_FAIL, "p", "a", "b", 0), 0);
	ck_assert_int_eq(store_finding(st, ev, "r2", 1, RS_PASS, "q", NULL, "b", 0), 0);
	ck_assert_int_eq(store_finding(st, ev, "r2", h2, RS_PASS, "q", NULL, "b", 0), 0);
	ck_assert_int_eq(store_finding(st, ev, "r1", h2, RS_FAIL, "p", "a", "b", 0), 0);
	/* host-3: r1 now, r2 after another object's results. */
	ck_assert_int_eq(store_finding(st, ev, "r1", h3, RS_PASS, "p", "b", "b", 0), 0);
	ck_assert_int_eq(store_finding(st, ev, "r1", 1, RS_FAIL, "p", "a", "b", 0), 0);
	ck_assert_int_eq(store_finding(st, ev, "r2", h3, RS_UNKNOWN, "q", NULL, "b", 0), 0);
	ck_assert_int_eq(store_evaluation_end(st, ev, 1.0), 0);
	ck_assert_int_eq(store_commit(st), 0);
	ck_assert_int_eq(twin_int(st, "SELECT count(*) FROM resultset"), 2);
	ck_assert_int_eq(twin_int(st, "SELECT count(*) FROM rule_details"), 1);
	ck_assert_int_eq(twin_int(st, "SELECT count(*) FROM finding"), 6);
	ck_assert_int_eq(twin_int(st, "SELECT n_fail * 10 + n_pass FROM resultset WHERE id = "
				      "(SELECT set_id FROM eval_object WHERE object_id = 1)"), 11);
	struct buf b = BUF_INIT;
	ck_assert_int_eq(store_findings_each(st, ev, collect_result, &b), 0);
	ck_assert_str_eq(b.data, "host-1 r1 fail a|host-2 r1 fail a|host-3 r1 pass b|"
				 "host-1 r2 pass -|host-2 r2 pass -|host-3 r2 unknown -|");
	buf_release(&b);
	/* Rolled back, the held results go too. */
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_evaluation_begin(st, snap, &m, &ev), 0);
	ck_assert_int_eq(store_finding(st, ev, "r1", 1, RS_NA, NULL, NULL, NULL, 0), 0);
	store_rollback(st);
	ck_assert_int_eq(twin_int(st, "SELECT count(*) FROM eval_object"), 3);
	ck_assert_int_eq(twin_int(st, "SELECT count(*) FROM resultset"), 2);
	store_close(st);
}
END_TEST

static int count_findings(void *ctx, const struct finding_row *f)
{
	ck_assert_int_eq(f->status, RS_FAIL);
	ck_assert_ptr_null(f->waiver_justification);
	(*(int *)ctx)++;
	return 0;
}

/* Results back in a finding table and rules' details in eval_rule, as
 * twins before version 10 held them. */
#define RESULTS_AS_TABLE                                                                                            \
	"CREATE TABLE finding_t(id INTEGER PRIMARY KEY, evaluation_id INTEGER NOT NULL REFERENCES evaluation(id) "   \
	"ON DELETE CASCADE, rule_id TEXT NOT NULL, object_id INTEGER NOT NULL REFERENCES object(id) "                \
	"ON DELETE CASCADE, status TEXT NOT NULL, property TEXT, observed TEXT, expected TEXT, waiver_id INTEGER);" \
	"INSERT INTO finding_t(evaluation_id, rule_id, object_id, status, property, observed, expected, waiver_id) " \
	"SELECT * FROM finding; DROP VIEW finding; DROP TABLE finding_waiver; DROP TABLE eval_object; "             \
	"DROP TABLE result; DROP TABLE resultset; ALTER TABLE finding_t RENAME TO finding;"                         \
	"CREATE TABLE eval_rule_t(evaluation_id INTEGER NOT NULL REFERENCES evaluation(id) ON DELETE CASCADE, "    \
	"rule_id TEXT NOT NULL, title TEXT NOT NULL, severity TEXT NOT NULL, object_type TEXT NOT NULL, "            \
	"details TEXT, PRIMARY KEY (evaluation_id, rule_id)) WITHOUT ROWID; "                                         \
	"INSERT INTO eval_rule_t SELECT * FROM eval_rule; DROP VIEW eval_rule; DROP TABLE evaluated_rule; "          \
	"DROP TABLE rule_details; ALTER TABLE eval_rule_t RENAME TO eval_rule;"

START_TEST(test_migration_from_v1_keeps_data)
{
	/* A twin as version 1 left it: no waiver table, no finding.waiver_id, no parts. */
	struct store *st;
	ck_assert_int_eq(store_open(&st, db, false), 0);
	long long snap = completed_snapshot(st, "lab"), ev;
	struct eval_meta m = { "cis", "CIS", "1", "/x", "scan", NULL };
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_evaluation_begin(st, snap, &m, &ev), 0);
	ck_assert_int_eq(store_eval_rule(st, ev, "r1", "Rule 1", SEV_HIGH, "host", "{}"), 0);
	ck_assert_int_eq(store_finding(st, ev, "r1", 1, RS_FAIL, "name", "esx-01", "x", 0), 0);
	ck_assert_int_eq(store_commit(st), 0);
	store_close(st);
	sqlite3 *raw;
	ck_assert_int_eq(sqlite3_open(db, &raw), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(raw, RESULTS_AS_TABLE "DROP TABLE suggestion_review; DROP TABLE remediation; DROP TABLE suggestion; DROP TABLE drift_event; DROP TABLE drift_pair; DROP TABLE snapshot_part; DROP TABLE waiver; ALTER TABLE finding DROP COLUMN waiver_id; "
				      "ALTER TABLE evaluation DROP COLUMN params; "
				      "PRAGMA user_version = 1;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
	/* Opening migrates it, and what it held is still there. */
	ck_assert_int_eq(store_open(&st, db, false), 0);
	long long latest;
	ck_assert_int_eq(store_snapshot_latest(st, "lab", &latest), 0);
	ck_assert_int_eq(latest, snap);
	int n = 0;
	ck_assert_int_eq(store_findings_each(st, ev, count_findings, &n), 0);
	ck_assert_int_eq(n, 1);
	long long w;
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_waiver(st, ev, "r1", "{}", "a justification", "me", "2030-01-01", NULL, "t", false, &w), 0);
	ck_assert_int_eq(store_commit(st), 0);
	/* Version 3's parts: what each collector achieved, vCenter first. */
	struct part_info *parts;
	unsigned np;
	ck_assert_int_eq(store_parts(st, snap, &parts, &np), 0);
	ck_assert_uint_eq(np, 0);
	struct scan_stats x = { .objects = 20, .api_calls = 7, .bytes_received = 900, .collect_ms = 3, .store_ms = 1 };
	ck_assert_int_eq(store_part_set(st, snap, PART_NSX, PS_FAILED, "https://nsx.example", "HTTP 500", &x), 0);
	ck_assert_int_eq(store_part_set(st, snap, PART_VCENTER, PS_COMPLETED, "https://vc.example/sdk", NULL, NULL), 0);
	ck_assert_int_ne(store_part_set(st, snap, PART_NSX, (enum part_status)PS_COUNT, NULL, NULL, NULL), 0);
	ck_assert_int_eq(store_parts(st, snap, &parts, &np), 0);
	ck_assert_uint_eq(np, 2);
	ck_assert_int_eq(parts[0].part, PART_VCENTER);
	ck_assert_int_eq(parts[1].part, PART_NSX);
	const struct part_info *p = part_find(parts, np, PART_NSX);
	ck_assert_int_eq(p->status, PS_FAILED);
	ck_assert_str_eq(p->error, "HTTP 500");
	ck_assert_int_eq(p->api_calls, 7);
	ck_assert_double_eq(p->ms, 4);
	ck_assert_ptr_null(part_find(parts, np, (enum part)PART_COUNT));
	part_list_free(parts, np);
	store_close(st);
}
END_TEST

/* The file's bytes, to prove it untouched. */
static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	char *buf = xcalloc(1, 1 << 16);
	*n = fread(buf, 1, 1 << 16, f);
	fclose(f);
	return buf;
}

START_TEST(test_foreign_sqlite_file_is_refused_untouched)
{
	char *foreign = xasprintf("%s/other.db", dir);
	sqlite3 *raw;
	ck_assert_int_eq(sqlite3_open(foreign, &raw), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(raw, "CREATE TABLE notes(x); INSERT INTO notes VALUES ('mine');", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(raw);
	size_t n0, n1;
	char *before = slurp(foreign, &n0);
	struct store *st;
	ck_assert_int_eq(store_open(&st, foreign, false), HERR_STORE);
	ck_assert_ptr_nonnull(strstr(err_get(), "other.db' is not a harden twin"));
	char *after = slurp(foreign, &n1);
	ck_assert_uint_eq(n0, n1);
	ck_assert(memcmp(before, after, n0) == 0);	/* no migration, no switch to WAL */
	char *wal = xasprintf("%s-wal", foreign);
	ck_assert_int_ne(access(wal, F_OK), 0);
	/* A file that is not SQLite at all, for writing too. */
	char *junk = tu_write(dir, "junk.db", "this is not sqlite at all, not even close..........", 0644);
	ck_assert_int_eq(store_open(&st, junk, false), HERR_STORE);
	ck_assert_ptr_nonnull(strstr(err_get(), "junk.db' is not a harden twin"));
	/* An empty file becomes a twin, as a new path does. */
	char *empty = tu_write(dir, "empty.db", "", 0600);
	ck_assert_int_eq(store_open(&st, empty, false), 0);
	completed_snapshot(st, "lab");
	store_close(st);
	ck_assert_int_eq(store_open(&st, empty, false), 0);
	store_close(st);
	free(before), free(after), free(wal), free(junk), free(empty), free(foreign);
}
END_TEST

static int file_mode(const char *path)
{
	struct stat sb;
	ck_assert_msg(stat(path, &sb) == 0, "%s missing", path);
	return (int)(sb.st_mode & 0777);
}

START_TEST(test_twin_files_are_private)
{
	mode_t old = umask(022);
	struct store *st;
	ck_assert_int_eq(store_open(&st, db, false), 0);
	completed_snapshot(st, "lab");
	ck_assert_int_eq(store_scan_lock(st, 0), 0);
	const char *sfx[] = { "", "-wal", "-shm", ".lock" };
	for (size_t i = 0; i < 4; i++) {
		char *p = xasprintf("%s%s", db, sfx[i]);
		ck_assert_msg(file_mode(p) == 0600, "%s has mode %o", p, file_mode(p));
		free(p);
	}
	store_close(st);
	umask(old);
}
END_TEST

START_TEST(test_read_only_twin_is_named_so)
{
	struct store *st;
	ck_assert_int_eq(store_open(&st, db, false), 0);
	completed_snapshot(st, "lab");
	store_close(st);
	ck_assert_int_eq(chmod(db, 0444), 0);
	ck_assert_int_eq(store_open(&st, db, false), HERR_STORE);
	ck_assert_ptr_nonnull(strstr(err_get(), "cannot write the twin database"));
	ck_assert_ptr_nonnull(strstr(err_get(), "read-only"));
	ck_assert_ptr_null(strstr(err_get(), "not a harden twin"));
	/* Reading it is still fine. */
	ck_assert_int_eq(store_open(&st, db, true), 0);
	store_close(st);
	chmod(db, 0600);
}
END_TEST

START_TEST(test_scan_lock_follows_symlinks)
{
	struct store *a, *b;
	ck_assert_int_eq(store_open(&a, db, false), 0);
	char *link = xasprintf("%s/alias.db", dir);
	ck_assert_int_eq(symlink(db, link), 0);
	ck_assert_int_eq(store_open(&b, link, false), 0);
	ck_assert_int_eq(store_scan_lock(a, 0), 0);
	/* The same file under another name: the second scan must wait. */
	ck_assert_int_eq(store_scan_lock(b, 0), HERR_BUSY);
	ck_assert_ptr_nonnull(strstr(err_get(), "another scan"));
	store_close(a);
	ck_assert_int_eq(store_scan_lock(b, 0), 0);
	store_close(b);
	free(link);
}
END_TEST

/* One finding of rule r1 on host-1 in a new completed snapshot of "lab". */
static long long snapshot_with_finding(struct store *st, enum rstatus status)
{
	long long snap = completed_snapshot(st, "lab"), ev, obj = 0;
	struct eval_meta m = { "cis", "CIS", "1", "/x", "scan", NULL };
	ck_assert_int_eq(store_query_int(st, "SELECT id FROM object WHERE snapshot_id = ?", &obj, "i", snap), 0);
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_evaluation_begin(st, snap, &m, &ev), 0);
	ck_assert_int_eq(store_eval_rule(st, ev, "r1", "Rule 1", SEV_HIGH, "host", "{}"), 0);
	ck_assert_int_eq(store_finding(st, ev, "r1", obj, status, "ntp.servers", "[]", "x", 0), 0);
	ck_assert_int_eq(store_commit(st), 0);
	return snap;
}

/* A scan of "lab" whose one result is rule's on host-1, the rule's
 * details naming its earlier ids. */
static long long scan_result(struct store *st, const char *rule, const char *details, enum rstatus status)
{
	long long snap = completed_snapshot(st, "lab"), ev, obj = 0;
	struct eval_meta m = { "cis", "CIS", "1", "/x", "scan", NULL };
	ck_assert_int_eq(store_query_int(st, "SELECT id FROM object WHERE snapshot_id = ?", &obj, "i", snap), 0);
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_evaluation_begin(st, snap, &m, &ev), 0);
	ck_assert_int_eq(store_eval_rule(st, ev, rule, "Rule", SEV_HIGH, "host", details), 0);
	ck_assert_int_eq(store_finding(st, ev, rule, obj, status, "ntp.servers", "[]", "x", 0), 0);
	ck_assert_int_eq(store_evaluation_end(st, ev, 1.0), 0);
	ck_assert_int_eq(store_commit(st), 0);
	return snap;
}

/* Posture drift pairs objects and compares only those whose result set
 * changed, under the rule's id or an earlier one (alias). */
START_TEST(test_posture_drift_through_sets)
{
	struct store *st;
	ck_assert_int_eq(store_open(&st, db, false), 0);
	static const char renamed[] = "{\"aliases\": [\"r-old\"]}";
	long long s1 = scan_result(st, "r-old", "{}", RS_FAIL);
	long long s2 = scan_result(st, "r-new", renamed, RS_PASS);
	long long s3 = scan_result(st, "r-new", renamed, RS_PASS);
	long long s4 = scan_result(st, "r-new", renamed, RS_FAIL);
	long long n[DK_COUNT];
	ck_assert_int_eq(drift_compute(st, s1, s2, n), 0);
	ck_assert_int_eq(n[DK_FIXED], 1);
	ck_assert_int_eq(drift_compute(st, s2, s3, n), 0);
	for (int k = 0; k < DK_COUNT; k++)
		ck_assert_int_eq(n[k], 0);
	ck_assert_int_eq(drift_compute(st, s3, s4, n), 0);
	ck_assert_int_eq(n[DK_REGRESSED], 1);
	ck_assert_int_eq(n[DK_FIXED], 0);
	/* Scans 2 and 3 share their set; each details text is stored once. */
	ck_assert_int_eq(twin_int(st, "SELECT count(*) FROM resultset"), 3);
	ck_assert_int_eq(twin_int(st, "SELECT count(*) FROM rule_details"), 2);
	store_close(st);
}
END_TEST

struct plan_row_copy {
	int n, revision, review_revision;
	bool reviewed;
	enum review_decision decision;
	char *reviewer;
	long long remediation_id, review_remediation;
};

static int plan_copy(void *ctx, const struct plan_row *p)
{
	struct plan_row_copy *c = ctx;
	c->n++;
	c->revision = p->revision;
	c->review_revision = p->review_revision;
	c->reviewed = p->reviewed;
	c->decision = p->decision;
	free(c->reviewer);
	c->reviewer = p->reviewer ? xstrdup(p->reviewer) : NULL;
	c->remediation_id = p->remediation_id;
	c->review_remediation = p->review_remediation;
	return 0;
}

START_TEST(test_migration_from_v4_then_remediations)
{
	/* A twin as version 4 left it, holding a scan. */
	struct store *st;
	ck_assert_int_eq(store_open(&st, db, false), 0);
	long long s1 = snapshot_with_finding(st, RS_FAIL);
	store_close(st);
	sqlite3 *raw;
	ck_assert_int_eq(sqlite3_open(db, &raw), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(raw, RESULTS_AS_TABLE "DROP TABLE suggestion_review; DROP TABLE remediation; DROP TABLE suggestion; ALTER TABLE evaluation DROP COLUMN params; "
				      "PRAGMA user_version = 4;",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
	/* A reading command after an upgrade: the twin is migrated first. */
	ck_assert_int_eq(store_open(&st, db, true), 0);
	enum rstatus rs;
	ck_assert_int_eq(store_finding_status(st, s1, "r1", "host", "host-1", &rs), 0);
	ck_assert_int_eq(rs, RS_FAIL);
	ck_assert_int_eq(store_finding_status(st, s1, "r2", "host", "host-1", &rs), 1);
	store_close(st);
	ck_assert_int_eq(store_open(&st, db, false), 0);

	/* Each advise is a new revision; the latest, or one asked for. */
	struct suggestion_rec sg = { .violation_id = (char *)"V-00000001", .target = (char *)"lab", .rule_id = (char *)"r1",
				     .object_type = (char *)"host", .moref = (char *)"host-1", .object_name = (char *)"esx-01",
				     .body = (char *)"{\"summary\": \"one\"}", .source = (char *)"baseline", .snapshot_id = s1 };
	ck_assert_int_eq(store_suggestion_add(st, &sg), 0);
	ck_assert_int_eq(sg.revision, 1);
	sg.body = (char *)"{\"summary\": \"two\"}";
	ck_assert_int_eq(store_suggestion_add(st, &sg), 0);
	ck_assert_int_eq(sg.revision, 2);
	struct suggestion_rec got;
	ck_assert_int_eq(store_suggestion_get(st, "V-00000001", 0, &got), 0);
	ck_assert_int_eq(got.revision, 2);
	ck_assert_str_eq(got.body, "{\"summary\": \"two\"}");
	suggestion_rec_release(&got);
	ck_assert_int_eq(store_suggestion_get(st, "V-00000001", 1, &got), 0);
	ck_assert_str_eq(got.body, "{\"summary\": \"one\"}");
	suggestion_rec_release(&got);
	ck_assert_int_eq(store_suggestion_get(st, "V-00000002", 0, &got), 1);

	/* A decision is on the latest revision only; plans show it. */
	struct review_rec rv = { .violation_id = (char *)"V-00000001", .revision = 1, .decision = REVIEW_APPROVE,
				 .reviewer = (char *)"<b>eve</b>", .comment = (char *)"" };
	ck_assert_int_eq(store_review_add(st, &rv), 1);
	rv.violation_id = (char *)"V-00000002";
	ck_assert_int_eq(store_review_add(st, &rv), 1);
	rv.violation_id = (char *)"V-00000001";
	rv.revision = 2;
	ck_assert_int_eq(store_review_add(st, &rv), 0);
	ck_assert_int_gt(rv.id, 0);
	struct plan_row_copy pc = { 0 };
	ck_assert_int_eq(store_plans_each(st, "lab", 10, plan_copy, &pc), 0);
	ck_assert_int_eq(pc.n, 1);
	ck_assert(pc.reviewed && pc.decision == REVIEW_APPROVE && pc.review_revision == 2 && pc.revision == 2);
	ck_assert_str_eq(pc.reviewer, "<b>eve</b>");
	ck_assert_int_eq(pc.remediation_id, 0);
	free(pc.reviewer);

	/* A remediation stays submitted while the violation fails, and is
	 * verified by the first later snapshot where it passes. */
	struct remediation_rec r = { .violation_id = (char *)"V-00000001", .target = (char *)"lab", .rule_id = (char *)"r1",
				     .object_type = (char *)"host", .moref = (char *)"host-1", .suggestion_revision = 2,
				     .workflow_id = (char *)"wf-1", .approver = (char *)"me", .state = RM_SUBMITTED,
				     .pilot_state = (char *)"pending", .applied_snapshot = s1 };
	ck_assert_int_eq(store_remediation_add(st, &r), 0);
	ck_assert_int_eq(store_review_mark(st, rv.id, r.id), 0);
	memset(&pc, 0, sizeof(pc));
	ck_assert_int_eq(store_plans_each(st, "lab", 10, plan_copy, &pc), 0);
	ck_assert_int_eq(pc.remediation_id, r.id);
	ck_assert_int_eq(pc.review_remediation, r.id);
	free(pc.reviewer);
	unsigned v = 9, ne = 9;
	long long s2 = snapshot_with_finding(st, RS_FAIL);
	ck_assert_int_eq(store_remediations_verify(st, "lab", s2, &v, &ne), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_uint_eq(ne, 0);
	ck_assert_int_eq(store_remediation_update(st, r.id, RM_SUBMITTED, "completed", 0, NULL), 0);
	ck_assert_int_eq(store_remediations_verify(st, "lab", s2, &v, &ne), 0);
	ck_assert_uint_eq(ne, 1);
	long long s3 = snapshot_with_finding(st, RS_PASS);
	ck_assert_int_eq(store_remediations_verify(st, "lab", s3, &v, &ne), 0);
	ck_assert_uint_eq(v, 1);
	struct remediation_rec g;
	ck_assert_int_eq(store_remediation_get(st, r.id, &g), 0);
	ck_assert_int_eq(g.state, RM_VERIFIED);
	ck_assert_int_eq(g.proof_snapshot, s3);
	ck_assert_str_eq(g.workflow_id, "wf-1");
	ck_assert_int_eq(g.suggestion_revision, 2);
	remediation_rec_release(&g);
	ck_assert_int_eq(store_remediation_get(st, r.id + 1, &g), 1);
	store_close(st);
}
END_TEST

/* A completed snapshot of "lab" with n hosts of 20 properties each, whose
 * values carry the scan's number (so that no two scans share them), and
 * one failing finding per host. */
static long long big_snapshot(struct store *st, int scan, int n)
{
	long long snap, ev, obj;
	struct eval_meta m = { "cis", "CIS", "1", "/x", "scan", NULL };
	ck_assert_int_eq(store_snapshot_begin(st, "lab", "cis", "http://x/sdk", &snap), 0);
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_evaluation_begin(st, snap, &m, &ev), 0);
	ck_assert_int_eq(store_eval_rule(st, ev, "r1", "Rule 1", SEV_HIGH, "host", "{}"), 0);
	for (int i = 0; i < n; i++) {
		char moref[32], name[32], value[64];
		snprintf(moref, sizeof(moref), "host-%d", i);
		snprintf(name, sizeof(name), "esx-%02d", i);
		ck_assert_int_eq(store_object_add(st, snap, "host", moref, name, &obj), 0);
		for (int p = 0; p < 20; p++) {
			char prop[32];
			snprintf(prop, sizeof(prop), "option.P%02d", p);
			snprintf(value, sizeof(value), "value %d of scan %d on %s", p, scan, name);
			ck_assert_int_eq(store_prop(st, obj, prop, PT_STRING, value), 0);
		}
		ck_assert_int_eq(store_finding(st, ev, "r1", obj, RS_FAIL, "option.P00", value, "x", 0), 0);
	}
	ck_assert_int_eq(store_commit(st), 0);
	ck_assert_int_eq(store_snapshot_end(st, snap, SNAP_COMPLETED, NULL, NULL), 0);
	return snap;
}

static long long file_size(const char *path)
{
	struct stat sb;
	ck_assert_int_eq(stat(path, &sb), 0);
	return (long long)sb.st_size;
}

/* Prunes all but the latest snapshot; the file must shrink by what the
 * store says it freed, and the latest must read as before. */
static void prune_and_check(struct store *st)
{
	long long *ids, freed = -1, latest = 0;
	unsigned n;
	ck_assert_int_eq(store_prune_select(st, "lab", 1, 0, &ids, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(store_snapshots_delete(st, ids, n), 0);
	free(ids);
	/* Everything in the file itself, none in the write-ahead log. */
	ck_assert_int_eq(store_exec(st, "PRAGMA wal_checkpoint(TRUNCATE)", "test"), 0);
	long long before = file_size(db);
	ck_assert_int_eq(store_reclaim(st, &freed), 0);
	long long after = file_size(db);
	ck_assert_msg(freed > before / 2, "freed %lld of %lld bytes", freed, before);
	ck_assert_msg(after <= before - freed, "file %lld -> %lld bytes, freed %lld", before, after, freed);
	long long mode = -1;
	ck_assert_int_eq(store_query_int(st, "PRAGMA auto_vacuum", &mode, ""), 0);
	ck_assert_int_eq(mode, 2);	/* incremental from now on */
	ck_assert_int_eq(store_snapshot_latest(st, "lab", &latest), 0);
	long long objs = 0, props = 0;
	ck_assert_int_eq(store_object_count(st, latest, "host", &objs), 0);
	ck_assert_int_eq(objs, 300);
	ck_assert_int_eq(store_query_int(st, "SELECT count(*) FROM property p JOIN object o ON o.id = p.object_id "
					 "WHERE o.snapshot_id = ?", &props, "i", latest), 0);
	ck_assert_int_eq(props, 300 * 20);
}

START_TEST(test_prune_gives_the_space_back)
{
	struct store *st;
	ck_assert_int_eq(store_open(&st, db, false), 0);
	for (int i = 0; i < 4; i++)
		big_snapshot(st, i, 300);
	prune_and_check(st);
	store_close(st);
}
END_TEST

START_TEST(test_prune_switches_an_older_twin_to_incremental_vacuum)
{
	struct store *st;
	ck_assert_int_eq(store_open(&st, db, false), 0);
	store_close(st);
	/* Twins made before incremental vacuum have none. */
	sqlite3 *raw;
	ck_assert_int_eq(sqlite3_open(db, &raw), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(raw, "PRAGMA auto_vacuum = NONE; VACUUM", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
	ck_assert_int_eq(store_open(&st, db, false), 0);
	long long mode = -1;
	ck_assert_int_eq(store_query_int(st, "PRAGMA auto_vacuum", &mode, ""), 0);
	ck_assert_int_eq(mode, 0);
	for (int i = 0; i < 4; i++)
		big_snapshot(st, i, 300);
	prune_and_check(st);
	store_close(st);
}
END_TEST

/* A twin of schema version 6 as harden 6 wrote it: three scans of "lab"
 * (host-1 unchanged from the first to the second, its lockdown mode
 * collected and its NTP servers changed in the third, vm-2 added), a
 * waiver in force in the second, and the drift harden 6 stored. */
static const char v6_rows[] =
	"INSERT INTO snapshot(id, target, baselines, source_url, started_at, ended_at, status, objects) VALUES "
	"(1, 'lab', 'cis', 'https://vc/sdk', 1000, 1001, 'completed', 2), "
	"(2, 'lab', 'cis', 'https://vc/sdk', 2000, 2001, 'completed', 2), "
	"(3, 'lab', 'cis', 'https://vc/sdk', 3000, 3001, 'completed', 3);"
	"INSERT INTO snapshot_part(snapshot_id, part, status, url, objects) VALUES "
	"(1, 'vcenter', 'completed', 'https://vc/sdk', 2), (2, 'vcenter', 'completed', 'https://vc/sdk', 2), "
	"(3, 'vcenter', 'completed', 'https://vc/sdk', 3);"
	"INSERT INTO object(id, snapshot_id, type, moref, name) VALUES "
	"(1, 1, 'host', 'host-1', 'esx-01'), (2, 1, 'vm', 'vm-1', 'web'), (3, 2, 'host', 'host-1', 'esx-01'), "
	"(4, 2, 'vm', 'vm-1', 'web'), (5, 3, 'host', 'host-1', 'esx-01'), (6, 3, 'vm', 'vm-1', 'web'), "
	"(7, 3, 'vm', 'vm-2', 'db');"
	"INSERT INTO property(object_id, name, type, collected, value) VALUES "
	"(1, 'name', 'string', 1, 'esx-01'), (1, 'lockdown_mode', 'string', 0, NULL), (1, 'ntp.servers', 'list', 1, '[]'), "
	"(2, 'guest_os', 'string', 1, 'linux'), "
	"(3, 'name', 'string', 1, 'esx-01'), (3, 'lockdown_mode', 'string', 0, NULL), (3, 'ntp.servers', 'list', 1, '[]'), "
	"(4, 'guest_os', 'string', 1, 'linux'), "
	"(5, 'name', 'string', 1, 'esx-01'), (5, 'lockdown_mode', 'string', 1, 'lockdownNormal'), "
	"(5, 'ntp.servers', 'list', 1, '[\"pool.ntp.org\"]'), "
	"(6, 'guest_os', 'string', 1, 'linux'), (7, 'guest_os', 'string', 1, 'windows');"
	"INSERT INTO evaluation(id, snapshot_id, baseline_id, baseline_title, baseline_version, baseline_path, kind, "
	"created_at, params) VALUES (1, 1, 'cis', 'CIS', '1', '/x', 'scan', 1001, NULL), "
	"(2, 2, 'cis', 'CIS', '1', '/x', 'scan', 2001, '{}'), (3, 3, 'cis', 'CIS', '1', '/x', 'scan', 3001, '{}');"
	"INSERT INTO eval_rule(evaluation_id, rule_id, title, severity, object_type, details) VALUES "
	"(1, 'r1', 'Rule 1', 'high', 'host', '{}'), (2, 'r1', 'Rule 1', 'high', 'host', '{}'), "
	"(3, 'r1', 'Rule 1', 'high', 'host', '{}');"
	"INSERT INTO waiver(id, evaluation_id, rule_id, selector, justification, approver, expires, ticket, source, "
	"expired) VALUES (1, 2, 'r1', '{\"moref\": \"host-1\"}', 'accepted for now', 'me', '2030-01-01', 'T-1', "
	"'w.yaml', 0);"
	"INSERT INTO finding(id, evaluation_id, rule_id, object_id, status, property, observed, expected, waiver_id) "
	"VALUES (1, 1, 'r1', 1, 'fail', 'lockdown_mode', NULL, 'lockdownNormal', NULL), "
	"(2, 2, 'r1', 3, 'waived', 'lockdown_mode', NULL, 'lockdownNormal', 1), "
	"(3, 3, 'r1', 5, 'pass', 'lockdown_mode', 'lockdownNormal', 'lockdownNormal', NULL);"
	"INSERT INTO drift_pair(from_snapshot, to_snapshot, computed_at) VALUES (1, 2, 2002), (2, 3, 3002);"
	"INSERT INTO drift_event(from_snapshot, to_snapshot, kind, object_type, moref, object_name, property, "
	"baseline_id, old_value, new_value) VALUES "
	"(2, 3, 'object_added', 'vm', 'vm-2', 'db', NULL, NULL, NULL, NULL), "
	"(2, 3, 'property_collected', 'host', 'host-1', 'esx-01', 'lockdown_mode', NULL, NULL, 'lockdownNormal'), "
	"(2, 3, 'property_changed', 'host', 'host-1', 'esx-01', 'ntp.servers', NULL, '[]', '[\"pool.ntp.org\"]');"
	"PRAGMA user_version = 6;";

/* Every row a reader sees, through the old shape of each table. */
static char *dump_twin(void)
{
	static const char *const q[] = {
		"SELECT * FROM snapshot ORDER BY id",
		"SELECT * FROM snapshot_part ORDER BY snapshot_id, part",
		"SELECT id, snapshot_id, type, moref, name FROM object ORDER BY id",
		"SELECT object_id, name, type, collected, value FROM property ORDER BY object_id, name",
		"SELECT * FROM evaluation ORDER BY id",
		"SELECT * FROM eval_rule ORDER BY evaluation_id, rule_id",
		"SELECT * FROM waiver ORDER BY id",
		"SELECT evaluation_id, rule_id, object_id, status, property, observed, expected, waiver_id FROM finding "
		"ORDER BY evaluation_id, object_id, rule_id",
		"SELECT * FROM drift_pair ORDER BY from_snapshot, to_snapshot",
		"SELECT * FROM drift_event ORDER BY id",
	};
	sqlite3 *h;
	ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < ARRAY_SIZE(q); i++) {
		sqlite3_stmt *s;
		ck_assert_msg(sqlite3_prepare_v2(h, q[i], -1, &s, NULL) == SQLITE_OK, "%s: %s", q[i], sqlite3_errmsg(h));
		while (sqlite3_step(s) == SQLITE_ROW) {
			for (int c = 0; c < sqlite3_column_count(s); c++) {
				const char *t = (const char *)sqlite3_column_text(s, c);
				buf_printf(&b, "%s|", t ? t : "NULL");
			}
			buf_printf(&b, "\n");
		}
		sqlite3_finalize(s);
	}
	sqlite3_close(h);
	return buf_detach(&b);
}

static int collect_event(void *ctx, const struct drift_event *e)
{
	buf_printf(ctx, "%s %s %s %s\n", drift_kind_name(e->kind), e->moref, e->property ? e->property : "-",
		   e->new_value ? e->new_value : "-");
	return 0;
}

static int collect_point(void *ctx, const struct history_point *p)
{
	buf_printf(ctx, "%lld %d %d %s\n", p->snapshot_id, p->present, p->collected, p->value ? p->value : "-");
	return 0;
}

static int collect_finding(void *ctx, const struct finding_row *f)
{
	buf_printf(ctx, "%s %s %s %s\n", f->rule_id, rstatus_name(f->status), f->moref,
		   f->waiver_justification ? f->waiver_justification : "-");
	return 0;
}

static int collect_waiver(void *ctx, const struct waiver_row *w)
{
	buf_printf(ctx, "%s %s %s %s\n", w->rule_id, w->selector, w->justification, w->ticket);
	return 0;
}

static int collect_object(void *ctx, const struct sobject *o)
{
	for (unsigned i = 0; i < o->nprops; i++)
		buf_printf(ctx, "%s %s %d %s\n", o->moref, o->props[i].name, o->props[i].collected,
			   o->props[i].value ? o->props[i].value : "-");
	return 0;
}

/* Each reader's view of the twin, as text. */
static char *read_twin(struct store *st)
{
	struct buf b = BUF_INIT;
	for (long long snap = 1; snap <= 3; snap++)
		ck_assert_int_eq(store_objects_each(st, snap, NULL, collect_object, &b), 0);
	for (long long ev = 1; ev <= 3; ev++)
		ck_assert_int_eq(store_findings_each(st, ev, collect_finding, &b), 0);
	ck_assert_int_eq(store_waivers_each(st, 2, collect_waiver, &b), 0);
	ck_assert_int_eq(drift_events_each(st, 2, 3, NULL, collect_event, &b), 0);
	ck_assert_int_eq(drift_history_each(st, "lab", "esx-01", NULL, collect_point, &b), 0);
	return buf_detach(&b);
}

/* The twin holds n property sets, one of them shared by every object
 * with the moref. */
static void assert_sets(struct store *st, long long n, const char *moref)
{
	long long sets = 0, shared = 0;
	ck_assert_int_eq(store_query_int(st, "SELECT count(*) FROM propset", &sets, ""), 0);
	ck_assert_int_eq(sets, n);
	ck_assert_int_eq(store_query_int(st, "SELECT count(DISTINCT propset_id) FROM object WHERE moref = ?",
					 &shared, "t", moref), 0);
	ck_assert_int_eq(shared, 1);
}

START_TEST(test_migration_from_v6_keeps_everything)
{
	sqlite3 *raw;
	char *sub = xasprintf("%s/sub", dir);
	mkdir(sub, 0700);
	free(sub);
	ck_assert_int_eq(sqlite3_open(db, &raw), SQLITE_OK);
	for (int v = 0; v < 6; v++)
		ck_assert_msg(sqlite3_exec(raw, store_migration_sql(v), NULL, NULL, NULL) == SQLITE_OK, "%d: %s", v,
			      sqlite3_errmsg(raw));
	ck_assert_int_eq(sqlite3_exec(raw, v6_rows, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
	char *before = dump_twin();

	struct store *st;
	ck_assert_int_eq(store_open(&st, db, false), 0);
	char *after = dump_twin();
	ck_assert_str_eq(after, before);
	char *seen = read_twin(st);
	ck_assert_str_eq(seen,
			 "host-1 lockdown_mode 0 -\nhost-1 name 1 esx-01\nhost-1 ntp.servers 1 []\nvm-1 guest_os 1 linux\n"
			 "host-1 lockdown_mode 0 -\nhost-1 name 1 esx-01\nhost-1 ntp.servers 1 []\nvm-1 guest_os 1 linux\n"
			 "host-1 lockdown_mode 1 lockdownNormal\nhost-1 name 1 esx-01\n"
			 "host-1 ntp.servers 1 [\"pool.ntp.org\"]\nvm-2 guest_os 1 windows\nvm-1 guest_os 1 linux\n"
			 "r1 fail host-1 -\nr1 waived host-1 accepted for now\nr1 pass host-1 -\n"
			 "r1 {\"moref\": \"host-1\"} accepted for now T-1\n"
			 "property_collected host-1 lockdown_mode lockdownNormal\n"
			 "property_changed host-1 ntp.servers [\"pool.ntp.org\"]\nobject_added vm-2 - -\n"
			 "1 1 0 -\n2 1 0 -\n3 1 1 lockdownNormal\n1 1 1 esx-01\n2 1 1 esx-01\n3 1 1 esx-01\n"
			 "1 1 1 []\n2 1 1 []\n3 1 1 [\"pool.ntp.org\"]\n");
	/* Each set is stored once: host-1 of scans 1 and 2 share theirs, vm-1
	 * its in all three. */
	assert_sets(st, 4, "vm-1");
	/* The three results differ, each a set; the waiver stays linked to
	 * the second evaluation's. */
	long long rsets = 0, links = 0;
	ck_assert_int_eq(store_query_int(st, "SELECT count(*) FROM resultset", &rsets, ""), 0);
	ck_assert_int_eq(rsets, 3);
	ck_assert_int_eq(store_query_int(st, "SELECT count(*) FROM finding_waiver WHERE evaluation_id = 2 "
					     "AND object_id = 3 AND waiver_id = 1", &links, ""), 0);
	ck_assert_int_eq(links, 1);
	/* Drift computed again over the sets finds what harden 6 found. */
	long long n[DK_COUNT];
	ck_assert_int_eq(drift_compute(st, 2, 3, n), 0);
	ck_assert_int_eq(n[DK_OBJECT_ADDED], 1);
	ck_assert_int_eq(n[DK_PROPERTY_COLLECTED], 1);
	ck_assert_int_eq(n[DK_PROPERTY_CHANGED], 1);
	char *again = read_twin(st);
	ck_assert_str_eq(again, seen);
	ck_assert_int_eq(drift_compute(st, 1, 2, n), 0);
	for (int k = 0; k < DK_COUNT; k++)
		ck_assert_int_eq(n[k], 0);
	store_close(st);
	free(before), free(after), free(seen), free(again);
}
END_TEST

static int props_text(void *ctx, const struct sobject *o)
{
	buf_printf(ctx, "%s:", o->moref);
	for (unsigned i = 0; i < o->nprops; i++)
		buf_printf(ctx, " %s=%s", o->props[i].name, o->props[i].collected ? o->props[i].value : "(none)");
	buf_printf(ctx, "\n");
	return 0;
}

static char *objects_text(struct store *st, long long snap)
{
	struct buf b = BUF_INIT;
	ck_assert_int_eq(store_objects_each(st, snap, NULL, props_text, &b), 0);
	return buf_detach(&b);
}

/* Writes host-1 and host-2, then more of host-1 after host-2 (as the NSX
 * collector adds to segments it met earlier), and a name written twice. */
static long long late_snapshot(struct store *st, const char *ntp)
{
	long long snap, h1, h2;
	ck_assert_int_eq(store_snapshot_begin(st, "lab", "b", NULL, &snap), 0);
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_object_add(st, snap, "host", "host-1", "a", &h1), 0);
	ck_assert_int_eq(store_prop(st, h1, "ntp", PT_STRING, "old"), 0);
	ck_assert_int_eq(store_prop(st, h1, "ntp", PT_STRING, ntp), 0);
	ck_assert_int_eq(store_object_add(st, snap, "host", "host-2", "b", &h2), 0);
	ck_assert_int_eq(store_prop(st, h2, "ssh", PT_BOOL, NULL), 0);
	ck_assert_int_eq(store_prop(st, h1, "dns", PT_STRING, "x"), 0);
	ck_assert_int_eq(store_commit(st), 0);
	ck_assert_int_eq(store_snapshot_end(st, snap, SNAP_COMPLETED, NULL, NULL), 0);
	return snap;
}

START_TEST(test_property_sets_are_shared_and_late_properties_kept)
{
	struct store *st;
	ck_assert_int_eq(store_open(&st, db, false), 0);
	long long s1 = late_snapshot(st, "pool"), s2 = late_snapshot(st, "pool"), s3 = late_snapshot(st, "other");
	char *t1 = objects_text(st, s1), *t2 = objects_text(st, s2), *t3 = objects_text(st, s3);
	ck_assert_str_eq(t1, "host-1: dns=x ntp=pool\nhost-2: ssh=(none)\n");
	ck_assert_str_eq(t2, t1);
	ck_assert_str_eq(t3, "host-1: dns=x ntp=other\nhost-2: ssh=(none)\n");
	/* Unchanged objects share their set; the set host-1 had before its
	 * late property is gone; the changed one has its own. */
	assert_sets(st, 3, "host-2");
	long long sets = 0;
	/* A rolled-back object leaves nothing behind. */
	long long snap, h;
	ck_assert_int_eq(store_snapshot_begin(st, "lab", "b", NULL, &snap), 0);
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_object_add(st, snap, "host", "host-9", "z", &h), 0);
	ck_assert_int_eq(store_prop(st, h, "ntp", PT_STRING, "never"), 0);
	store_rollback(st);
	ck_assert_int_eq(store_query_int(st, "SELECT count(*) FROM propset", &sets, ""), 0);
	ck_assert_int_eq(sets, 3);
	/* Pruning the snapshots drops the sets no object uses any more. */
	long long ids[] = { s3 };
	ck_assert_int_eq(store_snapshots_delete(st, ids, 1), 0);
	ck_assert_int_eq(store_query_int(st, "SELECT count(*) FROM propset", &sets, ""), 0);
	ck_assert_int_eq(sets, 2);
	store_close(st);
	free(t1), free(t2), free(t3);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("twin");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_snapshot_roundtrip_and_not_collected);
	tcase_add_test(tc, test_latest_ignores_failed_and_running);
	tcase_add_test(tc, test_rollback_keeps_earlier_snapshots);
	tcase_add_test(tc, test_scan_lock_and_interrupted_scans);
	tcase_add_test(tc, test_schema_version_and_foreign_files);
	tcase_add_test(tc, test_evaluation_findings_and_counts);
	tcase_add_test(tc, test_result_sets);
	tcase_add_test(tc, test_posture_drift_through_sets);
	tcase_add_test(tc, test_migration_from_v1_keeps_data);
	tcase_add_test(tc, test_foreign_sqlite_file_is_refused_untouched);
	tcase_add_test(tc, test_twin_files_are_private);
	tcase_add_test(tc, test_read_only_twin_is_named_so);
	tcase_add_test(tc, test_scan_lock_follows_symlinks);
	tcase_add_test(tc, test_migration_from_v4_then_remediations);
	tcase_add_test(tc, test_prune_gives_the_space_back);
	tcase_add_test(tc, test_migration_from_v6_keeps_everything);
	tcase_add_test(tc, test_property_sets_are_shared_and_late_properties_kept);
	tcase_add_test(tc, test_prune_switches_an_older_twin_to_incremental_vacuum);
	tcase_add_test(tc, test_natural_order);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(suite()) ? 1 : 0;
}
