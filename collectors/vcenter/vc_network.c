/* A host's standard switches, port groups and VMkernel services, reduced
 * to the lists the network rules test (see the network.* properties in
 * harden-properties(7)).  The values come from HostSystem.config.network
 * and HostSystem.config.virtualNicManagerInfo, read with the other host
 * properties in the one bulk retrieval. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "vcenter/vc_internal.h"

static const char *const sec_fields[] = { "allowPromiscuous", "macChanges", "forgedTransmits" };
static const char *const sec_props[] = { "network.promiscuous_allowed", "network.mac_changes_allowed",
					 "network.forged_transmits_allowed" };

static void put_list(struct sink *out, long long obj, const char *name, json_t *a)
{
	char *s = a ? json_dumps(a, JSON_COMPACT) : NULL;
	sink_prop(out, obj, name, PT_LIST, s);
	free(s);
}

static const struct xnode *security_of(const struct xnode *policy)
{
	return xnode_child(policy, "security");
}

/* One security field of a switch: an absent field is ESXi 8's default,
 * reject. */
static bool switch_allows(const struct xnode *vsw, const char *field)
{
	const char *v = xnode_text(security_of(xnode_path(vsw, "spec.policy")), field);
	return v && (!strcmp(v, "true") || !strcmp(v, "1"));
}

static const struct xnode *switch_named(const struct xnode *net, const char *name)
{
	for (const struct xnode *n = net->child; n && name; n = n->next)
		if (!strcmp(n->name, "vswitch") && xnode_text(n, "name") && !strcmp(xnode_text(n, "name"), name))
			return n;
	return NULL;
}

/* A port group's effective field: computedPolicy, else its own override,
 * else its switch's. */
static bool portgroup_allows(const struct xnode *net, const struct xnode *pg, const char *field)
{
	const char *v = xnode_text(security_of(xnode_child(pg, "computedPolicy")), field);
	if (!v)
		v = xnode_text(security_of(xnode_path(pg, "spec.policy")), field);
	if (v)
		return !strcmp(v, "true") || !strcmp(v, "1");
	const struct xnode *vsw = switch_named(net, xnode_text(xnode_child(pg, "spec"), "vswitchName"));
	return vsw && switch_allows(vsw, field);
}

void vc_host_switches(struct sink *out, long long obj, const struct xnode *net)
{
	json_t *sec[3] = { NULL, NULL, NULL }, *vgt = NULL, *native = NULL;
	if (net) {
		for (int f = 0; f < 3; f++)
			sec[f] = json_array();
		vgt = json_array();
		native = json_array();
	}
	for (const struct xnode *n = net ? net->child : NULL; n; n = n->next) {
		if (!strcmp(n->name, "vswitch")) {
			const char *name = xnode_text(n, "name");
			for (int f = 0; f < 3 && name; f++)
				if (switch_allows(n, sec_fields[f]))
					json_array_append_new(sec[f], json_string(name));
		} else if (!strcmp(n->name, "portgroup")) {
			const struct xnode *spec = xnode_child(n, "spec");
			const char *name = xnode_text(spec, "name");
			if (!name)
				continue;
			const char *sw = xnode_text(spec, "vswitchName");
			char *label = xasprintf("%s/%s", sw ? sw : "", name);
			for (int f = 0; f < 3; f++)
				if (portgroup_allows(net, n, sec_fields[f]))
					json_array_append_new(sec[f], json_string(label));
			long long vlan;
			const char *vl = xnode_text(spec, "vlanId");
			if (vl && parse_int64(vl, &vlan)) {
				if (vlan == 4095)
					json_array_append_new(vgt, json_string(label));
				else if (vlan == 0 || vlan == 1)
					json_array_append_new(native, json_string(label));
			}
			free(label);
		}
	}
	for (int f = 0; f < 3; f++) {
		put_list(out, obj, sec_props[f], sec[f]);
		json_decref(sec[f]);
	}
	put_list(out, obj, "network.vgt_portgroups", vgt);
	put_list(out, obj, "network.native_vlan_portgroups", native);
	json_decref(vgt);
	json_decref(native);
}

/* The vmknic device a selectedVnic key names: the candidate with that key,
 * else the tail of "...VirtualNic-vmk0". */
static const char *selected_device(const struct xnode *cfg, const char *key)
{
	for (const struct xnode *c = cfg->child; c; c = c->next)
		if (!strcmp(c->name, "candidateVnic") && xnode_text(c, "key") && !strcmp(xnode_text(c, "key"), key))
			return xnode_text(c, "device");
	const char *dash = strrchr(key, '-');
	return dash && dash[1] ? dash + 1 : key;
}

static bool selected_for(const struct xnode *cfg, const char *device)
{
	for (const struct xnode *s = cfg->child; s; s = s->next) {
		if (strcmp(s->name, "selectedVnic") || !s->text)
			continue;
		const char *d = selected_device(cfg, s->text);
		if (d && !strcmp(d, device))
			return true;
	}
	return false;
}

/* Each vmknic selected for `type` that also carries another service, as
 * "vmk0:vmotion". */
static json_t *shared_vnics(const struct xnode *info, const char *type)
{
	json_t *a = json_array();
	for (const struct xnode *cfg = info->child; cfg; cfg = cfg->next) {
		const char *ct = xnode_text(cfg, "nicType");
		if (strcmp(cfg->name, "netConfig") || !ct || strcmp(ct, type))
			continue;
		for (const struct xnode *s = cfg->child; s; s = s->next) {
			if (strcmp(s->name, "selectedVnic") || !s->text)
				continue;
			const char *dev = selected_device(cfg, s->text);
			for (const struct xnode *o = info->child; o && dev; o = o->next) {
				const char *ot = xnode_text(o, "nicType");
				if (strcmp(o->name, "netConfig") || !ot || !strcmp(ot, type) || !selected_for(o, dev))
					continue;
				char *e = xasprintf("%s:%s", dev, ot);
				json_array_append_new(a, json_string(e));
				free(e);
			}
		}
	}
	return a;
}

