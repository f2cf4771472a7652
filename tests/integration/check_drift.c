/* Drift, history and pruning against the vCenter and NSX labs: scan,
 * change the labs through their own APIs (a host setting, a service, a VM
 * device, a DFW rule), scan again, and assert the exact events. */
#include <jansson.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitcode.h"
#include "lib/lab.h"
#include "lib/testutil.h"
#include "util/util.h"

#define LEGACY "/infra/domains/default/security-policies/web-tier/rules/legacy-any-any"

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

static const char *const scan_args[] = { "scan", "--target", "lab", "--baseline", "cis-vmware-esxi-8.0-subset",
					 "--baseline", "pci-dss-4.0-vmware", "--baseline", "vsphere-scg-v8-subset",
					 "--fail-on", "none", "--format", "json", NULL };

static long long scan(void)
{
	struct run r;
	harden_run(&lab, &r, scan_args);
	ck_assert_msg(r.status == EXIT_CLEAN, "scan exit %d: %s", r.status, r.err);
	json_t *j = json_loads(r.out, 0, NULL);
	ck_assert(j != NULL);
	long long id = json_integer_value(json_object_get(j, "snapshot_id"));
	json_decref(j);
	run_release(&r);
	return id;
}

/* The events of `harden drift ... --format json` as sorted lines. */
static char *drift_lines(const char *const *args, int want)
{
	struct run r;
	harden_run(&lab, &r, args);
	ck_assert_msg(r.status == want, "drift exit %d: %s", r.status, r.err);
	if (want != EXIT_CLEAN) {
		char *e = xstrdup(r.err);
		run_release(&r);
		return e;
	}
	json_error_t je;
	json_t *j = json_loads(r.out, 0, &je);
	ck_assert_msg(j != NULL, "not JSON: %s\n%s", je.text, r.out);
	char *lines = drift_event_lines(j);
	json_decref(j);
	run_release(&r);
	return lines;
}

/* A disconnected floppy drive added to a VM. */
static void add_floppy(struct vc *v, const char *vm)
{
	lab_soap_task(v, "<ReconfigVM_Task xmlns=\"urn:vim25\"><_this type=\"VirtualMachine\">%s</_this><spec>"
			 "<deviceChange><operation>add</operation><device xsi:type=\"VirtualFloppy\"><key>-1</key>"
			 "<backing xsi:type=\"VirtualFloppyRemoteDeviceBackingInfo\"><deviceName></deviceName></backing>"
			 "<connectable><startConnected>false</startConnected><allowGuestControl>false</allowGuestControl>"
			 "<connected>false</connected></connectable></device></deviceChange>"
			 "</spec></ReconfigVM_Task>", vm);
}

static void change_labs(const char *ntpd_call)
{
	struct vc *v = lab_session(&lab);
	char *host = lab_moref(v, "HostSystem", "DC0_C0_H0");
	char *svc = lab_host_manager(v, host, "serviceSystem");
	char *opt = lab_host_manager(v, host, "advancedOption");
	lab_soap(v, "<%s xmlns=\"urn:vim25\"><_this type=\"HostServiceSystem\">%s</_this><id>ntpd</id></%s>", ntpd_call,
		 svc, ntpd_call);
	if (!strcmp(ntpd_call, "StopService")) {
		lab_soap(v, "<UpdateOptions xmlns=\"urn:vim25\"><_this type=\"OptionManager\">%s</_this>"
			    "<changedValue><key>UserVars.DcuiTimeOut</key><value xsi:type=\"xsd:long\">3600</value>"
			    "</changedValue></UpdateOptions>", opt);
		char *vm = lab_moref(v, "VirtualMachine", "DC0_C0_H0_VM0");
		add_floppy(v, vm);
		free(vm);
		nsx_patch(&lab, LEGACY, "{\"source_groups\": [\"/infra/domains/default/groups/mgmt-hosts\"]}");
	}
	free(host);
	free(svc);
	free(opt);
	vc_close(v);
}

