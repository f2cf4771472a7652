/* harden scan requests what its baselines read, against the vCenter lab
 * (which logs every Type.path asked for) and the NSX lab (which counts
 * requests): a scan whose baselines read no NSX type does not contact NSX,
 * one whose baselines read no VM device does not fetch the device lists,
 * inventory lists exactly the paths the lab saw, and a rule whose property
 * was not requested is unknown, never pass or fail.  VMs retrieved in
 * slices on several connections at once make the same snapshot as one
 * retrieval after the other, even when the session expires meanwhile. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "lib/lab.h"
#include "lib/testutil.h"
#include "util/util.h"
#include "vcenter/vc.h"
#include "vocab.h"

#define CIS "cis-vmware-esxi-8.0-subset"
#define PCI "pci-dss-4.0-vmware"

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

static json_t *run_json(const char *const *args, int want)
{
	struct run r;
	harden_run(&lab, &r, args);
	ck_assert_msg(r.status == want, "exit %d, want %d; stderr: %s", r.status, want, r.err);
	json_error_t je;
	json_t *j = json_loads(r.out, 0, &je);
	ck_assert_msg(j != NULL, "not JSON: %s\n%s", je.text, r.out);
	run_release(&r);
	return j;
}

static const char *part_status(json_t *report, const char *part)
{
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(json_object_get(report, "snapshot"), "parts"), i, p)
		if (!strcmp(json_string_value(json_object_get(p, "part")), part))
			return json_string_value(json_object_get(p, "status"));
	return NULL;
}

static int count_status(json_t *report, const char *status)
{
	int n = 0;
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(report, "findings"), i, f)
		n += !strcmp(json_string_value(json_object_get(f, "status")), status);
	return n;
}

/* The paths the lab was asked for, one a line. */
static char *lab_paths(void)
{
	json_t *s = lab_stats(&lab), *p;
	struct strlist l = { 0 };
	size_t i;
	json_array_foreach(json_object_get(s, "requested_paths"), i, p)
		strlist_add(&l, json_string_value(p));
	json_decref(s);
	return tu_sorted_lines(&l);
}

/* The vcenter object's requested_paths in the snapshot's inventory, one a
 * line, and its collect mode in *mode (a new string). */
static char *inventory_paths(char **mode)
{
	static const char *const inv[] = { "inventory", "--target", "lab", "--format", "json", NULL };
	json_t *j = run_json(inv, EXIT_CLEAN), *o;
	struct strlist l = { 0 };
	size_t i;
	*mode = NULL;
	json_array_foreach(json_object_get(j, "objects"), i, o) {
		if (strcmp(json_string_value(json_object_get(o, "type")), "vcenter"))
			continue;
		json_t *props = json_object_get(o, "properties"), *p;
		*mode = xstrdup(json_string_value(json_object_get(props, "collect")));
		size_t k;
		json_array_foreach(json_object_get(props, "requested_paths"), k, p)
			strlist_add(&l, json_string_value(p));
	}
	json_decref(j);
	return tu_sorted_lines(&l);
}

START_TEST(test_cis_scan_does_not_contact_nsx)
{
	static const char *const scan[] = { "scan", "--target", "lab", "--baseline", CIS, "--format", "json", "--all",
					    NULL };
	json_t *j = run_json(scan, EXIT_FINDINGS);
	ck_assert_int_eq(nsx_stat(&lab, "requests"), 0);
	ck_assert_str_eq(part_status(j, "vcenter"), "completed");
	ck_assert_str_eq(part_status(j, "nsx"), "not_needed");
	/* not_needed is no gap: nothing is unknown for it. */
	ck_assert_int_eq(count_status(j, "unknown"), 0);
	ck_assert_int_gt(count_status(j, "pass"), 100);
	json_decref(j);

	/* inventory lists exactly what the lab was asked for. */
	char *mode, *inv = inventory_paths(&mode), *seen = lab_paths();
	ck_assert_str_eq(mode, "baselines");
	ck_assert_str_eq(inv, seen);
	ck_assert_ptr_nonnull(strstr(inv, "HostSystem.config.service\n"));
	ck_assert_ptr_nonnull(strstr(inv, "OptionManager.setting\n"));
	ck_assert_ptr_null(strstr(inv, "Datastore.summary"));	/* CIS reads no datastore */
	free(inv);
	free(seen);
	free(mode);
	struct run r;
	static const char *const table[] = { "inventory", "--target", "lab", NULL };
	harden_run(&lab, &r, table);
	ck_assert_int_eq(r.status, EXIT_CLEAN);
	ck_assert_ptr_nonnull(strstr(r.out, "NSX: not contacted, no baseline of the scan reads an NSX type\n"));
	run_release(&r);

	/* --collect all keeps the full collection: NSX too. */
	static const char *const all[] = { "scan", "--target", "lab", "--baseline", CIS, "--format", "json",
					   "--collect", "all", NULL };
	j = run_json(all, EXIT_FINDINGS);
	ck_assert_int_gt(nsx_stat(&lab, "requests"), 0);
	ck_assert_str_eq(part_status(j, "nsx"), "completed");
	json_decref(j);
	inv = inventory_paths(&mode);
	ck_assert_str_eq(mode, "all");
	ck_assert_ptr_nonnull(strstr(inv, "Datastore.summary\n"));
	ck_assert_ptr_nonnull(strstr(inv, "VirtualMachine.config.hardware.device\n"));
	free(inv);
	free(mode);
}
END_TEST

