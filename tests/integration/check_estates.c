/* Estates the other tests never see: several datacenters, standalone
 * hosts, a host vCenter lost, one in maintenance mode, a powered-off VM, a
 * template, VMs without Tools, an inaccessible datastore and a host that
 * lacks some advanced options.  Every builtin vCenter baseline must give no
 * unknown where the data was collected, never judge what it must not, and
 * give the ordinary objects the verdicts they have in the default estate. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lab.h"
#include "lib/testutil.h"
#include "rules/rules.h"
#include "util/util.h"

static struct lab lab;

/* Advanced options the odd host lacks, as -absent-options names them. */
static const char *const absent_keys[] = {
	"Mem.MemEagerZero", "Net.BMCNetworkEnable", "Net.DVFilterBindIpAddress",
	"Syslog.global.certificate.strictX509Compliance", "UserVars.ESXiVPsDisabledProtocols",
	"Config.HostAgent.vmacore.soap.sessionTimeout",
};

#define ODD_FLAGS "-datacenters", "2", "-standalone", "1", "-disconnected", "DC1_C1_H0", "-inaccessible", "LocalDS_1"

static const char *const scan_all[] = { "scan", "--target", "lab", "-b", "cis-vmware-esxi-8.0-subset", "-b",
					"vsphere-scg-v8-subset", "-b", "pci-dss-4.0-vmware", "-b",
					"dengbao-2.0-level3-vmware", "--set", "min_esxi_build=22380479", "--format",
					"json", "--all", "--fail-on", "none", NULL };

static void teardown(void)
{
	lab_stop(&lab);
}

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static json_t *scan(void)
{
	struct run r;
	harden_run(&lab, &r, scan_all);
	ck_assert_msg(r.status == 0, "exit %d; stderr: %s", r.status, r.err);
	json_t *j = json_loads(r.out, 0, NULL);
	ck_assert_msg(j != NULL, "not JSON:\n%s", r.out);
	run_release(&r);
	return j;
}

/* "BASELINE RULE OBJECT-NAME" -> status of every host and VM finding. */
static json_t *verdicts(json_t *report)
{
	json_t *m = json_object();
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(report, "findings"), i, f) {
		json_t *o = json_object_get(f, "object");
		if (strcmp(str(o, "type"), "host") && strcmp(str(o, "type"), "vm"))
			continue;
		char *k = xasprintf("%s %s %s", str(f, "baseline_id"), str(f, "rule_id"), str(o, "name"));
		json_object_set_new(m, k, json_string(str(f, "status")));
		free(k);
	}
	return m;
}

/* An unknown must say what was not collected. */
static void unknowns_have_reasons(json_t *report)
{
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(report, "findings"), i, f) {
		if (strcmp(str(f, "status"), "unknown"))
			continue;
		ck_assert_msg(strstr(str(f, "observed"), "not collected") != NULL, "%s on %s unknown without a reason: %s",
			      str(f, "rule_id"), str(json_object_get(f, "object"), "name"), str(f, "observed"));
	}
}

/* METHOD on the managed object TYPE named name, with more arguments. */
static void soap_on(struct vc *v, const char *type, const char *name, const char *method, const char *more)
{
	char *ref = lab_moref(v, type, name);
	char *body = xasprintf("<%s xmlns=\"urn:vim25\"><_this type=\"%s\">%s</_this>%s</%s>", method, type, ref,
			       more, method);
	if (strstr(method, "_Task"))
		lab_soap_task(v, "%s", body);
	else
		lab_soap(v, "%s", body);
	free(body);
	free(ref);
}

/* Does any leaf of the check read the property? */
static bool reads(const struct check *c, const char *prop)
{
	if (!c)
		return false;
	if (c->property && !strcmp(c->property, prop))
		return true;
	for (unsigned i = 0; i < c->nkids; i++)
		if (reads(c->kids[i], prop))
			return true;
	return false;
}

/* "BASELINE RULE" of every builtin rule whose applicability reads prop. */
static json_t *rules_gated_on(const char *prop)
{
	static const char *const ids[] = { "cis-vmware-esxi-8.0-subset", "vsphere-scg-v8-subset", "pci-dss-4.0-vmware",
					   "dengbao-2.0-level3-vmware" };
	json_t *m = json_object();
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		char *path = xasprintf("baselines/%s.yaml", ids[i]);
		struct baseline *b;
		ck_assert_msg(baseline_load(&b, path) == 0, "%s: %s", path, err_get());
		for (unsigned k = 0; k < b->nrules; k++)
			if (reads(b->rules[k].when, prop))
				json_object_set_new(m, b->rules[k].id, json_true());
		baseline_free(b);
		free(path);
	}
	return m;
}

