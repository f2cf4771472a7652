/* harden scan against the vCenter lab over real SOAP: state changed through
 * the same methods a vCenter offers, exact findings and exit codes asserted.
 * Plain change-then-scan cases are scenarios in tests/data/scenarios/. */
#include <fcntl.h>
#include <jansson.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include "exitcode.h"
#include "lib/lab.h"
#include "lib/testutil.h"
#include "util/util.h"

#define CIS "cis-vmware-esxi-8.0-subset"

static struct lab lab;

static void start_clean(void)
{
	static const char *const f[] = { "-seed=false", NULL };
	lab_start(&lab, f);
}

static void start_seeded(void)
{
	lab_start(&lab, NULL);
}

static void stop(void)
{
	lab_stop(&lab);
}

static const char *const scan_cis_json[] = { "scan", "--target", "lab", "--baseline", CIS, "--format", "json",
					     "--all", NULL };

static json_t *scan_json(struct run *r, const char *const *args, int want_status)
{
	harden_run(&lab, r, args);
	ck_assert_msg(r->status == want_status, "exit %d, want %d; stderr: %s", r->status, want_status, r->err);
	json_error_t je;
	json_t *j = json_loads(r->out, 0, &je);
	ck_assert_msg(j != NULL, "not JSON: %s\n%s", je.text, r->out);
	return j;
}

static long long count(json_t *j, const char *status)
{
	return json_integer_value(json_object_get(json_object_get(j, "counts"), status));
}

/* Every (rule, object, status) of a report, as "rule object status" lines, sorted. */
static char *results(json_t *j, const char *status)
{
	struct strlist l = { 0 };
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(j, "findings"), i, f) {
		const char *s = json_string_value(json_object_get(f, "status"));
		if (status && strcmp(s, status))
			continue;
		strlist_add_owned(&l, xasprintf("%s %s", json_string_value(json_object_get(f, "rule_id")),
						json_string_value(json_object_get(json_object_get(f, "object"), "name"))));
	}
	return tu_sorted_lines(&l);
}

/* The snapshot `report --target lab` shows: the latest completed one. */
static long long latest_snapshot(void)
{
	static const char *const rep[] = { "report", "--target", "lab", "--format", "json", NULL };
	struct run r;
	json_t *j = scan_json(&r, rep, EXIT_CLEAN);
	long long id = json_integer_value(json_object_get(j, "snapshot_id"));
	json_decref(j);
	run_release(&r);
	return id;
}

/* Asserts that every rule of a report both fails and passes on some
 * object (a rule over the one vCenter passes); returns how many rules
 * were shown both ways. */
static size_t every_rule_fails_and_passes(json_t *j)
{
	json_t *seen = json_object();
	json_rule_statuses(seen, j);
	const char *id;
	json_t *e;
	size_t n = 0;
	json_object_foreach(seen, id, e) {
		if (!strncmp(id, "vcenter-", 8)) {
			ck_assert_msg(json_object_get(e, "pass") != NULL, "rule %s never passes", id);
			continue;	/* one vCenter: it cannot fail and pass at once */
		}
		ck_assert_msg(json_object_get(e, "pass") != NULL, "rule %s never passes", id);
		ck_assert_msg(json_object_get(e, "fail") != NULL, "rule %s never fails", id);
		n++;
	}
	json_decref(seen);
	return n;
}

START_TEST(test_host_changes_through_soap_are_found)
{
	struct run r;
	json_t *j = scan_json(&r, scan_cis_json, EXIT_CLEAN);
	long long passes = count(j, "pass");
	json_decref(j);
	run_release(&r);

	struct vc *v = lab_session(&lab);
	char *host = lab_moref(v, "HostSystem", "DC0_C0_H0");
	char *svc = lab_host_manager(v, host, "serviceSystem");
	char *dt = lab_host_manager(v, host, "dateTimeSystem");
	char *opt = lab_host_manager(v, host, "advancedOption");
	lab_soap(v, "<StartService xmlns=\"urn:vim25\"><_this type=\"HostServiceSystem\">%s</_this>"
		    "<id>TSM-SSH</id></StartService>", svc);
	lab_soap(v, "<UpdateServicePolicy xmlns=\"urn:vim25\"><_this type=\"HostServiceSystem\">%s</_this>"
		    "<id>TSM-SSH</id><policy>on</policy></UpdateServicePolicy>", svc);
	lab_soap(v, "<UpdateDateTimeConfig xmlns=\"urn:vim25\"><_this type=\"HostDateTimeSystem\">%s</_this>"
		    "<config><ntpConfig></ntpConfig></config></UpdateDateTimeConfig>", dt);
	lab_soap(v, "<UpdateOptions xmlns=\"urn:vim25\"><_this type=\"OptionManager\">%s</_this>"
		    "<changedValue><key>UserVars.ESXiShellTimeOut</key><value xsi:type=\"xsd:long\">0</value>"
		    "</changedValue></UpdateOptions>", opt);
	vc_close(v);

	j = scan_json(&r, scan_cis_json, EXIT_FINDINGS);
	char *fails = results(j, "fail");
	ck_assert_str_eq(fails, "cis-esxi-2.7 DC0_C0_H0\ncis-esxi-3.1 DC0_C0_H0\ncis-esxi-3.9 DC0_C0_H0\n");
	ck_assert_int_eq(count(j, "pass"), passes - 3);
	ck_assert_int_eq(count(j, "unknown"), 0);
	/* The evidence is what was seen and what was wanted. */
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(j, "findings"), i, f) {
		if (strcmp(json_string_value(json_object_get(f, "status")), "fail"))
			continue;
		const char *rule = json_string_value(json_object_get(f, "rule_id"));
		const char *prop = json_string_value(json_object_get(f, "property"));
		const char *seen = json_string_value(json_object_get(f, "observed"));
		if (!strcmp(rule, "cis-esxi-3.1")) {
			ck_assert_str_eq(prop, "service.TSM-SSH.running");
			ck_assert_str_eq(seen, "true");
		} else if (!strcmp(rule, "cis-esxi-2.7")) {
			ck_assert_str_eq(prop, "ntp.servers");
			ck_assert_str_eq(seen, "[]");
		} else {
			ck_assert_str_eq(prop, "option.UserVars.ESXiShellTimeOut");
			ck_assert_str_eq(seen, "0");
			ck_assert_str_eq(json_string_value(json_object_get(f, "expected")), "> 0");
		}
		ck_assert_str_eq(json_string_value(json_object_get(json_object_get(f, "object"), "id")), host);
	}
	free(fails);
	json_decref(j);
	run_release(&r);

	/* --fail-on none never fails the gate; --fail-on high still does. */
	static const char *const none[] = { "scan", "-t", "lab", "-b", CIS, "--fail-on", "none", "-q", NULL };
	harden_run(&lab, &r, none);
	ck_assert_int_eq(r.status, EXIT_CLEAN);
	ck_assert_str_eq(r.out, "");
	run_release(&r);
	free(host);
	free(svc);
	free(dt);
	free(opt);
}
END_TEST

