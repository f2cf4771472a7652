/* SIGINT and SIGTERM during harden scan, against slow labs: the scan exits
 * 130 or 143 with one line on stderr, the running snapshot is failed with
 * reason "interrupted by SIG...", earlier snapshots are intact, and the labs
 * saw the vCenter Logout and the NSX session destroyed.  A second signal
 * exits at once, and the snapshot it leaves running reads as failed. */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exitcode.h"
#include "lib/lab.h"
#include "lib/testutil.h"
#include "util/util.h"

#define CIS "cis-vmware-esxi-8.0-subset"

static struct lab lab;

static void start(void)
{
	lab_start(&lab, NULL);
	lab_start_nsx(&lab, NULL);
}

static void stop(void)
{
	lab_stop(&lab);
}

static char *twin_text(const char *sql, long long id)
{
	return lab_sql_text(&lab, sql, id);
}

static char *snap_status(long long id)
{
	return twin_text("SELECT status FROM snapshot WHERE id = ?", id);
}

/* Waits (at most 20 s) until sql on snapshot id gives want. */
static void wait_for(const char *sql, long long id, const char *want)
{
	for (int i = 0; i < 4000; i++) {
		char *v = twin_text(sql, id);
		bool ok = v && !strcmp(v, want);
		free(v);
		if (ok)
			return;
		usleep(5000);
	}
	ck_abort_msg("snapshot %lld never reached '%s' for %s", id, want, sql);
}

static long long good_scan(void)
{
	struct run r;
	/* --collect all: CIS reads no NSX type, and these scans must reach NSX. */
	const char *const args[] = { "scan", "--target", "lab", "--baseline", CIS, "--collect", "all", "--format", "json",
				     NULL };
	harden_run(&lab, &r, args);
	ck_assert_msg(r.status == EXIT_FINDINGS, "exit %d: %s", r.status, r.err);
	json_t *j = json_loads(r.out, 0, NULL);
	ck_assert_ptr_nonnull(j);
	long long id = json_integer_value(json_object_get(j, "snapshot_id"));
	json_decref(j);
	run_release(&r);
	return id;
}

/* harden scan of target lab in the background, stderr to errfile, with
 * one more option and its value (e.g. "--page-size", "1"). */
