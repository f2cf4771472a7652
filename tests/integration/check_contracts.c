/* The JSON contracts: every JSON document harden writes, from real scans of
 * the vCenter and NSX labs, validates against the schema shipped in
 * schemas/ (draft 2020-12, checked by scripts/check-schema.py with
 * python3-jsonschema); one schema_version key everywhere; scores to one
 * decimal as printed. */
#include <jansson.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitcode.h"
#include "lib/lab.h"
#include "lib/testutil.h"
#include "util/util.h"

#define CHECK_SCHEMA "/usr/bin/python3 scripts/check-schema.py"

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

/* Runs harden with args, expecting exit want, and keeps its standard
 * output as dir/name; returns the path. */
static char *capture(const char *name, int want, const char *const *args)
{
	struct run r;
	harden_run(&lab, &r, args);
	ck_assert_msg(r.status == want, "%s: exit %d, not %d: %s", args[0], r.status, want, r.err);
	char *path = tu_write(lab.dir, name, r.out, 0644);
	run_release(&r);
	return path;
}

/* Whether the documents validate against schemas/SCHEMA.schema.json. */
static bool validates(const char *schema, const char *docs)
{
	char *cmd = xasprintf(CHECK_SCHEMA " schemas/%s.schema.json %s", schema, docs);
	int rc = system(cmd);
	free(cmd);
	return rc == 0;
}

/* The document's schema and schema_version, and no other "version". */
static void check_head(const char *path, const char *schema)
{
	json_error_t je;
	json_t *j = json_load_file(path, 0, &je);
	ck_assert_msg(j != NULL, "%s: %s", path, je.text);
	ck_assert_str_eq(json_string_value(json_object_get(j, "schema")), schema);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "schema_version")), 1);
	ck_assert_ptr_null(json_object_get(j, "version"));
	json_decref(j);
}

/* A host's advanced option, set through the lab's own API. */
static void set_dcui_timeout(long seconds)
{
	struct vc *v = lab_session(&lab);
	char *host = lab_moref(v, "HostSystem", "DC0_C0_H0");
	char *opt = lab_host_manager(v, host, "advancedOption");
	lab_soap(v, "<UpdateOptions xmlns=\"urn:vim25\"><_this type=\"OptionManager\">%s</_this><changedValue>"
		    "<key>UserVars.DcuiTimeOut</key><value xsi:type=\"xsd:long\">%ld</value></changedValue>"
		    "</UpdateOptions>", opt, seconds);
	free(opt);
	free(host);
	vc_close(v);
}

#define BASELINES "--baseline", "cis-vmware-esxi-8.0-subset", "--baseline", "nsx-4-dfw-stig"