START_TEST(test_seeded_lab_shows_real_findings)
{
	struct run r;
	json_t *j = scan_json(&r, scan_cis_json, EXIT_FINDINGS);
	/* The seeded deviations of tests/lab/README.md, rule by rule. */
	static const char want[] =
		"cis-esxi-1.4 DC0_C1_H2\n"
		"cis-esxi-2.1 DC0_C1_H2\n"
		"cis-esxi-2.10 DC0_C1_H2\n"
		"cis-esxi-2.12 DC0_C1_H2\n"
		"cis-esxi-2.2 DC0_C1_H2\n"
		"cis-esxi-2.4 DC0_C1_H2\n"
		"cis-esxi-2.5 DC0_C1_H2\n"
		"cis-esxi-2.7 DC0_C0_H2\n"
		"cis-esxi-2.9 DC0_C1_H1\n"
		"cis-esxi-3.1 DC0_C0_H1\n"
		"cis-esxi-3.10 DC0_C0_H1\n"
		"cis-esxi-3.11 DC0_C1_H0\n"
		"cis-esxi-3.12 DC0_C1_H0\n"
		"cis-esxi-3.13 DC0_C1_H0\n"
		"cis-esxi-3.14 DC0_C1_H0\n"
		"cis-esxi-3.15 DC0_C1_H0\n"
		"cis-esxi-3.16 DC0_C0_H1\n"
		"cis-esxi-3.17 DC0_C1_H0\n"
		"cis-esxi-3.18 DC0_C0_H1\n"
		"cis-esxi-3.19 DC0_C0_H1\n"
		"cis-esxi-3.2 DC0_C0_H1\n"
		"cis-esxi-3.20 DC0_C0_H1\n"
		"cis-esxi-3.24 DC0_C1_H2\n"
		"cis-esxi-3.25 DC0_C1_H2\n"
		"cis-esxi-3.26 DC0_C1_H0\n"
		"cis-esxi-3.3 DC0_C1_H0\n"
		"cis-esxi-3.4 DC0_C1_H1\n"
		"cis-esxi-3.5 DC0_C1_H1\n"
		"cis-esxi-3.6 DC0_C1_H1\n"
		"cis-esxi-3.7 DC0_C0_H1\n"
		"cis-esxi-3.8 DC0_C0_H1\n"
		"cis-esxi-3.9 DC0_C0_H1\n"
		"cis-esxi-4.1 DC0_C0_H2\n"
		"cis-esxi-4.10 DC0_C0_H2\n"
		"cis-esxi-4.11 DC0_C0_H2\n"
		"cis-esxi-4.2 DC0_C0_H2\n"
		"cis-esxi-4.3 DC0_C0_H2\n"
		"cis-esxi-4.4 DC0_C0_H2\n"
		"cis-esxi-4.5 DC0_C0_H2\n"
		"cis-esxi-4.6 DC0_C0_H2\n"
		"cis-esxi-4.7 DC0_C0_H2\n"
		"cis-esxi-4.8 DC0_C0_H2\n"
		"cis-esxi-4.9 DC0_C0_H2\n"
		"cis-esxi-5.1 DC0_C0_H1\n"
		"cis-esxi-5.10 DC0_C1_H1\n"
		"cis-esxi-5.11 DC0_C1_H1\n"
		"cis-esxi-5.2 DC0_C1_H1\n"
		"cis-esxi-5.3 DC0_C1_H1\n"
		"cis-esxi-5.4 DC0_C1_H1\n"
		"cis-esxi-5.5 DC0_C1_H1\n"
		"cis-esxi-5.6 DC0_C1_H1\n"
		"cis-esxi-5.7 DC0_C1_H1\n"
		"cis-esxi-5.8 DC0_C1_H1\n"
		"cis-esxi-5.9 DC0_C1_H1\n"
		"cis-esxi-6.2.1 DC0_C1_H1\n"
		"cis-esxi-6.3.1 DC0_C1_H0\n"
		"cis-esxi-7.1 DC0_C0_H2_VM1\n"
		"cis-esxi-7.10 DC0_C1_H0_VM1\n"
		"cis-esxi-7.11 DC0_C1_H0_VM1\n"
		"cis-esxi-7.12 DC0_C1_H0_VM0\n"
		"cis-esxi-7.12 DC0_C1_H2_VM1\n"
		"cis-esxi-7.13 DC0_C0_H2_VM0\n"
		"cis-esxi-7.14 DC0_C0_H2_VM1\n"
		"cis-esxi-7.15 DC0_C1_H0_VM1\n"
		"cis-esxi-7.16 DC0_C0_H1_VM1\n"
		"cis-esxi-7.17 DC0_C1_H0_VM0\n"
		"cis-esxi-7.18 DC0_C0_H0_VM1\n"
		"cis-esxi-7.19 DC0_C0_H0_VM1\n"
		"cis-esxi-7.2 DC0_C0_H2_VM0\n"
		"cis-esxi-7.20 DC0_C1_H0_VM1\n"
		"cis-esxi-7.21 DC0_C1_H1_VM0\n"
		"cis-esxi-7.22 DC0_C1_H1_VM0\n"
		"cis-esxi-7.23 DC0_C0_H1_VM0\n"
		"cis-esxi-7.24 DC0_C0_H0_VM1\n"
		"cis-esxi-7.25 DC0_C1_H0_VM0\n"
		"cis-esxi-7.26 DC0_C1_H1_VM1\n"
		"cis-esxi-7.28 DC0_C1_H1_VM1\n"
		"cis-esxi-7.29 DC0_C1_H1_VM0\n"
		"cis-esxi-7.4 DC0_C0_H1_VM1\n"
		"cis-esxi-7.5 DC0_C0_H2_VM0\n"
		"cis-esxi-7.6 DC0_C1_H2_VM0\n"
		"cis-esxi-7.7 DC0_C1_H2_VM0\n"
		"cis-esxi-7.8 DC0_C1_H2_VM0\n"
		"cis-esxi-7.9 DC0_C0_H2_VM1\n"
		"cis-esxi-8.1 DC0_C1_H1_VM1\n"
		"cis-esxi-8.2 DC0_C1_H1_VM1\n"
		"cis-esxi-8.2 DC0_C1_H2_VM0\n";
	char *fails = results(j, "fail");
	ck_assert_str_eq(fails, want);
	free(fails);
	ck_assert_int_eq(count(j, "fail"), 87);
	/* 56 host rules on 6 hosts, 29 VM rules on 12 VMs (a powered-off VM's
	 * two Tools rules do not apply). */
	ck_assert_int_eq(count(j, "pass"), 6 * 56 + 12 * 29 - 2 - 87);
	/* Against the lab no builtin rule is unknown: every property is collected. */
	ck_assert_int_eq(count(j, "unknown"), 0);
	/* Every rule fails somewhere and passes somewhere in the seeded estate. */
	ck_assert_uint_eq(every_rule_fails_and_passes(j), 85);
	json_decref(j);
	run_release(&r);
}
END_TEST

START_TEST(test_wrong_password_keeps_earlier_snapshots)
{
	struct run r;
	json_t *j = scan_json(&r, scan_cis_json, EXIT_CLEAN);
	long long good = json_integer_value(json_object_get(j, "snapshot_id"));
	json_decref(j);
	run_release(&r);

	free(tu_write(lab.dir, "vc.pw", "not-the-password\n", 0600));
	static const char *const scan[] = { "scan", "--target", "lab", "--baseline", CIS, NULL };
	harden_run(&lab, &r, scan);
	ck_assert_int_eq(r.status, EXIT_AUTH);
	ck_assert_ptr_nonnull(strstr(r.err, "authentication failed for user 'harden'"));
	ck_assert_ptr_nonnull(strstr(r.err, lab.url));
	ck_assert_ptr_null(strstr(r.err, "not-the-password"));
	ck_assert_ptr_null(strstr(r.out, "not-the-password"));
	run_release(&r);

	/* The latest completed snapshot is still the good one. */
	ck_assert_int_eq(latest_snapshot(), good);
	/* The failed scan is recorded as failed. */
	char *id = xasprintf("%lld", good + 1);
	const char *const failed[] = { "report", "--snapshot", id, NULL };
	harden_run(&lab, &r, failed);
	ck_assert_int_eq(r.status, EXIT_COLLECT);
	ck_assert_ptr_nonnull(strstr(r.err, "is failed"));
	run_release(&r);
	free(id);
	/* The password never reaches the database. */
	char *db = file_read(lab.db, NULL);
	ck_assert_ptr_null(strstr(db ? db : "", "not-the-password"));
	ck_assert_ptr_null(strstr(db ? db : "", LAB_PASSWORD));
	free(db);
}
END_TEST

START_TEST(test_full_disk_fails_cleanly)
{
	struct run r;
	json_t *j = scan_json(&r, scan_cis_json, EXIT_CLEAN);
	long long good = json_integer_value(json_object_get(j, "snapshot_id"));
	json_decref(j);
	run_release(&r);
	/* Room for the snapshot row, not for the objects. */
	static const char *const scan[] = { "scan", "--target", "lab", "--baseline", CIS, "-q", NULL };
	harden_run_limited(&lab, &r, scan, 64 * 1024);
	ck_assert_msg(r.status == EXIT_STORE, "exit %d: %s", r.status, r.err);
	ck_assert_ptr_nonnull(strstr(r.err, lab.db));
	run_release(&r);
	/* Nothing lost: the earlier snapshot is still the latest, and whole. */
	static const char *const rep[] = { "report", "--target", "lab", "--format", "json", "--all", NULL };
	j = scan_json(&r, rep, EXIT_CLEAN);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "snapshot_id")), good);
	ck_assert_int_eq(count(j, "pass"), 6 * 56 + 12 * 29);
	json_decref(j);
	run_release(&r);
	/* With room again, scanning works. */
	j = scan_json(&r, scan_cis_json, EXIT_CLEAN);
	ck_assert_int_gt(json_integer_value(json_object_get(j, "snapshot_id")), good);
	json_decref(j);
	run_release(&r);
}
END_TEST

