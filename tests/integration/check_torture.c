/* Torture, in the spirit of curl's: a scan of both labs re-run with a
 * kill -9 at each point where it made an API call or committed to the twin
 * (HARDEN_TORTURE_KILL_AT, src/util/torture.h), then with the Nth memory
 * allocation failing (tests/lib/preload/failmalloc.so).  After each run:
 * the twin passes PRAGMA integrity_check, every earlier snapshot reads
 * exactly as before (a dump of its rows), and the interrupted scan's
 * snapshot is not completed unless it is whole.
 *
 * By default every second kill point and 16 allocation points are tried;
 * HARDEN_TORTURE=full (make torture) tries every kill point and 200
 * allocation points.  The figures are printed at the end. */
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exitcode.h"
#include "lib/lab.h"
#include "lib/testutil.h"
#include "util/util.h"

#define CIS "cis-vmware-esxi-8.0-subset"

static struct lab lab;

static const char *const scan[] = { "scan", "--target", "lab", "--baseline", CIS, "--baseline",
				    "pci-dss-4.0-vmware", "-q", "--page-size", "2", NULL };

static bool full(void)
{
	const char *v = getenv("HARDEN_TORTURE");
	return v && !strcmp(v, "full");
}

static void start(void)
{
	static const char *const paged[] = { "-max-page-size", "3", NULL };
	lab_start(&lab, NULL);
	lab_start_nsx(&lab, paged);
}

static void stop(void)
{
	lab_stop(&lab);
}

