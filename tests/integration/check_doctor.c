/* harden doctor against the labs: everything ok over TLS with the pilot
 * lab, then one thing broken at a time (a wrong password, a closed port, a
 * self-signed certificate without ca_file, a password file others can
 * read, a model without its key, a corrupt twin), each a FAIL line that
 * names what to fix, exit 1, and never a password in the output. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exitcode.h"
#include "lib/lab.h"
#include "lib/testutil.h"
#include "util/util.h"

#define PILOT "python3 tests/lab/pilot/vmware-pilot mcp"

static struct lab lab;

static void setup(void)
{
	static const char *const tls[] = { "-tls", NULL };
	lab_start(&lab, tls);
	lab_start_nsx(&lab, tls);
	char *pilot_db = xasprintf("%s/pilot.db", lab.dir);
	setenv("PILOT_LAB_DB", pilot_db, 1);
	setenv("HARDEN_PILOT_COMMAND", PILOT, 1);
	free(pilot_db);
}

static void teardown(void)
{
	lab_stop(&lab);
	unsetenv("HARDEN_PILOT_COMMAND");
	unsetenv("PILOT_LAB_DB");
}

/* Runs doctor; checks the exit code and that no password shows. */
static void doctor(struct run *r, int want, const char *const *extra)
{
	const char *args[8] = { "doctor" };
	for (unsigned i = 0; extra && extra[i] && i < 6; i++)
		args[i + 1] = extra[i];
	harden_run(&lab, r, args);
	ck_assert_msg(r->status == want, "doctor: exit %d, want %d\nstdout: %s\nstderr: %s", r->status, want, r->out,
		      r->err);
	static const char *const secrets[] = { LAB_PASSWORD, NSX_LAB_PASSWORD, "wrong-pw-123", "sk-doctor-key" };
	for (unsigned i = 0; i < ARRAY_SIZE(secrets); i++)
		ck_assert_msg(!strstr(r->out, secrets[i]) && !strstr(r->err, secrets[i]), "a secret in the output");
}

/* The line of check (its text up to the first ':' after the status). */
static char *line_of(const char *out, const char *check)
{
	char *key = xasprintf("  %s: ", check);
	const char *p = strstr(out, key);
	ck_assert_msg(p != NULL, "no line for '%s' in:\n%s", check, out);
	while (p > out && p[-1] != '\n')
		p--;
	free(key);
	return xstrndup(p, strcspn(p, "\n"));
}

static void assert_line(const char *out, const char *check, const char *status, const char *needle)
{
	char *l = line_of(out, check);
	ck_assert_msg(!strncmp(l, status, strlen(status)), "'%s': not %s", l, status);
	ck_assert_msg(!needle || strstr(l, needle), "'%s' does not say '%s'", l, needle);
	free(l);
}

static void scan(void)
{
	static const char *const args[] = { "scan", "--target", "lab", "--baseline", "vsphere-scg-v8-subset",
					    "--fail-on", "none", NULL };
	struct run r;
	harden_run(&lab, &r, args);
	ck_assert_msg(r.status == EXIT_CLEAN, "scan: %d %s", r.status, r.err);
	run_release(&r);
}

START_TEST(test_all_ok)
{
	scan();
	struct run r;
	doctor(&r, EXIT_CLEAN, NULL);
	ck_assert_msg(!strstr(r.out, "FAIL") && !strstr(r.out, "warn "), "not all ok:\n%s", r.out);
	assert_line(r.out, "targets file", "ok", lab.config);
	assert_line(r.out, "lab: vcenter password", "ok", "vc.pw");
	assert_line(r.out, "lab: vcenter reachable", "ok", "127.0.0.1");
	assert_line(r.out, "lab: vcenter tls", "ok", "vc-cert.pem");
	assert_line(r.out, "lab: vcenter login", "ok", "logged in and out");
	assert_line(r.out, "lab: nsx login", "ok", "nsx-auditor");
	assert_line(r.out, "pilot", "ok", "MCP initialize");
	assert_line(r.out, "advisor", "ok", NULL);
	assert_line(r.out, "baseline vsphere-scg-v8-subset", "ok", "rules");
	assert_line(r.out, "twin", "ok", "1 snapshot (1 completed)");
	run_release(&r);
	/* Login and logout only: one login more, and the session closed. */
	long long logins = lab_stat(&lab, "logins");
	doctor(&r, EXIT_CLEAN, NULL);
	ck_assert_int_eq(lab_stat(&lab, "logins"), logins + 1);
	run_release(&r);

	static const char *const json[] = { "--format", "json", "--target", "lab", NULL };
	doctor(&r, EXIT_CLEAN, json);
	json_t *doc = json_loads(r.out, 0, NULL);
	ck_assert_ptr_nonnull(doc);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "schema")), "harden.doctor");
	json_t *counts = json_object_get(doc, "counts");
	ck_assert_int_eq(json_integer_value(json_object_get(counts, "fail")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(counts, "warn")), 0);
	ck_assert_int_gt(json_integer_value(json_object_get(counts, "ok")), 10);
	ck_assert_int_eq(json_array_size(json_object_get(doc, "checks")),
			 json_integer_value(json_object_get(counts, "ok")));
	json_decref(doc);
	run_release(&r);

	static const char *const unknown[] = { "--target", "lav", NULL };
	doctor(&r, EXIT_USAGE, unknown);
	ck_assert_ptr_nonnull(strstr(r.err, "did you mean 'lab'"));
	run_release(&r);
}
END_TEST

