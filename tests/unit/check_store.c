/* The SQLite twin. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <fcntl.h>
#include <unistd.h>

#include "lib/testutil.h"
#include "store/store.h"
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

static int count_findings(void *ctx, const struct finding_row *f)
{
	ck_assert_int_eq(f->status, RS_FAIL);
	ck_assert_ptr_null(f->waiver_justification);
	(*(int *)ctx)++;
	return 0;
}

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
	ck_assert_int_eq(sqlite3_exec(raw, "DROP TABLE drift_event; DROP TABLE drift_pair; DROP TABLE snapshot_part; DROP TABLE waiver; ALTER TABLE finding DROP COLUMN waiver_id; "
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
	tcase_add_test(tc, test_migration_from_v1_keeps_data);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(suite()) ? 1 : 0;
}
