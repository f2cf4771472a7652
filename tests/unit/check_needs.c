/* What a scan requests: every property a rule of a builtin baseline reads
 * is among the vSphere paths requested for those baselines, and every
 * vCenter property of the vocabulary maps to the paths it is built from. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/testutil.h"
#include "rules/rules.h"
#include "util/util.h"
#include "vcenter/vc.h"
#include "vocab.h"

static bool vcenter_collected(const char *otype)
{
	return !strcmp(otype, "host") || !strcmp(otype, "vm") || !strcmp(otype, "datastore") ||
	       !strcmp(otype, "dvportgroup");
}

START_TEST(test_every_vcenter_property_has_paths)
{
	unsigned n;
	const struct vocab_entry *v = vocab_all(&n);
	for (unsigned i = 0; i < n; i++) {
		if (!strcmp(v[i].otype, "vcenter")) {
			/* Known, even when always written (no path of its own). */
			struct strlist none = { 0 };
			ck_assert_msg(vc_property_paths("vcenter", v[i].name, &none) == 0, "vcenter.%s unknown", v[i].name);
			strlist_release(&none);
		}
		if (!vcenter_collected(v[i].otype))
			continue;
		struct strlist paths = { 0 };
		ck_assert_msg(vc_property_paths(v[i].otype, v[i].name, &paths) == 0, "%s.%s has no vSphere path",
			      v[i].otype, v[i].name);
		ck_assert_msg(paths.n > 0, "%s.%s has no vSphere path", v[i].otype, v[i].name);
		strlist_release(&paths);
	}
	struct strlist none = { 0 };
	ck_assert_int_eq(vc_property_paths("host", "no.such.property", &none), -1);
	ck_assert_int_eq(vc_property_paths("dfw_rule", "action", &none), -1);
	/* Derived properties map back to their source. */
	struct strlist p = { 0 };
	ck_assert_int_eq(vc_property_paths("host", "password_quality.min_length", &p), 0);
	ck_assert(strlist_has(&p, "HostSystem.configManager.advancedOption"));
	ck_assert(strlist_has(&p, "OptionManager.setting"));
	strlist_release(&p);
	ck_assert_int_eq(vc_property_paths("vm", "device.usb.present", &p), -1);
	ck_assert_int_eq(vc_property_paths("vm", "device.*.present", &p), 0);
	ck_assert(strlist_has(&p, "VirtualMachine.config.hardware.device"));
	strlist_release(&p);
	ck_assert_int_eq(vc_property_paths("datastore", "hosts", &p), 0);
	ck_assert(strlist_has(&p, "HostSystem.datastore"));
	strlist_release(&p);
	/* The properties of the network, trust and vCenter settings controls. */
	static const char *const srcs[][3] = {
		{ "host", "network.forged_transmits_allowed", "HostSystem.config.network" },
		{ "host", "network.management_vnics_shared", "HostSystem.config.virtualNicManagerInfo" },
		{ "host", "iscsi.chap_not_mutual", "HostSystem.config.storageDevice.hostBusAdapter" },
		{ "host", "lockdown.exception_users", "HostSystem.configManager.hostAccessManager" },
		{ "host", "image.acceptance_level", "HostSystem.configManager.imageConfigManager" },
		{ "host", "tpm.supported", "HostSystem.capability" },
		{ "vm", "dvfilters", "VirtualMachine.config.extraConfig" },
		{ "datastore", "local", "Datastore.info" },
		{ "dvportgroup", "forged_transmits", "DistributedVirtualPortgroup.config.defaultPortConfig" },
		{ "dvportgroup", "overrides_allowed", "DistributedVirtualPortgroup.config.policy" },
		{ "vcenter", "option.*", "OptionManager.setting" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(srcs); i++) {
		ck_assert_int_eq(vc_property_paths(srcs[i][0], srcs[i][1], &p), 0);
		ck_assert_msg(strlist_has(&p, srcs[i][2]), "%s.%s: no %s", srcs[i][0], srcs[i][1], srcs[i][2]);
		strlist_release(&p);
	}
	/* The vcenter object's counts come with every collection. */
	ck_assert_int_eq(vc_property_paths("vcenter", "version", &p), 0);
	ck_assert_uint_eq(p.n, 0);
}
END_TEST

struct walk {
	const char *baseline;
	const struct rule *r;
	const struct prop_needs *needs;
	const struct strlist *requested;
	unsigned leaves;
};

/* A leaf's property: its vocabulary entry is needed, and (on a vCenter
 * type) every path it is built from is requested. */