START_TEST(test_site_parameters_from_targets_and_set)
{
	static const char *const base[] = { "scan", "-t", "lab", "-b", "tests/data/site-params.yaml", "-f", "json",
					    "--fail-on", "high", NULL };
	struct run r;
	json_t *j = scan_json(&r, base, EXIT_CLEAN);
	ck_assert_int_eq(count(j, "pass"), 12);
	json_decref(j);
	run_release(&r);
	/* --set tightens the limit below the lab's 600 s. */
	static const char *const set[] = { "scan", "-t", "lab", "-b", "tests/data/site-params.yaml", "-f", "json",
					   "--fail-on", "high", "--set", "max_shell_timeout=300", NULL };
	j = scan_json(&r, set, EXIT_FINDINGS);
	ck_assert_int_eq(json_count(r.out, "site-shell-timeout", "fail", NULL), 6);
	ck_assert_int_eq(json_count(r.out, "site-lockdown", "fail", NULL), 0);
	json_decref(j);
	run_release(&r);
	/* The target's own parameters, and --set over them. */
	lab_config(&lab, lab.url, "      password_file: vc.pw\n    parameters:\n      lockdown_modes: [lockdownStrict]\n"
		   "      max_shell_timeout: 60\n");
	static const char *const tgt[] = { "scan", "-t", "lab", "-b", "tests/data/site-params.yaml", "-f", "json",
					   "--fail-on", "high", "--set", "max_shell_timeout=900", NULL };
	j = scan_json(&r, tgt, EXIT_FINDINGS);
	ck_assert_int_eq(json_count(r.out, "site-lockdown", "fail", NULL), 6);
	ck_assert_int_eq(json_count(r.out, "site-shell-timeout", "fail", NULL), 0);
	json_decref(j);
	run_release(&r);
	/* A --set no baseline declares is refused before anything is collected. */
	static const char *const unknown[] = { "scan", "-t", "lab", "-b", "tests/data/site-params.yaml",
					       "--set", "ntp_servers=a", NULL };
	harden_run(&lab, &r, unknown);
	ck_assert_int_eq(r.status, EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(r.err, "no baseline given declares parameter 'ntp_servers'"));
	run_release(&r);
}
END_TEST

START_TEST(test_several_baselines_and_their_conflicts)
{
	static const char *const two[] = { "scan", "-t", "lab", "-b", CIS, "-b", "vsphere-scg-v8-subset", "-f", "json",
					   "--all", NULL };
	struct run r;
	json_t *j = scan_json(&r, two, EXIT_CLEAN);
	json_t *bl = json_object_get(j, "baselines");
	ck_assert_int_eq(json_array_size(bl), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(bl, 0), "id")), CIS);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(bl, 1), "id")), "vsphere-scg-v8-subset");
	/* Each finding is reported under its own baseline, in one snapshot. */
	size_t i, cis = 0, scg = 0;
	json_t *f;
	json_array_foreach(json_object_get(j, "findings"), i, f) {
		const char *b = json_string_value(json_object_get(f, "baseline_id"));
		cis += !strcmp(b, CIS);
		scg += !strcmp(b, "vsphere-scg-v8-subset");
	}
	ck_assert_uint_eq(cis, 6 * 56 + 12 * 29);
	ck_assert_uint_gt(scg, 0);
	ck_assert_uint_eq(cis + scg, json_array_size(json_object_get(j, "findings")));
	json_decref(j);
	run_release(&r);
	/* SCG and a STIG-like baseline disagree on the lockout threshold. */
	static const char *const conf[] = { "baseline", "conflicts", "tests/data/lockout-5.yaml", "tests/data/lockout-3.yaml", NULL };
	harden_run(&lab, &r, conf);
	ck_assert_int_eq(r.status, EXIT_FINDINGS);
	ck_assert_ptr_nonnull(strstr(r.out, "host option.Security.AccountLockFailures:"));
	ck_assert_ptr_nonnull(strstr(r.out, "test-lockout-5 lock-5 (tests/data/lockout-5.yaml:5) wants 5"));
	ck_assert_ptr_nonnull(strstr(r.out, "test-lockout-3 lock-3 (tests/data/lockout-3.yaml:5) wants 3"));
	ck_assert_ptr_null(strstr(r.out, "ESXiShellInteractiveTimeOut"));
	run_release(&r);
	/* CIS and SCG 8 agree everywhere but on the password age: CIS 3.15
	 * wants 99999 (no forced rotation), SCG 8 9999 or less. */
	static const char *const cis_scg[] = { "baseline", "conflicts", CIS, "vsphere-scg-v8-subset", NULL };
	harden_run(&lab, &r, cis_scg);
	ck_assert_int_eq(r.status, EXIT_FINDINGS);
	ck_assert_ptr_nonnull(strstr(r.out, "host option.Security.PasswordMaxDays:"));
	ck_assert_ptr_nonnull(strstr(r.out, "esxi-8.account-password-max-days"));
	ck_assert_ptr_null(strstr(r.out, "Syslog.global.logLevel"));
	run_release(&r);
}
END_TEST

static int closed_port(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	bind(s, (struct sockaddr *)&a, sizeof(a));
	socklen_t len = sizeof(a);
	getsockname(s, (struct sockaddr *)&a, &len);
	close(s);
	return ntohs(a.sin_port);
}

START_TEST(test_unreachable_host_names_url)
{
	char *url = xasprintf("http://127.0.0.1:%d/sdk", closed_port());
	lab_config(&lab, url, NULL);
	static const char *const scan[] = { "scan", "--target", "lab", "--baseline", CIS, NULL };
	struct run r;
	harden_run(&lab, &r, scan);
	ck_assert_int_eq(r.status, EXIT_COLLECT);
	ck_assert_ptr_nonnull(strstr(r.err, "cannot reach vCenter for target 'lab'"));
	ck_assert_ptr_nonnull(strstr(r.err, url));
	run_release(&r);
	free(url);
}
END_TEST

START_TEST(test_malformed_baseline_fails_before_collecting)
{
	free(tu_write(lab.dir, "bad.yaml", "id: bad\ntitle: Bad\nrules:\n  - id: r\n    title: t\n    severty: high\n", 0644));
	char *path = xasprintf("%s/bad.yaml", lab.dir);
	const char *const scan[] = { "scan", "--target", "lab", "--baseline", path, NULL };
	struct run r;
	harden_run(&lab, &r, scan);
	ck_assert_int_eq(r.status, EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(r.err, "bad.yaml:6:5: unknown key 'severty'"));
	run_release(&r);
	/* Nothing was collected: no twin was even created, and report says so. */
	ck_assert_int_ne(access(lab.db, F_OK), 0);
	static const char *const rep[] = { "report", "--target", "lab", NULL };
	harden_run(&lab, &r, rep);
	ck_assert_int_ne(r.status, EXIT_CLEAN);
	run_release(&r);
	free(path);
}
END_TEST

START_TEST(test_malformed_targets_file)
{
	free(tu_write(lab.dir, "targets.yaml", "targets:\n  lab:\n    vcenter:\n      url: http://x/sdk\n      usr: x\n", 0644));
	static const char *const scan[] = { "scan", "--target", "lab", "--baseline", CIS, NULL };
	struct run r;
	harden_run(&lab, &r, scan);
	ck_assert_int_eq(r.status, EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(r.err, "targets.yaml:5:7: unknown key 'usr'"));
	run_release(&r);
}
END_TEST

START_TEST(test_password_file_mode_is_enforced)
{
	free(tu_write(lab.dir, "vc.pw", LAB_PASSWORD "\n", 0644));
	static const char *const scan[] = { "scan", "--target", "lab", "--baseline", CIS, NULL };
	struct run r;
	harden_run(&lab, &r, scan);
	ck_assert_int_eq(r.status, EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(r.err, "mode 0644"));
	ck_assert_ptr_null(strstr(r.err, LAB_PASSWORD));
	run_release(&r);
}
END_TEST

START_TEST(test_paging_gives_identical_results)
{
	static const char *const small[] = { "scan", "-t", "lab", "-b", CIS, "-f", "json", "--all", "--page-size", "1", NULL };
	struct run r1, r2;
	json_t *a = scan_json(&r1, scan_cis_json, EXIT_FINDINGS);
	json_t *b = scan_json(&r2, small, EXIT_FINDINGS);
	char *ra = results(a, NULL), *rb = results(b, NULL);
	ck_assert_str_eq(ra, rb);
	long long calls_a = json_integer_value(json_object_get(json_object_get(a, "snapshot"), "api_calls"));
	long long calls_b = json_integer_value(json_object_get(json_object_get(b, "snapshot"), "api_calls"));
	/* One object per page: the token loop ran. */
	ck_assert_int_gt(calls_b, calls_a + 10);
	free(ra);
	free(rb);
	json_decref(a);
	json_decref(b);
	run_release(&r1);
	run_release(&r2);
}
END_TEST

START_TEST(test_session_expiry_mid_scan_logs_in_again)
{
	struct run r1, r2;
	json_t *a = scan_json(&r1, scan_cis_json, EXIT_FINDINGS);
	lab_control(&lab, "/lab/expire-sessions-after?calls=4");
	long long logins = lab_stat(&lab, "logins");
	json_t *b = scan_json(&r2, scan_cis_json, EXIT_FINDINGS);
	/* The session did expire mid-scan: harden logged in, then once more. */
	ck_assert_int_eq(lab_stat(&lab, "logins") - logins, 2);
	char *ra = results(a, NULL), *rb = results(b, NULL);
	ck_assert_str_eq(ra, rb);
	free(ra);
	free(rb);
	json_decref(a);
	json_decref(b);
	run_release(&r1);
	run_release(&r2);
}
END_TEST