START_TEST(test_failed_scans_never_drift)
{
	long long s1 = scan();
	/* The NSX part fails: the DFW drops out of the comparison instead of
	 * reading as every rule removed. */
	nsx_control(&lab, "/lab/fail?status=500&count=1000");
	struct run r;
	harden_run(&lab, &r, scan_args);
	ck_assert_int_eq(r.status, EXIT_COLLECT);
	run_release(&r);
	static const char *const args[] = { "drift", "--target", "lab", "--format", "json", NULL };
	char *got = drift_lines(args, EXIT_CLEAN);
	ck_assert_msg(!strstr(got, "object_removed"), "%s", got);
	ck_assert_msg(strstr(got, "property_uncollected nsx-manager rule_count 12->-\n"), "%s", got);
	ck_assert_msg(strstr(got, "became_unknown legacy-any-any") == NULL, "%s", got);
	free(got);
	nsx_control(&lab, "/lab/reset-faults");

	/* A vCenter failure fails the whole snapshot: the next drift skips it. */
	lab_control(&lab, "/lab/malformed?count=1");
	harden_run(&lab, &r, scan_args);
	ck_assert_int_eq(r.status, EXIT_COLLECT);
	run_release(&r);
	long long s4 = scan();
	(void)s1;
	char t[32];
	snprintf(t, sizeof(t), "%lld", s4);
	const char *const named[] = { "drift", "--target", "lab", "--to", t, "--format", "json", NULL };
	got = drift_lines(named, EXIT_CLEAN);
	ck_assert_msg(strstr(got, "property_collected nsx-manager rule_count -->12\n"), "%s", got);
	free(got);
	/* A failed snapshot cannot be named either. */
	snprintf(t, sizeof(t), "%lld", s4 - 1);
	const char *const bad[] = { "drift", "--target", "lab", "--to", t, NULL };
	got = drift_lines(bad, EXIT_COLLECT);
	ck_assert_msg(strstr(got, "is failed"), "%s", got);
	free(got);
}
END_TEST

/* Results are stored once: a scan of an unchanged estate adds no result
 * set, and one VM changed adds only sets that VM's results point to. */
static long long twin_count(const char *sql, long long id)
{
	char *t = lab_sql_text(&lab, sql, id);
	long long n = t ? atoll(t) : -1;
	free(t);
	return n;
}

#define SETS "SELECT count(*) FROM resultset"
#define NEW_SETS_OF "SELECT count(DISTINCT x.set_id) FROM eval_object x JOIN evaluation e ON e.id = x.evaluation_id " \
	"JOIN object o ON o.id = x.object_id WHERE e.snapshot_id = (SELECT max(id) FROM snapshot) AND x.set_id > ?1"

START_TEST(test_results_stored_once)
{
	scan();
	long long sets = twin_count(SETS, 0);
	ck_assert_int_gt(sets, 0);
	ck_assert_int_le(sets, twin_count("SELECT count(*) FROM eval_object", 0));
	scan();
	ck_assert_int_eq(twin_count(SETS, 0), sets);
	long long last = twin_count("SELECT max(id) FROM resultset", 0);

	struct vc *v = lab_session(&lab);
	char *vm = lab_moref(v, "VirtualMachine", "DC0_C0_H0_VM0");
	add_floppy(v, vm);
	vc_close(v);
	long long s3 = scan();
	long long added = twin_count(SETS, 0) - sets;
	ck_assert_int_ge(added, 1);
	/* Every new set is the changed VM's, and each is pointed to. */
	ck_assert_int_eq(twin_count(NEW_SETS_OF, last), added);
	char *sql = xasprintf("SELECT count(*) FROM eval_object x JOIN object o ON o.id = x.object_id "
			      "WHERE x.set_id > %lld AND o.moref <> '%s'", last, vm);
	ck_assert_int_eq(twin_count(sql, 0), 0);
	free(sql);
	/* The report reads the VM's new result through the view. */
	ck_assert_int_gt(twin_count("SELECT count(*) FROM finding f JOIN evaluation e ON e.id = f.evaluation_id "
				    "WHERE e.snapshot_id = ?1", s3), 0);
	free(vm);
}
END_TEST

START_TEST(test_history_across_three_scans)
{
	long long s1 = scan();
	change_labs("StopService");
	long long s2 = scan();
	change_labs("StartService");
	long long s3 = scan();
	static const char *const args[] = { "history", "--target", "lab", "--object", "DC0_C0_H0", "--property",
					    "service.ntpd.running", "--format", "json", NULL };
	struct run r;
	harden_run(&lab, &r, args);
	ck_assert_msg(r.status == EXIT_CLEAN, "%s", r.err);
	json_t *j = json_loads(r.out, 0, NULL);
	ck_assert(j != NULL);
	json_t *spans = json_object_get(j, "spans");
	ck_assert_uint_eq(json_array_size(spans), 3);
	const char *want[] = { "true", "false", "true" };
	long long at[] = { s1, s2, s3 };
	for (size_t i = 0; i < 3; i++) {
		json_t *sp = json_array_get(spans, i);
		ck_assert_str_eq(json_string_value(json_object_get(sp, "value")), want[i]);
		ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(sp, "first"), "snapshot_id")), at[i]);
		ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(sp, "last"), "snapshot_id")), at[i]);
	}
	json_decref(j);
	run_release(&r);

	/* A property that never changed is one span over all three. */
	static const char *const same[] = { "history", "--target", "lab", "--object", "DC0_C0_H0", "--property",
					    "cluster", NULL };
	harden_run(&lab, &r, same);
	ck_assert_int_eq(r.status, EXIT_CLEAN);
	char *line = xasprintf("snapshots %lld..%lld", s1, s3);
	ck_assert_msg(strstr(r.out, "DC0_C0") && strstr(r.out, line), "%s", r.out);
	free(line);
	run_release(&r);

	static const char *const none[] = { "history", "--target", "lab", "--object", "no-such-host", NULL };
	harden_run(&lab, &r, none);
	ck_assert_int_eq(r.status, EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(r.err, "no-such-host"));
	run_release(&r);
}
END_TEST

