/* harden scan against the vCenter lab and the NSX Policy API lab together,
 * over real HTTP: the seeded DFW's exact findings, both ways of
 * authenticating, paging, an expiring session, 429 bursts, redirects,
 * and failures of the NSX part alone.  DFW rules changed through PATCH and
 * DELETE are scenarios in tests/data/scenarios/. */
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "lib/lab.h"
#include "lib/testutil.h"
#include "util/util.h"

#define PCI "pci-dss-4.0-vmware"
#define POLICIES "/infra/domains/default/security-policies"
#define RULE(p, r) POLICIES "/" p "/rules/" r
#define MGR "nsx-manager"

static struct lab lab;

static void start_seeded(void)
{
	lab_start(&lab, NULL);
	lab_start_nsx(&lab, NULL);
}

static void start_paged(void)
{
	static const char *const f[] = { "-max-page-size", "3", NULL };
	lab_start(&lab, NULL);
	lab_start_nsx(&lab, f);
}

static void start_tls(void)
{
	static const char *const f[] = { "-tls", NULL };
	lab_start(&lab, NULL);
	lab_start_nsx(&lab, f);
}

static void stop(void)
{
	lab_stop(&lab);
}

static const char *const scan_pci[] = { "scan", "--target", "lab", "--baseline", PCI, "--format", "json", "--all",
					NULL };

static json_t *run_json(struct run *r, const char *const *args, int want)
{
	harden_run(&lab, r, args);
	ck_assert_msg(r->status == want, "exit %d, want %d; stderr: %s", r->status, want, r->err);
	json_error_t je;
	json_t *j = json_loads(r->out, 0, &je);
	ck_assert_msg(j != NULL, "not JSON: %s\n%s", je.text, r->out);
	return j;
}

/* "rule moref status" lines of the DFW results (NSX objects only), sorted. */
static char *dfw_results(const char *json)
{
	json_t *j = json_loads(json, 0, NULL);
	ck_assert(j != NULL);
	struct strlist l = { 0 };
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(j, "findings"), i, f) {
		json_t *o = json_object_get(f, "object");
		const char *type = json_string_value(json_object_get(o, "type"));
		if (!strcmp(type, "host") || !strcmp(type, "vm") || !strcmp(type, "datastore"))
			continue;
		strlist_add_owned(&l, xasprintf("%s %s %s", json_string_value(json_object_get(f, "rule_id")),
						json_string_value(json_object_get(o, "id")),
						json_string_value(json_object_get(f, "status"))));
	}
	json_decref(j);
	return tu_sorted_lines(&l);
}

