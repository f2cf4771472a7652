/* Finding one's way at scale, against the vCenter lab (one cluster of 16
 * hosts, seeded): the filters of report and inventory at their
 * boundaries, the per-rule view, natural order, baseline show's
 * parameters and JSON, a --set value in force, waiver lint, the progress
 * line and --stats. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "lib/lab.h"
#include "lib/testutil.h"
#include "util/util.h"

#define CIS "cis-vmware-esxi-8.0-subset"

static struct lab lab;

/* One scan, shared by the tests: they only read it (or add evaluations). */
static void start(void)
{
	static const char *const f[] = { "-clusters", "1", "-hosts", "16", NULL };
	lab_start(&lab, f);
	static const char *const scan[] = { "scan", "-t", "lab", "-b", CIS, "--fail-on", "none", "-q", NULL };
	struct run r;
	harden_run(&lab, &r, scan);
	ck_assert_msg(r.status == EXIT_CLEAN, "scan: exit %d: %s", r.status, r.err);
	run_release(&r);
}

static void stop(void)
{
	lab_stop(&lab);
}

static json_t *run_json(const char *const *args, int want)
{
	struct run r;
	harden_run(&lab, &r, args);
	ck_assert_msg(r.status == want, "exit %d, want %d: %s", r.status, want, r.err);
	json_error_t je;
	json_t *j = json_loads(r.out, 0, &je);
	ck_assert_msg(j != NULL, "not JSON: %s\n%s", je.text, r.out);
	run_release(&r);
	return j;
}

/* How many findings of j have member key (of the finding, or of its
 * object with "object.") equal to value; key NULL: all of them. */
static long long findings_with(json_t *j, const char *key, const char *value)
{
	long long n = 0;
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(j, "findings"), i, f) {
		if (!key) {
			n++;
			continue;
		}
		json_t *v = strncmp(key, "object.", 7) ? json_object_get(f, key)
						       : json_object_get(json_object_get(f, "object"), key + 7);
		if (json_is_string(v) && !strcmp(json_string_value(v), value))
			n++;
	}
	return n;
}

START_TEST(test_severity_is_a_set_and_plus_is_at_least)
{
	static const char *const all[] = { "report", "-t", "lab", "-f", "json", NULL };
	static const char *const high[] = { "report", "-t", "lab", "-f", "json", "--severity", "HIGH", NULL };
	static const char *const up[] = { "report", "-t", "lab", "-f", "json", "--severity", "high+", NULL };
	static const char *const two[] = { "report", "-t", "lab", "-f", "json", "--severity", "critical,medium", NULL };
	json_t *a = run_json(all, EXIT_CLEAN), *h = run_json(high, EXIT_CLEAN), *u = run_json(up, EXIT_CLEAN);
	json_t *t = run_json(two, EXIT_CLEAN);
	long long crit = findings_with(a, "severity", "critical"), hi = findings_with(a, "severity", "high");
	long long med = findings_with(a, "severity", "medium");
	ck_assert(crit > 0 && hi > 0 && med > 0);
	/* high: high only, neither critical above it nor medium below. */
	ck_assert_int_eq(findings_with(h, NULL, NULL), hi);
	ck_assert_int_eq(findings_with(h, "severity", "high"), hi);
	/* high+: high and critical, not medium. */
	ck_assert_int_eq(findings_with(u, NULL, NULL), hi + crit);
	ck_assert_int_eq(findings_with(u, "severity", "medium"), 0);
	ck_assert_int_eq(findings_with(t, NULL, NULL), crit + med);
	/* The filter is told; the counts and the score stay the whole
	 * evaluation's. */
	char *fs = json_dumps(json_object_get(u, "filters"), JSON_COMPACT);
	ck_assert_str_eq(fs, "{\"severity\":[\"critical\",\"high\"]}");
	free(fs);
	fs = json_dumps(json_object_get(a, "filters"), JSON_COMPACT);
	ck_assert_str_eq(fs, "{}");
	free(fs);
	ck_assert(json_equal(json_object_get(a, "counts"), json_object_get(h, "counts")));
	ck_assert(json_equal(json_object_get(a, "score"), json_object_get(h, "score")));
	json_decref(a);
	json_decref(h);
	json_decref(u);
	json_decref(t);
}
END_TEST