START_TEST(test_prune_keeps_the_latest_completed)
{
	for (int i = 0; i < 3; i++)
		scan();
	lab_control(&lab, "/lab/malformed?count=1");
	struct run r;
	harden_run(&lab, &r, scan_args);
	ck_assert_int_eq(r.status, EXIT_COLLECT);
	run_release(&r);
	/* Snapshots 1-3 completed, 4 failed. */
	static const char *const dry[] = { "prune", "--keep", "1", "--dry-run", NULL };
	harden_run(&lab, &r, dry);
	ck_assert_int_eq(r.status, EXIT_CLEAN);
	ck_assert_str_eq(r.out, "would remove snapshot 1\nwould remove snapshot 2\nwould remove 2 snapshots\n");
	run_release(&r);
	static const char *const keep[] = { "prune", "--keep", "2", NULL };
	harden_run(&lab, &r, keep);
	ck_assert_int_eq(r.status, EXIT_CLEAN);
	ck_assert_str_eq(r.out, "removed snapshot 1\nremoved 1 snapshot\n");
	run_release(&r);
	/* Everything is older than -1 days, but the latest completed stays;
	 * so does nothing else. */
	static const char *const old[] = { "prune", "--older-than", "0", NULL };
	harden_run(&lab, &r, old);
	ck_assert_int_eq(r.status, EXIT_CLEAN);
	ck_assert_str_eq(r.out, "removed snapshot 2\nremoved snapshot 4\nremoved 2 snapshots\n");
	run_release(&r);
	static const char *const rep[] = { "report", "--target", "lab", "--format", "json", "--fail-on", "none", NULL };
	harden_run(&lab, &r, rep);
	ck_assert_int_eq(r.status, EXIT_CLEAN);
	json_t *j = json_loads(r.out, 0, NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "snapshot_id")), 3);
	json_decref(j);
	run_release(&r);
	static const char *const bad[] = { "prune", "--keep", "0", NULL };
	harden_run(&lab, &r, bad);
	ck_assert_int_eq(r.status, EXIT_USAGE);
	run_release(&r);
}
END_TEST

static void scan_waived(const char *expires)
{
	char *text = xasprintf("waivers:\n"
			       "  - rule: cis-esxi-3.1\n"
			       "    objects: { name: 'DC0_C0_H1' }\n"
			       "    justification: SSH kept on for a vendor support case\n"
			       "    approver: alice@example.com\n"
			       "    expires: %s\n", expires);
	free(tu_write(lab.dir, "waivers.yaml", text, 0644));
	free(text);
	char *wf = xasprintf("%s/waivers.yaml", lab.dir);
	const char *const args[] = { "scan", "-t", "lab", "-b", "cis-vmware-esxi-8.0-subset", "--fail-on", "none",
				     "--waivers", wf, NULL };
	struct run r;
	harden_run(&lab, &r, args);
	ck_assert_msg(r.status == EXIT_CLEAN, "%s", r.err);
	run_release(&r);
	free(wf);
}

START_TEST(test_waiver_expiry_is_a_posture_event)
{
	scan_waived("2099-12-31");
	scan_waived("2020-01-31");
	static const char *const args[] = { "drift", "--target", "lab", "--object", "DC0_C0_H1", "--format", "json",
					    NULL };
	char *got = drift_lines(args, EXIT_CLEAN);
	ck_assert_str_eq(got, "waiver_expired DC0_C0_H1 cis-esxi-3.1 cis-vmware-esxi-8.0-subset/ waived->fail\n");
	free(got);
}
END_TEST