/* The status and error of a snapshot's part, read from the twin itself. */
static char *part_status(long long snap, const char *part)
{
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open_v2(lab.db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *s;
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT status, coalesce(error, '') FROM snapshot_part "
						"WHERE snapshot_id = ? AND part = ?", -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_int64(s, 1, snap);
	sqlite3_bind_text(s, 2, part, -1, SQLITE_STATIC);
	char *out = sqlite3_step(s) == SQLITE_ROW
		? xasprintf("%s %s", sqlite3_column_text(s, 0), sqlite3_column_text(s, 1)) : xstrdup("(none)");
	sqlite3_finalize(s);
	sqlite3_close(db);
	return out;
}

static long long snapshot_of(json_t *j)
{
	return json_integer_value(json_object_get(j, "snapshot_id"));
}

/* The exact DFW verdicts of the seeded lab (see tests/lab/README.md). */
static const char seeded_dfw[] =
	"pci-r1-1 " RULE("db-tier", "allow-app-to-db") " pass\n"
	"pci-r1-1 " RULE("default-layer2-section", "default-layer2-rule") " not_applicable\n"
	"pci-r1-1 " RULE("default-layer3-section", "default-layer3-rule") " not_applicable\n"
	"pci-r1-1 " RULE("default-layer3-section", "default-rule-dhcp") " pass\n"
	"pci-r1-1 " RULE("default-layer3-section", "default-rule-ndp") " pass\n"
	"pci-r1-1 " RULE("infra-services", "allow-dns") " pass\n"
	"pci-r1-1 " RULE("infra-services", "allow-mgmt-ssh") " pass\n"
	"pci-r1-1 " RULE("quarantine", "drop-quarantined") " not_applicable\n"
	"pci-r1-1 " RULE("web-tier", "allow-https-in") " pass\n"
	"pci-r1-1 " RULE("web-tier", "allow-web-to-app") " pass\n"
	"pci-r1-1 " RULE("web-tier", "legacy-any-any") " fail\n"
	"pci-r1-1 " RULE("web-tier", "old-ftp") " not_applicable\n"
	"pci-r1-2 " MGR " pass\n"
	"pci-r1-3 " MGR " fail\n"
	"pci-r1-4 " RULE("db-tier", "allow-app-to-db") " not_applicable\n"
	"pci-r1-4 " RULE("default-layer2-section", "default-layer2-rule") " not_applicable\n"
	"pci-r1-4 " RULE("default-layer3-section", "default-layer3-rule") " not_applicable\n"
	"pci-r1-4 " RULE("default-layer3-section", "default-rule-dhcp") " pass\n"
	"pci-r1-4 " RULE("default-layer3-section", "default-rule-ndp") " pass\n"
	"pci-r1-4 " RULE("infra-services", "allow-dns") " not_applicable\n"
	"pci-r1-4 " RULE("infra-services", "allow-mgmt-ssh") " not_applicable\n"
	"pci-r1-4 " RULE("quarantine", "drop-quarantined") " not_applicable\n"
	"pci-r1-4 " RULE("web-tier", "allow-https-in") " pass\n"
	"pci-r1-4 " RULE("web-tier", "allow-web-to-app") " not_applicable\n"
	"pci-r1-4 " RULE("web-tier", "legacy-any-any") " fail\n"
	"pci-r1-4 " RULE("web-tier", "old-ftp") " not_applicable\n"
	"pci-r1-5 " RULE("db-tier", "allow-app-to-db") " pass\n"
	"pci-r1-5 " RULE("default-layer2-section", "default-layer2-rule") " pass\n"
	"pci-r1-5 " RULE("default-layer3-section", "default-layer3-rule") " pass\n"
	"pci-r1-5 " RULE("default-layer3-section", "default-rule-dhcp") " pass\n"
	"pci-r1-5 " RULE("default-layer3-section", "default-rule-ndp") " pass\n"
	"pci-r1-5 " RULE("infra-services", "allow-dns") " pass\n"
	"pci-r1-5 " RULE("infra-services", "allow-mgmt-ssh") " pass\n"
	"pci-r1-5 " RULE("quarantine", "drop-quarantined") " pass\n"
	"pci-r1-5 " RULE("web-tier", "allow-https-in") " pass\n"
	"pci-r1-5 " RULE("web-tier", "allow-web-to-app") " pass\n"
	"pci-r1-5 " RULE("web-tier", "legacy-any-any") " pass\n"
	"pci-r1-5 " RULE("web-tier", "old-ftp") " fail\n"
	"pci-r1-6 " POLICIES "/db-tier" " pass\n"
	"pci-r1-6 " POLICIES "/default-layer2-section" " not_applicable\n"
	"pci-r1-6 " POLICIES "/default-layer3-section" " pass\n"
	"pci-r1-6 " POLICIES "/infra-services" " pass\n"
	"pci-r1-6 " POLICIES "/quarantine" " pass\n"
	"pci-r1-6 " POLICIES "/web-tier" " pass\n"
	"pci-r10-2-1 " RULE("db-tier", "allow-app-to-db") " pass\n"
	"pci-r10-2-1 " RULE("default-layer2-section", "default-layer2-rule") " not_applicable\n"
	"pci-r10-2-1 " RULE("default-layer3-section", "default-layer3-rule") " not_applicable\n"
	"pci-r10-2-1 " RULE("default-layer3-section", "default-rule-dhcp") " pass\n"
	"pci-r10-2-1 " RULE("default-layer3-section", "default-rule-ndp") " pass\n"
	"pci-r10-2-1 " RULE("infra-services", "allow-dns") " pass\n"
	"pci-r10-2-1 " RULE("infra-services", "allow-mgmt-ssh") " pass\n"
	"pci-r10-2-1 " RULE("quarantine", "drop-quarantined") " not_applicable\n"
	"pci-r10-2-1 " RULE("web-tier", "allow-https-in") " pass\n"
	"pci-r10-2-1 " RULE("web-tier", "allow-web-to-app") " fail\n"
	"pci-r10-2-1 " RULE("web-tier", "legacy-any-any") " pass\n"
	"pci-r10-2-1 " RULE("web-tier", "old-ftp") " not_applicable\n";

/* Scans and asserts the seeded DFW's verdicts, exactly. */
static void scan_expect_seeded(void)
{
	struct run r;
	json_t *j = run_json(&r, scan_pci, EXIT_FINDINGS);
	char *got = dfw_results(r.out);
	ck_assert_str_eq(got, seeded_dfw);
	free(got);
	json_decref(j);
	run_release(&r);
}

START_TEST(test_seeded_dfw_exact_findings)
{
	struct run r;
	json_t *j = run_json(&r, scan_pci, EXIT_FINDINGS);
	char *got = dfw_results(r.out);
	ck_assert_str_eq(got, seeded_dfw);
	free(got);
	/* The evidence names the property, the value seen and the one expected. */
	size_t i;
	json_t *f;
	bool seen = false;
	json_array_foreach(json_object_get(j, "findings"), i, f) {
		if (strcmp(json_string_value(json_object_get(f, "rule_id")), "pci-r1-1") ||
		    strcmp(json_string_value(json_object_get(f, "status")), "fail"))
			continue;
		ck_assert_str_eq(json_string_value(json_object_get(f, "property")),
				 "source_any; destination_any; service_any; applied_to_any");
		ck_assert_str_eq(json_string_value(json_object_get(f, "observed")), "true; true; true; true");
		ck_assert_str_eq(json_string_value(json_object_get(json_object_get(f, "object"), "name")),
				 "legacy-any-any");
		/* And what it cites and advises. */
		json_t *refs = json_object_get(f, "references");
		ck_assert_int_eq(json_array_size(refs), 3);
		ck_assert_str_eq(json_string_value(json_array_get(refs, 0)),
				 "PCI DSS v4.0 1.3.1: inbound traffic to the CDE is limited to what is necessary");
		ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(f, "rationale")), "ANY to ANY"));
		ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(f, "remediation")), "Delete the rule"));
		seen = true;
	}
	ck_assert(seen);
	long long snap = snapshot_of(j);
	char *p = part_status(snap, "nsx");
	ck_assert_str_eq(p, "completed ");
	free(p);
	p = part_status(snap, "vcenter");
	ck_assert_str_eq(p, "completed ");
	free(p);
	/* Session authentication: one session, destroyed at the end. */
	ck_assert_int_eq(nsx_stat(&lab, "sessions_created"), 1);
	ck_assert_int_eq(nsx_stat(&lab, "sessions_destroyed"), 1);
	ck_assert_int_eq(nsx_stat(&lab, "basic_auth"), 0);
	json_decref(j);
	run_release(&r);

	/* The inventory holds every DFW object with its effective order. */
	static const char *const inv[] = { "inventory", "--target", "lab", "--format", "json", NULL };
	j = run_json(&r, inv, EXIT_CLEAN);
	int rules = 0, policies = 0, groups = 0, services = 0;
	long long order_legacy = 0, order_default = 0, order_quarantine = 0, order_layer2 = 0;
	json_array_foreach(json_object_get(j, "objects"), i, f) {
		const char *type = json_string_value(json_object_get(f, "type"));
		const char *id = json_string_value(json_object_get(f, "id"));
		json_t *props = json_object_get(f, "properties");
		if (!strcmp(type, "dfw_rule")) {
			rules++;
			json_t *ord = json_object_get(props, "order");
			ck_assert_msg(json_is_integer(ord), "%s has no order", id);
			if (!strcmp(id, RULE("web-tier", "legacy-any-any")))
				order_legacy = json_integer_value(ord);
			if (!strcmp(id, RULE("default-layer3-section", "default-layer3-rule")))
				order_default = json_integer_value(ord);
			if (!strcmp(id, RULE("quarantine", "drop-quarantined")))
				order_quarantine = json_integer_value(ord);
			if (!strcmp(id, RULE("default-layer2-section", "default-layer2-rule")))
				order_layer2 = json_integer_value(ord);
		}
		policies += !strcmp(type, "dfw_policy");
		groups += !strcmp(type, "nsx_group");
		services += !strcmp(type, "nsx_service");
	}
	ck_assert_int_eq(rules, 12);
	ck_assert_int_eq(policies, 6);
	ck_assert_int_eq(groups, 6);
	ck_assert_int_eq(services, 12);
	/* Ethernet (the default layer-2 rule) before Emergency before
	 * Infrastructure before Application; the layer-3 default last. */
	ck_assert_int_eq(order_layer2, 1);
	ck_assert_int_eq(order_quarantine, 2);
	ck_assert_int_eq(order_default, 12);
	ck_assert_int_eq(order_legacy, 7);
	json_decref(j);
	run_release(&r);
}
END_TEST