/* Every pass or fail of report on a vCenter object rests on properties
 * whose paths are all in requested (one a line); returns how many unknown
 * results there are on objects of type otype. */
static int judged_only_on_requested(json_t *report, const char *requested, const char *otype)
{
	int unknown = 0;
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(report, "findings"), i, f) {
		const char *s = json_string_value(json_object_get(f, "status"));
		const char *type = json_string_value(json_object_get(json_object_get(f, "object"), "type"));
		if (!strcmp(s, "unknown") && !strcmp(type, otype))
			unknown++;
		if (strcmp(s, "pass") && strcmp(s, "fail"))
			continue;
		const char *props = json_string_value(json_object_get(f, "property"));
		char *copy = xstrdup(props ? props : ""), *save = NULL;
		for (char *p = strtok_r(copy, "; ", &save); p; p = strtok_r(NULL, "; ", &save)) {
			const struct vocab_entry *e = vocab_lookup(type, p);
			struct strlist paths = { 0 };
			if (!e || vc_property_paths(type, e->name, &paths) < 0)
				continue;	/* not a collected vCenter property */
			for (size_t k = 0; k < paths.n; k++) {
				char *line = xasprintf("%s\n", paths.v[k]);
				ck_assert_msg(strstr(requested, line) != NULL, "%s judged %s on %s, not requested", p, s,
					      paths.v[k]);
				free(line);
			}
			strlist_release(&paths);
		}
		free(copy);
	}
	return unknown;
}

START_TEST(test_property_not_requested_is_unknown)
{
	/* PCI reads the DFW but no VM device. */
	static const char *const scan[] = { "scan", "--target", "lab", "--baseline", PCI, "--format", "json",
					    "--fail-on", "none", NULL };
	json_t *j = run_json(scan, EXIT_CLEAN);
	ck_assert_str_eq(part_status(j, "nsx"), "completed");
	json_decref(j);
	char *seen = lab_paths();
	ck_assert_ptr_null(strstr(seen, "VirtualMachine.config.hardware.device"));
	ck_assert_ptr_null(strstr(seen, "VirtualMachine.config.extraConfig"));
	ck_assert_ptr_nonnull(strstr(seen, "VirtualMachine.name\n"));

	/* CIS against that snapshot: its device and extraConfig rules were
	 * not requested, so every result of theirs is unknown. */
	static const char *const ev[] = { "evaluate", "--target", "lab", "--baseline", CIS, "--format", "json",
					  "--all", "--fail-on", "none", NULL };
	j = run_json(ev, EXIT_CLEAN);
	ck_assert_int_ge(judged_only_on_requested(j, seen, "vm"), 12 * 5);	/* 12 VMs, 5 device rules */
	judged_only_on_requested(j, seen, "host");
	json_decref(j);
	free(seen);

	/* And a CIS snapshot evaluated against PCI: the DFW rules are unknown,
	 * saying NSX was not contacted. */
	static const char *const cis[] = { "scan", "--target", "lab", "--baseline", CIS, "--fail-on", "none", NULL };
	struct run r;
	harden_run(&lab, &r, cis);
	ck_assert_msg(r.status == EXIT_CLEAN, "%s", r.err);
	run_release(&r);
	static const char *const ev2[] = { "evaluate", "--target", "lab", "--baseline", PCI, "--format", "json",
					   "--all", "--fail-on", "none", NULL };
	j = run_json(ev2, EXIT_CLEAN);
	int nsx_unknown = 0;
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(j, "findings"), i, f) {
		json_t *o = json_object_get(f, "object");
		if (strcmp(json_string_value(json_object_get(o, "type")), "dfw_rule") &&
		    strcmp(json_string_value(json_object_get(o, "type")), "nsx_manager") &&
		    strcmp(json_string_value(json_object_get(o, "type")), "dfw_policy"))
			continue;
		ck_assert_str_eq(json_string_value(json_object_get(f, "status")), "unknown");
		ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(f, "observed")), "NSX was not contacted"));
		nsx_unknown++;
	}
	ck_assert_int_gt(nsx_unknown, 0);
	json_decref(j);
}
END_TEST