START_TEST(test_status_rule_object_type)
{
	/* 3.1 fails on 3 of the 16 hosts: --status pass lists the other 13. */
	static const char *const pass[] = { "report", "-t", "lab", "-f", "json", "--status", "pass", "--rule",
					    "cis-esxi-3.1", NULL };
	json_t *j = run_json(pass, EXIT_CLEAN);
	ck_assert_int_eq(findings_with(j, NULL, NULL), 13);
	ck_assert_int_eq(findings_with(j, "status", "pass"), 13);
	json_decref(j);
	/* A glob on the rule: 3.1 and 3.1x, not 3.2 or 2.1. */
	static const char *const glob[] = { "report", "-t", "lab", "-f", "json", "--rule", "cis-esxi-3.1*", "--status",
					    "fail,unknown,pass", NULL };
	j = run_json(glob, EXIT_CLEAN);
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(j, "findings"), i, f)
		ck_assert(!strncmp(json_string_value(json_object_get(f, "rule_id")), "cis-esxi-3.1", 12));
	ck_assert_int_eq(findings_with(j, "rule_id", "cis-esxi-3.1"), 16);
	ck_assert_int_eq(findings_with(j, "rule_id", "cis-esxi-3.2"), 0);
	json_decref(j);
	/* --object: the exact name, one object; by moref too. */
	static const char *const one[] = { "report", "-t", "lab", "-f", "json", "--object", "DC0_C0_H1", NULL };
	j = run_json(one, EXIT_CLEAN);
	ck_assert(findings_with(j, NULL, NULL) > 0);
	ck_assert_int_eq(findings_with(j, "object.name", "DC0_C0_H1"), findings_with(j, NULL, NULL));
	const char *moref = json_string_value(
		json_object_get(json_object_get(json_array_get(json_object_get(j, "findings"), 0), "object"), "id"));
	char *mr = xstrdup(moref);
	json_decref(j);
	const char *const by_moref[] = { "report", "-t", "lab", "-f", "json", "--object", mr, NULL };
	j = run_json(by_moref, EXIT_CLEAN);
	ck_assert_int_eq(findings_with(j, "object.name", "DC0_C0_H1"), findings_with(j, NULL, NULL));
	ck_assert(findings_with(j, NULL, NULL) > 0);
	json_decref(j);
	free(mr);
	/* --type vm: only VM results. */
	static const char *const vm[] = { "report", "-t", "lab", "-f", "json", "--type", "vm", "--all", NULL };
	j = run_json(vm, EXIT_CLEAN);
	ck_assert(findings_with(j, NULL, NULL) > 0);
	ck_assert_int_eq(findings_with(j, "object.type", "vm"), findings_with(j, NULL, NULL));
	json_decref(j);
}
END_TEST

START_TEST(test_bad_filters_are_usage_errors)
{
	static const char *const sev[] = { "report", "-t", "lab", "--severity", "hgh", NULL };
	static const char *const st[] = { "report", "-t", "lab", "--status", "failed", NULL };
	static const char *const ty[] = { "report", "-t", "lab", "--type", "hots", NULL };
	struct run r;
	harden_run(&lab, &r, sev);
	ck_assert_int_eq(r.status, EXIT_USAGE);
	ck_assert_msg(strstr(r.err, "--severity: unknown value 'hgh'; did you mean 'high'?"), "%s", r.err);
	run_release(&r);
	harden_run(&lab, &r, st);
	ck_assert_int_eq(r.status, EXIT_USAGE);
	ck_assert_msg(strstr(r.err, "--status: unknown value 'failed'; did you mean 'fail'?"), "%s", r.err);
	run_release(&r);
	harden_run(&lab, &r, ty);
	ck_assert_int_eq(r.status, EXIT_USAGE);
	ck_assert_msg(strstr(r.err, "--type: unknown object type 'hots'"), "%s", r.err);
	run_release(&r);
}
END_TEST

/* The offset of needle in hay, asserting it is there. */
static long at(const char *hay, const char *needle)
{
	const char *p = strstr(hay, needle);
	ck_assert_msg(p != NULL, "'%s' not in:\n%s", needle, hay);
	return (long)(p - hay);
}

