/* The offline advisor: every builtin rule's failing case, synthesised by
 * giving each property the rule reads a value its check refuses, gets an
 * exact, reversible plan (or, for the few changes that cannot be undone or
 * whose value a person must choose, says so and asks for review); tools are
 * checked against the catalog; names from the estate are quoted. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "advise/advise.h"
#include "lib/testutil.h"
#include "rules/rules.h"
#include "util/util.h"

static const char *const candidates[] = {
	"false", "true", "0", "1", "-1", "999999", "", "x", "on", "off", "[]", "[\"ANY\"]", "[\"10.0.0.1\"]",
	"lockdownDisabled", "lockdownNormal", "ALLOW", "DROP", "Application", "Emergency", "connected", "poweredOn",
	"1.0.0", "99.0.0", "vmx-10", "vmx-21", "toolsOld", "toolsOk", "sslv3", "tlsv1.2", "guestToolsTooOld",
};

struct props {
	struct sprop v[64];
	unsigned n;
};

static void prop_set(struct props *p, const char *name, enum ptype t, const char *value)
{
	for (unsigned i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].name, name))
			return;
	ck_assert_uint_lt(p->n, ARRAY_SIZE(p->v));
	p->v[p->n++] = (struct sprop){ (char *)name, t, true, (char *)value };
}

/* Each leaf gets a value with the status wanted (fail for the check,
 * pass for the applicability). */
static void leaves(const struct check *c, enum rstatus want, struct props *p)
{
	if (!c)
		return;
	if (c->op == OP_ALL || c->op == OP_ANY || c->op == OP_NOT) {
		for (unsigned i = 0; i < c->nkids; i++)
			leaves(c->kids[i], c->op == OP_NOT ? (want == RS_FAIL ? RS_PASS : RS_FAIL) : want, p);
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(candidates); i++)
		if (check_value(c, c->ptype, candidates[i]) == want) {
			prop_set(p, c->property, c->ptype, candidates[i]);
			/* A derived property comes with the option it is read from. */
			if (!strncmp(c->property, "password_quality.", 17))
				prop_set(p, "option.Security.PasswordQualityControl", PT_STRING, "retry=3 min=disabled,8,8,7,7");
			return;
		}
}

static int prop_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sprop *)a)->name, ((const struct sprop *)b)->name);
}

static struct catalog cat;

static void check_plan(const struct rule *r, const json_t *s, const char *where)
{
	ck_assert_str_eq(json_string_value(json_object_get(s, "schema")), SUGGESTION_SCHEMA);
	const json_t *steps = json_object_get(json_object_get(s, "execution_plan"), "steps");
	ck_assert_msg(json_array_size(steps) > 0, "%s: no steps", where);
	const json_t *imp = json_object_get(s, "impact_prediction");
	ck_assert_msg(json_is_boolean(json_object_get(imp, "affects_running_workload")) &&
			      json_is_boolean(json_object_get(imp, "requires_maintenance_window")) &&
			      json_is_string(json_object_get(imp, "estimated_duration")) &&
			      json_is_string(json_object_get(imp, "rollback_plan")),
		      "%s: impact incomplete", where);
	bool reviewed = json_is_true(json_object_get(s, "human_review_required"));
	bool exact = true;
	size_t i;
	json_t *st;
	json_array_foreach(steps, i, st) {
		char *dump = json_dumps(st, JSON_COMPACT);
		if (json_is_true(json_object_get(st, "manual"))) {
			ck_assert_msg(json_array_size(json_object_get(st, "commands")) > 0, "%s: a manual step without commands",
				      where);
			if (!json_array_size(json_object_get(st, "rollback_commands")))
				exact = false;
		} else {
			ck_assert_msg(json_is_string(json_object_get(st, "skill")) && json_is_object(json_object_get(st, "params")),
				      "%s: %s", where, dump);
			if (!json_is_string(json_object_get(st, "rollback_tool")) ||
			    !json_is_object(json_object_get(st, "rollback_params")))
				exact = false;
			if (!json_is_true(json_object_get(st, "verified")))
				ck_assert_msg(reviewed, "%s: an unverified tool without review: %s", where, dump);
			if (json_is_true(json_object_get(st, "destructive")))
				ck_assert_msg(reviewed, "%s: a destructive step without review: %s", where, dump);
		}
		if (strstr(dump, "<value>") || strstr(dump, "<ntp-server>"))
			exact = false;
		free(dump);
	}
	/* Not exact or not reversible: then it says so and a person reviews it. */
	if (!exact) {
		char *all = json_dumps(s, JSON_COMPACT);
		ck_assert_msg(reviewed && json_array_size(json_object_get(s, "notes")) > 0,
			      "%s: a plan that is not exact and reversible must say why and ask for review: %s", where,
			      all);
		free(all);
	}
	(void)r;
}

/* Rules whose fix cannot be exact and reversible, by the nature of the
 * change: upgrades and patches (version, build), hardware (a TPM is
 * fitted, not configured), the VLAN a port group belongs on (the site's
 * network design names it), CHAP secrets (the storage target holds
 * them), and the whole-DFW SQL checks (which rule to change is a person's
 * call). */