START_TEST(test_missing_property_is_unknown_never_pass)
{
	struct vc *v = lab_session(&lab);
	char *host = lab_moref(v, "HostSystem", "DC0_C0_H0");
	vc_close(v);
	char *ctl = xasprintf("/lab/missing?moref=%s&path=config.dateTimeInfo", host);
	lab_control(&lab, ctl);
	static const char *const args[] = { "scan", "-t", "lab", "-b", CIS, "-f", "json", "--fail-on", "high", NULL };
	struct run r;
	json_t *j = scan_json(&r, args, EXIT_UNKNOWN);
	char *unknown = results(j, "unknown");
	ck_assert_str_eq(unknown, "cis-esxi-2.7 DC0_C0_H0\n");
	ck_assert_int_eq(count(j, "fail"), 0);
	free(unknown);
	json_decref(j);
	run_release(&r);
	/* inventory names what was not collected. */
	static const char *const inv[] = { "inventory", "--target", "lab", "--format", "json", NULL };
	harden_run(&lab, &r, inv);
	ck_assert_int_eq(r.status, EXIT_CLEAN);
	j = json_loads(r.out, 0, NULL);
	ck_assert_ptr_nonnull(j);
	size_t i;
	json_t *o;
	bool seen = false;
	json_array_foreach(json_object_get(j, "objects"), i, o) {
		if (strcmp(json_string_value(json_object_get(o, "id")), host))
			continue;
		json_t *nc = json_object_get(o, "not_collected");
		ck_assert_int_eq(json_array_size(nc), 1);
		ck_assert_str_eq(json_string_value(json_array_get(nc, 0)), "ntp.servers");
		ck_assert_ptr_null(json_object_get(json_object_get(o, "properties"), "ntp.servers"));
		seen = true;
	}
	ck_assert(seen);
	json_decref(j);
	run_release(&r);
	free(ctl);
	free(host);
}
END_TEST

/* A scan of the clean lab that passes; returns its snapshot. */
static long long clean_scan(void)
{
	struct run r;
	json_t *j = scan_json(&r, scan_cis_json, EXIT_CLEAN);
	long long id = json_integer_value(json_object_get(j, "snapshot_id"));
	json_decref(j);
	run_release(&r);
	return id;
}

START_TEST(test_no_hosts_is_unknown_never_clean)
{
	struct run r;
	json_t *j;
	clean_scan();
	/* vCenter answers an empty RetrievePropertiesExResponse for hosts, as it
	 * does for an account that may not see them. */
	lab_control(&lab, "/lab/empty?type=HostSystem");
	static const char *const args[] = { "scan", "-t", "lab", "-b", CIS, "-f", "json", "--all", "--fail-on", "info",
					    "--max-unknown", "0", NULL };
	j = scan_json(&r, args, EXIT_UNKNOWN);
	ck_assert_int_gt(count(j, "unknown"), 0);
	size_t i, host_rules = 0;
	json_t *f;
	json_array_foreach(json_object_get(j, "findings"), i, f) {
		json_t *o = json_object_get(f, "object");
		/* The VMs were collected and are judged on their data; every
		 * host rule is unknown. */
		if (!strcmp(json_string_value(json_object_get(o, "type")), "vm"))
			continue;
		host_rules++;
		/* One result per rule, on the vcenter object (named by its URL). */
		ck_assert_str_eq(json_string_value(json_object_get(o, "id")), "vcenter");
		ck_assert_str_eq(json_string_value(json_object_get(o, "name")), lab.url);
		ck_assert_str_eq(json_string_value(json_object_get(f, "status")), "unknown");
	}
	ck_assert_uint_gt(host_rules, 30);
	ck_assert_ptr_nonnull(strstr(r.out, "vCenter returned no host objects: the account may lack the privilege "
					   "to see them"));
	json_decref(j);
	run_release(&r);
	/* inventory counts what vCenter showed. */
	static const char *const inv[] = { "inventory", "--target", "lab", "--format", "json", NULL };
	harden_run(&lab, &r, inv);
	ck_assert_int_eq(r.status, EXIT_CLEAN);
	ck_assert_ptr_nonnull(strstr(r.out, "\"host_count\":0"));
	run_release(&r);
	/* drift leaves the vcenter object out, and does not call every host
	 * removed: vCenter showed none, which is a gap. */
	static const char *const drift[] = { "drift", "--target", "lab", "--format", "json", NULL };
	harden_run(&lab, &r, drift);
	ck_assert_msg(r.status == EXIT_CLEAN, "exit %d: %s", r.status, r.err);
	ck_assert_ptr_null(strstr(r.out, "\"vcenter\""));
	ck_assert_ptr_null(strstr(r.out, "object_removed"));
	run_release(&r);
}
END_TEST

START_TEST(test_nested_objects_are_a_protocol_error)
{
	struct run r;
	long long good = clean_scan();
	/* Hosts one element deeper than the schema allows, around them or
	 * inside them: a protocol error, never "0 hosts" and a clean exit. */
	static const char *const how[] = { "wrap", "inner" };
	static const char *const want[] = { "unexpected element 'nested' under 'returnval'",
					     "unexpected element 'nested' under 'objects'" };
	static const char *const scan[] = { "scan", "--target", "lab", "--baseline", CIS, "--fail-on", "info",
					    "--max-unknown", "0", NULL };
	for (size_t i = 0; i < ARRAY_SIZE(how); i++) {
		char *ctl = xasprintf("/lab/nest?type=HostSystem&how=%s", how[i]);
		lab_control(&lab, ctl);
		free(ctl);
		harden_run(&lab, &r, scan);
		ck_assert_msg(r.status == EXIT_COLLECT, "%s: exit %d: %s", how[i], r.status, r.err);
		ck_assert_msg(strstr(r.err, want[i]), "%s: %s", how[i], r.err);
		run_release(&r);
		lab_control(&lab, "/lab/reset-faults");
		ck_assert_int_eq(latest_snapshot(), good);
	}
}
END_TEST

START_TEST(test_malformed_soap_fails_the_scan_cleanly)
{
	struct run r;
	json_t *j = scan_json(&r, scan_cis_json, EXIT_CLEAN);
	long long good = json_integer_value(json_object_get(j, "snapshot_id"));
	json_decref(j);
	run_release(&r);
	lab_control(&lab, "/lab/malformed?count=1");
	static const char *const scan[] = { "scan", "--target", "lab", "--baseline", CIS, NULL };
	harden_run(&lab, &r, scan);
	ck_assert_int_eq(r.status, EXIT_COLLECT);
	ck_assert_ptr_nonnull(strstr(r.err, "malformed SOAP response"));
	ck_assert_ptr_nonnull(strstr(r.err, lab.url));
	run_release(&r);
	ck_assert_int_eq(latest_snapshot(), good);
}
END_TEST

START_TEST(test_tls_verification)
{
	static const char *const scan[] = { "scan", "--target", "lab", "--baseline", CIS, "-q", NULL };
	struct run r;
	/* Verified with the lab's certificate as CA file. */
	harden_run(&lab, &r, scan);
	ck_assert_msg(r.status == EXIT_CLEAN, "exit %d: %s", r.status, r.err);
	run_release(&r);
	/* Without it, verification fails and names the target and URL. */
	lab_config(&lab, lab.url, "      password_file: vc.pw\n");
	harden_run(&lab, &r, scan);
	ck_assert_int_eq(r.status, EXIT_COLLECT);
	ck_assert_ptr_nonnull(strstr(r.err, "TLS verification failed for target 'lab'"));
	ck_assert_ptr_nonnull(strstr(r.err, lab.url));
	/* ... and the fix: where to put the CA, or how to skip verifying. */
	ck_assert_msg(strstr(r.err, "set ca_file under 'vcenter:' in the targets file to the PEM file of the CA that "
				    "signed it (or, on a lab only, insecure: true)"), "%s", r.err);
	run_release(&r);
	/* A ca_file that is no certificate says so. */
	lab_config(&lab, lab.url, "      password_file: vc.pw\n      ca_file: vc.pw\n");
	harden_run(&lab, &r, scan);
	ck_assert_int_eq(r.status, EXIT_COLLECT);
	ck_assert_msg(strstr(r.err, "the ca_file under 'vcenter:' in the targets file holds no certificate"), "%s", r.err);
	run_release(&r);
	/* insecure: true works, and says so on every run. */
	lab_config(&lab, lab.url, "      password_file: vc.pw\n      insecure: true\n");
	harden_run(&lab, &r, scan);
	ck_assert_int_eq(r.status, EXIT_CLEAN);
	ck_assert_ptr_nonnull(strstr(r.err, "TLS verification is off"));
	run_release(&r);
}
END_TEST

static void start_tls(void)
{
	static const char *const f[] = { "-seed=false", "-tls", NULL };
	lab_start(&lab, f);
}