START_TEST(test_natural_order)
{
	static const char *const rep[] = { "report", "-t", "lab", "--rule", "cis-esxi-3.*", "--severity", "high,critical",
					   NULL };
	struct run r;
	harden_run(&lab, &r, rep);
	ck_assert_int_eq(r.status, EXIT_CLEAN);
	/* Objects: H1 before H7 before H13 (byte order: H1, H13, H7). */
	ck_assert(at(r.out, "cis-esxi-3.1      DC0_C0_H1 ") < at(r.out, "cis-esxi-3.1      DC0_C0_H7 "));
	ck_assert(at(r.out, "cis-esxi-3.1      DC0_C0_H7 ") < at(r.out, "cis-esxi-3.1      DC0_C0_H13 "));
	/* Rules: 3.8, 3.9 before 3.11, 3.20 (byte order: 3.11, 3.20, 3.8). */
	ck_assert(at(r.out, "cis-esxi-3.9 ") < at(r.out, "cis-esxi-3.11 "));
	ck_assert(at(r.out, "cis-esxi-3.11 ") < at(r.out, "cis-esxi-3.20 "));
	ck_assert_msg(strstr(r.out, "Filtered view: severity critical, high; rule 'cis-esxi-3.*' (the counts and score "
				    "are of all results)"), "%s", r.out);
	run_release(&r);
	/* baseline show lists rules the same way. */
	static const char *const show[] = { "baseline", "show", CIS, NULL };
	harden_run(&lab, &r, show);
	ck_assert_int_eq(r.status, EXIT_CLEAN);
	ck_assert(at(r.out, "\ncis-esxi-3.9 ") < at(r.out, "\ncis-esxi-3.10 "));
	ck_assert(at(r.out, "\ncis-esxi-2.9 ") < at(r.out, "\ncis-esxi-3.1 "));
	run_release(&r);
}
END_TEST

START_TEST(test_group_by_rule)
{
	/* A build one above the lab's (22380479) fails 2.2 on all 16 hosts. */
	char *out = xasprintf("html:%s/g.html", lab.dir);
	const char *const ev[] = { "evaluate", "-t", "lab", "-b", CIS, "--set", "min_esxi_build=22380480",
				   "--group-by", "rule", "--fail-on", "none", "-o", out, NULL };
	struct run r;
	harden_run(&lab, &r, ev);
	ck_assert_msg(r.status == EXIT_CLEAN, "exit %d: %s", r.status, r.err);
	ck_assert_msg(strstr(r.out, "FAIL    high      cis-esxi-2.2      16 fail\n"), "%s", r.out);
	ck_assert_msg(strstr(r.out, "        failing: DC0_C0_H0, DC0_C0_H1, DC0_C0_H2, DC0_C0_H3, DC0_C0_H4 ... and 11 "
				    "more\n"), "%s", r.out);
	ck_assert_msg(strstr(r.out, "FAIL    critical  cis-esxi-3.1      3 fail, 13 pass\n        SSH is stopped and "
				    "disabled\n        failing: DC0_C0_H1, DC0_C0_H7, DC0_C0_H13\n"), "%s", r.out);
	ck_assert_msg(strstr(r.out, "min_esxi_build=22380480 (--set)"), "%s", r.out);
	/* A rule is three lines at most, whatever the number of objects. */
	long lines = 0, rules = 0;
	for (const char *p = r.out; (p = strchr(p, '\n')); p++)
		lines++;
	for (const char *p = r.out; (p = strstr(p, "\nFAIL ")); p++)
		rules++;
	ck_assert(rules > 10);
	ck_assert_msg(lines < 3 * rules + 20, "%ld lines for %ld rules", lines, rules);
	run_release(&r);
	char *path = xasprintf("%s/g.html", lab.dir), *html = file_read(path, NULL);
	ck_assert_ptr_nonnull(html);
	ck_assert(strstr(html, "<table class=\"rules\">"));
	ck_assert(strstr(html, "<td>DC0_C0_H0, DC0_C0_H1, DC0_C0_H2, DC0_C0_H3, DC0_C0_H4 ... and 11 more</td>"));
	free(html);
	free(path);
	free(out);
	/* The boundary: at the lab's own build, only the 2 seeded hosts fail. */
	static const char *const eq[] = { "evaluate", "-t", "lab", "-b", CIS, "--set", "min_esxi_build=22380479",
					  "-f", "json", "--rule", "cis-esxi-2.2", "--fail-on", "none", NULL };
	json_t *j = run_json(eq, EXIT_CLEAN);
	ck_assert_int_eq(findings_with(j, "status", "fail"), 2);
	json_decref(j);
}
END_TEST