static pid_t start_scan(const char *errfile, const char *opt, const char *val)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout) || !freopen(errfile, "w", stderr))
			_exit(126);
		execl(harden_bin(), "harden", "--db", lab.db, "--config", lab.config, "scan", "-t", "lab", "-b", CIS,
		      "--collect", "all", opt, val, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Waits at most limit_ms for pid; returns its exit code, or -1 if it was
 * still running (then killed) or died of a signal. */
static int wait_exit(pid_t pid, double limit_ms)
{
	double t0 = now_ms();
	int st;
	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (now_ms() - t0 > limit_ms) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return -1;
		}
		usleep(10000);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The latest completed snapshot of target lab, as harden report sees it. */
static long long latest_completed(void)
{
	struct run r;
	const char *const args[] = { "report", "--target", "lab", "--format", "json", NULL };
	harden_run(&lab, &r, args);
	json_t *j = json_loads(r.out, 0, NULL);
	ck_assert_msg(j != NULL, "exit %d: %s", r.status, r.err);
	long long id = json_integer_value(json_object_get(j, "snapshot_id"));
	json_decref(j);
	run_release(&r);
	return id;
}

static void assert_one_line(const char *errfile, int sig, long long snap)
{
	size_t len;
	char *text = file_read(errfile, &len);
	ck_assert_ptr_nonnull(text);
	char *want = xasprintf("harden: interrupted by %s: snapshot %lld of target 'lab' marked failed",
			       sig == SIGINT ? "SIGINT" : "SIGTERM", snap);
	ck_assert_msg(!strncmp(text, want, strlen(want)), "stderr: %s", text);
	ck_assert_msg(strchr(text, '\n') == text + len - 1, "more than one line: %s", text);
	free(want);
	free(text);
}

static void assert_interrupted(long long snap, int sig)
{
	char *status = snap_status(snap);
	char *why = twin_text("SELECT error FROM snapshot WHERE id = ?", snap);
	ck_assert_str_eq(status, "failed");
	ck_assert_str_eq(why, sig == SIGINT ? "interrupted by SIGINT" : "interrupted by SIGTERM");
	free(status);
	free(why);
}

/* Starts a scan after a good one with a slow vCenter (or a slow NSX
 * manager), waits until sql on the new snapshot gives want, sends sig after
 * settle_ms and checks the one line, the exit code and the failed
 * snapshot.  Returns the good snapshot's id. */
static long long scan_interrupted(int sig, bool slow_nsx, const char *sql, const char *want, int settle_ms,
				  long long *logouts)
{
	long long good = good_scan();
	*logouts = lab_stat(&lab, "logouts");
	if (slow_nsx)
		nsx_control(&lab, "/lab/delay?ms=400");
	else
		lab_control(&lab, "/lab/delay?ms=200");
	char *errfile = xasprintf("%s/scan.err", lab.dir);
	pid_t pid = start_scan(errfile, "--page-size", "1");
	wait_for(sql, good + 1, want);
	usleep(settle_ms * 1000);
	kill(pid, sig);
	/* The transfer aborts within a second; the logout waits for the delay. */
	ck_assert_int_eq(wait_exit(pid, 5000), 128 + sig);
	lab_control(&lab, "/lab/reset-faults");
	nsx_control(&lab, "/lab/reset-faults");
	assert_one_line(errfile, sig, good + 1);
	assert_interrupted(good + 1, sig);
	free(errfile);
	return good;
}

/* Interrupted while collecting vCenter (a slow vCenter, one object a page). */
static void interrupt_vcenter(int sig)
{
	long long nsx_sessions = nsx_stat(&lab, "sessions_created"), logouts;
	long long good = scan_interrupted(sig, false, "SELECT status FROM snapshot WHERE id = ?", "running", 500, &logouts);
	char *part = twin_text("SELECT error FROM snapshot_part WHERE snapshot_id = ? AND part = 'vcenter'", good + 1);
	ck_assert_str_eq(part, sig == SIGINT ? "interrupted by SIGINT" : "interrupted by SIGTERM");
	free(part);
	ck_assert_int_eq(lab_stat(&lab, "logouts"), logouts + 1);
	ck_assert_int_eq(lab_stat(&lab, "sessions_live"), 0);
	/* NSX was never reached (the good scan's session only). */
	ck_assert_int_eq(nsx_stat(&lab, "sessions_created"), nsx_sessions + 1);
	/* The earlier snapshot is intact and still the latest completed. */
	char *st = snap_status(good);
	ck_assert_str_eq(st, "completed");
	free(st);
	ck_assert_int_eq(latest_completed(), good);
}

START_TEST(test_sigint_while_collecting_vcenter)
{
	interrupt_vcenter(SIGINT);
}
END_TEST

START_TEST(test_sigterm_while_collecting_vcenter)
{
	interrupt_vcenter(SIGTERM);
}
END_TEST

/* Interrupted while collecting NSX: the vCenter part is done, the NSX
 * session is destroyed, and the snapshot is failed, never evaluated. */
static void interrupt_nsx(int sig)
{
	long long destroyed = nsx_stat(&lab, "sessions_destroyed"), logouts;
	long long good = scan_interrupted(sig, true,
					  "SELECT status FROM snapshot_part WHERE snapshot_id = ? AND part = 'vcenter'",
					  "completed", 600, &logouts);
	char *part = twin_text("SELECT status FROM snapshot_part WHERE snapshot_id = ? AND part = 'nsx'", good + 1);
	ck_assert_str_eq(part, "failed");
	free(part);
	ck_assert_int_eq(lab_stat(&lab, "logouts"), logouts + 1);
	/* The good scan's session and the interrupted one's. */
	ck_assert_int_eq(nsx_stat(&lab, "sessions_destroyed"), destroyed + 2);
	/* Never evaluated: no results were stored for it. */
	char *n = twin_text("SELECT count(*) FROM evaluation WHERE snapshot_id = ?", good + 1);
	ck_assert_str_eq(n, "0");
	free(n);
	ck_assert_int_eq(latest_completed(), good);
}

START_TEST(test_sigint_while_collecting_nsx)
{
	interrupt_nsx(SIGINT);
}
END_TEST

START_TEST(test_sigterm_while_collecting_nsx)
{
	interrupt_nsx(SIGTERM);
}
END_TEST

/* A second signal while the first one's Logout waits on a very slow
 * vCenter: harden exits at once; the snapshot it leaves behind reads as
 * failed, and the next scan records it so and succeeds. */
START_TEST(test_second_signal_exits_at_once)
{
	long long good = good_scan();
	lab_control(&lab, "/lab/delay?ms=3000");
	char *errfile = xasprintf("%s/scan.err", lab.dir);
	pid_t pid = start_scan(errfile, "--page-size", "1");
	wait_for("SELECT status FROM snapshot WHERE id = ?", good + 1, "running");
	usleep(300 * 1000);
	kill(pid, SIGINT);
	usleep(1500 * 1000);	/* the transfer is aborted, the Logout is waiting */
	double t0 = now_ms();
	kill(pid, SIGINT);
	ck_assert_int_eq(wait_exit(pid, 1000), EXIT_SIGINT);
	ck_assert_msg(now_ms() - t0 < 1000, "took %.0f ms", now_ms() - t0);
	lab_control(&lab, "/lab/reset-faults");

	/* Whatever the twin says, readers see a failed snapshot. */
	struct run r;
	char *id = xasprintf("%lld", good + 1);
	const char *const rep[] = { "report", "--snapshot", id, NULL };
	harden_run(&lab, &r, rep);
	ck_assert_int_eq(r.status, EXIT_COLLECT);
	ck_assert_msg(strstr(r.err, "interrupted"), "%s", r.err);
	run_release(&r);
	ck_assert_int_eq(latest_completed(), good);
	ck_assert_int_eq(good_scan(), good + 2);
	char *st = snap_status(good + 1);
	ck_assert_str_eq(st, "failed");
	free(st);
	free(id);
	free(errfile);
}
END_TEST

/* A signal before collecting starts (while waiting for the twin's lock):
 * no snapshot is created at all. */
START_TEST(test_signal_before_collecting_creates_no_snapshot)
{
	long long good = good_scan();
	lab_control(&lab, "/lab/delay?ms=300");
	char *errfile = xasprintf("%s/scan.err", lab.dir);
	pid_t first = start_scan(errfile, "--page-size", "1");
	wait_for("SELECT status FROM snapshot WHERE id = ?", good + 1, "running");
	/* A second scan waits for the lock; SIGTERM ends it with nothing written. */
	char *err2 = xasprintf("%s/scan2.err", lab.dir);
	pid_t pid = start_scan(err2, "--wait", "60");
	usleep(500 * 1000);
	kill(pid, SIGTERM);
	int code = wait_exit(pid, 5000);
	kill(first, SIGINT);
	ck_assert_int_eq(wait_exit(first, 5000), EXIT_SIGINT);
	lab_control(&lab, "/lab/reset-faults");
	ck_assert_int_eq(code, EXIT_SIGTERM);
	size_t len;
	char *text = file_read(err2, &len);
	ck_assert_msg(text && strstr(text, "interrupted by SIGTERM before collecting target 'lab'"), "%s", text);
	free(text);
	char *none = snap_status(good + 2);
	ck_assert_ptr_null(none);
	free(err2);
	free(errfile);
}
END_TEST

/* Several targets scanned at once (scan_run_many): SIGINT while they are
 * collected marks every running snapshot failed, logs each out, says so
 * target by target and exits 130. */
START_TEST(test_sigint_while_collecting_several_targets)
{
	long long good = good_scan();
	char *text = xasprintf("targets:\n"
			       "  a:\n    vcenter: { url: %s, user: " LAB_USER ", password_file: vc.pw }\n"
			       "  b:\n    vcenter: { url: %s, user: " LAB_USER ", password_file: vc.pw }\n",
			       lab.url, lab.url);
	free(tu_write(lab.dir, "targets.yaml", text, 0644));
	free(text);
	long long logouts = lab_stat(&lab, "logouts");
	lab_control(&lab, "/lab/delay?ms=200");
	char *errfile = xasprintf("%s/many.err", lab.dir);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout) || !freopen(errfile, "w", stderr))
			_exit(126);
		execl(harden_bin(), "harden", "--db", lab.db, "--config", lab.config, "scan", "-t", "a", "-t", "b",
		      "-b", CIS, "--jobs", "2", "--page-size", "1", (char *)NULL);
		_exit(127);
	}
	/* Both snapshots are begun before the collections start. */
	wait_for("SELECT count(*) FROM snapshot WHERE status = 'running' AND id > ?", good, "2");
	usleep(500 * 1000);
	kill(pid, SIGINT);
	ck_assert_int_eq(wait_exit(pid, 5000), EXIT_SIGINT);
	lab_control(&lab, "/lab/reset-faults");
	char *failed = twin_text("SELECT count(*) FROM snapshot WHERE id > ? AND status = 'failed' "
				 "AND error = 'interrupted by SIGINT'", good);
	ck_assert_str_eq(failed, "2");
	free(failed);
	size_t len;
	char *err = file_read(errfile, &len);
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(strstr(err, "of target 'a' marked failed") && strstr(err, "of target 'b' marked failed"),
		      "stderr: %s", err);
	free(err);
	ck_assert_int_eq(lab_stat(&lab, "logouts"), logouts + 2);
	ck_assert_int_eq(lab_stat(&lab, "sessions_live"), 0);
	char *st = snap_status(good);
	ck_assert_str_eq(st, "completed");
	free(st);
	free(errfile);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("signals");
	TCase *tc = tcase_create("slow-labs");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, start, stop);
	tcase_add_test(tc, test_sigint_while_collecting_vcenter);
	tcase_add_test(tc, test_sigterm_while_collecting_vcenter);
	tcase_add_test(tc, test_sigint_while_collecting_nsx);
	tcase_add_test(tc, test_sigterm_while_collecting_nsx);
	tcase_add_test(tc, test_second_signal_exits_at_once);
	tcase_add_test(tc, test_signal_before_collecting_creates_no_snapshot);
	tcase_add_test(tc, test_sigint_while_collecting_several_targets);
	suite_add_tcase(s, tc);
	return tu_run(s) ? 1 : 0;
}