START_TEST(test_basic_auth)
{
	lab_config_nsx(&lab, "      auth: basic\n");
	scan_expect_seeded();
	ck_assert_int_eq(nsx_stat(&lab, "sessions_created"), 0);
	ck_assert_int_gt(nsx_stat(&lab, "basic_auth"), 5);
}
END_TEST

START_TEST(test_session_expires_mid_collection)
{
	nsx_control(&lab, "/lab/expire-sessions-after?n=4");
	scan_expect_seeded();
	ck_assert_int_eq(nsx_stat(&lab, "sessions_created"), 2);
	ck_assert_int_eq(nsx_stat(&lab, "sessions_expired"), 1);
}
END_TEST

START_TEST(test_429_burst_then_success)
{
	nsx_control(&lab, "/lab/fail?status=429&count=2&retry_after=1");
	scan_expect_seeded();
	ck_assert_int_eq(nsx_stat(&lab, "faults_served"), 2);

	/* 503 without Retry-After: exponential back-off, then success. */
	nsx_control(&lab, "/lab/fail?status=503&count=2");
	scan_expect_seeded();
}
END_TEST

START_TEST(test_redirects_are_followed)
{
	nsx_control(&lab, "/lab/redirect?count=3");
	scan_expect_seeded();
	ck_assert_int_eq(nsx_stat(&lab, "redirects"), 3);
}
END_TEST

/* Every DFW result is unknown, on the manager object; the hosts were evaluated. */
static void assert_dfw_unknown(const char *json, const char *why)
{
	char *got = dfw_results(json);
	ck_assert_msg(!strstr(got, " pass\n") && !strstr(got, " fail\n"), "DFW verdicts without NSX data:\n%s", got);
	static const char *const rules[] = { "pci-r1-1", "pci-r1-2", "pci-r1-3", "pci-r1-4", "pci-r1-5", "pci-r1-6",
					     "pci-r10-2-1" };
	for (unsigned i = 0; i < ARRAY_SIZE(rules); i++)
		ck_assert_msg(json_count_moref(json, rules[i], "unknown", MGR) == 1, "%s is not unknown once", rules[i]);
	free(got);
	ck_assert_ptr_nonnull(strstr(json, why));
	/* The seeded vCenter estate still fails PCI host rules. */
	ck_assert_int_gt(json_count(json, "pci-r2-2-4-ssh", "fail", "DC0_C0_H1"), 0);
	ck_assert_int_gt(json_count(json, "pci-r2-2-4-ssh", "pass", "DC0_C0_H0"), 0);
}