START_TEST(test_inventory_filters)
{
	static const char *const inv[] = { "inventory", "-t", "lab", "-f", "json", "--type", "host", "--object",
					   "DC0_C0_H1?", NULL };
	json_t *j = run_json(inv, EXIT_CLEAN);
	json_t *objs = json_object_get(j, "objects");
	ck_assert_int_eq(json_array_size(objs), 6);	/* H10 to H15 */
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(objs, 0), "name")), "DC0_C0_H10");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(objs, 5), "name")), "DC0_C0_H15");
	char *fs = json_dumps(json_object_get(j, "filters"), JSON_COMPACT);
	ck_assert_str_eq(fs, "{\"object\":\"DC0_C0_H1?\",\"type\":\"host\"}");
	free(fs);
	json_decref(j);
	/* In natural order: H2 before H10. */
	static const char *const tab[] = { "inventory", "-t", "lab", "--type", "host", NULL };
	struct run r;
	harden_run(&lab, &r, tab);
	ck_assert_int_eq(r.status, EXIT_CLEAN);
	ck_assert(at(r.out, "host DC0_C0_H2 ") < at(r.out, "host DC0_C0_H3 "));
	ck_assert(at(r.out, "host DC0_C0_H3 ") < at(r.out, "host DC0_C0_H15 "));
	run_release(&r);
}
END_TEST

START_TEST(test_baseline_show_parameters)
{
	static const char *const show[] = { "baseline", "show", CIS, NULL };
	struct run r;
	harden_run(&lab, &r, show);
	ck_assert_int_eq(r.status, EXIT_CLEAN);
	ck_assert_msg(strstr(r.out, "  min_esxi_build = 22380479\n      lowest ESXi build number accepted as patched"),
		      "%s", r.out);
	run_release(&r);
	static const char *const js[] = { "baseline", "show", CIS, "--format", "json", NULL };
	json_t *j = run_json(js, EXIT_CLEAN);
	ck_assert_str_eq(json_string_value(json_object_get(j, "schema")), "harden.baseline");
	json_t *p;
	size_t i;
	bool found = false;
	json_array_foreach(json_object_get(j, "parameters"), i, p) {
		if (strcmp(json_string_value(json_object_get(p, "name")), "max_password_age_days"))
			continue;
		found = true;
		ck_assert_str_eq(json_string_value(json_object_get(p, "default")), "99999");
		ck_assert(strstr(json_string_value(json_object_get(p, "description")), "PasswordMaxDays"));
	}
	ck_assert(found);
	ck_assert_int_eq(json_array_size(json_object_get(j, "rules")), 85);
	json_decref(j);
	static const char *const list[] = { "baseline", "list", "-f", "json", NULL };
	j = run_json(list, EXIT_CLEAN);
	found = false;
	json_array_foreach(json_object_get(j, "baselines"), i, p)
		if (!strcmp(json_string_value(json_object_get(p, "id")), CIS))
			found = json_integer_value(json_object_get(p, "rules")) == 85;
	ck_assert(found);
	json_decref(j);
}
END_TEST

/* Four errors in one file, each told with its line (a fifth with the
 * baseline); the good waivers are still checked. */
static const char waivers[] =
	"waivers:\n"
	"  - rule: cis-esxi-3.1\n"			/* 2: good */
	"    objects: { name: DC0_C0_H1 }\n"
	"    justification: SSH for the vendor's support case\n"
	"    approver: alice\n"
	"    expires: 2099-01-01\n"
	"  - rule: cis-esxi-3.2\n"			/* 7: short justification */
	"    objects: { name: DC0_C0_H1 }\n"
	"    justification: short\n"
	"    approver: alice\n"
	"    expires: 2099-01-01\n"
	"  - rule: cis-esxi-3.2\n"			/* 12: no such date */
	"    objects: { name: DC0_C0_H7 }\n"
	"    justification: the shell for the vendor's case\n"
	"    approver: bob\n"
	"    expires: 2099-02-30\n"
	"  - rule: cis-esxi-3.2\n"			/* 17: unknown key */
	"    owner: bob\n"
	"    justification: the shell for the vendor's case\n"
	"    approver: bob\n"
	"    expires: 2099-02-01\n"
	"  - rule: cis-esxi-9.1\n"			/* 22: in no baseline */
	"    objects: { name: DC0_C0_H2 }\n"
	"    justification: not a rule of the baseline\n"
	"    approver: bob\n"
	"    expires: 2099-02-01\n"
	"  - rule: cis-esxi-6.2\n"			/* 27: an alias of 2.5, no such host */
	"    baseline: " CIS "\n"
	"    objects: { name: esx-gone-* }\n"
	"    justification: the host is being rebuilt\n"
	"    approver: bob\n"
	"    expires: 2099-02-01\n"
	"  - rule: cis-esxi-3.1\n"			/* 33: a baseline that is not */
	"    baseline: cis-esxi-8\n"
	"    objects: { name: DC0_C0_H1 }\n"
	"    justification: the baseline id is mistyped\n"
	"    approver: bob\n"
	"    expires: 2099-02-01\n";