static bool may_be_inexact(const struct rule *r, const char *property)
{
	static const char *const inexact[] = { "version", "build", "hw_version", "tools_status", "tools_version_status",
					       "tpm.supported", "tpm.version", "network.vgt_portgroups",
					       "network.native_vlan_portgroups", "iscsi.chap_not_mutual",
					       "vlan_trunk" };
	if (r->sql)
		return true;
	for (size_t i = 0; property && i < ARRAY_SIZE(inexact); i++)
		if (!strcmp(property, inexact[i]))
			return true;
	return false;
}

static unsigned walked, exact_plans;

static void walk_baseline(const char *name)
{
	char *path = baseline_resolve(name);
	ck_assert_msg(path != NULL, "%s", err_get());
	struct baseline *b;
	ck_assert_msg(baseline_load(&b, path) == 0, "%s", err_get());
	for (unsigned i = 0; i < b->nrules; i++) {
		const struct rule *r = &b->rules[i];
		struct props p = { .n = 0 };
		leaves(r->when, RS_PASS, &p);
		leaves(r->check, RS_FAIL, &p);
		prop_set(&p, "name", PT_STRING, "it's-a-name");
		qsort(p.v, p.n, sizeof(p.v[0]), prop_cmp);
		struct sobject o = { 1, r->object_type, (char *)"obj-1", (char *)"it's-a-name", p.v, p.n };
		struct evidence ev = { 0 };
		enum rstatus st = r->sql ? RS_FAIL : rule_eval(r, &o, &ev);
		char *where = xasprintf("%s %s", b->id, r->id);
		ck_assert_msg(st == RS_FAIL, "%s: no failing case synthesised (%d)", where, st);
		struct advise_in in = { .target = "lab", .violation_id = "V-00000000", .baseline_id = b->id, .rule = r,
					.property = ev.property, .observed = ev.observed, .expected = ev.expected,
					.object_type = r->object_type, .moref = "obj-1", .object_name = "it's-a-name",
					.obj = &o, .cat = &cat };
		json_t *s = advise_offline(&in);
		check_plan(r, s, where);
		if (!may_be_inexact(r, ev.property)) {
			char *notes = json_dumps(json_object_get(s, "notes"), 0);
			ck_assert_msg(!strstr(notes, "no exact plan") && !strstr(notes, "choose it"),
				      "%s (%s): no exact plan: %s", where, ev.property ? ev.property : "sql", notes);
			free(notes);
			exact_plans++;
		}
		/* Quoting: the object's name reaches commands quoted. */
		char *dump = json_dumps(s, 0);
		ck_assert_msg(!strstr(dump, "Name it's-a-name") && !strstr(dump, "-host it's"), "%s: unquoted name", where);
		free(dump);
		walked++;
		json_decref(s);
		evidence_release(&ev);
		free(where);
	}
	baseline_free(b);
	free(path);
}

START_TEST(test_every_builtin_rule_gets_a_plan)
{
	static const char *const names[] = { "cis-vmware-esxi-8.0-subset", "pci-dss-4.0-vmware", "vsphere-scg-v8-subset",
					     "dengbao-2.0-level3-vmware" };
	char *cp = catalog_default_path();
	ck_assert_ptr_nonnull(cp);
	ck_assert_int_eq(catalog_load(&cat, cp), 0);
	free(cp);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		walk_baseline(names[i]);
	ck_assert_uint_gt(walked, 100);
	ck_assert_uint_gt(exact_plans, 90);
	catalog_release(&cat);
}
END_TEST

START_TEST(test_catalog_and_tool_names)
{
	char *skill, *tool;
	ck_assert_int_eq(tool_split("vmware_nsx_security.dfw_rule_delete", &skill, &tool), 0);
	ck_assert_str_eq(skill, "nsx-security");
	ck_assert_str_eq(tool, "dfw_rule_delete");
	free(skill), free(tool);
	ck_assert_int_eq(tool_split("nodot", &skill, &tool), -1);
	char *cp = catalog_default_path();
	ck_assert_int_eq(catalog_load(&cat, cp), 0);
	free(cp);
	ck_assert(catalog_has(&cat, "nsx-security", "delete_dfw_rule"));
	ck_assert(catalog_has(&cat, "vmware-nsx-security", "update_dfw_rule"));
	/* The seed's NTP tool exists nowhere: the shipped catalog leaves it out. */
	ck_assert(!catalog_has(&cat, "aiops", "host_ntp_configure"));
	json_t *confirm = json_pack("{s:b}", "confirm", true), *none = json_object();
	ck_assert(step_destructive(&cat, "nsx-security", "delete_dfw_rule", none));
	ck_assert(step_destructive(&cat, "nsx-security", "update_dfw_rule", confirm));
	ck_assert(!step_destructive(&cat, "nsx-security", "update_dfw_rule", none));
	json_decref(confirm), json_decref(none);
	catalog_release(&cat);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("advise");
	TCase *tc = tcase_create("advise");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_every_builtin_rule_gets_a_plan);
	tcase_add_test(tc, test_catalog_and_tool_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(suite()) ? 1 : 0;
}
