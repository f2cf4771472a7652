#include "vocab.h"

#include <fnmatch.h>
#include <string.h>

#include "util/util.h"

static const struct vocab_entry vocab[] = {
	/* host: HostSystem */
	{ "host", "name", PT_STRING, NULL, NULL, "HostSystem.name", "host name as vCenter shows it" },
	{ "host", "cluster", PT_STRING, NULL, NULL, "HostSystem.parent -> ClusterComputeResource.name", "cluster name; empty for a standalone host" },
	{ "host", "version", PT_VERSION, NULL, NULL, "HostSystem.summary.config.product.version", "ESXi version, e.g. 8.0.2" },
	{ "host", "build", PT_INT, NULL, NULL, "HostSystem.summary.config.product.build", "ESXi build number" },
	{ "host", "connection_state", PT_STRING, NULL, NULL, "HostSystem.runtime.connectionState", "connected, disconnected or notResponding" },
	{ "host", "maintenance_mode", PT_BOOL, NULL, NULL, "HostSystem.runtime.inMaintenanceMode", "host is in maintenance mode" },
	{ "host", "lockdown_mode", PT_STRING, NULL, NULL, "HostSystem.config.lockdownMode", "lockdownDisabled, lockdownNormal or lockdownStrict" },
	{ "host", "service.*.running", PT_BOOL, "service.*", NULL, "HostSystem.config.service.service[key=*].running", "service is running" },
	{ "host", "service.*.policy", PT_STRING, "service.*", NULL, "HostSystem.config.service.service[key=*].policy", "start-up policy: on, off or automatic" },
	{ "host", "ntp.servers", PT_LIST, NULL, NULL, "HostSystem.config.dateTimeInfo.ntpConfig.server", "configured NTP servers" },
	{ "host", "firewall.incoming_blocked", PT_BOOL, NULL, NULL, "HostSystem.config.firewall.defaultPolicy.incomingBlocked", "firewall blocks incoming traffic by default" },
	{ "host", "firewall.outgoing_blocked", PT_BOOL, NULL, NULL, "HostSystem.config.firewall.defaultPolicy.outgoingBlocked", "firewall blocks outgoing traffic by default" },
	{ "host", "firewall.ruleset.*.enabled", PT_BOOL, "firewall.ruleset.*", NULL, "HostSystem.config.firewall.ruleset[key=*].enabled", "firewall ruleset is enabled" },
	{ "host", "firewall.ruleset.*.allowed_all_ip", PT_BOOL, "firewall.ruleset.*", NULL, "HostSystem.config.firewall.ruleset[key=*].allowedHosts.allIp", "ruleset accepts every source address" },
	{ "host", "firewall.ruleset.*.allowed_ips", PT_LIST, "firewall.ruleset.*", NULL, "HostSystem.config.firewall.ruleset[key=*].allowedHosts.ipAddress and ipNetwork", "addresses and networks the ruleset accepts" },
	{ "host", "option.*", PT_DYNAMIC, "option.*", NULL, "OptionManager.setting[key=*] (HostSystem.configManager.advancedOption)", "advanced setting, typed as the host reports it" },
	{ "host", "datastore_count", PT_INT, NULL, NULL, "HostSystem.datastore", "number of datastores the host mounts" },

	/* vm: VirtualMachine */
	{ "vm", "name", PT_STRING, NULL, NULL, "VirtualMachine.name", "VM name (attacker-controlled text)" },
	{ "vm", "uuid", PT_STRING, NULL, NULL, "VirtualMachine.config.instanceUuid", "vCenter instance UUID" },
	{ "vm", "power_state", PT_STRING, NULL, NULL, "VirtualMachine.runtime.powerState", "poweredOn, poweredOff or suspended" },
	{ "vm", "template", PT_BOOL, NULL, NULL, "VirtualMachine.config.template", "VM is a template" },
	{ "vm", "hw_version", PT_INT, NULL, NULL, "VirtualMachine.config.version", "virtual hardware version (vmx-21 is 21)" },
	{ "vm", "guest_id", PT_STRING, NULL, NULL, "VirtualMachine.config.guestId", "configured guest OS identifier" },
	{ "vm", "tools_status", PT_STRING, NULL, NULL, "VirtualMachine.guest.toolsStatus", "toolsOk, toolsOld, toolsNotRunning or toolsNotInstalled" },
	{ "vm", "host", PT_STRING, NULL, NULL, "VirtualMachine.runtime.host -> HostSystem.name", "host the VM runs on" },
	{ "vm", "extra.*", PT_DYNAMIC, "extra.*", NULL, "VirtualMachine.config.extraConfig[key=*]", "advanced configuration parameter (text, compared as a number or boolean when both sides are); the last entry of a key wins, an empty value is unset" },
	{ "vm", "device.*.present", PT_BOOL, "device.*", "floppy|serial|parallel|usb|cdrom", "VirtualMachine.config.hardware.device", "a device of this kind (floppy, serial, parallel, usb, cdrom) is present" },
	{ "vm", "device.*.connected", PT_BOOL, "device.*", "floppy|serial|parallel|usb|cdrom", "VirtualMachine.config.hardware.device[].connectable", "a device of this kind is connected or connects at power on" },
	{ "vm", "device.*.count", PT_INT, "device.*", "floppy|serial|parallel|usb|cdrom", "VirtualMachine.config.hardware.device", "number of devices of this kind" },

	/* datastore: Datastore */
	{ "datastore", "name", PT_STRING, NULL, NULL, "Datastore.name", "datastore name" },
	{ "datastore", "type", PT_STRING, NULL, NULL, "Datastore.summary.type", "VMFS, NFS, NFS41, vsan or vvol" },
	{ "datastore", "capacity", PT_INT, NULL, NULL, "Datastore.summary.capacity", "capacity in bytes" },
	{ "datastore", "free_space", PT_INT, NULL, NULL, "Datastore.summary.freeSpace", "free space in bytes" },
	{ "datastore", "accessible", PT_BOOL, NULL, NULL, "Datastore.summary.accessible", "datastore is accessible" },
	{ "datastore", "url", PT_STRING, NULL, NULL, "Datastore.summary.url", "datastore URL" },
	{ "datastore", "hosts", PT_LIST, NULL, NULL, "HostSystem.datastore (inverted)", "names of the hosts that mount it" },

	/* dfw_policy: NSX Policy API SecurityPolicy */
	{ "dfw_policy", "name", PT_STRING, NULL, NULL, "SecurityPolicy.display_name", "display name (free text set by NSX users)" },
	{ "dfw_policy", "id", PT_STRING, NULL, NULL, "SecurityPolicy.id", "policy id" },
	{ "dfw_policy", "path", PT_STRING, NULL, NULL, "SecurityPolicy.path", "policy path, e.g. /infra/domains/default/security-policies/web" },
	{ "dfw_policy", "domain", PT_STRING, NULL, NULL, "Domain.id (parent)", "domain the policy belongs to" },
	{ "dfw_policy", "category", PT_STRING, NULL, NULL, "SecurityPolicy.category", "Ethernet, Emergency, Infrastructure, Environment or Application" },
	{ "dfw_policy", "sequence_number", PT_INT, NULL, NULL, "SecurityPolicy.sequence_number", "position of the policy within its category" },
	{ "dfw_policy", "stateful", PT_BOOL, NULL, NULL, "SecurityPolicy.stateful", "the policy's rules are stateful" },
	{ "dfw_policy", "tcp_strict", PT_BOOL, NULL, NULL, "SecurityPolicy.tcp_strict", "TCP strict mode (drops TCP without a three-way handshake)" },
	{ "dfw_policy", "scope", PT_LIST, NULL, NULL, "SecurityPolicy.scope", "groups the policy is applied to, [\"ANY\"] for all" },
	{ "dfw_policy", "scope_any", PT_BOOL, NULL, NULL, "SecurityPolicy.scope (derived)", "the policy applies to everything: scope is ANY alone" },
	{ "dfw_policy", "locked", PT_BOOL, NULL, NULL, "SecurityPolicy.locked", "the policy is locked against other users' changes" },
	{ "dfw_policy", "rule_count", PT_INT, NULL, NULL, "SecurityPolicy rules (counted)", "number of rules collected in the policy" },

	/* dfw_rule: NSX Policy API Rule */
	{ "dfw_rule", "name", PT_STRING, NULL, NULL, "Rule.display_name", "display name (free text set by NSX users)" },
	{ "dfw_rule", "id", PT_STRING, NULL, NULL, "Rule.id", "rule id" },
	{ "dfw_rule", "path", PT_STRING, NULL, NULL, "Rule.path", "rule path, .../security-policies/P/rules/R" },
	{ "dfw_rule", "policy", PT_STRING, NULL, NULL, "SecurityPolicy.path (parent)", "path of the rule's policy" },
	{ "dfw_rule", "domain", PT_STRING, NULL, NULL, "Domain.id (parent)", "domain of the rule's policy" },
	{ "dfw_rule", "category", PT_STRING, NULL, NULL, "SecurityPolicy.category (parent)", "category of the rule's policy" },
	{ "dfw_rule", "policy_sequence_number", PT_INT, NULL, NULL, "SecurityPolicy.sequence_number (parent)", "sequence number of the rule's policy" },
	{ "dfw_rule", "sequence_number", PT_INT, NULL, NULL, "Rule.sequence_number", "position of the rule within its policy" },
	{ "dfw_rule", "order", PT_INT, NULL, NULL, "(derived)", "effective position in the whole DFW, from 1: category (Ethernet, Emergency, Infrastructure, Environment, Application), policy sequence number, rule sequence number" },
	{ "dfw_rule", "source_groups", PT_LIST, NULL, NULL, "Rule.source_groups", "source group paths or addresses, [\"ANY\"] for any" },
	{ "dfw_rule", "destination_groups", PT_LIST, NULL, NULL, "Rule.destination_groups", "destination group paths or addresses, [\"ANY\"] for any" },
	{ "dfw_rule", "sources_excluded", PT_BOOL, NULL, NULL, "Rule.sources_excluded", "the sources are negated" },
	{ "dfw_rule", "destinations_excluded", PT_BOOL, NULL, NULL, "Rule.destinations_excluded", "the destinations are negated" },
	{ "dfw_rule", "services", PT_LIST, NULL, NULL, "Rule.services", "service paths, [\"ANY\"] for any" },
	{ "dfw_rule", "scope", PT_LIST, NULL, NULL, "Rule.scope", "groups the rule is applied to, [\"ANY\"] for all" },
	{ "dfw_rule", "action", PT_STRING, NULL, NULL, "Rule.action", "ALLOW, DROP, REJECT or JUMP_TO_APPLICATION" },
	{ "dfw_rule", "direction", PT_STRING, NULL, NULL, "Rule.direction", "IN, OUT or IN_OUT" },
	{ "dfw_rule", "ip_protocol", PT_STRING, NULL, NULL, "Rule.ip_protocol", "IPV4, IPV6 or IPV4_IPV6" },
	{ "dfw_rule", "logged", PT_BOOL, NULL, NULL, "Rule.logged", "hits are logged" },
	{ "dfw_rule", "disabled", PT_BOOL, NULL, NULL, "Rule.disabled", "the rule is disabled" },
	{ "dfw_rule", "source_any", PT_BOOL, NULL, NULL, "Rule.source_groups, sources_excluded (derived)", "the source is any: [\"ANY\"] alone (any case) and not negated" },
	{ "dfw_rule", "destination_any", PT_BOOL, NULL, NULL, "Rule.destination_groups, destinations_excluded (derived)", "the destination is any: [\"ANY\"] alone (any case) and not negated" },
	{ "dfw_rule", "service_any", PT_BOOL, NULL, NULL, "Rule.services (derived)", "the service is any: [\"ANY\"] alone (any case)" },
	{ "dfw_rule", "applied_to_any", PT_BOOL, NULL, NULL, "Rule.scope, SecurityPolicy.scope (derived)", "the rule applies everywhere: its scope and its policy's scope are both ANY" },

	/* nsx_group, nsx_service: NSX Policy API Group and Service */
	{ "nsx_group", "name", PT_STRING, NULL, NULL, "Group.display_name", "display name (free text set by NSX users)" },
	{ "nsx_group", "id", PT_STRING, NULL, NULL, "Group.id", "group id" },
	{ "nsx_group", "path", PT_STRING, NULL, NULL, "Group.path", "group path" },
	{ "nsx_group", "domain", PT_STRING, NULL, NULL, "Domain.id (parent)", "domain the group belongs to" },
	{ "nsx_service", "name", PT_STRING, NULL, NULL, "Service.display_name", "display name (free text set by NSX users)" },
	{ "nsx_service", "id", PT_STRING, NULL, NULL, "Service.id", "service id" },
	{ "nsx_service", "path", PT_STRING, NULL, NULL, "Service.path", "service path" },

	/* nsx_manager: one per snapshot, collected or not */
	{ "nsx_manager", "url", PT_STRING, NULL, NULL, "the targets file", "NSX manager URL; not collected when the target names none" },
	{ "nsx_manager", "policy_count", PT_INT, NULL, NULL, "security-policies (counted)", "security policies collected; not collected when the NSX part failed" },
	{ "nsx_manager", "rule_count", PT_INT, NULL, NULL, "rules (counted)", "DFW rules collected; not collected when the NSX part failed" },
	{ "nsx_manager", "rules_complete", PT_BOOL, NULL, NULL, "rules (derived)", "true when every DFW rule had the fields its order and ANY-ness need (action, disabled, category, sequence numbers, sources, destinations, services, scope); not collected otherwise, or when the NSX part failed" },
	{ "nsx_manager", "group_count", PT_INT, NULL, NULL, "groups (counted)", "groups collected" },
	{ "nsx_manager", "service_count", PT_INT, NULL, NULL, "services (counted)", "services collected" },
};