START_TEST(test_every_json_output_validates)
{
	ck_assert_msg(system(CHECK_SCHEMA " 2>/dev/null; test $? = 2") == 0,
		      "scripts/check-schema.py does not run (python3-jsonschema missing?)");
	setenv("HARDEN_CATALOG", "baselines/catalog.json", 1);
	static const char *const scan1[] = { "scan", "-t", "lab", BASELINES, "--fail-on", "none", "-f", "json", NULL };
	char *s1 = capture("scan1.json", EXIT_CLEAN, scan1);
	set_dcui_timeout(3600);
	static const char *const scan2[] = { "scan", "-t", "lab", BASELINES, "--fail-on", "medium", "--fail-on-new",
					     "-f", "json", NULL };
	char *s2 = capture("scan2.json", EXIT_FINDINGS, scan2);
	static const char *const eval[] = { "evaluate", "-t", "lab", "-b", "pci-dss-4.0-vmware", "--fail-on", "none",
					    "--min-score", "10", "-f", "json", NULL };
	char *ev = capture("eval.json", EXIT_CLEAN, eval);
	static const char *const rep[] = { "report", "-t", "lab", "--all", "-f", "json", NULL };
	char *rp = capture("report.json", EXIT_CLEAN, rep);
	ck_assert(validates("harden.scan", s1) && validates("harden.scan", s2) && validates("harden.scan", ev) &&
		  validates("harden.scan", rp));
	check_head(s2, "harden.scan");

	static const char *const inv[] = { "inventory", "-t", "lab", "-f", "json", NULL };
	static const char *const drift[] = { "drift", "-t", "lab", "-f", "json", NULL };
	static const char *const hist[] = { "history", "-t", "lab", "--object", "DC0_C0_H0", "-f", "json", NULL };
	static const char *const snaps[] = { "snapshots", "-f", "json", NULL };
	static const char *const targets[] = { "targets", "-f", "json", NULL };
	static const char *const advise[] = { "advise", "--all-critical", "-f", "json", NULL };
	static const char *const rems[] = { "remediation", "list", "-f", "json", NULL };
	static const char *const cov[] = { "baseline", "coverage", "-f", "json", "cis-esxi-8.0", NULL };
	const struct {
		const char *schema, *file;
		const char *const *args;
	} docs[] = {
		{ "harden.inventory", "inv.json", inv },      { "harden.drift", "drift.json", drift },
		{ "harden.history", "hist.json", hist },      { "harden.snapshots", "snaps.json", snaps },
		{ "harden.targets", "targets.json", targets }, { "harden.advice", "advice.json", advise },
		{ "harden.remediations", "rem.json", rems },  { "harden.coverage", "cov.json", cov },
	};
	for (size_t i = 0; i < ARRAY_SIZE(docs); i++) {
		char *path = capture(docs[i].file, EXIT_CLEAN, docs[i].args);
		ck_assert_msg(validates(docs[i].schema, path), "%s does not validate against %s", path,
			      docs[i].schema);
		if (strcmp(docs[i].schema, "harden.coverage"))
			check_head(path, docs[i].schema);
		free(path);
	}
	/* The drift checked is not empty: the regression and the setting. */
	char *dj = xasprintf("%s/drift.json", lab.dir), *text = file_read(dj, NULL);
	ck_assert_msg(text && strstr(text, "\"regressed\"") && strstr(text, "UserVars.DcuiTimeOut"), "%s", text);
	free(text);
	free(dj);

	/* A document that breaks the contract fails: the check is not vacuous. */
	text = file_read(s1, NULL);
	char *p = strstr(text, "\"score\": ");
	ck_assert_ptr_nonnull(p);
	*p = '\0';
	char *bad = xasprintf("%s\"score\": \"high\", \"was\": %s", text, p + 9);
	char *broken = tu_write(lab.dir, "broken.json", bad, 0644);
	free(bad);
	ck_assert(!validates("harden.scan", broken));
	free(broken);
	free(text);
	free(s1);
	free(s2);
	free(ev);
	free(rp);
}
END_TEST

/* The score as printed: at most one decimal (never 81.400000000000006),
 * 100 * pass / (pass + fail) rounded half up. */
START_TEST(test_scores_print_one_decimal)
{
	static const char *const scan[] = { "scan", "-t", "lab", "-b", "pci-dss-4.0-vmware", "--fail-on", "none", "-f",
					    "json", NULL };
	struct run r;
	harden_run(&lab, &r, scan);
	ck_assert_int_eq(r.status, EXIT_CLEAN);
	regex_t re;
	ck_assert_int_eq(regcomp(&re, "\n  \"score\": ([0-9]+)(\\.[0-9])?,\n", REG_EXTENDED), 0);
	regmatch_t m[3];
	ck_assert_msg(regexec(&re, r.out, 3, m, 0) == 0, "%.2000s", r.out);
	regfree(&re);
	json_t *j = json_loads(r.out, 0, NULL);
	json_t *c = json_object_get(j, "counts");
	long long pass = json_integer_value(json_object_get(c, "pass"));
	long long fail = json_integer_value(json_object_get(c, "fail"));
	long long tenths = (1000 * pass + (pass + fail) / 2) / (pass + fail);
	char want[32];
	snprintf(want, sizeof(want), tenths % 10 ? "%lld.%lld" : "%lld.0", tenths / 10, tenths % 10);
	regoff_t end = m[2].rm_so >= 0 ? m[2].rm_eo : m[1].rm_eo;
	char got[32];
	snprintf(got, sizeof(got), "%.*s", (int)(end - m[1].rm_so), r.out + m[1].rm_so);
	ck_assert_str_eq(got, want);
	json_decref(j);
	run_release(&r);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("contracts");
	TCase *tc = tcase_create("contracts");
	tcase_set_timeout(tc, 240);
	tcase_add_checked_fixture(tc, start, stop);
	tcase_add_test(tc, test_every_json_output_validates);
	tcase_add_test(tc, test_scores_print_one_decimal);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(suite()) ? 1 : 0;
}