/* The shaped estate against the default one, and its odd objects. */
START_TEST(test_unseen_estate)
{
	lab_start(&lab, NULL);
	lab_start_nsx(&lab, NULL);
	json_t *def = scan();
	json_t *want = verdicts(def);
	lab_stop(&lab);

	struct buf absent = BUF_INIT;
	for (size_t i = 0; i < ARRAY_SIZE(absent_keys); i++)
		buf_printf(&absent, "%sDC1_H0:%s", i ? "," : "", absent_keys[i]);
	const char *flags[] = { ODD_FLAGS, "-absent-options", absent.data, NULL };
	lab_start(&lab, flags);
	lab_start_nsx(&lab, NULL);
	json_t *before = scan();
	struct vc *v = lab_session(&lab);
	soap_on(v, "HostSystem", "DC1_C0_H1", "EnterMaintenanceMode_Task", "<timeout>0</timeout>");
	soap_on(v, "VirtualMachine", "DC1_C0_H0_VM0", "PowerOffVM_Task", "");
	soap_on(v, "VirtualMachine", "DC1_C0_H0_VM0", "MarkAsTemplate", "");
	soap_on(v, "VirtualMachine", "DC1_C1_H2_VM0", "PowerOffVM_Task", "");
	vc_close(v);
	json_t *rep = scan();
	unknowns_have_reasons(before);
	unknowns_have_reasons(rep);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(before, "counts"), "unknown")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(rep, "counts"), "unknown")), 0);

	/* The ordinary objects of the first datacenter: as in the default estate. */
	json_t *got = verdicts(rep), *was = verdicts(before);
	const char *k;
	json_t *s;
	size_t n = 0;
	json_object_foreach(want, k, s) {
		const char *g = json_string_value(json_object_get(got, k));
		ck_assert_msg(g && !strcmp(g, json_string_value(s)), "%s: %s here, %s in the default estate", k,
			      g ? g : "(none)", json_string_value(s));
		n++;
	}
	ck_assert_uint_gt(n, 1000);

	/* Maintenance mode changes no verdict; a powered-off VM loses only
	 * what needs it running; a template is judged by no rule that
	 * excludes templates; the lost host gives no pass or fail. */
	json_t *templ = rules_gated_on("template");
	json_object_foreach(got, k, s) {
		const char *st = json_string_value(s);
		const char *old = json_string_value(json_object_get(was, k));
		const char *obj = strrchr(k, ' ') + 1;
		if (!strcmp(obj, "DC1_C1_H0")) {
			ck_assert_msg(!strcmp(st, "not_applicable") || !strcmp(st, "unknown"), "%s on a disconnected host: %s",
				      k, st);
		} else if (!strcmp(obj, "DC1_C0_H0_VM0")) {
			char *rule = xstrndup(strchr(k, ' ') + 1, (size_t)(obj - strchr(k, ' ') - 2));
			if (json_object_get(templ, rule))
				ck_assert_msg(!strcmp(st, "not_applicable"), "%s on a template: %s", k, st);
			free(rule);
		} else if (!strcmp(obj, "DC1_C1_H2_VM0")) {
			ck_assert_msg(!strcmp(st, old) || !strcmp(st, "not_applicable"), "%s powered off: %s, was %s", k,
				      st, old);
		} else {
			ck_assert_msg(old && !strcmp(st, old), "%s: %s, was %s", k, st, old ? old : "(none)");
		}
	}
	ck_assert_uint_gt(json_object_size(templ), 10);

	/* The host without some options: each is seen absent, judged, not unknown. */
	size_t i, judged = 0;
	json_t *f;
	json_array_foreach(json_object_get(rep, "findings"), i, f) {
		if (strcmp(str(json_object_get(f, "object"), "name"), "DC1_H0"))
			continue;
		for (size_t a = 0; a < ARRAY_SIZE(absent_keys); a++) {
			char *prop = xasprintf("option.%s", absent_keys[a]);
			if (strstr(str(f, "property"), prop)) {
				ck_assert_msg(strstr(str(f, "observed"), "(absent)") != NULL, "%s: %s seen as %s",
					      str(f, "rule_id"), prop, str(f, "observed"));
				ck_assert_msg(!strcmp(str(f, "status"), "pass") || !strcmp(str(f, "status"), "fail"),
					      "%s on a host without %s: %s", str(f, "rule_id"), prop, str(f, "status"));
				judged++;
			}
			free(prop);
		}
	}
	ck_assert_uint_ge(judged, ARRAY_SIZE(absent_keys));

	json_decref(templ);
	json_decref(got);
	json_decref(was);
	json_decref(rep);
	json_decref(before);
	json_decref(want);
	json_decref(def);
	buf_release(&absent);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("estates");
	TCase *tc = tcase_create("estates");
	tcase_set_timeout(tc, 300);
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_unseen_estate);
	suite_add_tcase(s, tc);
	return tu_run(s) ? 1 : 0;
}
