/* The targets file and password sources. */
#include <stdlib.h>
#include <string.h>

#include "config/targets.h"
#include "lib/testutil.h"
#include "util/util.h"

static char *dir;

static void setup(void)
{
	dir = tu_tmpdir();
}

static void teardown(void)
{
	tu_rmdir(dir);
	free(dir);
}

static const char good[] =
	"targets:\n"
	"  prod-vc:\n"
	"    vcenter:\n"
	"      url: https://vc01.example.com/sdk\n"
	"      user: administrator@vsphere.local\n"
	"      password_env: HARDEN_TEST_PW\n"
	"      ca_file: ca.pem\n"
	"      timeout: 30\n"
	"    nsx:\n"
	"      url: https://nsx01.example.com\n"
	"      user: admin\n"
	"      password_file: nsx.pw\n"
	"  lab:\n"
	"    vcenter:\n"
	"      url: http://127.0.0.1:1/sdk\n"
	"      user: u\n"
	"      password_file: lab.pw\n"
	"      insecure: true\n";

START_TEST(test_load_good_file)
{
	char *p = tu_write(dir, "targets.yaml", good, 0644);
	struct targets t;
	ck_assert_int_eq(targets_load(&t, p), 0);
	ck_assert_uint_eq(t.n, 2);
	const struct target *pv = targets_find(&t, "prod-vc");
	ck_assert_ptr_nonnull(pv);
	ck_assert_str_eq(pv->vcenter.url, "https://vc01.example.com/sdk");
	ck_assert_int_eq(pv->vcenter.timeout_s, 30);
	ck_assert(!pv->vcenter.insecure);
	char *ca = xasprintf("%s/ca.pem", dir);
	ck_assert_str_eq(pv->vcenter.ca_file, ca);
	free(ca);
	ck_assert(pv->nsx.present);
	const struct target *lab = targets_find(&t, "lab");
	ck_assert(lab->vcenter.insecure);
	ck_assert_int_eq(lab->vcenter.timeout_s, 60);
	ck_assert_ptr_null(targets_find(&t, "nope"));
	targets_release(&t);
	free(p);
}
END_TEST

static void expect_error(const char *text, const char *a, const char *b)
{
	char *p = tu_write(dir, "t.yaml", text, 0644);
	struct targets t;
	ck_assert_int_eq(targets_load(&t, p), -1);
	ck_assert_msg(strstr(err_get(), a) && strstr(err_get(), b), "error '%s' lacks '%s' or '%s'", err_get(), a, b);
	free(p);
}

START_TEST(test_errors_name_file_line_key)
{
	expect_error("targets:\n  x:\n    vcenter:\n      url: https://a/sdk\n      usr: u\n", "t.yaml:5:7", "unknown key 'usr'");
	expect_error("targets:\n  x:\n    vcenter:\n      url: https://a/sdk\n      user: u\n      password: secret\n",
		     "t.yaml:6:7", "'password' is not allowed");
	expect_error("targets:\n  x:\n    vcenter:\n      url: https://a/sdk\n      user: u\n      password_env: E\n"
		     "      insecure: yes\n", "t.yaml:7", "'insecure' must be true or false");
	expect_error("targets:\n  x:\n    vcenter:\n      url: ftp://a\n", "t.yaml:4", "not an http or https URL");
	expect_error("targets:\n  x:\n    vcenter:\n      url: https://a/sdk\n      user: u\n", "t.yaml:4", "exactly one of");
	expect_error("targets: [\n", "t.yaml:", "");
	expect_error("targets:\n  x:\n    vcenter:\n      url: https://a/sdk\n      user: u\n      password_env: E\n"
		     "      ca_file: a.pem\n      ca_file: b.pem\n", "t.yaml:8:7", "duplicate key 'ca_file'");
	expect_error("targets:\n  x:\n    vcenter:\n      url: https://a/sdk\n      user: u\n      password_env: E\n"
		     "      timeout: soon\n", "t.yaml:7", "'timeout'");
}
END_TEST

START_TEST(test_missing_file_names_path)
{
	struct targets t;
	char *p = xasprintf("%s/none.yaml", dir);
	ck_assert_int_eq(targets_load(&t, p), -1);
	ck_assert_ptr_nonnull(strstr(err_get(), p));
	free(p);
}
END_TEST

START_TEST(test_password_sources)
{
	char *p = tu_write(dir, "targets.yaml", good, 0644);
	struct targets t;
	ck_assert_int_eq(targets_load(&t, p), 0);
	char *pw;
	unsetenv("HARDEN_TEST_PW");
	ck_assert_int_eq(endpoint_password(&targets_find(&t, "prod-vc")->vcenter, "prod-vc", &pw), -1);
	ck_assert_ptr_nonnull(strstr(err_get(), "HARDEN_TEST_PW"));
	setenv("HARDEN_TEST_PW", "s3cret", 1);
	ck_assert_int_eq(endpoint_password(&targets_find(&t, "prod-vc")->vcenter, "prod-vc", &pw), 0);
	ck_assert_str_eq(pw, "s3cret");
	targets_password_free(pw);

	const struct endpoint *lab = &targets_find(&t, "lab")->vcenter;
	free(tu_write(dir, "lab.pw", "filepass\n", 0644));
	ck_assert_int_eq(endpoint_password(lab, "lab", &pw), -1);
	ck_assert_ptr_nonnull(strstr(err_get(), "0644"));
	ck_assert_ptr_null(strstr(err_get(), "filepass"));
	free(tu_write(dir, "lab.pw", "filepass\n", 0600));
	ck_assert_int_eq(endpoint_password(lab, "lab", &pw), 0);
	ck_assert_str_eq(pw, "filepass");
	targets_password_free(pw);
	targets_release(&t);
	free(p);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("targets");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_load_good_file);
	tcase_add_test(tc, test_errors_name_file_line_key);
	tcase_add_test(tc, test_missing_file_names_path);
	tcase_add_test(tc, test_password_sources);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(suite()) ? 1 : 0;
}
