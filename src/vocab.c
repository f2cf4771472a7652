#include "vocab.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

static const struct vocab_entry vocab[] = {
	/* host: HostSystem */
	{ "host", "name", PT_STRING, NULL, NULL, "HostSystem.name", "The host's name as vCenter shows it." },
	{ "host", "cluster", PT_STRING, NULL, NULL, "HostSystem.parent -> ClusterComputeResource.name", "The name of the cluster the host belongs to. It is empty for a standalone host, whose parent is not a cluster, and not collected when the parent or the cluster's name was not returned." },
	{ "host", "version", PT_VERSION, NULL, NULL, "HostSystem.summary.config.product.version", "The ESXi version, such as 8.0.2." },
	{ "host", "build", PT_INT, NULL, NULL, "HostSystem.summary.config.product.build", "The ESXi build number." },
	{ "host", "connection_state", PT_STRING, NULL, NULL, "HostSystem.runtime.connectionState", "connected, disconnected or notResponding. Rules about a host's configuration usually apply only when it is connected." },
	{ "host", "maintenance_mode", PT_BOOL, NULL, NULL, "HostSystem.runtime.inMaintenanceMode", "Whether the host is in maintenance mode." },
	{ "host", "lockdown_mode", PT_STRING, NULL, NULL, "HostSystem.config.lockdownMode", "lockdownDisabled, lockdownNormal or lockdownStrict." },
	{ "host", "service.*.running", PT_BOOL, "service.*", NULL, "HostSystem.config.service.service[key=*].running", "Whether the service is running." },
	{ "host", "service.*.policy", PT_STRING, "service.*", NULL, "HostSystem.config.service.service[key=*].policy", "The service's start-up policy: on (start and stop with the host), off or automatic." },
	{ "host", "ntp.servers", PT_LIST, NULL, NULL, "HostSystem.config.dateTimeInfo.ntpConfig.server", "The NTP servers configured, in order; empty entries are left out. The list is empty when no server is configured, and not collected when config.dateTimeInfo was not returned." },
	{ "host", "firewall.incoming_blocked", PT_BOOL, NULL, NULL, "HostSystem.config.firewall.defaultPolicy.incomingBlocked", "Whether the firewall blocks incoming traffic by default." },
	{ "host", "firewall.outgoing_blocked", PT_BOOL, NULL, NULL, "HostSystem.config.firewall.defaultPolicy.outgoingBlocked", "Whether the firewall blocks outgoing traffic by default." },
	{ "host", "firewall.ruleset.*.enabled", PT_BOOL, "firewall.ruleset.*", NULL, "HostSystem.config.firewall.ruleset[key=*].enabled", "Whether the ruleset is enabled." },
	{ "host", "firewall.ruleset.*.allowed_all_ip", PT_BOOL, "firewall.ruleset.*", NULL, "HostSystem.config.firewall.ruleset[key=*].allowedHosts.allIp", "Whether the ruleset accepts every source address. A ruleset without allowedHosts is not restricted, and counts as true." },
	{ "host", "firewall.ruleset.*.allowed_ips", PT_LIST, "firewall.ruleset.*", NULL, "HostSystem.config.firewall.ruleset[key=*].allowedHosts.ipAddress and ipNetwork", "The addresses and networks the ruleset accepts, addresses as given and networks as network/prefix-length (a missing prefix length is taken as 32), in the order the host reports them." },
	{ "host", "option.*", PT_DYNAMIC, "option.*", NULL, "OptionManager.setting[key=*] (HostSystem.configManager.advancedOption)", "An advanced setting, typed as the host reports it (see TYPES in this page); a setting without a value is the empty string. The settings of all hosts are fetched together after the hosts. A host with no advanced option manager, or whose settings were not returned, has the whole option.* family not collected." },
	{ "host", "password_quality.min_length", PT_INT, NULL, NULL, "OptionManager.setting[key=Security.PasswordQualityControl] (derived)", "The shortest password the host's passwdqc policy accepts: the smallest length in its min=N0,N1,N2,N3,N4 field (one character class, two classes, passphrase, three classes, four classes) that is not disabled. A rule asking for a minimum length L tests ge L, which holds exactly when every class that is allowed at all needs L characters or more. Without a min= field passwdqc's default disabled,24,11,8,7 applies (7); a field that is not five numbers or disabled, or that disables every class, gives 0, so every minimum fails. Not collected when the advanced settings were not." },
	{ "host", "password_quality.similar", PT_STRING, NULL, NULL, "OptionManager.setting[key=Security.PasswordQualityControl] (derived)", "The passwdqc similar= word: deny (a new password may not resemble the old one) or permit; deny when the word is missing, as passwdqc assumes, and invalid for any other value. Not collected when the advanced settings were not." },
	{ "host", "tpm.supported", PT_BOOL, NULL, NULL, "HostSystem.capability.tpmSupported", "Whether the host has a usable TPM; false when the capability is not reported. Not collected when HostSystem.capability was not returned." },
	{ "host", "tpm.version", PT_STRING, NULL, NULL, "HostSystem.capability.tpmVersion", "The TPM's version, such as 2.0; empty when none is reported." },
	{ "host", "network.promiscuous_allowed", PT_LIST, NULL, NULL, "HostSystem.config.network.vswitch[].spec.policy.security.allowPromiscuous and portgroup[].computedPolicy.security.allowPromiscuous", "The standard switches (by name) and port groups (as switch/port group) that accept promiscuous mode, switches first, in the host's order; empty when none does. A port group's value is its computed (effective) policy, else its own override, else its switch's; a switch that leaves the field out rejects, ESXi 8's default. Not collected when config.network was not returned." },
	{ "host", "network.mac_changes_allowed", PT_LIST, NULL, NULL, "HostSystem.config.network vswitch[].spec.policy.security.macChanges, portgroup[].computedPolicy.security.macChanges", "The standard switches and port groups that accept MAC address changes, read as network.promiscuous_allowed is." },
	{ "host", "network.forged_transmits_allowed", PT_LIST, NULL, NULL, "HostSystem.config.network vswitch[].spec.policy.security.forgedTransmits, portgroup[].computedPolicy.security.forgedTransmits", "The standard switches and port groups that accept forged transmits, read as network.promiscuous_allowed is." },
	{ "host", "network.vgt_portgroups", PT_LIST, NULL, NULL, "HostSystem.config.network.portgroup[].spec.vlanId", "The standard port groups (switch/port group) on VLAN 4095, which passes every VLAN's tags to the guests (Virtual Guest Tagging). Not collected when config.network was not returned." },
	{ "host", "network.native_vlan_portgroups", PT_LIST, NULL, NULL, "HostSystem.config.network.portgroup[].spec.vlanId", "The standard port groups on VLAN 0 (untagged, so on the physical switch's native VLAN) or VLAN 1 (the usual native and default VLAN). Not collected when config.network was not returned." },
	{ "host", "network.management_vnics_shared", PT_LIST, NULL, NULL, "HostSystem.config.virtualNicManagerInfo.netConfig[].selectedVnic", "Each VMkernel adapter selected for management that is also selected for another service, as adapter:service (vmk0:vmotion); services are the netConfig nicType names (vmotion, faultToleranceLogging, vsan, vSphereReplication, vSphereProvisioning, ...). Empty when management has adapters of its own. Not collected when config.virtualNicManagerInfo was not returned." },
	{ "host", "network.vsan_vnics_shared", PT_LIST, NULL, NULL, "HostSystem.config.virtualNicManagerInfo.netConfig[].selectedVnic", "Each VMkernel adapter selected for vSAN that also carries another service, as adapter:service; empty when vSAN traffic has adapters of its own or no adapter at all." },
	{ "host", "iscsi.chap_not_mutual", PT_LIST, NULL, NULL, "HostSystem.config.storageDevice.hostBusAdapter[] (HostInternetScsiHba).authenticationProperties", "The iSCSI adapters (by device, such as vmhba65) whose CHAP is not mutual: chapAuthenticationType or mutualChapAuthenticationType is not chapRequired. Empty when every iSCSI adapter requires both, or the host has none. Not collected when the adapter list faulted." },
	{ "host", "lockdown.exception_users", PT_LIST, NULL, NULL, "HostAccessManager.QueryLockdownExceptions() (HostSystem.configManager.hostAccessManager)", "The users who keep their permissions when lockdown mode is on, as the host returns them. vim25 has no property for the list, so harden calls the method once per host after the bulk retrieval. Not collected when the host has no access manager or the call faulted." },
	{ "host", "image.acceptance_level", PT_STRING, NULL, NULL, "HostImageConfigManager.HostImageConfigGetAcceptance() (HostSystem.configManager.imageConfigManager)", "The lowest VIB acceptance level the host installs: vmware_certified, vmware_accepted, partner or community. Read with one method call per host (there is no property). Not collected when the host has no image configuration manager or the call faulted." },
	{ "host", "datastore_count", PT_INT, NULL, NULL, "HostSystem.datastore", "The number of datastores the host mounts. vCenter returns an empty list as no value at all, which counts as 0; only a fault makes it not collected." },

	/* vm: VirtualMachine */
	{ "vm", "name", PT_STRING, NULL, NULL, "VirtualMachine.name", "The VM's name. Anyone allowed to create or rename a VM chooses this text, so it may hold anything; harden(1) prints control characters in it as ?." },
	{ "vm", "uuid", PT_STRING, NULL, NULL, "VirtualMachine.config.instanceUuid", "The vCenter instance UUID." },
	{ "vm", "power_state", PT_STRING, NULL, NULL, "VirtualMachine.runtime.powerState", "poweredOn, poweredOff or suspended." },
	{ "vm", "template", PT_BOOL, NULL, NULL, "VirtualMachine.config.template", "Whether the VM is a template." },
	{ "vm", "hw_version", PT_INT, NULL, NULL, "VirtualMachine.config.version", "The virtual hardware version as a number: vmx-21 is 21. A value not of the form vmx-n is not collected." },
	{ "vm", "guest_id", PT_STRING, NULL, NULL, "VirtualMachine.config.guestId", "The configured guest operating system identifier." },
	{ "vm", "tools_status", PT_STRING, NULL, NULL, "VirtualMachine.guest.toolsStatus", "toolsOk, toolsOld, toolsNotRunning or toolsNotInstalled." },
	{ "vm", "tools_version_status", PT_STRING, NULL, NULL, "VirtualMachine.guest.toolsVersionStatus2", "guestToolsCurrent, guestToolsUnmanaged (open-vm-tools from the guest's own packages), guestToolsSupportedNew, guestToolsSupportedOld, guestToolsNeedUpgrade, guestToolsTooOld, guestToolsTooNew, guestToolsBlacklisted or guestToolsNotInstalled. The version-status property vSphere 8 keeps up to date; toolsStatus is deprecated." },
	{ "vm", "host", PT_STRING, NULL, NULL, "VirtualMachine.runtime.host -> HostSystem.name", "The name of the host the VM is registered on; not collected when the VM has no host or its host is not among the hosts collected." },
	{ "vm", "migrate_encryption", PT_STRING, NULL, NULL, "VirtualMachine.config.migrateEncryption", "vMotion encryption: disabled, opportunistic or required. vCenter leaves the property out when it has its default, which is then reported: opportunistic." },
	{ "vm", "firmware", PT_STRING, NULL, NULL, "VirtualMachine.config.firmware", "bios or efi; bios when vCenter leaves it out, its default." },
	{ "vm", "efi_secure_boot", PT_BOOL, NULL, NULL, "VirtualMachine.config.bootOptions.efiSecureBootEnabled", "Whether UEFI Secure Boot is on for the VM's firmware; false when the boot options leave it out. A VM with BIOS firmware cannot turn it on." },
	{ "vm", "logging", PT_BOOL, NULL, NULL, "VirtualMachine.config.flags.enableLogging", "Whether the VM writes vmware.log. Not collected when config.flags was not returned." },
	{ "vm", "extra.*", PT_DYNAMIC, "extra.*", NULL, "VirtualMachine.config.extraConfig[key=*]", "An advanced configuration parameter, stored as text exactly as vSphere holds it. It is compared as an integer when both it and the rule's value are integers, as a boolean when both are true or false in any case (so TRUE equals true), and as text otherwise. When a key appears more than once, the last entry wins, as it does when vSphere applies them. An empty value means the parameter is unset, so the key is absent. The family is collected when config.extraConfig is returned, or when the VM's configuration is returned without it (vCenter omits an empty list); it is not collected when config.extraConfig faulted or the configuration was not returned. When a key appears in several cases (isolation.tools.copy.disable and ISOLATION.TOOLS.COPY.DISABLE), they are one parameter, as the VMX format treats them: keys are matched without regard to case and shown in lower case." },
	{ "vm", "dvfilters", PT_LIST, NULL, NULL, "VirtualMachine.config.extraConfig[key=ethernetN.filterM.name]", "The dvFilters attached to the VM's network adapters, one key=name entry (ethernet0.filter0.name=NAME, key in lower case) per ethernet<n>.filter<m>.name parameter, in key order; empty when there is none. Collected and not collected as the extra.* family is." },
	{ "vm", "device.*.present", PT_BOOL, "device.*", "floppy|serial|parallel|usb|cdrom|pci_passthrough|sound|ahci", "VirtualMachine.config.hardware.device", "Whether the VM has at least one device of this kind: floppy (VirtualFloppy), serial, parallel, usb (VirtualUSBController, VirtualUSBXHCIController, VirtualUSB), cdrom, pci_passthrough (VirtualPCIPassthrough: DirectPath I/O and dynamic passthrough), sound (VirtualHdAudioCard, VirtualEnsoniq1371, VirtualSoundBlaster16) or ahci (VirtualAHCIController, the SATA controller)." },
	{ "vm", "device.*.connected", PT_BOOL, "device.*", "floppy|serial|parallel|usb|cdrom|pci_passthrough|sound|ahci", "VirtualMachine.config.hardware.device[].connectable", "Whether a device of this kind is connected now or connects when the VM powers on: true when any such device has connectable.connected or connectable.startConnected true. A device without connectable information counts as not connected." },
	{ "vm", "device.*.count", PT_INT, "device.*", "floppy|serial|parallel|usb|cdrom|pci_passthrough|sound|ahci", "VirtualMachine.config.hardware.device", "The number of devices of this kind." },

	/* datastore: Datastore */
	{ "datastore", "name", PT_STRING, NULL, NULL, "Datastore.name", "The datastore's name." },
	{ "datastore", "type", PT_STRING, NULL, NULL, "Datastore.summary.type", "The file system type, such as VMFS, NFS, NFS41, vsan or vvol." },
	{ "datastore", "capacity", PT_INT, NULL, NULL, "Datastore.summary.capacity", "The capacity in bytes." },
	{ "datastore", "free_space", PT_INT, NULL, NULL, "Datastore.summary.freeSpace", "The free space in bytes." },
	{ "datastore", "accessible", PT_BOOL, NULL, NULL, "Datastore.summary.accessible", "Whether the datastore is accessible." },
	{ "datastore", "url", PT_STRING, NULL, NULL, "Datastore.summary.url", "The datastore's URL." },
	{ "datastore", "local", PT_BOOL, NULL, NULL, "Datastore.info", "Whether the datastore is local to one host by nature: a VMFS volume on a host-local disk (info.vmfs.local), a host-local file system (LocalDatastoreInfo) or a PMem store. NFS, vSAN and vVol datastores are not. Not collected when a VMFS volume does not say." },
	{ "datastore", "hosts", PT_LIST, NULL, NULL, "HostSystem.datastore (inverted)", "The names of the hosts that mount the datastore, sorted. The list is built from each host's datastore property rather than from Datastore.host, which some vCenter simulators report wrongly. A host whose datastore property was not collected is missing from every list." },

	/* dvportgroup: DistributedVirtualPortgroup */
	{ "dvportgroup", "name", PT_STRING, NULL, NULL, "DistributedVirtualPortgroup.name", "The distributed port group's name. An estate without distributed switches has none: rules over dvportgroup then give no result (vcenter's dvportgroup_count says how many were seen)." },
	{ "dvportgroup", "uplink", PT_BOOL, NULL, NULL, "DistributedVirtualPortgroup.config.uplink", "Whether this is the switch's uplink port group; false when the configuration leaves it out." },
	{ "dvportgroup", "allow_promiscuous", PT_BOOL, NULL, NULL, "DistributedVirtualPortgroup.config.defaultPortConfig.macManagementPolicy.allowPromiscuous (else securityPolicy.allowPromiscuous.value)", "Whether the port group's ports accept promiscuous mode; false (vSphere's default, reject) when neither policy says. Not collected when config.defaultPortConfig was not returned." },
	{ "dvportgroup", "mac_changes", PT_BOOL, NULL, NULL, "DistributedVirtualPortgroup.config.defaultPortConfig.macManagementPolicy.macChanges (else securityPolicy.macChanges.value)", "Whether the ports accept MAC address changes, read as allow_promiscuous is." },
	{ "dvportgroup", "forged_transmits", PT_BOOL, NULL, NULL, "DistributedVirtualPortgroup.config.defaultPortConfig.macManagementPolicy.forgedTransmits (else securityPolicy.forgedTransmits.value)", "Whether the ports accept forged transmits, read as allow_promiscuous is." },
	{ "dvportgroup", "mac_learning", PT_BOOL, NULL, NULL, "DistributedVirtualPortgroup.config.defaultPortConfig.macManagementPolicy.macLearningPolicy.enabled", "Whether the ports learn MAC addresses; false when no MAC learning policy is set." },
	{ "dvportgroup", "vlan_trunk", PT_BOOL, NULL, NULL, "DistributedVirtualPortgroup.config.defaultPortConfig.vlan", "Whether the port group passes tagged frames of many VLANs to its guests: a VLAN trunk spec (VmwareDistributedVirtualSwitchTrunkVlanSpec) or VLAN 4095." },
	{ "dvportgroup", "reset_at_disconnect", PT_BOOL, NULL, NULL, "DistributedVirtualPortgroup.config.policy.portConfigResetAtDisconnect", "Whether a port's own settings are reset to the port group's when the VM disconnects. Not collected when config.policy was not returned or leaves it out." },
	{ "dvportgroup", "overrides_allowed", PT_LIST, NULL, NULL, "DistributedVirtualPortgroup.config.policy.*OverrideAllowed, livePortMovingAllowed", "The port-level overrides the port group allows, by the policy's own names without OverrideAllowed (vlan, uplinkTeaming, securityPolicy, macManagement, ipfix, shaping, vendorConfig, networkResourcePool, trafficFilter) and livePortMoving; blockOverrideAllowed (port blocking, which SCG 8 keeps) is left out. Empty when none." },

	/* vcenter: one per snapshot whose vCenter part completed */
	{ "vcenter", "url", PT_STRING, NULL, NULL, "the targets file", "The vCenter URL scanned. Rules over host, vm or datastore of which vCenter returned no object at all give one unknown result each on this object, saying so: an account without the privilege to see the hosts gets an empty answer, which must not read as a clean scan." },
	{ "vcenter", "host_count", PT_INT, NULL, NULL, "HostSystem (counted)", "Hosts collected." },
	{ "vcenter", "vm_count", PT_INT, NULL, NULL, "VirtualMachine (counted)", "VMs collected, templates included." },
	{ "vcenter", "datastore_count", PT_INT, NULL, NULL, "Datastore (counted)", "Datastores collected." },
	{ "vcenter", "collect", PT_STRING, NULL, NULL, "scan --collect", "baselines when the scan requested only what its baselines read, all when it requested everything harden knows (scan --collect all)." },
	{ "vcenter", "requested_paths", PT_LIST, NULL, NULL, "the PropertyCollector specifications sent", "The vSphere property paths the scan requested, as Type.path (HostSystem.config.service), sorted. A property of this page whose path is not listed was not collected in the snapshot: a rule reading it is unknown there, never pass or fail." },
	{ "vcenter", "dvportgroup_count", PT_INT, NULL, NULL, "DistributedVirtualPortgroup (counted)", "Distributed port groups collected; 0 in an estate without distributed switches." },
	{ "vcenter", "version", PT_VERSION, NULL, NULL, "ServiceContent.about.version", "The vCenter release, such as 8.0.2; not collected when the service content does not give it." },
	{ "vcenter", "build", PT_INT, NULL, NULL, "ServiceContent.about.build", "The vCenter build number; a release's patches share its version and differ in the build." },
	{ "vcenter", "option.*", PT_DYNAMIC, "option.*", NULL, "OptionManager.setting[key=*] (ServiceContent.setting)", "One of vCenter's own advanced settings (vpxd), such as VirtualCenter.VimPasswordExpirationInDays, config.vpxd.hostPasswordLength, event.maxAge, task.maxAge, config.log.level or vpxd.event.syslog.enabled, typed as vCenter reports it. vCenter leaves out a setting that has never been changed, so a rule gives the documented default with default:. The family is not collected when the service content names no setting manager or the retrieval faulted." },

	/* dfw_policy: NSX Policy API SecurityPolicy */
	{ "dfw_policy", "name", PT_STRING, NULL, NULL, "SecurityPolicy.display_name", "Display name (free text set by NSX users)." },
	{ "dfw_policy", "id", PT_STRING, NULL, NULL, "SecurityPolicy.id", "Policy id." },
	{ "dfw_policy", "path", PT_STRING, NULL, NULL, "SecurityPolicy.path", "Policy path, e.g. /infra/domains/default/security-policies/web." },
	{ "dfw_policy", "domain", PT_STRING, NULL, NULL, "Domain.id (parent)", "Domain the policy belongs to." },
	{ "dfw_policy", "category", PT_STRING, NULL, NULL, "SecurityPolicy.category", "Ethernet, Emergency, Infrastructure, Environment or Application." },
	{ "dfw_policy", "sequence_number", PT_INT, NULL, NULL, "SecurityPolicy.sequence_number", "Position of the policy within its category." },
	{ "dfw_policy", "stateful", PT_BOOL, NULL, NULL, "SecurityPolicy.stateful", "The policy's rules are stateful." },
	{ "dfw_policy", "tcp_strict", PT_BOOL, NULL, NULL, "SecurityPolicy.tcp_strict", "TCP strict mode (drops TCP without a three-way handshake)." },
	{ "dfw_policy", "scope", PT_LIST, NULL, NULL, "SecurityPolicy.scope", "Groups the policy is applied to, [\"ANY\"] for all." },
	{ "dfw_policy", "scope_any", PT_BOOL, NULL, NULL, "SecurityPolicy.scope (derived)", "The policy applies to everything: scope is ANY alone." },
	{ "dfw_policy", "locked", PT_BOOL, NULL, NULL, "SecurityPolicy.locked", "The policy is locked against other users' changes." },
	{ "dfw_policy", "rule_count", PT_INT, NULL, NULL, "SecurityPolicy rules (counted)", "Number of rules collected in the policy." },

	/* dfw_rule: NSX Policy API Rule */
	{ "dfw_rule", "name", PT_STRING, NULL, NULL, "Rule.display_name", "Display name (free text set by NSX users)." },
	{ "dfw_rule", "id", PT_STRING, NULL, NULL, "Rule.id", "Rule id." },
	{ "dfw_rule", "path", PT_STRING, NULL, NULL, "Rule.path", "Rule path, .../security-policies/P/rules/R." },
	{ "dfw_rule", "policy", PT_STRING, NULL, NULL, "SecurityPolicy.path (parent)", "Path of the rule's policy." },
	{ "dfw_rule", "domain", PT_STRING, NULL, NULL, "Domain.id (parent)", "Domain of the rule's policy." },
	{ "dfw_rule", "category", PT_STRING, NULL, NULL, "SecurityPolicy.category (parent)", "Category of the rule's policy." },
	{ "dfw_rule", "policy_sequence_number", PT_INT, NULL, NULL, "SecurityPolicy.sequence_number (parent)", "Sequence number of the rule's policy." },
	{ "dfw_rule", "sequence_number", PT_INT, NULL, NULL, "Rule.sequence_number", "Position of the rule within its policy." },
	{ "dfw_rule", "order", PT_INT, NULL, NULL, "(derived)", "Effective position in the whole DFW, from 1: category (Ethernet, Emergency, Infrastructure, Environment, Application), policy sequence number, rule sequence number." },
	{ "dfw_rule", "source_groups", PT_LIST, NULL, NULL, "Rule.source_groups", "Source group paths or addresses, [\"ANY\"] for any." },
	{ "dfw_rule", "destination_groups", PT_LIST, NULL, NULL, "Rule.destination_groups", "Destination group paths or addresses, [\"ANY\"] for any." },
	{ "dfw_rule", "sources_excluded", PT_BOOL, NULL, NULL, "Rule.sources_excluded", "The sources are negated." },
	{ "dfw_rule", "destinations_excluded", PT_BOOL, NULL, NULL, "Rule.destinations_excluded", "The destinations are negated." },
	{ "dfw_rule", "services", PT_LIST, NULL, NULL, "Rule.services", "Service paths, [\"ANY\"] for any." },
	{ "dfw_rule", "scope", PT_LIST, NULL, NULL, "Rule.scope", "Groups the rule is applied to, [\"ANY\"] for all." },
	{ "dfw_rule", "action", PT_STRING, NULL, NULL, "Rule.action", "ALLOW, DROP, REJECT or JUMP_TO_APPLICATION." },
	{ "dfw_rule", "direction", PT_STRING, NULL, NULL, "Rule.direction", "IN, OUT or IN_OUT." },
	{ "dfw_rule", "ip_protocol", PT_STRING, NULL, NULL, "Rule.ip_protocol", "IPV4, IPV6 or IPV4_IPV6." },
	{ "dfw_rule", "logged", PT_BOOL, NULL, NULL, "Rule.logged", "Hits are logged." },
	{ "dfw_rule", "disabled", PT_BOOL, NULL, NULL, "Rule.disabled", "The rule is disabled." },
	{ "dfw_rule", "source_any", PT_BOOL, NULL, NULL, "Rule.source_groups, sources_excluded (derived)", "The source is any: [\"ANY\"] alone (any case) and not negated." },
	{ "dfw_rule", "destination_any", PT_BOOL, NULL, NULL, "Rule.destination_groups, destinations_excluded (derived)", "The destination is any: [\"ANY\"] alone (any case) and not negated." },
	{ "dfw_rule", "service_any", PT_BOOL, NULL, NULL, "Rule.services (derived)", "The service is any: [\"ANY\"] alone (any case)." },
	{ "dfw_rule", "applied_to_any", PT_BOOL, NULL, NULL, "Rule.scope, SecurityPolicy.scope (derived)", "The rule applies everywhere: its scope and its policy's scope are both ANY." },
	{ "dfw_rule", "profiles", PT_LIST, NULL, NULL, "Rule.profiles", "The context profiles (App IDs, FQDNs) the rule matches, as paths; [\"ANY\"] when none." },
	{ "dfw_rule", "profiles_any", PT_BOOL, NULL, NULL, "Rule.profiles (derived)", "The rule names no context profile: [\"ANY\"] alone (any case)." },

	/* nsx_flood_profile: NSX Policy API DistributedFloodProtectionProfile */
	{ "nsx_flood_profile", "id", PT_STRING, NULL, NULL, "FloodProtectionProfile.id", "Profile id." },
	{ "nsx_flood_profile", "name", PT_STRING, NULL, NULL, "FloodProtectionProfile.display_name", "Display name (free text set by NSX users)." },
	{ "nsx_flood_profile", "path", PT_STRING, NULL, NULL, "FloodProtectionProfile.path", "Profile path. Only profiles of resource_type DistributedFloodProtectionProfile (the DFW's) are collected; gateway profiles are not." },
	{ "nsx_flood_profile", "syncache", PT_BOOL, NULL, NULL, "DistributedFloodProtectionProfile.enable_syncache", "SYN cache is on." },
	{ "nsx_flood_profile", "rst_spoofing", PT_BOOL, NULL, NULL, "DistributedFloodProtectionProfile.enable_rst_spoofing", "RST spoofing (answering half-open connections) is on." },
	{ "nsx_flood_profile", "tcp_half_open_limit", PT_INT, NULL, NULL, "FloodProtectionProfile.tcp_half_open_conn_limit", "Most half-open TCP connections; 0 when the profile sets none (no limit), not collected when not an integer." },
	{ "nsx_flood_profile", "udp_flow_limit", PT_INT, NULL, NULL, "FloodProtectionProfile.udp_active_flow_limit", "Most active UDP flows; 0 when the profile sets none (no limit), not collected when not an integer." },
	{ "nsx_flood_profile", "icmp_flow_limit", PT_INT, NULL, NULL, "FloodProtectionProfile.icmp_active_flow_limit", "Most active ICMP flows; 0 when the profile sets none (no limit), not collected when not an integer." },
	{ "nsx_flood_profile", "other_conn_limit", PT_INT, NULL, NULL, "FloodProtectionProfile.other_active_conn_limit", "Most active connections of other protocols; 0 when the profile sets none (no limit), not collected when not an integer." },
	{ "nsx_flood_profile", "bound", PT_BOOL, NULL, NULL, "PolicyFirewallFloodProtectionProfileBindingMap.profile_path (search API, derived)", "Some group's firewall flood protection binding map names the profile. Not collected when a binding map's profile_path could not be read and no readable one names it." },

	/* nsx_segment: NSX Policy API Segment and its profile binding maps */
	{ "nsx_segment", "id", PT_STRING, NULL, NULL, "Segment.id", "Segment id." },
	{ "nsx_segment", "name", PT_STRING, NULL, NULL, "Segment.display_name", "Display name (free text set by NSX users)." },
	{ "nsx_segment", "path", PT_STRING, NULL, NULL, "Segment.path", "Segment path (segments under /infra/segments)." },
	{ "nsx_segment", "spoofguard_profile", PT_STRING, NULL, NULL, "SegmentSecurityProfileBindingMap.spoofguard_profile_path (search API)", "The SpoofGuard profile that applies: the segment's binding map's, else the system default-spoofguard-profile. Not collected when the map's path is not a string." },
	{ "nsx_segment", "spoofguard_allowlist", PT_BOOL, NULL, NULL, "SpoofGuardProfile.address_binding_allowlist", "That profile enforces port address bindings. Not collected when the profile was not listed or the field is missing or not a boolean." },
	{ "nsx_segment", "ip_discovery_profile", PT_STRING, NULL, NULL, "SegmentDiscoveryProfileBindingMap.ip_discovery_profile_path (search API)", "The IP discovery profile that applies: the segment's binding map's, else the system default-ip-discovery-profile. Not collected when the map's path is not a string." },
	{ "nsx_segment", "ip_discovery.tofu", PT_BOOL, NULL, NULL, "IPDiscoveryProfile.tofu_enabled", "Trust on first use of learned addresses. Like every ip_discovery property, read from the profile that applies; not collected when it was not listed or the field is missing or of the wrong type." },
	{ "nsx_segment", "ip_discovery.arp_snooping", PT_BOOL, NULL, NULL, "IPDiscoveryProfile.ip_v4_discovery_options.arp_snooping_config.arp_snooping_enabled", "ARP snooping learns IPv4 addresses." },
	{ "nsx_segment", "ip_discovery.arp_binding_limit", PT_INT, NULL, NULL, "IPDiscoveryProfile.ip_v4_discovery_options.arp_snooping_config.arp_binding_limit", "Most IPv4 addresses ARP snooping binds to a port." },
	{ "nsx_segment", "ip_discovery.dhcp_snooping", PT_BOOL, NULL, NULL, "IPDiscoveryProfile.ip_v4_discovery_options.dhcp_snooping_enabled", "DHCP snooping learns IPv4 addresses." },
	{ "nsx_segment", "ip_discovery.vmtools", PT_BOOL, NULL, NULL, "IPDiscoveryProfile.ip_v4_discovery_options.vmtools_enabled", "VMware Tools reports IPv4 addresses." },
	{ "nsx_segment", "ip_discovery.dhcp_snooping_v6", PT_BOOL, NULL, NULL, "IPDiscoveryProfile.ip_v6_discovery_options.dhcp_snooping_v6_enabled", "DHCPv6 snooping learns IPv6 addresses." },
	{ "nsx_segment", "ip_discovery.vmtools_v6", PT_BOOL, NULL, NULL, "IPDiscoveryProfile.ip_v6_discovery_options.vmtools_v6_enabled", "VMware Tools reports IPv6 addresses." },
	{ "nsx_segment", "ip_discovery.duplicate_ip_detection", PT_BOOL, NULL, NULL, "IPDiscoveryProfile.duplicate_ip_detection.duplicate_ip_detection_enabled", "Duplicate address detection is on." },

	/* nsx_group, nsx_service: NSX Policy API Group and Service */
	{ "nsx_group", "name", PT_STRING, NULL, NULL, "Group.display_name", "Display name (free text set by NSX users)." },
	{ "nsx_group", "id", PT_STRING, NULL, NULL, "Group.id", "Group id." },
	{ "nsx_group", "path", PT_STRING, NULL, NULL, "Group.path", "Group path." },
	{ "nsx_group", "domain", PT_STRING, NULL, NULL, "Domain.id (parent)", "Domain the group belongs to." },
	{ "nsx_service", "name", PT_STRING, NULL, NULL, "Service.display_name", "Display name (free text set by NSX users)." },
	{ "nsx_service", "id", PT_STRING, NULL, NULL, "Service.id", "Service id." },
	{ "nsx_service", "path", PT_STRING, NULL, NULL, "Service.path", "Service path." },

	/* nsx_manager: one per snapshot, collected or not */
	{ "nsx_manager", "url", PT_STRING, NULL, NULL, "the targets file", "NSX manager URL; not collected when the target names none." },
	{ "nsx_manager", "policy_count", PT_INT, NULL, NULL, "security-policies (counted)", "Security policies collected; not collected when the NSX part failed." },
	{ "nsx_manager", "rule_count", PT_INT, NULL, NULL, "rules (counted)", "DFW rules collected; not collected when the NSX part failed." },
	{ "nsx_manager", "rules_complete", PT_BOOL, NULL, NULL, "rules (derived)", "True when every DFW rule had the fields its order and ANY-ness need (action, disabled, category, sequence numbers, sources, destinations, services, scope); not collected otherwise, or when the NSX part failed. Checks over the whole DFW read it, so one rule with a gap makes them unknown rather than passing." },
	{ "nsx_manager", "group_count", PT_INT, NULL, NULL, "groups (counted)", "Groups collected." },
	{ "nsx_manager", "service_count", PT_INT, NULL, NULL, "services (counted)", "Services collected." },
	{ "nsx_manager", "flood_profile_count", PT_INT, NULL, NULL, "flood-protection-profiles (counted)", "DFW flood protection profiles (DistributedFloodProtectionProfile) collected; not collected when the NSX part failed." },
	{ "nsx_manager", "segment_count", PT_INT, NULL, NULL, "segments (counted)", "Segments collected; not collected when the NSX part failed." },
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

char *vocab_canonical(const struct vocab_entry *e, const char *name)
{
	char *s = xstrdup(name);
	/* VMX options (extraConfig) ignore case: keys are kept in lower case. */
	const char *star = e ? strchr(e->name, '*') : NULL;
	if (e && star && !strcmp(e->name, "extra.*"))
		for (char *p = s + (star - e->name); *p; p++)
			*p = (char)tolower((unsigned char)*p);
	return s;
}

const struct vocab_entry *vocab_all(unsigned *n)
{
	*n = ARRAY_SIZE(vocab);
	return vocab;
}

enum part vocab_part(const char *otype)
{
	static const char *const nsx_types[] = { "dfw_policy", "dfw_rule", "nsx_group", "nsx_service", "nsx_manager",
						 "nsx_flood_profile", "nsx_segment" };
	for (unsigned i = 0; i < ARRAY_SIZE(nsx_types); i++)
		if (!strcmp(nsx_types[i], otype))
			return PART_NSX;
	return PART_VCENTER;
}

bool vocab_may_be_absent(const char *otype)
{
	/* Many estates have no distributed switch: none is not a gap. */
	return !strcmp(otype, "dvportgroup");
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

void prop_needs_add(struct prop_needs *n, const struct vocab_entry *e)
{
	char *k = xasprintf("%s:%s", e->otype, e->name);
	if (strlist_has(&n->props, k))
		free(k);
	else
		strlist_add_owned(&n->props, k);
}

bool prop_needed(const struct prop_needs *n, const char *otype, const char *entry_name)
{
	if (!n || n->all)
		return true;
	size_t tl = strlen(otype);
	for (size_t i = 0; i < n->props.n; i++) {
		const char *k = n->props.v[i];
		if (!strncmp(k, otype, tl) && k[tl] == ':' && !strcmp(k + tl + 1, entry_name))
			return true;
	}
	return false;
}

void prop_needs_release(struct prop_needs *n)
{
	strlist_release(&n->props);
	memset(n, 0, sizeof(*n));
}