START_TEST(test_waiver_lint_every_error)
{
	char *file = tu_write(lab.dir, "w.yaml", waivers, 0644);
	const char *const plain[] = { "waiver", "lint", file, NULL };
	struct run r;
	harden_run(&lab, &r, plain);
	ck_assert_int_eq(r.status, EXIT_USAGE);
	ck_assert_msg(strstr(r.err, "w.yaml:7:5: waiver for 'cis-esxi-3.2' needs a justification"), "%s", r.err);
	ck_assert_msg(strstr(r.err, "w.yaml:16:14: expires '2099-02-30' is not a date"), "%s", r.err);
	ck_assert_msg(strstr(r.err, "w.yaml:18:5: unknown key 'owner' in waiver"), "%s", r.err);
	ck_assert_msg(strstr(r.err, "w.yaml:33:5: waiver applies to baseline 'cis-esxi-8', which is in no baseline "
				    "directory"), "%s", r.err);
	ck_assert_msg(strstr(r.err, "w.yaml: 4 errors\n"), "%s", r.err);
	run_release(&r);
	/* With the baseline: the unknown rule too, the alias told; with the
	 * target: the selector that matches nothing. */
	const char *const full[] = { "waiver", "lint", "--baseline", CIS, "--target", "lab", file, NULL };
	harden_run(&lab, &r, full);
	ck_assert_int_eq(r.status, EXIT_USAGE);
	ck_assert_msg(strstr(r.err, "w.yaml:22:5: rule 'cis-esxi-9.1' is in none of the baselines given"), "%s", r.err);
	ck_assert_msg(strstr(r.err, "w.yaml:27:5: rule 'cis-esxi-6.2' is now 'cis-esxi-2.5'"), "%s", r.err);
	ck_assert_msg(strstr(r.err, "w.yaml:27:5: waiver for 'cis-esxi-6.2' selects no host object in "
				    "snapshot 1 of target 'lab'"), "%s", r.err);
	ck_assert_msg(strstr(r.err, "harden: warning: /"), "%s", r.err);
	ck_assert_msg(!strstr(r.err, "w.yaml:2:5: waiver for 'cis-esxi-3.1' selects"), "%s", r.err);
	ck_assert_msg(strstr(r.err, "w.yaml: 5 errors\n"), "%s", r.err);
	run_release(&r);
	free(file);
}
END_TEST

START_TEST(test_waiver_names_its_baseline)
{
	char *file = tu_write(lab.dir, "wb.yaml",
			      "waivers:\n"
			      "  - rule: cis-esxi-3.1\n"
			      "    baseline: vsphere-scg-v8-subset\n"
			      "    objects: { name: DC0_C0_H1 }\n"
			      "    justification: SSH for the vendor's support case\n"
			      "    approver: alice\n"
			      "    expires: 2099-01-01\n"
			      "  - rule: cis-esxi-3.2\n"
			      "    baseline: " CIS "\n"
			      "    objects: { name: DC0_C0_H1 }\n"
			      "    justification: the shell for the vendor's case\n"
			      "    approver: alice\n"
			      "    expires: 2099-01-01\n", 0644);
	const char *const ev[] = { "evaluate", "-t", "lab", "-b", CIS, "--waivers", file, "-f", "json", "--object",
				   "DC0_C0_H1", "--rule", "cis-esxi-3.[12]", "--fail-on", "none", NULL };
	json_t *j = run_json(ev, EXIT_CLEAN);
	json_t *f;
	size_t i;
	int seen = 0;
	json_array_foreach(json_object_get(j, "findings"), i, f) {
		const char *rule = json_string_value(json_object_get(f, "rule_id"));
		const char *status = json_string_value(json_object_get(f, "status"));
		/* Another baseline's waiver does not apply; this one's does. */
		ck_assert_str_eq(status, !strcmp(rule, "cis-esxi-3.1") ? "fail" : "waived");
		seen++;
	}
	ck_assert_int_eq(seen, 2);
	json_decref(j);
	free(file);
}
END_TEST