static int run_gate(const char *const *extra)
{
	const char *argv[32];
	int n = 0;
	static const char *const base[] = { "scan", "--target", "lab", "--baseline", "cis-vmware-esxi-8.0-subset",
					     "--baseline", "pci-dss-4.0-vmware", "--format", "json", NULL };
	for (int i = 0; base[i]; i++)
		argv[n++] = base[i];
	for (int i = 0; extra[i]; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	struct run r;
	harden_run(&lab, &r, argv);
	int st = r.status;
	run_release(&r);
	return st;
}

START_TEST(test_gates_for_ci)
{
	/* Years of known debt: the plain gate fails, the gate on what is new
	 * passes once a first snapshot exists. */
	static const char *const high[] = { "--fail-on", "high", NULL };
	ck_assert_int_eq(run_gate(high), EXIT_FINDINGS);
	long long s1 = scan();
	static const char *const fresh[] = { "--fail-on", "high", "--fail-on-new", NULL };
	ck_assert_int_eq(run_gate(fresh), EXIT_CLEAN);

	/* A host regresses: that is new, and the gate says how much. */
	change_labs("StopService");
	const char *argv[] = { "scan", "--target", "lab", "--baseline", "cis-vmware-esxi-8.0-subset", "--baseline",
			       "pci-dss-4.0-vmware", "--fail-on", "high", "--fail-on-new", "--format", "json", NULL };
	struct run r;
	harden_run(&lab, &r, argv);
	ck_assert_int_eq(r.status, EXIT_FINDINGS);
	ck_assert_msg(strstr(r.err, "gate: 2 failing and 0 unknown results are new since snapshot"), "%s", r.err);
	run_release(&r);
	/* Against the same snapshot again it is no longer new; against s1 it is. */
	ck_assert_int_eq(run_gate(fresh), EXIT_CLEAN);
	char since[32];
	snprintf(since, sizeof(since), "%lld", s1);
	const char *const old[] = { "--fail-on", "high", "--since", since, NULL };
	ck_assert_int_eq(run_gate(old), EXIT_FINDINGS);
	/* Medium-only news does not trip a high gate: the floppy is medium. */
	static const char *const bad_since[] = { "--since", "999", NULL };
	ck_assert_int_eq(run_gate(bad_since), EXIT_USAGE);

	/* The score gate: the JSON report carries the score. */
	static const char *const json[] = { "report", "--target", "lab", "--format", "json", NULL };
	harden_run(&lab, &r, json);
	json_t *j = json_loads(r.out, 0, NULL);
	ck_assert(j != NULL);
	double score = json_real_value(json_object_get(j, "score"));
	json_t *c = json_object_get(j, "counts");
	double pass = (double)json_integer_value(json_object_get(c, "pass"));
	double fail = (double)json_integer_value(json_object_get(c, "fail"));
	ck_assert_msg(score > 50 && score < 100 && score - 100 * pass / (pass + fail) < 0.06 &&
		      100 * pass / (pass + fail) - score < 0.06, "score %f", score);
	json_decref(j);
	run_release(&r);
	static const char *const min_ok[] = { "--fail-on", "none", "--min-score", "50", NULL };
	ck_assert_int_eq(run_gate(min_ok), EXIT_CLEAN);
	static const char *const min_bad[] = { "--fail-on", "none", "--min-score", "99.5", NULL };
	ck_assert_int_eq(run_gate(min_bad), EXIT_FINDINGS);
	static const char *const table[] = { "scan", "--target", "lab", "--baseline", "pci-dss-4.0-vmware", "--fail-on",
					     "none", NULL };
	harden_run(&lab, &r, table);
	ck_assert_msg(strstr(r.out, "Score: ") && strstr(r.out, "= passed / (passed + failed) = "), "%s", r.out);
	run_release(&r);

	/* Unknowns: without an NSX manager the DFW rules are unknown. */
	free(lab.nsx_section);
	lab.nsx_section = NULL;
	lab_config(&lab, lab.url, NULL);
	static const char *const unk0[] = { "--fail-on", "none", "--max-unknown", "0", NULL };
	ck_assert_int_eq(run_gate(unk0), EXIT_UNKNOWN);
	static const char *const unk9[] = { "--fail-on", "none", "--max-unknown", "9", NULL };
	ck_assert_int_eq(run_gate(unk9), EXIT_CLEAN);
	static const char *const bad[] = { "--min-score", "101", NULL };
	ck_assert_int_eq(run_gate(bad), EXIT_USAGE);
}
END_TEST

/* The text of every element named tag in an HTML document. */
static bool html_has(xmlNode *n, const char *tag, const char *text)
{
	for (; n; n = n->next) {
		if (n->type == XML_ELEMENT_NODE && !xmlStrcasecmp(n->name, BAD_CAST tag)) {
			if (!text)
				return true;
			xmlChar *c = xmlNodeGetContent(n);
			bool hit = c && strstr((const char *)c, text);
			xmlFree(c);
			if (hit)
				return true;
		}
		if (html_has(n->children, tag, text))
			return true;
	}
	return false;
}

#define HOSTILE_VM "<script>alert(1)</script>&\"vm"

START_TEST(test_report_files_from_a_scan)
{
	scan();
	/* An attacker names a VM with markup; harden shows it as text. */
	struct vc *v = lab_session(&lab);
	char *vm = lab_moref(v, "VirtualMachine", "DC0_C0_H0_VM0");
	lab_soap_task(v, "<Rename_Task xmlns=\"urn:vim25\"><_this type=\"VirtualMachine\">%s</_this>"
			 "<newName>&lt;script&gt;alert(1)&lt;/script&gt;&amp;\"vm</newName></Rename_Task>", vm);
	lab_soap_task(v, "<ReconfigVM_Task xmlns=\"urn:vim25\"><_this type=\"VirtualMachine\">%s</_this><spec>"
			 "<extraConfig><key>isolation.tools.copy.disable</key><value xsi:type=\"xsd:string\">FALSE</value>"
			 "</extraConfig></spec></ReconfigVM_Task>", vm);
	free(vm);
	vc_close(v);
	char *sarif = xasprintf("sarif:%s/r.sarif", lab.dir), *junit = xasprintf("junit:%s/r.xml", lab.dir);
	char *html = xasprintf("html:%s/r.html", lab.dir), *csv = xasprintf("csv:%s/r.csv", lab.dir);
	const char *const args[] = { "scan", "--target", "lab", "--baseline", "vsphere-scg-v8-subset", "--baseline",
				     "pci-dss-4.0-vmware", "--fail-on", "none", "--quiet", "--output", sarif, "--output",
				     junit, "--output", html, "--output", csv, NULL };
	struct run r;
	harden_run(&lab, &r, args);
	ck_assert_msg(r.status == EXIT_CLEAN, "%s", r.err);
	ck_assert_str_eq(r.out, "");
	run_release(&r);

	char *cmd = xasprintf("/usr/bin/python3 -c 'import json,jsonschema,sys; "
			      "jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' "
			      "%s/r.sarif tests/schemas/sarif-schema-2.1.0.json", lab.dir);
	ck_assert_msg(system(cmd) == 0, "SARIF does not validate: %s", cmd);
	free(cmd);
	cmd = xasprintf("xmllint --noout --schema tests/schemas/junit.xsd %s/r.xml 2>/dev/null", lab.dir);
	ck_assert_msg(system(cmd) == 0, "JUnit does not validate: %s", cmd);
	free(cmd);

	/* The SARIF results name the VM by its full path. */
	char *path = xasprintf("%s/r.sarif", lab.dir);
	char *text = file_read(path, NULL);
	ck_assert_ptr_nonnull(text);
	ck_assert_msg(strstr(text, "DC0_C0_H0/<script>alert(1)</script>&\\\"vm\""), "%s", text);
	free(text);
	free(path);

	/* HTML: the name is text, no script element, and the drift is there. */
	path = xasprintf("%s/r.html", lab.dir);
	htmlDocPtr doc = htmlReadFile(path, "UTF-8", HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
	ck_assert_ptr_nonnull(doc);
	xmlNode *root = xmlDocGetRootElement(doc);
	ck_assert(!html_has(root, "script", NULL));
	ck_assert(html_has(root, "td", HOSTILE_VM));
	ck_assert(html_has(root, "h2", "Drift since the previous scan"));
	ck_assert(html_has(root, "td", "isolation.tools.copy.disable"));
	ck_assert(html_has(root, "th", "References"));
	ck_assert(html_has(root, "th", "Remediation"));
	xmlFreeDoc(doc);
	free(path);

	/* CSV: a header and one row per failing, unknown or waived result. */
	path = xasprintf("%s/r.csv", lab.dir);
	text = file_read(path, NULL);
	ck_assert_ptr_nonnull(text);
	ck_assert_msg(!strncmp(text, "snapshot,target,baseline,rule_id,", 33), "%.80s", text);
	/* Traceability columns come last: references, rationale, remediation. */
	ck_assert_ptr_nonnull(strstr(text, ",waiver_expires,violation_id,references,rationale,remediation\r\n"));
	ck_assert_ptr_nonnull(strstr(text, "\"<script>alert(1)</script>&\"\"vm\""));
	free(text);
	free(path);
	free(sarif);
	free(junit);
	free(html);
	free(csv);
}
END_TEST

/* ---- CI on an ephemeral runner: the previous run's report as reference ---- */

/* A scan of CIS and PCI into a fresh twin (the runner keeps none), gating
 * on what is new since the report at since (NULL: none), with the JSON on
 * standard output and, when out is not NULL, a report file out. */
static int ci_scan(const char *since, const char *out, struct run *r)
{
	unlink(lab.db);
	const char *argv[24] = { "scan", "--target", "lab", "--baseline", "cis-vmware-esxi-8.0-subset", "--baseline",
				 "pci-dss-4.0-vmware", "--fail-on", "high", "--fail-on-new", "--format", "json" };
	int n = 12;
	if (since) {
		argv[n++] = "--since-report";
		argv[n++] = since;
	}
	if (out) {
		argv[n++] = "--output";
		argv[n++] = out;
	}
	argv[n] = NULL;
	harden_run(&lab, r, argv);
	return r->status;
}

/* The JSON report on r's standard output: the number of findings marked
 * new, checking that each has the flag and that the gate agrees. */
static long long ci_new_findings(const struct run *r, int want_exit)
{
	json_error_t je;
	json_t *j = json_loads(r->out, 0, &je);
	ck_assert_msg(j != NULL, "not JSON: %s", je.text);
	json_t *gate = json_object_get(j, "gate");
	ck_assert_int_eq(json_integer_value(json_object_get(gate, "exit_code")), want_exit);
	ck_assert_str_eq(json_string_value(json_object_get(gate, "outcome")), want_exit ? "fail" : "pass");
	ck_assert_str_eq(json_string_value(json_object_get(gate, "fail_on")), "high");
	ck_assert(json_is_true(json_object_get(gate, "fail_on_new")));
	size_t i;
	json_t *f;
	long long fresh = 0, fresh_high = 0;
	json_array_foreach(json_object_get(j, "findings"), i, f) {
		json_t *nw = json_object_get(f, "new");
		ck_assert_msg(json_is_boolean(nw), "finding %zu has no 'new'", i);
		const char *sev = json_string_value(json_object_get(f, "severity"));
		if (json_is_true(nw)) {
			fresh++;
			fresh_high += !strcmp(sev, "high") || !strcmp(sev, "critical");
		}
	}
	json_t *counted = json_object_get(gate, "new");
	ck_assert_int_eq(json_integer_value(json_object_get(counted, "fail")) +
				 json_integer_value(json_object_get(counted, "unknown")),
			 fresh_high);
	json_decref(j);
	return fresh;
}

START_TEST(test_since_report_on_an_empty_twin)
{
	struct run r;
	/* A first run: no twin, no report.  Every failure is new, and stderr
	 * says why rather than failing silently. */
	ck_assert_int_eq(ci_scan(NULL, NULL, &r), EXIT_FINDINGS);
	ck_assert_msg(strstr(r.err, "every failing or unknown result counts as new"), "%s", r.err);
	ck_assert_int_gt(ci_new_findings(&r, EXIT_FINDINGS), 0);
	run_release(&r);

	/* The first CI run's artifacts, JSON and SARIF. */
	char *j1 = xasprintf("%s/r1.json", lab.dir), *s1 = xasprintf("%s/r1.sarif", lab.dir);
	char *oj = xasprintf("json:%s", j1), *os = xasprintf("sarif:%s", s1);
	ci_scan(NULL, oj, &r);
	run_release(&r);
	ci_scan(NULL, os, &r);
	run_release(&r);

	/* Nothing changed: against either report nothing is new, with no twin
	 * history at all. */
	ck_assert_int_eq(ci_scan(j1, NULL, &r), EXIT_CLEAN);
	ck_assert_int_eq(ci_new_findings(&r, EXIT_CLEAN), 0);
	ck_assert_msg(strstr(r.err, "gate: 0 failing and 0 unknown results are new since report"), "%s", r.err);
	run_release(&r);
	ck_assert_int_eq(ci_scan(s1, NULL, &r), EXIT_CLEAN);
	ck_assert_int_eq(ci_new_findings(&r, EXIT_CLEAN), 0);
	run_release(&r);

	/* A host regresses: those results, and only those, are new against
	 * either report. */
	change_labs("StopService");
	char *j2 = xasprintf("%s/r2.json", lab.dir), *oj2 = xasprintf("json:%s", j2);
	ck_assert_int_eq(ci_scan(j1, oj2, &r), EXIT_FINDINGS);
	long long fresh = ci_new_findings(&r, EXIT_FINDINGS);
	ck_assert_int_eq(fresh, 4);
	ck_assert_msg(strstr(r.err, "gate: 2 failing and 0 unknown results are new since report"), "%s", r.err);
	run_release(&r);
	ck_assert_int_eq(ci_scan(s1, NULL, &r), EXIT_FINDINGS);
	ck_assert_int_eq(ci_new_findings(&r, EXIT_FINDINGS), fresh);
	run_release(&r);
	/* The next run compares with this run's report: nothing new again. */
	ck_assert_int_eq(ci_scan(j2, NULL, &r), EXIT_CLEAN);
	ck_assert_int_eq(ci_new_findings(&r, EXIT_CLEAN), 0);
	run_release(&r);

	/* Anything but a harden report of this target is refused in one line
	 * naming the file, before anything is collected. */
	char *junk = tu_write(lab.dir, "junk.json", "{\"schema\": \"other\"}", 0644);
	char *bad = tu_write(lab.dir, "bad.json", "not json", 0644);
	char *other = tu_write(lab.dir, "other.sarif",
			       "{\"version\": \"2.1.0\", \"runs\": [{\"tool\": {\"driver\": {\"name\": \"lint\"}}}]}", 0644);
	char *text = file_read(j1, NULL), *p = strstr(text, "\"target\": \"lab\"");
	ck_assert_ptr_nonnull(p);
	memcpy(p, "\"target\": \"lob\"", 15);
	char *moved = tu_write(lab.dir, "moved.json", text, 0644);
	free(text);
	char *missing = xasprintf("%s/none.json", lab.dir);
	const char *const refused[][2] = { { junk, "not a harden JSON" }, { bad, "bad.json:1:" },
					   { other, "another tool" }, { moved, "target 'lob', not 'lab'" },
					   { missing, "none.json" } };
	long long logins = lab_stat(&lab, "logins");
	for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
		ck_assert_int_eq(ci_scan(refused[i][0], NULL, &r), EXIT_USAGE);
		ck_assert_msg(strstr(r.err, refused[i][1]) && strstr(r.err, "--since-report"), "%s", r.err);
		ck_assert_msg(!strchr(r.err, '\n') || strchr(r.err, '\n') == r.err + strlen(r.err) - 1, "%s", r.err);
		ck_assert_str_eq(r.out, "");
		run_release(&r);
	}
	/* Two references at once are one too many. */
	const char *const both[] = { "scan", "-t", "lab", "-b", "pci-dss-4.0-vmware", "--since", "1", "--since-report",
				     j1, NULL };
	harden_run(&lab, &r, both);
	ck_assert_int_eq(r.status, EXIT_USAGE);
	ck_assert_msg(strstr(r.err, "give one"), "%s", r.err);
	run_release(&r);
	ck_assert_int_eq(lab_stat(&lab, "logins"), logins);
	free(junk);
	free(bad);
	free(other);
	free(moved);
	free(missing);
	free(j1);
	free(s1);
	free(oj);
	free(os);
	free(j2);
	free(oj2);
}
END_TEST

/* ---- SARIF for code scanning ---- */

#define SITE_BASELINE \
	"id: site-esxi\ntitle: Site ESXi\nversion: \"1\"\nextends: cis-vmware-esxi-8.0-subset\nrules:\n" \
	"  - id: cis-esxi-1.4\n    title: \"A TPM, high at this site\"\n    severity: high\n    object: host\n" \
	"    check: { property: tpm.version, eq: \"2.0\" }\n" \
	"  - id: site-1\n    title: \"An impossible version\"\n    severity: high\n    object: host\n" \
	"    check: { property: version, eq: \"0.0.0\" }\n"

/* The line of "  - id: RULE" in a file. */
static long long rule_line(const char *path, const char *rule)
{
	char *text = file_read(path, NULL), *want = xasprintf("  - id: %s\n", rule);
	ck_assert_ptr_nonnull(text);
	char *at = strstr(text, want);
	ck_assert_msg(at != NULL, "%s: no rule %s", path, rule);
	long long line = 1;
	for (char *p = text; p < at; p++)
		line += *p == '\n';
	free(text);
	free(want);
	return line;
}

/* Scans with the baselines given into out (a SARIF file), validates it,
 * and returns it parsed. */
static json_t *sarif_scan(const char *const *baselines, const char *out)
{
	const char *argv[16] = { "scan", "--target", "lab", "--fail-on", "none", "--quiet" };
	int n = 6;
	for (int i = 0; baselines[i]; i++) {
		argv[n++] = "--baseline";
		argv[n++] = baselines[i];
	}
	char *spec = xasprintf("sarif:%s", out);
	argv[n++] = "--output";
	argv[n++] = spec;
	argv[n] = NULL;
	struct run r;
	harden_run(&lab, &r, argv);
	ck_assert_msg(r.status == EXIT_CLEAN, "%s", r.err);
	run_release(&r);
	free(spec);
	char *cmd = xasprintf("/usr/bin/python3 -c 'import json,jsonschema,sys; "
			      "jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' "
			      "'%s' tests/schemas/sarif-schema-2.1.0.json", out);
	ck_assert_msg(system(cmd) == 0, "SARIF does not validate: %s", cmd);
	free(cmd);
	json_error_t je;
	json_t *doc = json_load_file(out, 0, &je);
	ck_assert_msg(doc != NULL, "%s", je.text);
	return doc;
}

/* Every result of doc has a physical location in a baseline file at a
 * rule's line, and no two results of a category share rule and
 * fingerprint.  Returns "category ruleId fingerprint uri line" lines. */
static char *sarif_result_lines(json_t *doc)
{
	struct strlist l = { 0 };
	size_t i, j;
	json_t *run, *res;
	json_array_foreach(json_object_get(doc, "runs"), i, run) {
		const char *cat = json_string_value(json_object_get(json_object_get(run, "automationDetails"), "id"));
		ck_assert_ptr_nonnull(cat);
		json_array_foreach(json_object_get(run, "results"), j, res) {
			json_t *pl = json_object_get(json_array_get(json_object_get(res, "locations"), 0),
						     "physicalLocation");
			const char *uri = json_string_value(json_object_get(json_object_get(pl, "artifactLocation"), "uri"));
			json_int_t line = json_integer_value(json_object_get(json_object_get(pl, "region"), "startLine"));
			ck_assert_msg(uri && *uri && line >= 1, "result %zu of %s has no physical location", j, cat);
			const char *fp = json_string_value(json_object_get(json_object_get(res, "partialFingerprints"),
									   "harden/v1"));
			char *key = xasprintf("%s %s %s", cat, json_string_value(json_object_get(res, "ruleId")), fp);
			ck_assert_msg(!strlist_has(&l, key), "duplicate result %s", key);
			strlist_add(&l, key);
			free(key);
		}
	}
	strlist_release(&l);
	struct buf b = BUF_INIT;
	json_array_foreach(json_object_get(doc, "runs"), i, run) {
		const char *cat = json_string_value(json_object_get(json_object_get(run, "automationDetails"), "id"));
		json_array_foreach(json_object_get(run, "results"), j, res) {
			json_t *pl = json_object_get(json_array_get(json_object_get(res, "locations"), 0),
						     "physicalLocation");
			buf_printf(&b, "%s %s %s %s %lld\n", cat, json_string_value(json_object_get(res, "ruleId")),
				   json_string_value(json_object_get(json_object_get(res, "partialFingerprints"), "harden/v1")),
				   json_string_value(json_object_get(json_object_get(pl, "artifactLocation"), "uri")),
				   (long long)json_integer_value(json_object_get(json_object_get(pl, "region"), "startLine")));
		}
	}
	return buf_detach(&b);
}

START_TEST(test_sarif_for_code_scanning)
{
	char *site = tu_write(lab.dir, "site.yaml", SITE_BASELINE, 0644);
	char *out = xasprintf("%s/both.sarif", lab.dir), *alone = xasprintf("%s/alone.sarif", lab.dir);
	/* The builtin by its path relative to the repository, as a CI job
	 * names a baseline it keeps in its repository. */
	const char *cis = "baselines/cis-vmware-esxi-8.0-subset.yaml";
	const char *const both[] = { cis, site, NULL };
	json_t *doc = sarif_scan(both, out);
	json_t *runs = json_object_get(doc, "runs");
	ck_assert_uint_eq(json_array_size(runs), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_array_get(runs, 0), "automationDetails"),
							   "id")),
			 "harden/lab/cis-vmware-esxi-8.0-subset/");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_array_get(runs, 1), "automationDetails"),
							   "id")),
			 "harden/lab/site-esxi/");
	char *lines = sarif_result_lines(doc);
	/* The site's own rules point at the site file; a rule it inherits
	 * unchanged is reported once, under CIS, at CIS's line. */
	char *own = xasprintf("harden/lab/site-esxi/ site-1 ");
	ck_assert_msg(strstr(lines, own), "%s", lines);
	/* The site file is outside the working directory: named relative to
	 * HARDEN_BASELINES, which the run maps to its directory. */
	char *own_at = xasprintf(" site.yaml %lld\n", rule_line(site, "site-1"));
	ck_assert_msg(strstr(lines, own_at), "no '%s' in\n%s", own_at, lines);
	json_t *site_run = json_array_get(runs, 1);
	char *base = xasprintf("file://%s/", lab.dir);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_object_get(site_run, "originalUriBaseIds"),
									   "HARDEN_BASELINES"),
							   "uri")),
			 base);
	free(base);
	char *tpm_site = xasprintf(" site.yaml %lld\n", rule_line(site, "cis-esxi-1.4"));
	ck_assert_msg(strstr(lines, tpm_site), "no '%s' in\n%s", tpm_site, lines);
	char *inherited = xasprintf("harden/lab/cis-vmware-esxi-8.0-subset/ cis-esxi-2.1 ");
	char *cis_at = xasprintf(" %s %lld\n", cis, rule_line(cis, "cis-esxi-2.1"));
	ck_assert_msg(strstr(lines, inherited) && strstr(lines, cis_at), "%s", lines);
	ck_assert_msg(!strstr(lines, "harden/lab/site-esxi/ cis-esxi-2.1 "), "%s", lines);
	json_decref(doc);

	/* The site baseline alone reports what it inherits, with the same
	 * fingerprints and locations. */
	const char *const only[] = { site, NULL };
	doc = sarif_scan(only, alone);
	ck_assert_uint_eq(json_array_size(json_object_get(doc, "runs")), 1);
	char *lines2 = sarif_result_lines(doc);
	char *fp = strstr(lines, inherited) + strlen(inherited);
	char *want = xasprintf("harden/lab/site-esxi/ cis-esxi-2.1 %.16s", fp);
	ck_assert_msg(strstr(lines2, want), "no '%s' in\n%s", want, lines2);
	json_decref(doc);
	free(want);
	free(lines2);
	free(inherited);
	free(cis_at);
	free(tpm_site);
	free(own_at);
	free(own);
	free(lines);
	free(site);
	free(out);
	free(alone);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("drift");
	TCase *tc = tcase_create("drift");
	tcase_set_timeout(tc, 240);
	tcase_add_checked_fixture(tc, start, stop);
	tcase_add_test(tc, test_failed_scans_never_drift);
	tcase_add_test(tc, test_history_across_three_scans);
	tcase_add_test(tc, test_results_stored_once);
	tcase_add_test(tc, test_prune_keeps_the_latest_completed);
	tcase_add_test(tc, test_gates_for_ci);
	tcase_add_test(tc, test_since_report_on_an_empty_twin);
	tcase_add_test(tc, test_sarif_for_code_scanning);
	tcase_add_test(tc, test_waiver_expiry_is_a_posture_event);
	tcase_add_test(tc, test_report_files_from_a_scan);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(suite()) ? 1 : 0;
}