START_TEST(test_changing_baselines_is_no_drift)
{
	/* CIS, then all four, then CIS again: the properties requested by one
	 * scan only are neither added nor removed. */
	static const char *const cis[] = { "scan", "--target", "lab", "--baseline", CIS, "--fail-on", "none", NULL };
	static const char *const four[] = { "scan", "--target", "lab", "--baseline", CIS, "--baseline", PCI,
					    "--baseline", "dengbao-2.0-level3-vmware", "--baseline",
					    "vsphere-scg-v8-subset", "--fail-on", "none", NULL };
	static const char *const drift[] = { "drift", "--target", "lab", "--format", "json", NULL };
	const char *const *seq[] = { cis, four, cis };
	for (int k = 0; k < 3; k++) {
		struct run r;
		harden_run(&lab, &r, seq[k]);
		ck_assert_msg(r.status == EXIT_CLEAN, "%s", r.err);
		run_release(&r);
		if (!k)
			continue;
		json_t *j = run_json(drift, EXIT_CLEAN);
		char *lines = drift_event_lines(j);
		/* Only the NSX manager's counts (collected, then not needed). */
		char *save = NULL;
		for (char *l = strtok_r(lines, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			ck_assert_msg(strncmp(l, "property_changed", 16) && strncmp(l, "object_", 7),
				      "unexpected drift after scan %d: %s", k + 1, l);
			ck_assert_msg(strstr(l, "nsx-manager") != NULL, "unexpected drift after scan %d: %s", k + 1, l);
		}
		free(lines);
		json_decref(j);
	}
}
END_TEST

/* ---- retrievals at once on one session ---- */

/* The snapshot's objects in the order written: type, moref, name and
 * property set, which holds each set of values once. */
static char *object_rows(long long snap)
{
	return lab_sql_text(&lab, "SELECT group_concat(type || '/' || moref || '/' || name || '/' || propset_id, char(10)) "
			    "FROM (SELECT * FROM object WHERE snapshot_id = ? ORDER BY id)", snap);
}

static json_t *inventory_objects(void)
{
	static const char *const inv[] = { "inventory", "--target", "lab", "--format", "json", NULL };
	json_t *j = run_json(inv, EXIT_CLEAN), *o = json_incref(json_object_get(j, "objects"));
	json_decref(j);
	return o;
}

START_TEST(test_retrievals_at_once_collect_the_same)
{
	/* Pages of two VMs, each answer a little late: with four retrievals
	 * at once the lab answers several together. */
	lab_control(&lab, "/lab/delay?ms=20");
	const char *scan[] = { "scan", "--target", "lab", "--collect", "all", "--page-size", "2", "--retrievals", "1",
			       "--baseline", CIS, "--fail-on", "none", "--quiet", NULL };
	struct run r;
	harden_run(&lab, &r, scan);
	ck_assert_msg(r.status == EXIT_CLEAN, "%s", r.err);
	run_release(&r);
	ck_assert_int_eq(lab_stat(&lab, "retrievals_at_once"), 1);
	json_t *one = inventory_objects();
	scan[8] = "4";
	harden_run(&lab, &r, scan);
	ck_assert_msg(r.status == EXIT_CLEAN, "%s", r.err);
	run_release(&r);
	long long at_once = lab_stat(&lab, "retrievals_at_once");
	ck_assert_msg(at_once >= 2 && at_once <= 4, "retrievals at once: %lld", at_once);
	json_t *four = inventory_objects();
	ck_assert_int_gt((long long)json_array_size(one), 20);
	ck_assert_msg(json_equal(one, four), "the inventories differ");
	char *a = object_rows(1), *b = object_rows(2);
	ck_assert_ptr_nonnull(a);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	json_decref(one);
	json_decref(four);
}
END_TEST

START_TEST(test_session_expiry_during_slices_starts_over)
{
	const char *scan[] = { "scan", "--target", "lab", "--page-size", "2", "--retrievals", "1", "--baseline", CIS,
			       "--fail-on", "none", "--quiet", NULL };
	struct run r;
	harden_run(&lab, &r, scan);
	ck_assert_msg(r.status == EXIT_CLEAN, "%s", r.err);
	run_release(&r);
	/* Call 18 of the next scan is among the slices of VMs (after the
	 * clusters, the hosts and their settings, page by page). */
	lab_control(&lab, "/lab/expire-sessions-after?calls=18");
	long long logins = lab_stat(&lab, "logins");
	scan[6] = "3";
	harden_run(&lab, &r, scan);
	ck_assert_msg(r.status == EXIT_CLEAN, "%s", r.err);
	run_release(&r);
	ck_assert_int_eq(lab_stat(&lab, "sessions_expired"), 1);
	ck_assert_int_eq(lab_stat(&lab, "logins") - logins, 2);
	char *a = object_rows(1), *b = object_rows(2);
	ck_assert_ptr_nonnull(a);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
}
END_TEST

/* ---- several targets ---- */

static struct lab second, third;

static void start_three(void)
{
	lab_start(&lab, NULL);
	lab_start(&second, NULL);
	lab_start(&third, NULL);
	/* Targets a, b and c on the three labs, and down on a closed port;
	 * every lab takes the same password (vc.pw in lab's directory). */
	char *text = xasprintf("targets:\n"
			       "  a:\n    vcenter: { url: %s, user: " LAB_USER ", password_file: vc.pw }\n"
			       "  b:\n    vcenter: { url: %s, user: " LAB_USER ", password_file: vc.pw }\n"
			       "  c:\n    vcenter: { url: %s, user: " LAB_USER ", password_file: vc.pw }\n"
			       "  down:\n    vcenter: { url: \"http://127.0.0.1:1/sdk\", user: " LAB_USER
			       ", password_file: vc.pw, timeout: 5 }\n",
			       lab.url, second.url, third.url);
	free(tu_write(lab.dir, "targets.yaml", text, 0644));
	free(text);
}

static void stop_three(void)
{
	lab_stop(&third);
	lab_stop(&second);
	lab_stop(&lab);
}

static json_t *target_obj(json_t *doc, const char *name)
{
	size_t i;
	json_t *t;
	json_array_foreach(json_object_get(doc, "targets"), i, t)
		if (!strcmp(json_string_value(json_object_get(t, "target")), name))
			return t;
	ck_abort_msg("no target %s", name);
	return NULL;
}

START_TEST(test_several_targets_one_twin)
{
	char *out = xasprintf("json:%s/r-{target}.json", lab.dir);
	const char *const scan[] = { "scan", "-t", "a", "-t", "b", "-t", "down", "-b", CIS, "--format", "json",
				     "--output", out, "--jobs", "2", NULL };
	/* down cannot be reached: the worst exit code is the collection's,
	 * and the others are scanned all the same. */
	json_t *doc = run_json(scan, EXIT_COLLECT);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "schema")), "harden.scan-targets");
	char *saved = xasprintf("%s/scan-targets.json", lab.dir);
	ck_assert_int_eq(json_dump_file(doc, saved, 0), 0);
	ck_assert_msg(tu_schema_valid("harden.scan-targets", saved), "%s does not validate", saved);
	free(saved);
	ck_assert_int_eq(json_integer_value(json_object_get(doc, "exit_code")), EXIT_COLLECT);
	ck_assert_uint_eq(json_array_size(json_object_get(doc, "targets")), 3);
	json_t *a = target_obj(doc, "a"), *b = target_obj(doc, "b"), *d = target_obj(doc, "down");
	ck_assert_int_eq(json_integer_value(json_object_get(a, "exit_code")), EXIT_FINDINGS);
	ck_assert_int_eq(json_integer_value(json_object_get(b, "exit_code")), EXIT_FINDINGS);
	ck_assert_int_eq(json_integer_value(json_object_get(d, "exit_code")), EXIT_COLLECT);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(d, "error")), "127.0.0.1:1"));
	ck_assert(json_is_null(json_object_get(d, "report")));
	/* Each target its own snapshot, with the same results as alone. */
	json_t *ra = json_object_get(a, "report"), *rb = json_object_get(b, "report");
	ck_assert_str_eq(json_string_value(json_object_get(ra, "target")), "a");
	ck_assert_str_eq(json_string_value(json_object_get(rb, "target")), "b");
	ck_assert_int_ne(json_integer_value(json_object_get(ra, "snapshot_id")),
			 json_integer_value(json_object_get(rb, "snapshot_id")));
	ck_assert(json_equal(json_object_get(ra, "counts"), json_object_get(rb, "counts")));
	json_t *counts_a = json_deep_copy(json_object_get(ra, "counts"));
	json_decref(doc);
	/* One report file per target, {target} in the path. */
	for (int i = 0; i < 2; i++) {
		char *path = xasprintf("%s/r-%s.json", lab.dir, i ? "b" : "a");
		json_t *f = json_load_file(path, 0, NULL);
		ck_assert_msg(f != NULL, "%s", path);
		ck_assert(json_equal(json_object_get(f, "counts"), counts_a));
		json_decref(f);
		free(path);
	}
	/* A scan of a alone finds what the scan of several found. */
	const char *const alone[] = { "scan", "-t", "a", "-b", CIS, "--format", "json", NULL };
	doc = run_json(alone, EXIT_FINDINGS);
	ck_assert(json_equal(json_object_get(doc, "counts"), counts_a));
	json_decref(doc);
	json_decref(counts_a);
	free(out);

	/* --all-targets: the table, one report each and a line per target. */
	const char *const all[] = { "scan", "--all-targets", "-b", CIS, "--fail-on", "none", NULL };
	struct run r;
	harden_run(&lab, &r, all);
	ck_assert_msg(r.status == EXIT_COLLECT, "%d %s", r.status, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "Target a, snapshot"));
	ck_assert_ptr_nonnull(strstr(r.out, "Target c, snapshot"));
	ck_assert_ptr_nonnull(strstr(r.out, "Targets: 4 scanned, exit code 4\n"));
	run_release(&r);
	/* Each lab was logged in to once per scan of it. */
	ck_assert_int_eq(lab_stat(&second, "logins"), 2);
	ck_assert_int_eq(lab_stat(&third, "logins"), 1);
}
END_TEST

