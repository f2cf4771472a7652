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

/* The findings of a JSON report by rule and object name: the first. */
static json_t *finding(json_t *doc, const char *rule, const char *object)
{
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(doc, "findings"), i, f) {
		json_t *o = json_object_get(f, "object");
		if (!strcmp(json_string_value(json_object_get(f, "rule_id")), rule) &&
		    (!object || !strcmp(json_string_value(json_object_get(o, "name")), object)))
			return f;
	}
	ck_abort_msg("no finding of %s on %s", rule, object ? object : "any object");
	return NULL;
}

static const char *field(json_t *f, const char *key)
{
	const char *s = json_string_value(json_object_get(f, key));
	ck_assert_msg(s != NULL, "no %s", key);
	return s;
}

#define WORDING_BASELINE \
	"id: wording\ntitle: Wording\nversion: \"1\"\nrules:\n" \
	"  - id: w-any\n    title: Either\n    severity: high\n    object: host\n    check:\n      any:\n" \
	"        - { property: lockdown_mode, eq: nope }\n        - { property: connection_state, eq: gone }\n" \
	"  - id: w-all\n    title: Both\n    severity: high\n    object: host\n    check:\n      all:\n" \
	"        - { property: connection_state, eq: connected }\n        - { property: maintenance_mode, eq: false }\n" \
	"  - id: w-na\n    title: Never applies\n    severity: high\n    object: host\n" \
	"    when: { property: connection_state, eq: gone }\n    check: { property: version, eq: \"1\" }\n" \
	"  - id: w-sql\n    title: Hosts named H0\n    severity: high\n    object: host\n    reads: [name]\n" \
	"    sql: \"SELECT moref, 'named ' || name FROM objects WHERE type = 'host' AND name LIKE '%_H0'\"\n" \
	"    expected: \"a name that does not end in H0\"\n"

/* Evidence says "any of" and "all of", a not-applicable result says which
 * condition did not hold and what was seen, an SQL rule what it found. */
START_TEST(test_evidence_wording)
{
	char *bl = tu_write(lab.dir, "wording.yaml", WORDING_BASELINE, 0644);
	const char *const args[] = { "scan", "-t", "lab", "-b", bl, "--fail-on", "none", "--all", "-f", "json", NULL };
	struct run r;
	harden_run(&lab, &r, args);
	ck_assert_msg(r.status == EXIT_CLEAN, "%s", r.err);
	json_t *doc = json_loads(r.out, 0, NULL);
	ck_assert_ptr_nonnull(doc);
	json_t *f = finding(doc, "w-any", "DC0_C0_H0");
	ck_assert_str_eq(field(f, "status"), "fail");
	ck_assert_str_eq(field(f, "property"), "lockdown_mode; connection_state");
	ck_assert_str_eq(field(f, "expected"), "any of: nope; gone");
	f = finding(doc, "w-all", "DC0_C0_H0");
	ck_assert_str_eq(field(f, "status"), "pass");
	ck_assert_str_eq(field(f, "expected"), "all of: connected; false");
	f = finding(doc, "w-na", "DC0_C0_H0");
	ck_assert_str_eq(field(f, "status"), "not_applicable");
	ck_assert_str_eq(field(f, "property"), "connection_state");
	ck_assert_str_eq(field(f, "observed"), "connected");
	ck_assert_str_eq(field(f, "expected"), "the rule applies only when connection_state is gone");
	/* Two hosts end in H0 (one per cluster): the query found two of six. */
	f = finding(doc, "w-sql", "DC0_C0_H0");
	ck_assert_str_eq(field(f, "status"), "fail");
	ck_assert_str_eq(field(f, "property"), "SQL query over name");
	ck_assert_str_eq(field(f, "observed"), "named DC0_C0_H0 (the query returned 2 of the host objects)");
	f = finding(doc, "w-sql", "DC0_C0_H1");
	ck_assert_str_eq(field(f, "status"), "pass");
	ck_assert_str_eq(field(f, "observed"), "not returned (the query returned 2 of the host objects)");
	json_decref(doc);
	run_release(&r);
	free(bl);
}
END_TEST

/* NSX down: the part's error is told once, in the header and in the
 * JSON's parts, and each unknown row says only that the part failed. */
START_TEST(test_failed_part_reported_once)
{
	nsx_control(&lab, "/lab/fail?status=503&count=1000");
	char *json = xasprintf("json:%s/down.json", lab.dir), *html = xasprintf("html:%s/down.html", lab.dir);
	const char *const args[] = { "scan", "-t", "lab", "-b", "nsx-4-dfw-stig", "--fail-on", "none", "--output", json,
				     "--output", html, NULL };
	struct run r;
	harden_run(&lab, &r, args);
	ck_assert_msg(r.status == EXIT_COLLECT, "%s", r.err);
	const char *err = "Some appliance components are not functioning properly.";
	char *first = strstr(r.out, err);
	ck_assert_msg(first && !strstr(first + 1, err), "the error is not told once:\n%s", r.out);
	ck_assert_ptr_nonnull(strstr(r.out, "(not collected: the NSX part failed; the snapshot's parts say why)"));
	run_release(&r);
	/* The HTML header has each part's status, the failed one's reason once. */
	char *hp = xasprintf("%s/down.html", lab.dir), *page = file_read(hp, NULL);
	ck_assert_ptr_nonnull(page);
	first = strstr(page, err);
	ck_assert_msg(first && !strstr(first + 1, err), "the HTML does not tell the error once");
	ck_assert_ptr_nonnull(strstr(page, "<th>Part nsx</th>"));
	ck_assert_ptr_nonnull(strstr(page, "<td>failed: "));
	free(page);
	free(hp);
	free(html);
	char *path = xasprintf("%s/down.json", lab.dir);
	ck_assert(validates("harden.scan", path));
	json_t *doc = json_load_file(path, 0, NULL);
	json_t *nsx = json_array_get(json_object_get(json_object_get(doc, "snapshot"), "parts"), 1);
	ck_assert_str_eq(field(nsx, "part"), "nsx");
	ck_assert_str_eq(field(nsx, "status"), "failed");
	ck_assert_ptr_nonnull(strstr(field(nsx, "error"), err));
	json_t *gate = json_object_get(doc, "gate");
	ck_assert_int_eq(json_integer_value(json_object_get(gate, "exit_code")), EXIT_COLLECT);
	ck_assert_str_eq(field(gate, "outcome"), "fail");
	size_t i, unknown = 0;
	json_t *f;
	json_array_foreach(json_object_get(doc, "findings"), i, f) {
		ck_assert_str_eq(field(f, "status"), "unknown");
		ck_assert_str_eq(field(f, "observed"), "(not collected: the NSX part failed; the snapshot's parts say why)");
		ck_assert_str_ne(field(f, "expected"), "");
		unknown++;
	}
	ck_assert_uint_gt(unknown, 5);
	json_decref(doc);
	free(path);
	free(json);
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
	tcase_add_test(tc, test_evidence_wording);
	tcase_add_test(tc, test_failed_part_reported_once);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(suite()) ? 1 : 0;
}