START_TEST(test_nsx_500_fails_only_the_nsx_part)
{
	nsx_control(&lab, "/lab/fail?status=500&count=1000&path=/security-policies");
	struct run r;
	json_t *j = run_json(&r, scan_pci, EXIT_COLLECT);
	ck_assert_msg(strstr(r.err, "NSX part of target 'lab' failed") && strstr(r.err, lab.nsx_url) &&
		      strstr(r.err, "HTTP 500"), "stderr: %s", r.err);
	assert_dfw_unknown(r.out, "the NSX part failed");
	long long snap = snapshot_of(j);
	/* The report says which part failed and why. */
	json_t *parts = json_object_get(json_object_get(j, "snapshot"), "parts");
	ck_assert_uint_eq(json_array_size(parts), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(parts, 1), "status")), "failed");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(json_array_get(parts, 1), "error")), "HTTP 500"));
	char *p = part_status(snap, "nsx");
	ck_assert_msg(!strncmp(p, "failed ", 7) && strstr(p, "HTTP 500"), "part: %s", p);
	free(p);
	p = part_status(snap, "vcenter");
	ck_assert_str_eq(p, "completed ");
	free(p);
	json_decref(j);
	run_release(&r);

	/* The snapshot is usable: the report shows it, and nothing of a
	 * failed part was kept. */
	static const char *const table[] = { "report", "--target", "lab", NULL };
	harden_run(&lab, &r, table);
	ck_assert_msg(strstr(r.out, "NSX: not collected, the NSX part failed: ") && strstr(r.out, "DFW rules are unknown"),
		      "%s", r.out);
	run_release(&r);
	static const char *const inv[] = { "inventory", "--target", "lab", "--format", "json", NULL };
	j = run_json(&r, inv, EXIT_CLEAN);
	ck_assert_ptr_null(strstr(r.out, "\"dfw_rule\""));
	ck_assert_ptr_nonnull(strstr(r.out, "\"host\""));
	json_decref(j);
	run_release(&r);

	/* Faults cleared: the next scan is whole again. */
	nsx_control(&lab, "/lab/reset-faults");
	j = run_json(&r, scan_pci, EXIT_FINDINGS);
	char *got = dfw_results(r.out);
	ck_assert_str_eq(got, seeded_dfw);
	free(got);
	json_decref(j);
	run_release(&r);
}
END_TEST

START_TEST(test_malformed_json_is_a_clear_error)
{
	nsx_control(&lab, "/lab/malformed?count=1&path=/rules");
	struct run r;
	json_t *j = run_json(&r, scan_pci, EXIT_COLLECT);
	ck_assert_msg(strstr(r.err, "malformed JSON from the NSX manager of target 'lab' at ") &&
		      strstr(r.err, lab.nsx_url) && strstr(r.err, "/rules"), "stderr: %s", r.err);
	assert_dfw_unknown(r.out, "malformed JSON");
	json_decref(j);
	run_release(&r);
}
END_TEST

START_TEST(test_error_body_is_reported_either_way)
{
	nsx_control(&lab, "/lab/error-code-string?on=1");
	nsx_control(&lab, "/lab/fail?status=404&count=1&path=/infra/services");
	struct run r;
	json_t *j = run_json(&r, scan_pci, EXIT_COLLECT);
	ck_assert_msg(strstr(r.err, "HTTP 404") && strstr(r.err, "error_code"), "stderr: %s", r.err);
	json_decref(j);
	run_release(&r);
}
END_TEST

START_TEST(test_wrong_nsx_password)
{
	char *pw = tu_write(lab.dir, "nsx.pw", "not-the-password\n", 0600);
	free(pw);
	struct run r;
	json_t *j = run_json(&r, scan_pci, EXIT_AUTH);
	ck_assert_msg(strstr(r.err, "authentication failed for user '" NSX_LAB_USER "'") && strstr(r.err, lab.nsx_url),
		      "stderr: %s", r.err);
	ck_assert_ptr_null(strstr(r.err, "not-the-password"));
	assert_dfw_unknown(r.out, "authentication failed");
	json_decref(j);
	run_release(&r);
	/* Basic auth is refused the same way (403 on the first request). */
	lab_config_nsx(&lab, "      auth: basic\n");
	j = run_json(&r, scan_pci, EXIT_AUTH);
	ck_assert_msg(strstr(r.err, "HTTP 403"), "stderr: %s", r.err);
	json_decref(j);
	run_release(&r);
}
END_TEST

START_TEST(test_unreachable_nsx_names_url)
{
	free(lab.nsx_url);
	lab.nsx_url = xstrdup("http://127.0.0.1:9");
	lab_config_nsx(&lab, "      timeout: 5\n");
	struct run r;
	json_t *j = run_json(&r, scan_pci, EXIT_COLLECT);
	ck_assert_msg(strstr(r.err, "cannot reach the NSX manager of target 'lab' at http://127.0.0.1:9"), "stderr: %s",
		      r.err);
	json_decref(j);
	run_release(&r);
}
END_TEST