START_TEST(test_several_targets_usage)
{
	struct run r;
	const char *const one_file[] = { "scan", "-t", "a", "-t", "b", "-b", CIS, "--output", "json:r.json", NULL };
	harden_run(&lab, &r, one_file);
	ck_assert_int_eq(r.status, EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(r.err, "must contain {target}"));
	run_release(&r);
	const char *const twice[] = { "scan", "-t", "a", "-t", "a", "-b", CIS, NULL };
	harden_run(&lab, &r, twice);
	ck_assert_int_eq(r.status, EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(r.err, "target 'a' is given twice"));
	run_release(&r);
	const char *const sarif[] = { "scan", "--all-targets", "-b", CIS, "-f", "sarif", NULL };
	harden_run(&lab, &r, sarif);
	ck_assert_int_eq(r.status, EXIT_USAGE);
	run_release(&r);
	ck_assert_int_eq(lab_stat(&lab, "logins"), 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("collect");
	TCase *tc = tcase_create("collect");
	tcase_set_timeout(tc, 300);
	tcase_add_checked_fixture(tc, start, stop);
	tcase_add_test(tc, test_cis_scan_does_not_contact_nsx);
	tcase_add_test(tc, test_property_not_requested_is_unknown);
	tcase_add_test(tc, test_changing_baselines_is_no_drift);
	tcase_add_test(tc, test_retrievals_at_once_collect_the_same);
	tcase_add_test(tc, test_session_expiry_during_slices_starts_over);
	suite_add_tcase(s, tc);
	TCase *tm = tcase_create("many");
	tcase_set_timeout(tm, 300);
	tcase_add_checked_fixture(tm, start_three, stop_three);
	tcase_add_test(tm, test_several_targets_one_twin);
	tcase_add_test(tm, test_several_targets_usage);
	suite_add_tcase(s, tm);
	return s;
}

int main(void)
{
	return tu_run(suite()) ? 1 : 0;
}