void vc_host_vnics(struct sink *out, long long obj, const struct xnode *vnics)
{
	json_t *mgmt = vnics ? shared_vnics(vnics, "management") : NULL;
	json_t *vsan = vnics ? shared_vnics(vnics, "vsan") : NULL;
	put_list(out, obj, "network.management_vnics_shared", mgmt);
	put_list(out, obj, "network.vsan_vnics_shared", vsan);
	json_decref(mgmt);
	json_decref(vsan);
}

/* The iSCSI adapters whose CHAP is not mutual and required: target and
 * initiator must both authenticate (chapAuthenticationType and
 * mutualChapAuthenticationType chapRequired). */
void vc_host_iscsi(struct sink *out, long long obj, const struct xnode *hbas, bool collected)
{
	if (!collected) {
		sink_prop(out, obj, "iscsi.chap_not_mutual", PT_LIST, NULL);
		return;
	}
	json_t *a = json_array();
	for (const struct xnode *h = hbas ? hbas->child : NULL; h; h = h->next) {
		if (!h->xtype || strcmp(h->xtype, "HostInternetScsiHba"))
			continue;
		const char *dev = xnode_text(h, "device");
		const struct xnode *auth = xnode_child(h, "authenticationProperties");
		const char *one = xnode_text(auth, "chapAuthenticationType");
		const char *mutual = xnode_text(auth, "mutualChapAuthenticationType");
		if (!one || !mutual || strcmp(one, "chapRequired") || strcmp(mutual, "chapRequired"))
			json_array_append_new(a, json_string(dev ? dev : ""));
	}
	put_list(out, obj, "iscsi.chap_not_mutual", a);
	json_decref(a);
}

/* ---- distributed port groups ---- */

/* One security field of a port group's default port: the MAC management
 * policy (vSphere 6.7 and later), else the older security policy's
 * BoolPolicy; a switch that says neither rejects, vSphere's default. */
static const char *dvpg_security(const struct xnode *port, const char *field)
{
	const char *v = xnode_text(xnode_child(port, "macManagementPolicy"), field);
	if (!v)
		v = xnode_text(xnode_child(xnode_child(port, "securityPolicy"), field), "value");
	return v && (!strcmp(v, "true") || !strcmp(v, "1")) ? "true" : "false";
}

static bool is_true(const char *v)
{
	return v && (!strcmp(v, "true") || !strcmp(v, "1"));
}

/* The port-level overrides a port group allows, by name (vlan, security,
 * ...), and livePortMoving; blockOverrideAllowed is the one SCG 8 keeps. */
static json_t *dvpg_overrides(const struct xnode *policy)
{
	json_t *a = json_array();
	for (const struct xnode *n = policy ? policy->child : NULL; n; n = n->next) {
		size_t len = strlen(n->name);
		static const char suffix[] = "OverrideAllowed";
		bool over = len > sizeof(suffix) - 1 && !strcmp(n->name + len - (sizeof(suffix) - 1), suffix);
		if ((!over && strcmp(n->name, "livePortMovingAllowed")) || !strcmp(n->name, "blockOverrideAllowed"))
			continue;
		if (!is_true(n->text))
			continue;
		char *name = xstrndup(n->name, len - (over ? sizeof(suffix) - 1 : strlen("Allowed")));
		json_array_append_new(a, json_string(name));
		free(name);
	}
	return a;
}

void vc_dvportgroup(struct sink *out, long long obj, const struct xnode *uplink, bool config_seen,
		    const struct xnode *port, const struct xnode *policy)
{
	/* An absent uplink flag, with the configuration returned, is false. */
	const char *up = uplink ? xnode_text(uplink, NULL) : config_seen ? "false" : NULL;
	sink_prop(out, obj, "uplink", PT_BOOL, up ? (is_true(up) ? "true" : "false") : NULL);
	static const char *const fields[][2] = { { "allowPromiscuous", "allow_promiscuous" },
						 { "macChanges", "mac_changes" },
						 { "forgedTransmits", "forged_transmits" } };
	for (size_t i = 0; i < 3; i++)
		sink_prop(out, obj, fields[i][1], PT_BOOL, port ? dvpg_security(port, fields[i][0]) : NULL);
	const char *learn = xnode_text(xnode_child(xnode_child(port, "macManagementPolicy"), "macLearningPolicy"),
				       "enabled");
	sink_prop(out, obj, "mac_learning", PT_BOOL, port ? (is_true(learn) ? "true" : "false") : NULL);
	const struct xnode *vlan = xnode_child(port, "vlan");
	const char *vid = xnode_text(vlan, "vlanId");
	bool trunk = vlan && ((vlan->xtype && !strcmp(vlan->xtype, "VmwareDistributedVirtualSwitchTrunkVlanSpec")) ||
			      (vid && !strcmp(vid, "4095")));
	sink_prop(out, obj, "vlan_trunk", PT_BOOL, port ? (trunk ? "true" : "false") : NULL);
	const char *reset = xnode_text(policy, "portConfigResetAtDisconnect");
	sink_prop(out, obj, "reset_at_disconnect", PT_BOOL, policy && reset ? (is_true(reset) ? "true" : "false") : NULL);
	json_t *ov = policy ? dvpg_overrides(policy) : NULL;
	char *s = ov ? json_dumps(ov, JSON_COMPACT) : NULL;
	sink_prop(out, obj, "overrides_allowed", PT_LIST, s);
	free(s);
	json_decref(ov);
}