START_TEST(test_no_nsx_manager_means_unknown)
{
	free(lab.nsx_section);
	lab.nsx_section = NULL;
	lab_config(&lab, lab.url, NULL);
	struct run r;
	/* Unknown critical rules and no critical failure: exit 3, never 0. */
	json_t *j = run_json(&r, scan_pci, EXIT_UNKNOWN);
	assert_dfw_unknown(r.out, "the target names no NSX manager");
	char *p = part_status(snapshot_of(j), "nsx");
	ck_assert_str_eq(p, "not_configured ");
	free(p);
	json_decref(j);
	run_release(&r);
	/* A CIS scan of the same target reads no DFW and is not affected. */
	static const char *const cis[] = { "scan", "--target", "lab", "--baseline", "cis-vmware-esxi-8.0-subset",
					   "--format", "json", NULL };
	j = run_json(&r, cis, EXIT_FINDINGS);
	ck_assert_ptr_null(strstr(r.out, MGR));
	json_decref(j);
	run_release(&r);
}
END_TEST

START_TEST(test_paging_across_pages)
{
	scan_expect_seeded();
	/* With 3 results a page: domains 1, groups 2, policies 2, rules
	 * 1+1+2+1+1+1 (the default layer-3 section's three rules fill one
	 * page), services 4 pages; then one page each for the flood
	 * protection profiles, their bindings (search), SpoofGuard and IP
	 * discovery profiles, segments and the two segment binding searches. */
	ck_assert_int_eq(nsx_stat(&lab, "list_pages"), 23);
}
END_TEST

START_TEST(test_nsx_tls_is_verified)
{
	ck_assert_ptr_nonnull(strstr(lab.nsx_url, "https://"));
	scan_expect_seeded();
	/* Without the lab's CA the certificate is refused; insecure warns. */
	lab_config_nsx(&lab, NULL);
	struct run r;
	json_t *j = run_json(&r, scan_pci, EXIT_COLLECT);
	ck_assert_msg(strstr(r.err, "TLS verification failed for the NSX manager of target 'lab'"), "%s", r.err);
	ck_assert_msg(strstr(r.err, "set ca_file under 'nsx:' in the targets file"), "%s", r.err);
	json_decref(j);
	run_release(&r);
	lab_config_nsx(&lab, "      insecure: true\n");
	j = run_json(&r, scan_pci, EXIT_FINDINGS);
	ck_assert_msg(strstr(r.err, "TLS verification is off (insecure: true); the NSX manager"), "%s", r.err);
	json_decref(j);
	run_release(&r);
}
END_TEST

/* Records which statuses each rule had; asserts nothing was unknown. */
static void merge_statuses(json_t *seen, const char *const *args)
{
	struct run r;
	json_t *j = run_json(&r, args, EXIT_CLEAN);
	ck_assert_msg(json_integer_value(json_object_get(json_object_get(j, "counts"), "unknown")) == 0,
		      "unknown results against the lab:\n%s", r.out);
	json_rule_statuses(seen, j);
	json_decref(j);
	run_release(&r);
}

/* Every rule of the PCI DSS, 等保 and NSX DFW STIG baselines both fails and passes
 * against the labs, as seeded and once changed through their APIs, and no
 * rule of any builtin baseline is ever unknown: every property they read is
 * collected. */
