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