static int snapshot_status(const char *db, long long id, char *out, size_t n)
{
	sqlite3 *h;
	int found = 0;
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
		sqlite3_stmt *s;
		sqlite3_busy_timeout(h, 1000);
		if (sqlite3_prepare_v2(h, "SELECT status FROM snapshot WHERE id = ?", -1, &s, NULL) == SQLITE_OK) {
			sqlite3_bind_int64(s, 1, id);
			if (sqlite3_step(s) == SQLITE_ROW) {
				snprintf(out, n, "%s", sqlite3_column_text(s, 0));
				found = 1;
			}
			sqlite3_finalize(s);
		}
	}
	sqlite3_close(h);
	return found;
}

START_TEST(test_killed_scan_is_failed_and_never_latest)
{
	struct run r;
	json_t *j = scan_json(&r, scan_cis_json, EXIT_FINDINGS);
	long long good = json_integer_value(json_object_get(j, "snapshot_id"));
	json_decref(j);
	run_release(&r);

	/* A slow vCenter: the scan is killed with SIGKILL half-way. */
	lab_control(&lab, "/lab/delay?ms=100");
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(null, 2);
		execl(harden_bin(), "harden", "--db", lab.db, "--config", lab.config, "scan", "-t", "lab",
		      "-b", CIS, "--page-size", "1", (char *)NULL);
		_exit(127);
	}
	char status[32] = "";
	for (int i = 0; i < 2000 && !snapshot_status(lab.db, good + 1, status, sizeof(status)); i++)
		usleep(5000);
	ck_assert_str_eq(status, "running");
	usleep(200 * 1000);
	kill(pid, SIGKILL);
	lab_control(&lab, "/lab/reset-faults");
	int st;
	waitpid(pid, &st, 0);
	ck_assert(WIFSIGNALED(st));

	/* Earlier snapshots stay; the killed one reads as failed, never latest. */
	ck_assert_int_eq(latest_snapshot(), good);
	char *id = xasprintf("%lld", good + 1);
	const char *const killed[] = { "report", "--snapshot", id, NULL };
	harden_run(&lab, &r, killed);
	ck_assert_int_eq(r.status, EXIT_COLLECT);
	ck_assert_ptr_nonnull(strstr(r.err, "interrupted"));
	run_release(&r);
	/* The next scan records it as failed for good, and succeeds. */
	j = scan_json(&r, scan_cis_json, EXIT_FINDINGS);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "snapshot_id")), good + 2);
	json_decref(j);
	run_release(&r);
	ck_assert(snapshot_status(lab.db, good + 1, status, sizeof(status)));
	ck_assert_str_eq(status, "failed");
	free(id);
}
END_TEST

START_TEST(test_evaluate_offline_against_stored_snapshot)
{
	struct run r;
	/* Everything collected, so that other baselines can be evaluated
	 * offline against the snapshot (see test_property_not_requested_is_unknown
	 * in check_collect.c for a snapshot of what CIS reads only). */
	static const char *const scan_all[] = { "scan", "--target", "lab", "--baseline", CIS, "--format", "json",
						"--all", "--collect", "all", NULL };
	json_t *j = scan_json(&r, scan_all, EXIT_FINDINGS);
	long long snap = json_integer_value(json_object_get(j, "snapshot_id"));
	json_decref(j);
	run_release(&r);
	/* vCenter is gone: evaluate must not need it. */
	kill(lab.pid, SIGTERM);
	waitpid(lab.pid, NULL, 0);
	lab.pid = 0;

	static const char *const ev[] = { "evaluate", "--target", "lab", "--baseline", "tests/data/vm-rules.yaml",
					  "--format", "json", "--fail-on", "medium", NULL };
	j = scan_json(&r, ev, EXIT_FINDINGS);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "snapshot_id")), snap);
	json_t *b = json_array_get(json_object_get(j, "baselines"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(b, "kind")), "evaluate");
	ck_assert_str_eq(json_string_value(json_object_get(b, "id")), "test-vm-rules");
	long long eval_id = json_integer_value(json_object_get(b, "evaluation_id"));
	/* The seeded VMs of tests/lab/README.md. */
	char *fails = results(j, "fail");
	ck_assert_str_eq(fails, "t-vm-copy DC0_C0_H0_VM1\nt-vm-copy DC0_C0_H1_VM0\n"
				"t-vm-floppy DC0_C0_H1_VM1\nt-vm-serial DC0_C0_H2_VM0\n");
	ck_assert_int_eq(count(j, "unknown"), 0);
	free(fails);
	json_decref(j);
	run_release(&r);

	/* report shows the scan's own results by default, the evaluation on request. */
	static const char *const rep[] = { "report", "--target", "lab", "--format", "json", NULL };
	j = scan_json(&r, rep, EXIT_CLEAN);
	ck_assert_int_eq(json_array_size(json_object_get(j, "baselines")), 1);
	b = json_array_get(json_object_get(j, "baselines"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(b, "kind")), "scan");
	ck_assert_int_eq(count(j, "fail"), 87);
	json_decref(j);
	run_release(&r);
	char *id = xasprintf("%lld", eval_id);
	const char *const one[] = { "report", "--evaluation", id, "--format", "json", NULL };
	j = scan_json(&r, one, EXIT_CLEAN);
	ck_assert_int_eq(count(j, "fail"), 4);
	json_decref(j);
	run_release(&r);
	free(id);
}
END_TEST