START_TEST(test_builtin_baselines_fail_pass_never_unknown)
{
	static const char *const all[] = { "scan", "--target", "lab", "-b", "cis-vmware-esxi-8.0-subset", "-b",
					   "vsphere-scg-v8-subset", "-b", PCI, "-b", "dengbao-2.0-level3-vmware",
					   "-b", "nsx-4-dfw-stig", "--set", "min_esxi_build=22380479",
					   "--format", "json", "--all", "--fail-on", "none", NULL };
	json_t *seen = json_object();
	merge_statuses(seen, all);

	/* What the seeds do not break or mend: a PCI-grade lockout on one host,
	 * an NFS datastore only one host mounts, an allowing default rule with
	 * nothing ANY/ANY before it, and a stateless policy. */
	struct vc *v = lab_session(&lab);
	char *host = lab_moref(v, "HostSystem", "DC0_C0_H0");
	char *opt = lab_host_manager(v, host, "advancedOption");
	char *dss = lab_host_manager(v, host, "datastoreSystem");
	lab_soap(v, "<UpdateOptions xmlns=\"urn:vim25\"><_this type=\"OptionManager\">%s</_this>"
		    "<changedValue><key>Security.AccountUnlockTime</key><value xsi:type=\"xsd:long\">1800</value>"
		    "</changedValue></UpdateOptions>", opt);
	lab_soap(v, "<CreateNasDatastore xmlns=\"urn:vim25\"><_this type=\"HostDatastoreSystem\">%s</_this>"
		    "<spec><remoteHost>nas1.lab</remoteHost><remotePath>/export/vm</remotePath><localPath>%s</localPath>"
		    "<accessMode>readWrite</accessMode><type>NFS</type></spec></CreateNasDatastore>", dss, lab.dir);
	free(host);
	free(opt);
	free(dss);
	vc_close(v);
	nsx_patch(&lab, RULE("default-layer3-section", "default-layer3-rule"), "{\"action\": \"ALLOW\"}");
	nsx_patch(&lab, RULE("web-tier", "legacy-any-any"),
		  "{\"source_groups\": [\"/infra/domains/default/groups/mgmt-hosts\"]}");
	nsx_patch(&lab, POLICIES "/db-tier", "{\"stateful\": false}");
	/* The STIG's profiles and segments, and a rule without context. */
	nsx_patch(&lab, "/infra/flood-protection-profiles/dfw-flood-protection", "{\"enable_syncache\": false}");
	nsx_patch(&lab, RULE("infra-services", "allow-mgmt-ssh"), "{\"profiles\": [\"ANY\"]}");
	nsx_patch(&lab, "/infra/segments/db-segment/segment-security-profile-binding-maps/default",
		  "{\"spoofguard_profile_path\": \"/infra/spoofguard-profiles/default-spoofguard-profile\"}");
	nsx_patch(&lab, "/infra/segments/web-segment/segment-discovery-profile-binding-maps/default",
		  "{\"ip_discovery_profile_path\": \"/infra/ip-discovery-profiles/default-ip-discovery-profile\"}");
	merge_statuses(seen, all);
	/* No DFW flood protection profile at all. */
	long status;
	free(nsx_request(&lab, "DELETE", "/policy/api/v1/infra/flood-protection-profiles/dfw-flood-protection", NULL,
			 &status));
	ck_assert_int_eq(status, 200);
	merge_statuses(seen, all);

	int pci = 0, dengbao = 0, stig = 0;
	const char *id;
	json_t *e;
	json_object_foreach(seen, id, e) {
		bool ours = !strncmp(id, "pci-", 4) || !strncmp(id, "dengbao-", 8) || !strncmp(id, "ndfw-", 5);
		if (!ours)
			continue;
		pci += !strncmp(id, "pci-", 4);
		dengbao += !strncmp(id, "dengbao-", 8);
		stig += !strncmp(id, "ndfw-", 5);
		ck_assert_msg(json_object_get(e, "fail") && json_object_get(e, "pass"), "%s does not both fail and pass", id);
	}
	ck_assert_int_eq(pci, 22);
	ck_assert_int_eq(dengbao, 26);
	ck_assert_int_eq(stig, 7);
	json_decref(seen);
}
END_TEST

/* The parameters in force are recorded with the evaluation and shown in
 * the reports' headers, each with its source: a lowered PCI minimum shows. */
START_TEST(test_parameters_in_force_are_reported)
{
	static const char *const set[] = { "scan", "--target", "lab", "--baseline", PCI, "--set",
					   "min_esxi_build=22380479", "--set", "lockout_attempts=12", "--format", "json",
					   NULL };
	struct run r;
	json_t *j = run_json(&r, set, EXIT_FINDINGS);
	json_t *params = json_object_get(json_array_get(json_object_get(j, "baselines"), 0), "parameters");
	char *got = json_dumps(params, JSON_COMPACT);
	ck_assert_str_eq(got, "[{\"name\":\"lockout_attempts\",\"value\":\"12\",\"source\":\"--set\"},"
			      "{\"name\":\"lockout_duration_s\",\"value\":\"1800\",\"source\":\"default\"},"
			      "{\"name\":\"idle_timeout_s\",\"value\":\"900\",\"source\":\"default\"},"
			      "{\"name\":\"min_esxi_build\",\"value\":\"22380479\",\"source\":\"--set\"}]");
	free(got);
	long long snap = snapshot_of(j);
	json_decref(j);
	run_release(&r);
	char *id = xasprintf("%lld", snap);
	const char *const table[] = { "report", "--target", "lab", "--snapshot", id, "--format", "table", NULL };
	harden_run(&lab, &r, table);
	ck_assert_msg(strstr(r.out, "Parameters: lockout_attempts=12 (--set), lockout_duration_s=1800 (default), "
				    "idle_timeout_s=900 (default), min_esxi_build=22380479 (--set)\n"), "%s", r.out);
	run_release(&r);
	free(id);
}
END_TEST

static void serve_body(const char *path, int count, const char *body)
{
	long status;
	char *url = xasprintf("/lab/body?path=%s&count=%d", path, count);
	char *b = nsx_request(&lab, "POST", url, body, &status);
	ck_assert_msg(status == 200, "%s: %s", url, b);
	free(b);
	free(url);
}

/* The STIG's profiles with fields of the wrong JSON type: those properties
 * are not collected and the rules reading them are unknown, never passing;
 * a flood limit left out is no limit (0) and fails; a profile whose
 * resource_type is not a string is not a DFW profile. */