static void leaf_requested(struct walk *w, const char *prop)
{
	const char *otype = w->r->object_type;
	const struct vocab_entry *e = vocab_lookup(otype, prop);
	ck_assert_msg(e != NULL, "%s %s: %s", w->baseline, w->r->id, prop);
	ck_assert_msg(prop_needed(w->needs, otype, e->name), "%s %s: %s not needed", w->baseline, w->r->id, prop);
	w->leaves++;
	if (vocab_part(otype) == PART_NSX) {
		ck_assert_msg(w->needs->nsx, "%s %s reads NSX but NSX is not needed", w->baseline, w->r->id);
		return;
	}
	/* On the vcenter object, only its settings have a path of their own. */
	struct strlist paths = { 0 };
	ck_assert_int_eq(vc_property_paths(otype, e->name, &paths), 0);
	for (size_t i = 0; i < paths.n; i++)
		ck_assert_msg(strlist_has(w->requested, paths.v[i]), "%s %s: %s needs %s, not requested", w->baseline,
			      w->r->id, prop, paths.v[i]);
	strlist_release(&paths);
}

static void walk_check(struct walk *w, const struct check *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < c->nkids; i++)
		walk_check(w, c->kids[i]);
	if (c->property)
		leaf_requested(w, c->property);
}

static void check_baseline(struct baseline *b)
{
	struct prop_needs needs = { 0 };
	struct strlist requested = { 0 };
	baselines_needs(&b, 1, &needs);
	vc_requested_paths(&needs, &requested);
	struct walk w = { b->id, NULL, &needs, &requested, 0 };
	for (unsigned i = 0; i < b->nrules; i++) {
		w.r = &b->rules[i];
		walk_check(&w, w.r->when);
		walk_check(&w, w.r->check);
		for (size_t k = 0; k < w.r->reads.n; k++)
			leaf_requested(&w, w.r->reads.v[k]);
		if (vocab_part(w.r->object_type) == PART_NSX)
			ck_assert(needs.nsx);
	}
	ck_assert_uint_gt(w.leaves, 5);
	/* The identity every report shows is always requested. */
	ck_assert(strlist_has(&requested, "HostSystem.name"));
	ck_assert(strlist_has(&requested, "VirtualMachine.runtime.host"));
	strlist_release(&requested);
	prop_needs_release(&needs);
}

START_TEST(test_builtin_rules_are_always_requested)
{
	struct strlist stems = { 0 }, paths = { 0 };
	baseline_catalog(NULL, &stems, &paths);
	ck_assert_uint_ge(stems.n, 5);
	for (size_t i = 0; i < paths.n; i++) {
		struct baseline *b;
		ck_assert_msg(baseline_load(&b, paths.v[i]) == 0, "%s", err_get());
		check_baseline(b);
		baseline_free(b);
	}
	strlist_release(&stems);
	strlist_release(&paths);
}
END_TEST

static struct baseline *builtin(const char *name)
{
	char *p = baseline_resolve(name);
	ck_assert_msg(p != NULL, "%s", err_get());
	struct baseline *b;
	ck_assert_msg(baseline_load(&b, p) == 0, "%s", err_get());
	free(p);
	return b;
}

START_TEST(test_needs_follow_the_baselines)
{
	struct baseline *cis = builtin("cis-vmware-esxi-8.0-subset"), *pci = builtin("pci-dss-4.0-vmware");
	struct prop_needs n = { 0 };
	struct strlist req = { 0 };
	baselines_needs(&cis, 1, &n);
	ck_assert(!n.nsx);	/* CIS reads no NSX type: NSX is not contacted */
	prop_needs_release(&n);
	baselines_needs(&pci, 1, &n);
	ck_assert(n.nsx);
	vc_requested_paths(&n, &req);
	/* PCI reads no VM device: the device lists are not fetched. */
	ck_assert(!strlist_has(&req, "VirtualMachine.config.hardware.device"));
	ck_assert(!strlist_has(&req, "VirtualMachine.config.extraConfig"));
	/* Nor iSCSI adapters, nor a port group's policy. */
	ck_assert(!strlist_has(&req, "HostSystem.config.storageDevice.hostBusAdapter"));
	ck_assert(!strlist_has(&req, "DistributedVirtualPortgroup.config.policy"));
	ck_assert(strlist_has(&req, "DistributedVirtualPortgroup.name"));
	strlist_release(&req);
	prop_needs_release(&n);
	/* --collect all: everything, whatever the baselines read. */
	n.all = true;
	vc_requested_paths(&n, &req);
	ck_assert(strlist_has(&req, "VirtualMachine.config.hardware.device"));
	ck_assert(strlist_has(&req, "Datastore.summary"));
	ck_assert(strlist_has(&req, "OptionManager.setting"));
	ck_assert(strlist_has(&req, "HostSystem.configManager.imageConfigManager"));
	ck_assert(strlist_has(&req, "DistributedVirtualPortgroup.config.policy"));
	ck_assert(strlist_has(&req, "Datastore.info"));
	strlist_release(&req);
	vc_requested_paths(NULL, &req);
	ck_assert(strlist_has(&req, "HostSystem.capability"));
	strlist_release(&req);
	prop_needs_release(&n);
	baseline_free(cis);
	baseline_free(pci);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("needs");
	TCase *tc = tcase_create("needs");
	tcase_add_test(tc, test_every_vcenter_property_has_paths);
	tcase_add_test(tc, test_builtin_rules_are_always_requested);
	tcase_add_test(tc, test_needs_follow_the_baselines);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(suite()) ? 1 : 0;
}