static bool key_listed(const char *keys, const char *key, size_t len)
{
	for (const char *k = keys; *k;) {
		const char *bar = strchr(k, '|');
		size_t kl = bar ? (size_t)(bar - k) : strlen(k);
		if (kl == len && !strncmp(k, key, len))
			return true;
		k += kl + (bar ? 1 : 0);
	}
	return false;
}

const struct vocab_entry *vocab_lookup(const char *otype, const char *name)
{
	for (unsigned i = 0; i < ARRAY_SIZE(vocab); i++) {
		const struct vocab_entry *e = &vocab[i];
		if (strcmp(e->otype, otype))
			continue;
		if (!strchr(e->name, '*')) {
			if (!strcmp(e->name, name))
				return e;
		} else if (!fnmatch(e->name, name, 0)) {
			/* The key must not be empty. */
			const char *star = strchr(e->name, '*');
			size_t pre = (size_t)(star - e->name), post = strlen(star + 1);
			size_t len = strlen(name);
			if (len <= pre + post)
				continue;
			if (!e->keys || key_listed(e->keys, name + pre, len - pre - post))
				return e;
		}
	}
	return NULL;
}

const struct vocab_entry *vocab_all(unsigned *n)
{
	*n = ARRAY_SIZE(vocab);
	return vocab;
}

enum part vocab_part(const char *otype)
{
	static const char *const nsx_types[] = { "dfw_policy", "dfw_rule", "nsx_group", "nsx_service", "nsx_manager" };
	for (unsigned i = 0; i < ARRAY_SIZE(nsx_types); i++)
		if (!strcmp(nsx_types[i], otype))
			return PART_NSX;
	return PART_VCENTER;
}

bool vocab_known_type(const char *otype)
{
	for (unsigned i = 0; i < ARRAY_SIZE(vocab); i++)
		if (!strcmp(vocab[i].otype, otype))
			return true;
	return false;
}

static const char *const ptype_names[] = { "string", "int", "bool", "list", "version", "dynamic", "group" };

const char *ptype_name(enum ptype t)
{
	return ptype_names[t];
}

int ptype_parse(const char *s, enum ptype *out)
{
	for (unsigned i = 0; i < ARRAY_SIZE(ptype_names); i++) {
		if (!strcmp(ptype_names[i], s)) {
			*out = (enum ptype)i;
			return 0;
		}
	}
	return -1;
}