START_TEST(test_hostile_stig_profiles)
{
	serve_body("/ip-discovery-profiles", 1,
		   "{\"results\": [{\"id\": \"stig-ip-discovery\", \"path\": \"/infra/ip-discovery-profiles/stig-ip-discovery\", "
		   "\"tofu_enabled\": \"true\", \"ip_v4_discovery_options\": {\"arp_snooping_config\": "
		   "{\"arp_snooping_enabled\": true, \"arp_binding_limit\": \"1\"}, \"dhcp_snooping_enabled\": false, "
		   "\"vmtools_enabled\": false}, \"ip_v6_discovery_options\": [], "
		   "\"duplicate_ip_detection\": {\"duplicate_ip_detection_enabled\": true}}], \"result_count\": 1}");
	serve_body("/flood-protection-profiles", 1,
		   "{\"results\": [{\"id\": \"f\", \"resource_type\": \"DistributedFloodProtectionProfile\", "
		   "\"enable_syncache\": 1, \"enable_rst_spoofing\": true, \"tcp_half_open_conn_limit\": 10, "
		   "\"udp_active_flow_limit\": 10, \"icmp_active_flow_limit\": 10}, "
		   "{\"id\": \"g\", \"resource_type\": \"DistributedFloodProtectionProfile\", "
		   "\"enable_syncache\": true, \"enable_rst_spoofing\": true, \"tcp_half_open_conn_limit\": 10, "
		   "\"udp_active_flow_limit\": 10, \"icmp_active_flow_limit\": 10}, "
		   "{\"id\": \"gw\", \"resource_type\": 5}], \"result_count\": 3}");
	static const char *const stig[] = { "scan", "--target", "lab", "--baseline", "nsx-4-dfw-stig", "--format",
					    "json", "--all", NULL };
	struct run r;
	/* Unknown and failing results below the default gate's severity. */
	json_t *j = run_json(&r, stig, EXIT_CLEAN);
	ck_assert_int_eq(json_count_moref(r.out, "ndfw-4x-000034", "unknown", "/infra/segments/web-segment"), 1);
	ck_assert_int_eq(json_count_moref(r.out, "ndfw-4x-000034", "unknown", "/infra/segments/db-segment"), 1);
	ck_assert_int_eq(json_count_moref(r.out, "ndfw-4x-000029", "pass", "/infra/segments/db-segment"), 1);
	/* f's syncache is not collected, but no binding names it: fail. */
	ck_assert_int_eq(json_count_moref(r.out, "ndfw-4x-000015.profile", "fail",
					  "/infra/flood-protection-profiles/f"), 1);
	/* g leaves other_active_conn_limit out, and no binding names it. */
	ck_assert_int_eq(json_count_moref(r.out, "ndfw-4x-000015.profile", "fail",
					  "/infra/flood-protection-profiles/g"), 1);
	ck_assert_int_eq(json_count_moref(r.out, "ndfw-4x-000015", "pass", MGR), 1);
	ck_assert_ptr_null(strstr(r.out, "/infra/flood-protection-profiles/gw"));
	json_decref(j);
	run_release(&r);
}
END_TEST

/* Hostile or odd JSON from the manager: a field of the wrong type is not
 * collected (its rules are unknown, never passing), a rule without an id,
 * a page without results, a cursor that repeats and nesting past jansson's
 * limit each fail the NSX part with a clear message. */
START_TEST(test_hostile_json)
{
	serve_body("/web-tier/rules", 1,
		   "{\"results\": [{\"id\": \"legacy-any-any\", \"path\": \"" RULE("web-tier", "legacy-any-any") "\", "
		   "\"display_name\": \"\\u001b[31mred\", \"sequence_number\": \"30\", \"source_groups\": \"ANY\", "
		   "\"destination_groups\": [\"ANY\"], \"services\": [\"ANY\", 7], \"scope\": [\"ANY\"], \"action\": \"ALLOW\", "
		   "\"logged\": \"yes\", \"disabled\": false, \"sources_excluded\": false, \"destinations_excluded\": false}], "
		   "\"result_count\": 1}");
	struct run r;
	json_t *j = run_json(&r, scan_pci, EXIT_UNKNOWN);
	ck_assert_int_eq(json_count_moref(r.out, "pci-r1-1", "unknown", RULE("web-tier", "legacy-any-any")), 1);
	ck_assert_int_eq(json_count_moref(r.out, "pci-r10-2-1", "unknown", RULE("web-tier", "legacy-any-any")), 1);
	ck_assert_int_eq(json_count_moref(r.out, "pci-r1-4", "unknown", RULE("web-tier", "legacy-any-any")), 1);
	/* The checks over the whole DFW cannot see past that gap either. */
	ck_assert_int_eq(json_count_moref(r.out, "pci-r1-2", "unknown", MGR), 1);
	ck_assert_int_eq(json_count_moref(r.out, "pci-r1-3", "unknown", MGR), 1);
	json_decref(j);
	run_release(&r);
	static const char *const inv[] = { "inventory", "--target", "lab", "--format", "json", NULL };
	j = run_json(&r, inv, EXIT_CLEAN);
	size_t i;
	json_t *o;
	bool seen = false;
	json_array_foreach(json_object_get(j, "objects"), i, o) {
		if (strcmp(json_string_value(json_object_get(o, "id")), RULE("web-tier", "legacy-any-any")))
			continue;
		char *missing = json_dumps(json_object_get(o, "not_collected"), JSON_COMPACT);
		/* direction and ip_protocol were not sent at all. */
		ck_assert_str_eq(missing, "[\"direction\",\"ip_protocol\",\"logged\",\"profiles\",\"profiles_any\","
					  "\"sequence_number\",\"service_any\",\"services\",\"source_any\",\"source_groups\"]");
		free(missing);
		/* Still ordered: an unknown sequence number sorts last in its policy. */
		ck_assert(json_is_integer(json_object_get(json_object_get(o, "properties"), "order")));
		seen = true;
	}
	ck_assert(seen);
	json_decref(j);
	run_release(&r);
	/* The table shows the escape sequence in the name defused. */
	static const char *const table[] = { "report", "--target", "lab", NULL };
	harden_run(&lab, &r, table);
	ck_assert_ptr_null(strchr(r.out, '\033'));
	run_release(&r);

	static const struct {
		const char *path, *body, *why;
		int count;
	} bad[] = {
		{ "/infra/services", "{\"results\": [{\"display_name\": \"no id\"}]}", "a service without an id", 1 },
		{ "/infra/domains", "{\"result_count\": 1}", "no 'results' list", 1 },
		{ "/infra/domains", "{\"results\": [7]}", "result 0 is not an object", 1 },
		{ "/groups", "{\"results\": [], \"cursor\": \"b2Zmc2V0OjE\"}", "the same cursor twice", 2 },
		{ "/infra/domains", "[1, 2]", "not an object", 1 },
	};
	for (unsigned k = 0; k < ARRAY_SIZE(bad); k++) {
		serve_body(bad[k].path, bad[k].count, bad[k].body);
		j = run_json(&r, scan_pci, EXIT_COLLECT);
		ck_assert_msg(strstr(r.err, "NSX part of target 'lab' failed") && strstr(r.err, bad[k].why), "%s: %s",
			      bad[k].why, r.err);
		json_decref(j);
		run_release(&r);
		nsx_control(&lab, "/lab/reset-faults");
	}
	struct buf deep = BUF_INIT;
	for (int d = 0; d < 5000; d++)
		buf_putc(&deep, '[');
	serve_body("/infra/domains", 1, deep.data);
	buf_release(&deep);
	j = run_json(&r, scan_pci, EXIT_COLLECT);
	ck_assert_msg(strstr(r.err, "malformed JSON from the NSX manager"), "%s", r.err);
	json_decref(j);
	run_release(&r);
}
END_TEST