START_TEST(test_evaluate_while_the_twin_is_held_is_busy)
{
	struct run r;
	json_t *j = scan_json(&r, scan_cis_json, EXIT_FINDINGS);
	json_decref(j);
	run_release(&r);
	/* A scan writing its snapshot holds the twin's write lock. */
	sqlite3 *raw;
	ck_assert_int_eq(sqlite3_open(lab.db, &raw), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(raw, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	static const char *const ev[] = { "evaluate", "--target", "lab", "--baseline", "tests/data/vm-rules.yaml",
					  "--format", "json", NULL };
	harden_run(&lab, &r, ev);
	ck_assert_msg(r.status == EXIT_BUSY, "exit %d, want %d; stderr: %s", r.status, EXIT_BUSY, r.err);
	ck_assert_ptr_nonnull(strstr(r.err, "busy"));
	run_release(&r);
	sqlite3_exec(raw, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(raw);
}
END_TEST

START_TEST(test_waivers_active_and_expired)
{
	free(tu_write(lab.dir, "waivers.yaml",
		      "waivers:\n"
		      "  - rule: cis-esxi-3.1\n"
		      "    objects: { name: 'DC0_C0_H1' }\n"
		      "    justification: SSH kept on for a vendor support case\n"
		      "    approver: alice@example.com\n"
		      "    expires: 2099-12-31\n"
		      "    ticket: CHG-1\n"
		      "  - rule: cis-esxi-3.2\n"
		      "    objects: { cluster: 'DC0_C*' }\n"
		      "    justification: ESXi Shell used during the migration\n"
		      "    approver: bob@example.com\n"
		      "    expires: 2020-01-31\n"
		      "    ticket: CHG-2\n", 0644));
	char *wf = xasprintf("%s/waivers.yaml", lab.dir);
	const char *const args[] = { "scan", "-t", "lab", "-b", CIS, "-f", "json", "--waivers", wf, NULL };
	struct run r;
	json_t *j = scan_json(&r, args, EXIT_FINDINGS);
	ck_assert_int_eq(count(j, "waived"), 1);
	ck_assert_int_eq(count(j, "fail"), 86);
	ck_assert_ptr_nonnull(strstr(r.err, "expired on 2020-01-31"));
	size_t i;
	json_t *f;
	int seen = 0;
	json_array_foreach(json_object_get(j, "findings"), i, f) {
		const char *rule = json_string_value(json_object_get(f, "rule_id"));
		json_t *w = json_object_get(f, "waiver");
		if (!strcmp(rule, "cis-esxi-3.1")) {
			ck_assert_str_eq(json_string_value(json_object_get(f, "status")), "waived");
			ck_assert_str_eq(json_string_value(json_object_get(w, "ticket")), "CHG-1");
			ck_assert(json_is_false(json_object_get(w, "expired")));
			seen++;
		} else if (!strcmp(rule, "cis-esxi-3.2")) {
			/* An expired waiver no longer applies, and the report says so. */
			ck_assert_str_eq(json_string_value(json_object_get(f, "status")), "fail");
			ck_assert(json_is_true(json_object_get(w, "expired")));
			seen++;
		} else {
			ck_assert(json_is_null(w));
		}
	}
	ck_assert_int_eq(seen, 2);
	json_decref(j);
	run_release(&r);
	/* The waivers in force are stored with the evaluation: report replays them. */
	static const char *const rep[] = { "report", "-t", "lab", "-f", "json", NULL };
	j = scan_json(&r, rep, EXIT_CLEAN);
	ck_assert_int_eq(count(j, "waived"), 1);
	json_decref(j);
	run_release(&r);
	/* With the shell waived too, nothing critical fails the gate. */
	free(tu_write(lab.dir, "waivers.yaml",
		      "waivers:\n"
		      "  - { rule: cis-esxi-3.1, objects: { name: DC0_C0_H1 }, justification: vendor support case, "
		      "approver: alice, expires: 2099-12-31 }\n"
		      "  - { rule: cis-esxi-3.2, objects: { moref: host-31 }, justification: migration in progress, "
		      "approver: bob, expires: 2099-12-31 }\n", 0644));
	harden_run(&lab, &r, args);
	ck_assert_msg(r.status == EXIT_CLEAN, "exit %d: %s", r.status, r.err);
	run_release(&r);
	/* waiver lint checks a file before any scan. */
	free(tu_write(lab.dir, "bad.yaml", "waivers:\n  - { rule: x, objects: { name: y }, approver: a, expires: 2030-01-01 }\n", 0644));
	char *bad = xasprintf("%s/bad.yaml", lab.dir);
	const char *const lint[] = { "waiver", "lint", wf, bad, NULL };
	harden_run(&lab, &r, lint);
	ck_assert_int_eq(r.status, EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(r.err, "bad.yaml:2:5: waiver for 'x' needs a justification"));
	ck_assert_ptr_nonnull(strstr(r.err, "waivers.yaml: ok, 2 waivers, 0 expired"));
	run_release(&r);
	free(bad);
	free(wf);
}
END_TEST

START_TEST(test_sql_checks_against_the_lab)
{
	static const char *const args[] = { "scan", "-t", "lab", "-b", "tests/data/sql-rules.yaml", "-f", "json",
					    "--all", "--fail-on", "low", NULL };
	struct run r;
	json_t *j = scan_json(&r, args, EXIT_FINDINGS);
	char *fails = results(j, "fail");
	ck_assert_str_eq(fails, "sql-ssh-cluster DC0_C0_H1\n");
	free(fails);
	ck_assert_int_eq(json_count(r.out, "sql-ds-shared", "pass", NULL), 2);
	ck_assert_int_eq(count(j, "unknown"), 0);
	json_decref(j);
	run_release(&r);
	/* What the query reads was not collected on one host: the query
	 * compares hosts of a cluster, so no host's result can be trusted,
	 * DC0_C0_H1's failure included (harden-baseline(5)'s own example). */
	struct vc *v = lab_session(&lab);
	char *host = lab_moref(v, "HostSystem", "DC0_C0_H0");
	vc_close(v);
	char *ctl = xasprintf("/lab/missing?moref=%s&path=config.service", host);
	lab_control(&lab, ctl);
	j = scan_json(&r, args, EXIT_UNKNOWN);
	ck_assert_int_eq(json_count(r.out, "sql-ssh-cluster", "fail", NULL), 0);
	ck_assert_int_eq(json_count(r.out, "sql-ssh-cluster", "pass", NULL), 0);
	ck_assert_int_gt(json_count(r.out, "sql-ssh-cluster", "unknown", NULL), 1);
	ck_assert_int_eq(json_count(r.out, "sql-ssh-cluster", "unknown", NULL), count(j, "unknown"));
	ck_assert_ptr_nonnull(strstr(r.out, "not collected on host 'DC0_C0_H0', which the check also reads"));
	/* The datastore rule reads nothing that is missing: unaffected. */
	ck_assert_int_eq(json_count(r.out, "sql-ds-shared", "pass", NULL), 2);
	json_decref(j);
	run_release(&r);
	lab_control(&lab, "/lab/reset-faults");
	/* A runaway query is stopped by its time limit: unknown, never pass. */
	static const char *const slow[] = { "scan", "-t", "lab", "-b", "tests/data/sql-slow.yaml", "-f", "json",
					    "--fail-on", "high", NULL };
	j = scan_json(&r, slow, EXIT_UNKNOWN);
	ck_assert_int_eq(json_count(r.out, "sql-forever", "unknown", NULL), 2);
	ck_assert_ptr_nonnull(strstr(r.out, "ran out of time"));
	json_decref(j);
	run_release(&r);
	/* One function call asking for 900 MB fails at once on the sandbox's
	 * size limit (it ran 50 s at 4.4 GB past a 10 s time limit). */
	static const char *const huge[] = { "scan", "-t", "lab", "-b", "tests/data/sql-huge.yaml", "-f", "json",
					    "--fail-on", "high", NULL };
	double t0 = now_ms();
	j = scan_json(&r, huge, EXIT_UNKNOWN);
	ck_assert_msg(now_ms() - t0 < 5000, "took %.0f ms", now_ms() - t0);
	ck_assert_int_eq(json_count(r.out, "sql-huge-replace", "unknown", NULL), 2);
	ck_assert_int_eq(json_count(r.out, "sql-huge-blob", "unknown", NULL), 2);
	ck_assert_int_eq(count(j, "unknown"), 4);
	ck_assert_ptr_nonnull(strstr(r.out, "over its limit of 1 MiB"));
	json_decref(j);
	run_release(&r);
	free(ctl);
	free(host);
}
END_TEST

/* A renamed rule keeps its history and its waivers through its aliases:
 * --fail-on-new sees an old failure recorded under the alias as not new, a
 * waiver naming the alias still applies, and drift reports no regression. */
START_TEST(test_renamed_rule_keeps_waivers_and_history)
{
	static const char head[] = "id: alias-t\ntitle: Renamed rules\nrules:\n";
	static const char body[] = ", title: SSH off, severity: critical, object: host,\n"
				   "      check: { property: service.TSM-SSH.running, eq: false } }\n";
	char *v1 = xasprintf("%s  - { id: old-ssh%s", head, body);
	char *v2 = xasprintf("%s  - { id: new-ssh, aliases: [old-ssh]%s", head, body);
	char *v3 = xasprintf("%s  - { id: other-ssh%s", head, body);
	char *p1 = tu_write(lab.dir, "alias-v1.yaml", v1, 0644);
	char *p2 = tu_write(lab.dir, "alias-v2.yaml", v2, 0644);
	char *p3 = tu_write(lab.dir, "alias-v3.yaml", v3, 0644);
	struct run r;
	const char *const first[] = { "scan", "-t", "lab", "-b", p1, "-q", "--fail-on", "none", NULL };
	harden_run(&lab, &r, first);
	ck_assert_msg(r.status == EXIT_CLEAN, "exit %d: %s", r.status, r.err);
	run_release(&r);
	/* Same failures, recorded under the alias: nothing new. */
	const char *const renamed[] = { "scan", "-t", "lab", "-b", p2, "-q", "--fail-on-new", NULL };
	harden_run(&lab, &r, renamed);
	ck_assert_msg(r.status == EXIT_CLEAN, "exit %d: %s", r.status, r.err);
	run_release(&r);
	const char *const drift[] = { "drift", "-t", "lab", "-f", "json", NULL };
	harden_run(&lab, &r, drift);
	ck_assert_int_eq(r.status, EXIT_CLEAN);
	ck_assert_ptr_null(strstr(r.out, "regressed"));
	run_release(&r);
	/* A rule without the alias is a new rule: its failures are new. */
	const char *const other[] = { "scan", "-t", "lab", "-b", p3, "-q", "--fail-on-new", NULL };
	harden_run(&lab, &r, other);
	ck_assert_int_eq(r.status, EXIT_FINDINGS);
	run_release(&r);
	free(tu_write(lab.dir, "alias-waivers.yaml",
		      "waivers:\n  - { rule: old-ssh, objects: { name: DC0_C0_H1 }, justification: written before the rename, "
		      "approver: alice, expires: 2099-12-31 }\n", 0644));
	char *wf = xasprintf("%s/alias-waivers.yaml", lab.dir);
	const char *const waived[] = { "scan", "-t", "lab", "-b", p2, "-f", "json", "--waivers", wf, "--fail-on", "none",
				       NULL };
	json_t *j = scan_json(&r, waived, EXIT_CLEAN);
	ck_assert_int_eq(json_count(r.out, "new-ssh", "waived", "DC0_C0_H1"), 1);
	json_decref(j);
	run_release(&r);
	free(wf);
	free(p1);
	free(p2);
	free(p3);
	free(v1);
	free(v2);
	free(v3);
}
END_TEST

#define SCG_SEEDED \
	"esxi-8.account-auto-unlock-time DC0_C1_H0\n" \
	"esxi-8.account-lockout DC0_C1_H0\n" \
	"esxi-8.account-password-history DC0_C1_H0\n" \
	"esxi-8.account-password-max-days DC0_C1_H0\n" \
	"esxi-8.account-password-policies DC0_C1_H0\n" \
	"esxi-8.annotations-welcomemessage DC0_C1_H2\n" \
	"esxi-8.api-soap-timeout DC0_C0_H1\n" \
	"esxi-8.cpu-hyperthread-warning DC0_C1_H1\n" \
	"esxi-8.dcui-timeout DC0_C0_H1\n" \
	"esxi-8.deactivate-cim DC0_C1_H1\n" \
	"esxi-8.deactivate-mob DC0_C1_H0\n" \
	"esxi-8.deactivate-shell DC0_C0_H1\n" \
	"esxi-8.deactivate-slp DC0_C1_H1\n" \
	"esxi-8.deactivate-snmp DC0_C1_H1\n" \
	"esxi-8.deactivate-ssh DC0_C0_H1\n" \
	"esxi-8.etc-issue DC0_C1_H2\n" \
	"esxi-8.firewall-incoming-default DC0_C1_H1\n" \
	"esxi-8.host-client-session-timeout DC0_C1_H0\n" \
	"esxi-8.hw-virtual-nic DC0_C1_H1\n" \
	"esxi-8.iscsi-mutual-chap DC0_C1_H0\n" \
	"esxi-8.lockdown-dcui-access DC0_C0_H1\n" \
	"esxi-8.lockdown-exception-users DC0_C0_H1\n" \
	"esxi-8.lockdown-mode DC0_C0_H1\n" \
	"esxi-8.logs-audit-local DC0_C0_H2\n" \
	"esxi-8.logs-audit-local-capacity DC0_C0_H2\n" \
	"esxi-8.logs-audit-persistent DC0_C0_H2\n" \
	"esxi-8.logs-audit-remote DC0_C0_H2\n" \
	"esxi-8.logs-filter DC0_C0_H2\n" \
	"esxi-8.logs-level DC0_C0_H2\n" \
	"esxi-8.logs-level-global DC0_C0_H2\n" \
	"esxi-8.logs-persistent DC0_C0_H2\n" \
	"esxi-8.logs-remote DC0_C0_H2\n" \
	"esxi-8.logs-remote-tls DC0_C0_H2\n" \
	"esxi-8.logs-remote-tls-x509 DC0_C0_H2\n" \
	"esxi-8.memeagerzero DC0_C1_H2\n" \
	"esxi-8.network-bpdu DC0_C1_H1\n" \
	"esxi-8.network-dvfilter DC0_C1_H1\n" \
	"esxi-8.network-reject-forged-transmit-standardswitch DC0_C1_H1\n" \
	"esxi-8.network-reject-mac-changes-standardswitch DC0_C1_H1\n" \
	"esxi-8.network-reject-promiscuous-mode-standardswitch DC0_C1_H1\n" \
	"esxi-8.network-vgt DC0_C1_H1\n" \
	"esxi-8.shell-interactive-timeout DC0_C0_H1\n" \
	"esxi-8.shell-timeout DC0_C0_H1\n" \
	"esxi-8.shell-warning DC0_C0_H1\n" \
	"esxi-8.supported DC0_C1_H2\n" \
	"esxi-8.timekeeping-services DC0_C0_H2\n" \
	"esxi-8.timekeeping-sources DC0_C0_H2\n" \
	"esxi-8.tls-protocols DC0_C1_H0\n" \
	"esxi-8.transparent-page-sharing DC0_C1_H2\n" \
	"esxi-8.updates DC0_C1_H2\n" \
	"esxi-8.vib-acceptance-level-supported DC0_C1_H2\n" \
	"esxi-8.vib-trusted-binaries DC0_C1_H2\n" \
	"esxi-8.vmk-management DC0_C1_H1\n" \
	"guest-8.secure-boot DC0_C0_H2_VM1\n" \
	"guest-8.tools-updates DC0_C1_H1_VM1\n" \
	"guest-8.tools-updates DC0_C1_H2_VM0\n" \
	"guest-8.virtual-hardware DC0_C1_H1_VM0\n" \
	"vm-8.deactivate-console-copy DC0_C0_H0_VM1\n" \
	"vm-8.deactivate-console-paste DC0_C0_H0_VM1\n" \
	"vm-8.deactivate-disk-shrinking-shrink DC0_C1_H1_VM0\n" \
	"vm-8.deactivate-disk-shrinking-wiper DC0_C1_H1_VM0\n" \
	"vm-8.deactivate-non-essential-3d-features DC0_C0_H1_VM1\n" \
	"vm-8.dvfilter DC0_C1_H0_VM1\n" \
	"vm-8.efi-boot-types DC0_C1_H2_VM0\n" \
	"vm-8.isolation-device-connectable-deactivate DC0_C0_H2_VM1\n" \
	"vm-8.isolation-tools-dnd-deactivate DC0_C1_H0_VM0\n" \
	"vm-8.limit-console-connections DC0_C1_H2_VM0\n" \
	"vm-8.limit-setinfo-size DC0_C1_H1_VM1\n" \
	"vm-8.log-enable DC0_C1_H0_VM0\n" \
	"vm-8.log-retention DC0_C1_H1_VM1\n" \
	"vm-8.pci-passthrough DC0_C1_H2_VM0\n" \
	"vm-8.remove-unnecessary-devices.cdrom DC0_C1_H0_VM1\n" \
	"vm-8.remove-unnecessary-devices.floppy DC0_C0_H1_VM1\n" \
	"vm-8.remove-unnecessary-devices.parallel DC0_C0_H2_VM1\n" \
	"vm-8.remove-unnecessary-devices.serial DC0_C0_H2_VM0\n" \
	"vm-8.remove-unnecessary-devices.usb DC0_C1_H0_VM0\n" \
	"vm-8.remove-unnecessary-devices.usb DC0_C1_H2_VM1\n" \
	"vm-8.restrict-host-info DC0_C0_H0_VM1\n" \
	"vm-8.transparentpagesharing-inter-vm-enabled DC0_C0_H1_VM0\n" \
	"vm-8.vmotion-encrypted DC0_C0_H2_VM0\n" \
	"vm-8.vmrc-lock DC0_C0_H2_VM0\n"

START_TEST(test_scg_every_rule_fails_and_passes)
{
	static const char *const scg[] = { "scan", "-t", "lab", "-b", "vsphere-scg-v8-subset", "-f", "json", "--all",
					   "--fail-on", "none", NULL };
	struct run r;
	json_t *j = scan_json(&r, scg, EXIT_CLEAN);
	char *fails = results(j, "fail");
	ck_assert_str_eq(fails, SCG_SEEDED);
	/* Absent copy/paste keys take vSphere 8's secure default; a powered-off
	 * VM's Tools are not applicable. */
	ck_assert_int_eq(json_count(r.out, "vm-8.deactivate-console-copy", "pass", "DC0_C0_H1_VM0"), 1);
	ck_assert_int_eq(json_count(r.out, "guest-8.tools-updates", "not_applicable", "DC0_C1_H2_VM1"), 1);
	ck_assert_int_eq(count(j, "unknown"), 0);
	free(fails);
	json_decref(j);
	run_release(&r);

	/* The rules no seeded VM breaks, broken on a compliant VM through the API. */
	struct vc *v = lab_session(&lab);
	char *vm = lab_moref(v, "VirtualMachine", "DC0_C0_H0_VM0");
	static const char *const bad[][2] = {
		{ "isolation.tools.dnd.disable", "FALSE" },
		{ "isolation.tools.diskShrink.disable", "FALSE" }, { "isolation.tools.diskWiper.disable", "FALSE" },
		{ "isolation.device.connectable.disable", "FALSE" }, { "mks.enable3d", "TRUE" },
		{ "tools.setInfo.sizeLimit", "10485760" }, { "log.keepOld", "100" }, { "log.rotateSize", "1024000" },
		{ "tools.guest.desktop.autolock", "FALSE" },
	};
	struct buf spec = BUF_INIT;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		buf_printf(&spec, "<extraConfig><key>%s</key><value xsi:type=\"xsd:string\">%s</value></extraConfig>",
			   bad[i][0], bad[i][1]);
	lab_soap_task(v, "<ReconfigVM_Task xmlns=\"urn:vim25\"><_this type=\"VirtualMachine\">%s</_this><spec>%s"
			 "</spec></ReconfigVM_Task>", vm, spec.data);
	buf_release(&spec);
	vc_close(v);
	free(vm);
	j = scan_json(&r, scg, EXIT_CLEAN);
	fails = results(j, "fail");
	ck_assert_str_eq(fails,
			 "esxi-8.account-auto-unlock-time DC0_C1_H0\n"
			 "esxi-8.account-lockout DC0_C1_H0\n"
			 "esxi-8.account-password-history DC0_C1_H0\n"
			 "esxi-8.account-password-max-days DC0_C1_H0\n"
			 "esxi-8.account-password-policies DC0_C1_H0\n"
			 "esxi-8.annotations-welcomemessage DC0_C1_H2\n"
			 "esxi-8.api-soap-timeout DC0_C0_H1\n"
			 "esxi-8.cpu-hyperthread-warning DC0_C1_H1\n"
			 "esxi-8.dcui-timeout DC0_C0_H1\n"
			 "esxi-8.deactivate-cim DC0_C1_H1\n"
			 "esxi-8.deactivate-mob DC0_C1_H0\n"
			 "esxi-8.deactivate-shell DC0_C0_H1\n"
			 "esxi-8.deactivate-slp DC0_C1_H1\n"
			 "esxi-8.deactivate-snmp DC0_C1_H1\n"
			 "esxi-8.deactivate-ssh DC0_C0_H1\n"
			 "esxi-8.etc-issue DC0_C1_H2\n"
			 "esxi-8.firewall-incoming-default DC0_C1_H1\n"
			 "esxi-8.host-client-session-timeout DC0_C1_H0\n"
			 "esxi-8.hw-virtual-nic DC0_C1_H1\n"
			 "esxi-8.iscsi-mutual-chap DC0_C1_H0\n"
			 "esxi-8.lockdown-dcui-access DC0_C0_H1\n"
			 "esxi-8.lockdown-exception-users DC0_C0_H1\n"
			 "esxi-8.lockdown-mode DC0_C0_H1\n"
			 "esxi-8.logs-audit-local DC0_C0_H2\n"
			 "esxi-8.logs-audit-local-capacity DC0_C0_H2\n"
			 "esxi-8.logs-audit-persistent DC0_C0_H2\n"
			 "esxi-8.logs-audit-remote DC0_C0_H2\n"
			 "esxi-8.logs-filter DC0_C0_H2\n"
			 "esxi-8.logs-level DC0_C0_H2\n"
			 "esxi-8.logs-level-global DC0_C0_H2\n"
			 "esxi-8.logs-persistent DC0_C0_H2\n"
			 "esxi-8.logs-remote DC0_C0_H2\n"
			 "esxi-8.logs-remote-tls DC0_C0_H2\n"
			 "esxi-8.logs-remote-tls-x509 DC0_C0_H2\n"
			 "esxi-8.memeagerzero DC0_C1_H2\n"
			 "esxi-8.network-bpdu DC0_C1_H1\n"
			 "esxi-8.network-dvfilter DC0_C1_H1\n"
			 "esxi-8.network-reject-forged-transmit-standardswitch DC0_C1_H1\n"
			 "esxi-8.network-reject-mac-changes-standardswitch DC0_C1_H1\n"
			 "esxi-8.network-reject-promiscuous-mode-standardswitch DC0_C1_H1\n"
			 "esxi-8.network-vgt DC0_C1_H1\n"
			 "esxi-8.shell-interactive-timeout DC0_C0_H1\n"
			 "esxi-8.shell-timeout DC0_C0_H1\n"
			 "esxi-8.shell-warning DC0_C0_H1\n"
			 "esxi-8.supported DC0_C1_H2\n"
			 "esxi-8.timekeeping-services DC0_C0_H2\n"
			 "esxi-8.timekeeping-sources DC0_C0_H2\n"
			 "esxi-8.tls-protocols DC0_C1_H0\n"
			 "esxi-8.transparent-page-sharing DC0_C1_H2\n"
			 "esxi-8.updates DC0_C1_H2\n"
			 "esxi-8.vib-acceptance-level-supported DC0_C1_H2\n"
			 "esxi-8.vib-trusted-binaries DC0_C1_H2\n"
			 "esxi-8.vmk-management DC0_C1_H1\n"
			 "guest-8.secure-boot DC0_C0_H2_VM1\n"
			 "guest-8.tools-updates DC0_C1_H1_VM1\n"
			 "guest-8.tools-updates DC0_C1_H2_VM0\n"
			 "guest-8.virtual-hardware DC0_C1_H1_VM0\n"
			 "vm-8.deactivate-console-copy DC0_C0_H0_VM1\n"
			 "vm-8.deactivate-console-paste DC0_C0_H0_VM1\n"
			 "vm-8.deactivate-disk-shrinking-shrink DC0_C0_H0_VM0\n"
			 "vm-8.deactivate-disk-shrinking-shrink DC0_C1_H1_VM0\n"
			 "vm-8.deactivate-disk-shrinking-wiper DC0_C0_H0_VM0\n"
			 "vm-8.deactivate-disk-shrinking-wiper DC0_C1_H1_VM0\n"
			 "vm-8.deactivate-non-essential-3d-features DC0_C0_H0_VM0\n"
			 "vm-8.deactivate-non-essential-3d-features DC0_C0_H1_VM1\n"
			 "vm-8.dvfilter DC0_C1_H0_VM1\n"
			 "vm-8.efi-boot-types DC0_C1_H2_VM0\n"
			 "vm-8.isolation-device-connectable-deactivate DC0_C0_H0_VM0\n"
			 "vm-8.isolation-device-connectable-deactivate DC0_C0_H2_VM1\n"
			 "vm-8.isolation-tools-dnd-deactivate DC0_C0_H0_VM0\n"
			 "vm-8.isolation-tools-dnd-deactivate DC0_C1_H0_VM0\n"
			 "vm-8.limit-console-connections DC0_C1_H2_VM0\n"
			 "vm-8.limit-setinfo-size DC0_C0_H0_VM0\n"
			 "vm-8.limit-setinfo-size DC0_C1_H1_VM1\n"
			 "vm-8.log-enable DC0_C1_H0_VM0\n"
			 "vm-8.log-retention DC0_C0_H0_VM0\n"
			 "vm-8.log-retention DC0_C1_H1_VM1\n"
			 "vm-8.log-rotation-size DC0_C0_H0_VM0\n"
			 "vm-8.pci-passthrough DC0_C1_H2_VM0\n"
			 "vm-8.remove-unnecessary-devices.cdrom DC0_C1_H0_VM1\n"
			 "vm-8.remove-unnecessary-devices.floppy DC0_C0_H1_VM1\n"
			 "vm-8.remove-unnecessary-devices.parallel DC0_C0_H2_VM1\n"
			 "vm-8.remove-unnecessary-devices.serial DC0_C0_H2_VM0\n"
			 "vm-8.remove-unnecessary-devices.usb DC0_C1_H0_VM0\n"
			 "vm-8.remove-unnecessary-devices.usb DC0_C1_H2_VM1\n"
			 "vm-8.restrict-host-info DC0_C0_H0_VM1\n"
			 "vm-8.transparentpagesharing-inter-vm-enabled DC0_C0_H1_VM0\n"
			 "vm-8.vmotion-encrypted DC0_C0_H2_VM0\n"
			 "vm-8.vmrc-lock DC0_C0_H0_VM0\n"
			 "vm-8.vmrc-lock DC0_C0_H2_VM0\n");
	free(fails);
	/* Every rule now both fails and passes somewhere, but the six over
	 * vCenter itself: there is one vCenter, so they pass here and
	 * host-network-trust-devices-vcenter-through-the-api.scenario makes
	 * each fail and pass again through UpdateOptions. */
	ck_assert_uint_eq(every_rule_fails_and_passes(j), 86 - 6);
	json_decref(j);
	run_release(&r);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("scan");
	TCase *clean = tcase_create("clean-lab");
	tcase_set_timeout(clean, 120);
	tcase_add_checked_fixture(clean, start_clean, stop);
	tcase_add_test(clean, test_host_changes_through_soap_are_found);
	tcase_add_test(clean, test_wrong_password_keeps_earlier_snapshots);
	tcase_add_test(clean, test_unreachable_host_names_url);
	tcase_add_test(clean, test_malformed_baseline_fails_before_collecting);
	tcase_add_test(clean, test_malformed_targets_file);
	tcase_add_test(clean, test_password_file_mode_is_enforced);
	tcase_add_test(clean, test_missing_property_is_unknown_never_pass);
	tcase_add_test(clean, test_malformed_soap_fails_the_scan_cleanly);
	tcase_add_test(clean, test_no_hosts_is_unknown_never_clean);
	tcase_add_test(clean, test_nested_objects_are_a_protocol_error);
	tcase_add_test(clean, test_full_disk_fails_cleanly);
	tcase_add_test(clean, test_site_parameters_from_targets_and_set);
	tcase_add_test(clean, test_several_baselines_and_their_conflicts);
	suite_add_tcase(s, clean);
	TCase *seeded = tcase_create("seeded-lab");
	tcase_set_timeout(seeded, 120);
	tcase_add_checked_fixture(seeded, start_seeded, stop);
	tcase_add_test(seeded, test_seeded_lab_shows_real_findings);
	tcase_add_test(seeded, test_paging_gives_identical_results);
	tcase_add_test(seeded, test_session_expiry_mid_scan_logs_in_again);
	tcase_add_test(seeded, test_killed_scan_is_failed_and_never_latest);
	tcase_add_test(seeded, test_evaluate_offline_against_stored_snapshot);
	tcase_add_test(seeded, test_evaluate_while_the_twin_is_held_is_busy);
	tcase_add_test(seeded, test_scg_every_rule_fails_and_passes);
	tcase_add_test(seeded, test_waivers_active_and_expired);
	tcase_add_test(seeded, test_renamed_rule_keeps_waivers_and_history);
	tcase_add_test(seeded, test_sql_checks_against_the_lab);
	suite_add_tcase(s, seeded);
	TCase *tls = tcase_create("tls");
	tcase_set_timeout(tls, 120);
	tcase_add_checked_fixture(tls, start_tls, stop);
	tcase_add_test(tls, test_tls_verification);
	suite_add_tcase(s, tls);
	return s;
}

int main(void)
{
	return tu_run(suite()) ? 1 : 0;
}