START_TEST(test_wrong_password)
{
	free(tu_write(lab.dir, "vc.pw", "wrong-pw-123\n", 0600));
	struct run r;
	doctor(&r, EXIT_FINDINGS, NULL);
	assert_line(r.out, "lab: vcenter password", "ok", NULL);
	assert_line(r.out, "lab: vcenter login", "FAIL", "127.0.0.1");
	assert_line(r.out, "lab: nsx login", "ok", NULL);
	run_release(&r);
}
END_TEST

START_TEST(test_unreachable_port)
{
	lab_config(&lab, "https://127.0.0.1:1/sdk", "      password_file: vc.pw\n      ca_file: vc-cert.pem\n");
	struct run r;
	doctor(&r, EXIT_FINDINGS, NULL);
	assert_line(r.out, "lab: vcenter reachable", "FAIL", "127.0.0.1:1/sdk");
	assert_line(r.out, "lab: vcenter login", "warn", "not tried");
	run_release(&r);
}
END_TEST

START_TEST(test_self_signed_without_ca_file)
{
	lab_config(&lab, lab.url, "      password_file: vc.pw\n");
	struct run r;
	doctor(&r, EXIT_FINDINGS, NULL);
	assert_line(r.out, "lab: vcenter reachable", "ok", NULL);
	assert_line(r.out, "lab: vcenter tls", "FAIL", "ca_file");
	assert_line(r.out, "lab: nsx tls", "ok", NULL);
	run_release(&r);
	/* insecure: true is a warning that names ca_file too, not a failure. */
	lab_config(&lab, lab.url, "      password_file: vc.pw\n      insecure: true\n");
	doctor(&r, EXIT_CLEAN, NULL);
	assert_line(r.out, "lab: vcenter tls", "warn", "ca_file");
	assert_line(r.out, "lab: vcenter login", "ok", NULL);
	run_release(&r);
}
END_TEST

START_TEST(test_password_file_readable_by_others)
{
	char *pw = xasprintf("%s/vc.pw", lab.dir);
	ck_assert_int_eq(chmod(pw, 0644), 0);
	struct run r;
	doctor(&r, EXIT_FINDINGS, NULL);
	assert_line(r.out, "lab: vcenter password", "FAIL", "0644");
	assert_line(r.out, "lab: vcenter login", "warn", "password");
	run_release(&r);
	free(pw);
}
END_TEST

START_TEST(test_model_without_key)
{
	char *text = file_read(lab.config, NULL);
	char *more = xasprintf("%sadvisor:\n  provider: anthropic\n  base_url: http://127.0.0.1:1\n  model: lab-model\n"
			       "  api_key_env: HARDEN_DOCTOR_KEY\n", text);
	free(tu_write(lab.dir, "targets.yaml", more, 0644));
	unsetenv("HARDEN_DOCTOR_KEY");
	struct run r;
	doctor(&r, EXIT_FINDINGS, NULL);
	assert_line(r.out, "advisor", "FAIL", "$HARDEN_DOCTOR_KEY is not set");
	run_release(&r);
	setenv("HARDEN_DOCTOR_KEY", "sk-doctor-key", 1);
	doctor(&r, EXIT_CLEAN, NULL);
	assert_line(r.out, "advisor", "ok", "not contacted");
	run_release(&r);
	/* --online connects to the endpoint (a closed port here). */
	static const char *const online[] = { "--online", NULL };
	doctor(&r, EXIT_FINDINGS, online);
	assert_line(r.out, "advisor", "FAIL", "http://127.0.0.1:1");
	run_release(&r);
	unsetenv("HARDEN_DOCTOR_KEY");
	free(more);
	free(text);
}
END_TEST

static void corrupt(long off, size_t n)
{
	FILE *f = fopen(lab.db, "r+b");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, off, SEEK_SET), 0);
	char junk[4096];
	memset(junk, 0x5a, sizeof(junk));
	ck_assert_uint_eq(fwrite(junk, 1, n, f), n);
	fclose(f);
}

START_TEST(test_corrupt_twin)
{
	struct run r;
	doctor(&r, EXIT_CLEAN, NULL);
	assert_line(r.out, "twin", "warn", "no twin");
	run_release(&r);
	scan();
	/* A page inside the twin overwritten: PRAGMA quick_check finds it. */
	struct stat sb;
	ck_assert_int_eq(stat(lab.db, &sb), 0);
	ck_assert_int_gt(sb.st_size, 4 * 4096);
	corrupt(4096 * 2, 4096);
	doctor(&r, EXIT_FINDINGS, NULL);
	assert_line(r.out, "twin", "FAIL", lab.db);
	run_release(&r);
	/* The header overwritten: no database at all. */
	corrupt(0, 100);
	doctor(&r, EXIT_FINDINGS, NULL);
	assert_line(r.out, "twin", "FAIL", "not a database");
	run_release(&r);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("doctor");
	TCase *tc = tcase_create("labs");
	tcase_set_timeout(tc, 300);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_all_ok);
	tcase_add_test(tc, test_wrong_password);
	tcase_add_test(tc, test_unreachable_port);
	tcase_add_test(tc, test_self_signed_without_ca_file);
	tcase_add_test(tc, test_password_file_readable_by_others);
	tcase_add_test(tc, test_model_without_key);
	tcase_add_test(tc, test_corrupt_twin);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(suite()) ? EXIT_FAILURE : EXIT_SUCCESS;
}