/* An NSX answer that lists one rule twice is a protocol error of the NSX
 * part alone: exit 4, the DFW rules unknown, the vCenter part's results
 * reported and its snapshot completed (it used to cost the vCenter part). */
START_TEST(test_duplicate_nsx_rule_fails_only_the_nsx_part)
{
	static const char rule[] = "{\"id\": \"twice\", \"display_name\": \"twice\", "
				   "\"path\": \"/infra/domains/default/security-policies/p/rules/twice\", "
				   "\"action\": \"ALLOW\", \"sequence_number\": 1}";
	char *body = xasprintf("{\"results\": [%s, %s], \"result_count\": 2}", rule, rule);
	serve_body("/rules", 1, body);
	free(body);
	struct run r;
	json_t *j = run_json(&r, scan_pci, EXIT_COLLECT);
	ck_assert_msg(strstr(r.err, "NSX part of target 'lab' failed") && strstr(r.err, "twice"), "stderr: %s", r.err);
	assert_dfw_unknown(r.out, "the NSX part failed");
	long long snap = snapshot_of(j);
	char *p = part_status(snap, "vcenter");
	ck_assert_str_eq(p, "completed ");
	free(p);
	p = part_status(snap, "nsx");
	ck_assert_msg(!strncmp(p, "failed ", 7) && strstr(p, "twice"), "part: %s", p);
	free(p);
	json_decref(j);
	run_release(&r);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("nsx");
	TCase *seeded = tcase_create("seeded-dfw");
	tcase_set_timeout(seeded, 180);
	tcase_add_checked_fixture(seeded, start_seeded, stop);
	tcase_add_test(seeded, test_seeded_dfw_exact_findings);
	tcase_add_test(seeded, test_basic_auth);
	tcase_add_test(seeded, test_session_expires_mid_collection);
	tcase_add_test(seeded, test_429_burst_then_success);
	tcase_add_test(seeded, test_redirects_are_followed);
	tcase_add_test(seeded, test_nsx_500_fails_only_the_nsx_part);
	tcase_add_test(seeded, test_duplicate_nsx_rule_fails_only_the_nsx_part);
	tcase_add_test(seeded, test_malformed_json_is_a_clear_error);
	tcase_add_test(seeded, test_error_body_is_reported_either_way);
	tcase_add_test(seeded, test_wrong_nsx_password);
	tcase_add_test(seeded, test_unreachable_nsx_names_url);
	tcase_add_test(seeded, test_no_nsx_manager_means_unknown);
	tcase_add_test(seeded, test_builtin_baselines_fail_pass_never_unknown);
	tcase_add_test(seeded, test_hostile_stig_profiles);
	tcase_add_test(seeded, test_parameters_in_force_are_reported);
	tcase_add_test(seeded, test_hostile_json);
	suite_add_tcase(s, seeded);
	TCase *paged = tcase_create("paged");
	tcase_set_timeout(paged, 180);
	tcase_add_checked_fixture(paged, start_paged, stop);
	tcase_add_test(paged, test_paging_across_pages);
	suite_add_tcase(s, paged);
	TCase *tls = tcase_create("tls");
	tcase_set_timeout(tls, 180);
	tcase_add_checked_fixture(tls, start_tls, stop);
	tcase_add_test(tls, test_nsx_tls_is_verified);
	suite_add_tcase(s, tls);
	return s;
}

int main(void)
{
	return tu_run(suite()) ? 1 : 0;
}
