package main

// host.go turns each stock vcsim HostSystem into an independent ESXi 8 host.
//
// vcsim quirks fixed here (govmomi 0.24.2):
//   - NewHostSystem registers one OptionManager per host, but every one of them
//     holds the same esx.Setting slice, and HostSystem.config.option is empty.
//   - The HostFirewallSystem of every host copies esx.HostFirewallInfo by
//     value, so all hosts share one ruleset slice; config.firewall is never
//     updated.
//   - configManager.serviceSystem / dateTimeSystem / hostAccessManager are
//     template morefs ("serviceSystem", ...) shared by all hosts and no object
//     is registered under them, so every call faults ManagedObjectNotFound.
//   - summary.config.product points at one AboutInfo shared by all hosts.
//
// The HostSystem object itself stays the stock *simulator.HostSystem: vcsim
// type-asserts Map.Get(host).(*simulator.HostSystem) in many places (VM
// creation, datastores, events), so it cannot be replaced by a wrapper type.
// Methods the lab needs on HostSystem (EnterLockdownMode/ExitLockdownMode) are
// routed to the host's HostAccessManager by the SOAP front end (control.go).

import (
	"fmt"
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// labHost ties a stock HostSystem to the lab's per-host managers.
type labHost struct {
	index int
	host  *simulator.HostSystem
	seed  *hostSeed

	options  *hostOptionManager
	services *hostServiceSystem
	datetime *hostDateTimeSystem
	access   *hostAccessManager
	firewall *hostFirewallSystem
	network  *hostNetworkSystem
	vnics    *hostVnicManager
	image    *hostImageConfig
	storage  *hostStorageSystem
}

// labHosts indexes hosts by moref value ("host-21"). Written once at start-up,
// read-only afterwards.
var labHosts = map[string]*labHost{}

// mirror applies property changes to the HostSystem under its registry lock
// (the same lock the property collector takes while reading the host) and
// notifies WaitForUpdates listeners. Callers must pass freshly built values
// (copy-on-write): the collector serialises values after releasing the lock.
func (h *labHost) mirror(changes ...types.PropertyChange) {
	simulator.Map.WithLock(h.host, func() {
		simulator.Map.Update(h.host, changes)
	})
}

func productInfo(version, build string) types.AboutInfo {
	major := strings.SplitN(version, ".", 2)[0]
	return types.AboutInfo{
		Name:                  "VMware ESXi",
		FullName:              fmt.Sprintf("VMware ESXi %s build-%s", version, build),
		Vendor:                "VMware, Inc.",
		Version:               version,
		Build:                 build,
		LocaleVersion:         "INTL",
		LocaleBuild:           "000",
		OsType:                "vmnix-x86",
		ProductLineId:         "embeddedEsx",
		ApiType:               "HostAgent",
		ApiVersion:            version + ".0",
		LicenseProductName:    "VMware ESX Server",
		LicenseProductVersion: major + ".0",
	}
}

// setupHost replaces the stock per-host managers with independent lab ones
// and applies the seed. It runs before the server starts, so it mutates the
// host directly.
func setupHost(index int, hs *simulator.HostSystem, seed *hostSeed) *labHost {
	h := &labHost{index: index, host: hs, seed: seed}
	num := strings.TrimPrefix(hs.Self.Value, "host-")
	ref := func(kind, prefix string) types.ManagedObjectReference {
		return types.ManagedObjectReference{Type: kind, Value: prefix + "-" + num}
	}

	// Product: per host, not the shared template pointer.
	about := productInfo(seed.version, seed.build)
	hs.Config.Product = about
	product := about
	hs.Summary.Config.Product = &product

	// Drop the stock managers whose state is shared between hosts.
	cm := &hs.ConfigManager
	for _, r := range []*types.ManagedObjectReference{cm.AdvancedOption, cm.FirewallSystem, cm.NetworkSystem,
		cm.StorageSystem} {
		if r != nil && simulator.Map.Get(*r) != nil {
			simulator.Map.Remove(*r)
		}
	}

	h.options = newHostOptionManager(h, ref("OptionManager", "EsxHostAdvSettings"))
	h.services = newHostServiceSystem(h, ref("HostServiceSystem", "serviceSystem"))
	h.datetime = newHostDateTimeSystem(h, ref("HostDateTimeSystem", "dateTimeSystem"))
	h.access = newHostAccessManager(h, ref("HostAccessManager", "hostAccessManager"))
	h.firewall = newHostFirewallSystem(h, ref("HostFirewallSystem", "firewallSystem"))
	h.network = newHostNetworkSystem(h, ref("HostNetworkSystem", "networkSystem"))
	h.vnics = newHostVnicManager(h, ref("HostVirtualNicManager", "virtualNicManager"))
	h.storage = newHostStorageSystem(h, ref("HostStorageSystem", "storageSystem"))
	h.image = &hostImageConfig{level: seed.acceptance}
	h.image.Self = ref("HostImageConfigManager", "imageConfigManager")

	for _, obj := range []struct {
		dst **types.ManagedObjectReference
		ref types.ManagedObjectReference
		put func()
	}{
		{&cm.AdvancedOption, h.options.Self, func() { simulator.Map.Put(h.options) }},
		{&cm.ServiceSystem, h.services.Self, func() { simulator.Map.Put(h.services) }},
		{&cm.DateTimeSystem, h.datetime.Self, func() { simulator.Map.Put(h.datetime) }},
		{&cm.HostAccessManager, h.access.Self, func() { simulator.Map.Put(h.access) }},
		{&cm.FirewallSystem, h.firewall.Self, func() { simulator.Map.Put(h.firewall) }},
		{&cm.NetworkSystem, h.network.Self, func() { simulator.Map.Put(h.network) }},
		{&cm.VirtualNicManager, h.vnics.Self, func() { simulator.Map.Put(h.vnics) }},
		{&cm.ImageConfigManager, h.image.Self, func() { simulator.Map.Put(h.image) }},
		{&cm.StorageSystem, h.storage.Self, func() { simulator.Map.Put(h.storage) }},
	} {
		obj.put()
		r := obj.ref
		*obj.dst = &r
	}

	// HostSystem.config mirrors of the manager state.
	hs.Config.Option = h.options.Setting
	svcInfo := h.services.ServiceInfo
	hs.Config.Service = &svcInfo
	dt := h.datetime.DateTimeInfo
	hs.Config.DateTimeInfo = &dt
	hs.Config.Firewall = h.firewall.FirewallInfo
	hs.Config.LockdownMode = h.access.LockdownMode
	hs.Config.Network = h.network.info()
	h.network.NetworkInfo = h.network.info()
	hs.Config.VirtualNicManagerInfo = h.vnics.info()
	hs.Config.StorageDevice = h.storage.info()
	hs.Config.AdminDisabled = types.NewBool(adminDisabled(h.access.LockdownMode))

	// TPM 2.0 (CIS 1.4); a copy per host, not vcsim's shared template.
	capability := types.HostCapability{}
	if hs.Capability != nil {
		capability = *hs.Capability
	}
	capability.TpmSupported = types.NewBool(seed.tpm)
	capability.TpmVersion = ""
	if seed.tpm {
		capability.TpmVersion = "2.0"
	}
	hs.Capability = &capability

	hs.Runtime.InMaintenanceMode = false
	hs.Runtime.ConnectionState = types.HostSystemConnectionStateConnected

	labHosts[hs.Self.Value] = h
	return h
}

// adminDisabled follows ESXi: the root/admin role is disabled while lockdown
// mode is enabled (normal or strict).
func adminDisabled(mode types.HostLockdownMode) bool {
	return mode != types.HostLockdownModeLockdownDisabled
}