START_TEST(test_progress_and_stats)
{
	char *path = xasprintf("%s/stats.json", lab.dir);
	const char *const scan[] = { "scan", "-t", "lab", "-b", CIS, "--fail-on", "none", "--progress", "--stats",
				     "--stats-json", path, "-f", "json", NULL };
	struct run r;
	harden_run(&lab, &r, scan);
	ck_assert_msg(r.status == EXIT_CLEAN, "exit %d: %s", r.status, r.err);
	/* Not a terminal: a line a step, with the totals. */
	ck_assert_msg(strstr(r.err, "harden: collecting vCenter hosts: "), "%s", r.err);
	ck_assert_msg(strstr(r.err, " API calls, "), "%s", r.err);
	ck_assert_msg(strstr(r.err, "harden: evaluating " CIS ": baseline 1 of 1, 85 rules\n"), "%s", r.err);
	ck_assert_msg(!strchr(r.err, '\r'), "%s", r.err);
	ck_assert_msg(strstr(r.err, "harden: stats of snapshot "), "%s", r.err);
	ck_assert_msg(strstr(r.err, "  collected   "), "%s", r.err);
	json_error_t je;
	json_t *rep = json_loads(r.out, 0, &je);
	ck_assert_ptr_nonnull(rep);
	run_release(&r);
	json_t *st = json_load_file(path, 0, &je);
	ck_assert_msg(st != NULL, "%s", je.text);
	ck_assert_str_eq(json_string_value(json_object_get(st, "schema")), "harden.stats");
	json_t *snap = json_object_get(rep, "snapshot");
	ck_assert_int_eq(json_integer_value(json_object_get(st, "objects")),
			 json_integer_value(json_object_get(snap, "objects")));
	ck_assert_int_eq(json_integer_value(json_object_get(st, "api_calls")),
			 json_integer_value(json_object_get(snap, "api_calls")));
	ck_assert(json_is_integer(json_object_get(json_object_get(st, "ms"), "wall")));
	json_decref(st);
	json_decref(rep);
	free(path);
	/* --quiet wins over --progress. */
	static const char *const quiet[] = { "-q", "scan", "-t", "lab", "-b", CIS, "--fail-on", "none", "--progress",
					     NULL };
	harden_run(&lab, &r, quiet);
	ck_assert_int_eq(r.status, EXIT_CLEAN);
	ck_assert_msg(!strstr(r.err, "collecting"), "%s", r.err);
	run_release(&r);
	/* Without --progress, off the terminal: nothing. */
	static const char *const plain[] = { "scan", "-t", "lab", "-b", CIS, "--fail-on", "none", NULL };
	harden_run(&lab, &r, plain);
	ck_assert_int_eq(r.status, EXIT_CLEAN);
	ck_assert_msg(!strstr(r.err, "collecting"), "%s", r.err);
	run_release(&r);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("find");
	TCase *tc = tcase_create("find");
	tcase_set_timeout(tc, 240);
	tcase_add_unchecked_fixture(tc, start, stop);
	tcase_add_test(tc, test_severity_is_a_set_and_plus_is_at_least);
	tcase_add_test(tc, test_status_rule_object_type);
	tcase_add_test(tc, test_bad_filters_are_usage_errors);
	tcase_add_test(tc, test_natural_order);
	tcase_add_test(tc, test_group_by_rule);
	tcase_add_test(tc, test_inventory_filters);
	tcase_add_test(tc, test_baseline_show_parameters);
	tcase_add_test(tc, test_waiver_lint_every_error);
	tcase_add_test(tc, test_waiver_names_its_baseline);
	/* Last: it adds snapshots. */
	tcase_add_test(tc, test_progress_and_stats);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(suite()) ? 1 : 0;
}