static sqlite3 *db_open(void)
{
	sqlite3 *h;
	ck_assert_int_eq(sqlite3_open_v2(lab.db, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_busy_timeout(h, 5000);
	return h;
}

/* Appends every row of sql (bound to id) to b, one line each. */
static void dump_rows(sqlite3 *h, struct buf *b, const char *sql, long long id)
{
	sqlite3_stmt *s;
	ck_assert_msg(sqlite3_prepare_v2(h, sql, -1, &s, NULL) == SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(h));
	if (sqlite3_bind_parameter_count(s))
		sqlite3_bind_int64(s, 1, id);
	while (sqlite3_step(s) == SQLITE_ROW) {
		for (int i = 0; i < sqlite3_column_count(s); i++) {
			const char *t = (const char *)sqlite3_column_text(s, i);
			buf_add(b, t ? t : "NULL", strlen(t ? t : "NULL"));
			buf_add(b, "|", 1);
		}
		buf_add(b, "\n", 1);
	}
	sqlite3_finalize(s);
}

/* Every row that belongs to snapshots up to id. */
static char *dump_upto(long long id)
{
	static const char *const q[] = {
		"SELECT * FROM snapshot WHERE id <= ? ORDER BY id",
		"SELECT * FROM snapshot_part WHERE snapshot_id <= ? ORDER BY snapshot_id, part",
		"SELECT * FROM object WHERE snapshot_id <= ? ORDER BY id",
		"SELECT p.* FROM property p JOIN object o ON o.id = p.object_id WHERE o.snapshot_id <= ?"
		" ORDER BY p.object_id, p.name",
		"SELECT * FROM evaluation WHERE snapshot_id <= ? ORDER BY id",
		"SELECT r.* FROM eval_rule r JOIN evaluation e ON e.id = r.evaluation_id WHERE e.snapshot_id <= ?"
		" ORDER BY r.evaluation_id, r.rule_id",
		"SELECT f.* FROM finding f JOIN evaluation e ON e.id = f.evaluation_id WHERE e.snapshot_id <= ?"
		" ORDER BY f.evaluation_id, f.object_id, f.rule_id",
	};
	sqlite3 *h = db_open();
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++)
		dump_rows(h, &b, q[i], id);
	sqlite3_close(h);
	return buf_detach(&b);
}

static long long one_number(const char *sql, long long id)
{
	sqlite3 *h = db_open();
	sqlite3_stmt *s;
	ck_assert_int_eq(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_bind_parameter_count(s))
		sqlite3_bind_int64(s, 1, id);
	long long n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
	sqlite3_finalize(s);
	sqlite3_close(h);
	return n;
}

static char *snapshot_status(long long id)
{
	sqlite3 *h = db_open();
	sqlite3_stmt *s;
	char *out = NULL;
	ck_assert_int_eq(sqlite3_prepare_v2(h, "SELECT status FROM snapshot WHERE id = ?", -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW)
		out = xstrdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	sqlite3_close(h);
	return out;
}

static void assert_integrity(const char *what)
{
	sqlite3 *h = db_open();
	sqlite3_stmt *s;
	ck_assert_int_eq(sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &s, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	ck_assert_msg(!strcmp((const char *)sqlite3_column_text(s, 0), "ok"), "%s: integrity_check: %s", what,
		      sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	sqlite3_close(h);
}

#define FINDINGS "SELECT count(*) FROM finding f JOIN evaluation e ON f.evaluation_id = e.id WHERE e.snapshot_id = ?"
#define EVALS "SELECT count(*) FROM evaluation WHERE snapshot_id = ?"
#define PARTS_FAILED "SELECT count(*) FROM snapshot_part WHERE snapshot_id = ? AND status = 'failed'"

struct torture {
	long long good;		/* the last snapshot before the runs */
	long long seen;		/* the last snapshot checked */
	char *before;		/* its rows and those of every earlier one */
	long long findings, evals;
	int tried, killed, completed, partial;
};

static void torture_begin(struct torture *t)
{
	memset(t, 0, sizeof(*t));
	struct run r;
	harden_run(&lab, &r, scan);
	ck_assert_msg(r.status == EXIT_CLEAN || r.status == EXIT_FINDINGS, "exit %d: %s", r.status, r.err);
	run_release(&r);
	t->good = one_number("SELECT max(id) FROM snapshot", 0);
	t->before = dump_upto(t->good);
	t->findings = one_number(FINDINGS, t->good);
	t->evals = one_number(EVALS, t->good);
	ck_assert_int_gt(t->findings, 0);
	ck_assert_int_eq(t->evals, 2);
}

/* The checks after one interrupted run (status: its exit code or 128+sig). */
static void torture_check(struct torture *t, const char *what, int status, const char *err)
{
	t->tried++;
	ck_assert_msg(status != 128 + SIGSEGV && status != 128 + SIGBUS && status != 128 + SIGFPE &&
			      status != 128 + SIGILL,
		      "%s: crashed with signal %d: %s", what, status - 128, err);
	if (status == 128 + SIGKILL || status == 128 + SIGABRT)
		t->killed++;
	assert_integrity(what);
	char *now = dump_upto(t->good);
	ck_assert_msg(!strcmp(now, t->before), "%s: an earlier snapshot changed", what);
	free(now);
	long long last = one_number("SELECT max(id) FROM snapshot", 0);
	if (last <= t->good || last <= t->seen)
		return; /* no snapshot was begun */
	t->seen = last;
	char *st = snapshot_status(last);
	if (st && !strcmp(st, "completed")) {
		/* Only when everything it lists has committed: every evaluation,
		 * and every finding unless a part failed (then the scan says so
		 * with exit 4 and that part's rules are unknown). */
		long long parts_failed = one_number(PARTS_FAILED, last);
		ck_assert_msg(one_number(EVALS, last) == t->evals &&
				      (one_number(FINDINGS, last) == t->findings ||
				       (parts_failed > 0 && status == EXIT_COLLECT)),
			      "%s: snapshot %lld completed with %lld evaluations and %lld findings (want %lld, %lld)",
			      what, last, one_number(EVALS, last), one_number(FINDINGS, last), t->evals,
			      t->findings);
		if (parts_failed)
			t->partial++;
		else
			t->completed++;
	}
	free(st);
}

/* The number of kill points of one scan, from a traced run. */
static int count_points(void)
{
	char *trace = xasprintf("%s/torture.trace", lab.dir);
	unlink(trace);
	setenv("HARDEN_TORTURE_TRACE", trace, 1);
	struct run r;
	harden_run(&lab, &r, scan);
	unsetenv("HARDEN_TORTURE_TRACE");
	ck_assert_msg(r.status == EXIT_CLEAN || r.status == EXIT_FINDINGS, "exit %d: %s", r.status, r.err);
	run_release(&r);
	char *text = file_read(trace, NULL);
	ck_assert_ptr_nonnull(text);
	int n = 0, calls = 0, commits = 0;
	for (char *p = text; (p = strchr(p, '\n')); p++)
		n++;
	for (char *p = text; (p = strstr(p, " call\n")); p++)
		calls++;
	for (char *p = text; (p = strstr(p, " commit\n")); p++)
		commits++;
	printf("torture: one scan passes %d points (%d API calls, %d commits)\n", n, calls, commits);
	free(text);
	free(trace);
	return n;
}

START_TEST(test_kill_at_every_point)
{
	struct torture t;
	torture_begin(&t);
	int points = count_points();
	ck_assert_int_gt(points, 10);
	/* The traced scan is one more earlier snapshot. */
	free(t.before);
	t.good = one_number("SELECT max(id) FROM snapshot", 0);
	t.before = dump_upto(t.good);
	int step = full() ? 1 : 2;
	for (int n = 1; n <= points; n += step) {
		char at[16], what[48];
		snprintf(at, sizeof(at), "%d", n);
		snprintf(what, sizeof(what), "kill at point %d", n);
		setenv("HARDEN_TORTURE_KILL_AT", at, 1);
		struct run r;
		harden_run(&lab, &r, scan);
		unsetenv("HARDEN_TORTURE_KILL_AT");
		ck_assert_msg(r.status == 128 + SIGKILL, "%s: exit %d: %s", what, r.status, r.err);
		torture_check(&t, what, r.status, r.err);
		run_release(&r);
	}
	/* Afterwards a scan succeeds and the killed ones read as failed. */
	struct run r;
	harden_run(&lab, &r, scan);
	ck_assert_msg(r.status == EXIT_CLEAN || r.status == EXIT_FINDINGS, "exit %d: %s", r.status, r.err);
	run_release(&r);
	long long last = one_number("SELECT max(id) FROM snapshot", 0);
	ck_assert_int_eq(one_number("SELECT count(*) FROM snapshot WHERE id > ? AND status = 'running'", t.good), 0);
	ck_assert_int_eq(one_number(FINDINGS, last), t.findings);
	printf("torture: kill -9 at %d of %d points: %d killed, %d left completed (whole), 0 crashes, "
	       "0 integrity failures, 0 earlier snapshots changed\n",
	       t.tried, points, t.killed, t.completed);
	free(t.before);
}
END_TEST

/* The allocation shim beside the harden binary; NULL under sanitizers. */
static char *failmalloc_path(void)
{
	bool sanitized = true;
	int fd = open(harden_bin(), O_RDONLY | O_CLOEXEC);
	struct stat sb;
	if (fd >= 0 && fstat(fd, &sb) == 0 && sb.st_size > 0) {
		void *m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m != MAP_FAILED) {
			sanitized = memmem(m, (size_t)sb.st_size, "__asan_init", 11) != NULL;
			munmap(m, (size_t)sb.st_size);
		}
	}
	if (fd >= 0)
		close(fd);
	if (sanitized || getenv("HARDEN_VALGRIND"))
		return NULL;
	char *copy = xstrdup(harden_bin());
	char *so = xasprintf("%s/tests/failmalloc.so", dirname(copy));
	free(copy);
	if (access(so, R_OK)) {
		free(so);
		return NULL;
	}
	return so;
}

START_TEST(test_allocation_failures)
{
	char *so = failmalloc_path();
	if (!so) {
		printf("torture: allocation failures skipped (sanitised binary or no failmalloc.so)\n");
		return;
	}
	struct torture t;
	torture_begin(&t);
	/* How many allocations one scan makes. */
	char *countf = xasprintf("%s/malloc.count", lab.dir);
	setenv("LD_PRELOAD", so, 1);
	setenv("HARDEN_FAIL_MALLOC_COUNT", countf, 1);
	struct run r;
	harden_run(&lab, &r, scan);
	unsetenv("HARDEN_FAIL_MALLOC_COUNT");
	ck_assert_msg(r.status == EXIT_CLEAN || r.status == EXIT_FINDINGS, "exit %d: %s", r.status, r.err);
	run_release(&r);
	char *c = file_read(countf, NULL);
	ck_assert_ptr_nonnull(c);
	long total = atol(c);
	free(c);
	ck_assert_int_gt(total, 1000);
	free(t.before);
	t.good = one_number("SELECT max(id) FROM snapshot", 0);
	t.before = dump_upto(t.good);
	int points = full() ? 200 : 16;
	int clean = 0, exits[256] = { 0 };
	for (int i = 1; i <= points; i++) {
		/* Spread over the whole scan, denser at the start (set-up). */
		long at = (long)((double)total * ((double)i / points) * ((double)i / points));
		if (at < 1)
			at = 1;
		char v[32], what[64];
		snprintf(v, sizeof(v), "%ld", at);
		snprintf(what, sizeof(what), "allocation %ld of %ld failing", at, total);
		setenv("HARDEN_FAIL_MALLOC_AT", v, 1);
		harden_run(&lab, &r, scan);
		unsetenv("HARDEN_FAIL_MALLOC_AT");
		if (r.status == EXIT_CLEAN || r.status == EXIT_FINDINGS)
			clean++;
		exits[r.status & 0xff]++;
		torture_check(&t, what, r.status, r.err);
		run_release(&r);
	}
	unsetenv("LD_PRELOAD");
	printf("torture: exit statuses under allocation failures:");
	for (int i = 0; i < 256; i++)
		if (exits[i])
			printf(" %d x%d", i, exits[i]);
	printf("\n");
	printf("torture: %d allocation failures of %ld allocations: %d aborted (out of memory), %d scans "
	       "unaffected, %d completed whole, %d completed with the NSX part failed (exit 4), 0 crashes, "
	       "0 integrity failures, 0 earlier snapshots changed\n",
	       t.tried, total, t.killed, clean, t.completed, t.partial);
	free(t.before);
	free(countf);
	free(so);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("torture");
	TCase *tc = tcase_create("torture");
	tcase_set_timeout(tc, full() ? 3600 : 600);
	tcase_add_checked_fixture(tc, start, stop);
	tcase_add_test(tc, test_kill_at_every_point);
	tcase_add_test(tc, test_allocation_failures);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(suite()) ? 1 : 0;
}
