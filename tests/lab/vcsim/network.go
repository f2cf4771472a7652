package main

// network.go: per-host standard networking (HostNetworkSystem at
// configManager.networkSystem), VMkernel services (HostVirtualNicManager at
// configManager.virtualNicManager) and the image acceptance level
// (HostImageConfigManager at configManager.imageConfigManager).
//
// vcsim quirks fixed here (govmomi 0.24.2):
//   - HostSystem.config.network is one template shared by all hosts; the
//     vSwitch has no security policy and port groups no computedPolicy.
//     UpdateVirtualSwitch / UpdatePortGroup do not exist.
//   - configManager.virtualNicManager is the template moref "ha-vnic-mgr"
//     with no object behind it, and config.virtualNicManagerInfo is shared.
//   - There is no HostImageConfigManager at all.
// The lab keeps each host's state here and mirrors it into HostSystem.config
// (copy-on-write, see labHost.mirror).

import (
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// portGroupSeed is one standard port group of the profile.
type portGroupSeed struct {
	name     string
	vlan     int32
	security types.HostNetworkSecurityPolicy // nil fields inherit the switch's
}

// netSeed is a host's standard switch, port groups and VMkernel services.
type netSeed struct {
	switchSecurity types.HostNetworkSecurityPolicy
	portGroups     []portGroupSeed
	selected       map[string][]string // nicType -> vmknic devices
}

func newNetSeed() netSeed {
	f := types.NewBool(false)
	return netSeed{
		switchSecurity: types.HostNetworkSecurityPolicy{AllowPromiscuous: f, MacChanges: f, ForgedTransmits: f},
		portGroups: []portGroupSeed{
			{name: "VM Network", vlan: 20},
			{name: "Management Network", vlan: 10},
			{name: "vMotion", vlan: 30},
		},
		selected: map[string][]string{"management": {"vmk0"}, "vmotion": {"vmk1"}, "vsan": {"vmk2"}},
	}
}

// nicTypes the lab offers, with every vmknic a candidate for each.
var nicTypes = []string{"management", "vmotion", "vsan", "faultToleranceLogging", "vSphereProvisioning",
	"vSphereReplication"}
var vmknics = []string{"vmk0", "vmk1", "vmk2"}

const switchName = "vSwitch0"

type hostNetworkSystem struct {
	mo.HostNetworkSystem // first field: vcsim reads properties from it
	host                 *labHost
	switchSpec           types.HostVirtualSwitchSpec
	portGroups           []types.HostPortGroupSpec
}

func newHostNetworkSystem(h *labHost, ref types.ManagedObjectReference) *hostNetworkSystem {
	n := &hostNetworkSystem{host: h}
	n.Self = ref
	sec := h.seed.net.switchSecurity
	n.switchSpec = types.HostVirtualSwitchSpec{NumPorts: 128, Mtu: 1500,
		Policy: &types.HostNetworkPolicy{Security: &sec}}
	for _, pg := range h.seed.net.portGroups {
		s := pg.security
		n.portGroups = append(n.portGroups, types.HostPortGroupSpec{Name: pg.name, VlanId: pg.vlan,
			VswitchName: switchName, Policy: types.HostNetworkPolicy{Security: &s}})
	}
	return n
}

func pick(own, inherited *bool) *bool {
	if own != nil {
		return types.NewBool(*own)
	}
	if inherited != nil {
		return types.NewBool(*inherited)
	}
	return types.NewBool(false)
}

// info builds a fresh HostNetworkInfo: the stock one (vnics, pnics) with the
// lab's switch and port groups, each port group's computedPolicy resolved.
func (n *hostNetworkSystem) info() *types.HostNetworkInfo {
	out := types.HostNetworkInfo{}
	if stock := n.host.host.Config.Network; stock != nil {
		out = *stock
	}
	swKey := "key-vim.host.VirtualSwitch-" + switchName
	sw := types.HostVirtualSwitch{Name: switchName, Key: swKey, NumPorts: 128, Mtu: 1500, Spec: n.switchSpec}
	var swSec types.HostNetworkSecurityPolicy
	if n.switchSpec.Policy != nil && n.switchSpec.Policy.Security != nil {
		swSec = *n.switchSpec.Policy.Security
	}
	out.Portgroup = nil
	for _, spec := range n.portGroups {
		key := "key-vim.host.PortGroup-" + spec.Name
		sw.Portgroup = append(sw.Portgroup, key)
		var own types.HostNetworkSecurityPolicy
		if spec.Policy.Security != nil {
			own = *spec.Policy.Security
		}
		computed := types.HostNetworkPolicy{Security: &types.HostNetworkSecurityPolicy{
			AllowPromiscuous: pick(own.AllowPromiscuous, swSec.AllowPromiscuous),
			MacChanges:       pick(own.MacChanges, swSec.MacChanges),
			ForgedTransmits:  pick(own.ForgedTransmits, swSec.ForgedTransmits),
		}}
		out.Portgroup = append(out.Portgroup, types.HostPortGroup{Key: key, Vswitch: swKey, Spec: spec,
			ComputedPolicy: computed})
	}
	out.Vswitch = []types.HostVirtualSwitch{sw}
	return &out
}

func (n *hostNetworkSystem) publish() {
	info := n.info()
	simulator.Map.Update(n, []types.PropertyChange{{Name: "networkInfo", Val: info}})
	n.host.mirror(types.PropertyChange{Name: "config.network", Val: n.info()})
}

func notFound(what, name string) *soap.Fault {
	return simulator.Fault(what+" not found: "+name, &types.NotFound{})
}

func (n *hostNetworkSystem) UpdateVirtualSwitch(req *types.UpdateVirtualSwitch) soap.HasFault {
	body := new(methods.UpdateVirtualSwitchBody)
	if req.VswitchName != switchName {
		body.Fault_ = notFound("virtual switch", req.VswitchName)
		return body
	}
	n.switchSpec = req.Spec
	n.publish()
	body.Res = new(types.UpdateVirtualSwitchResponse)
	return body
}

func (n *hostNetworkSystem) UpdatePortGroup(req *types.UpdatePortGroup) soap.HasFault {
	body := new(methods.UpdatePortGroupBody)
	for i := range n.portGroups {
		if n.portGroups[i].Name == req.PgName {
			spec := req.Portgrp
			if spec.VswitchName == "" {
				spec.VswitchName = switchName
			}
			next := append([]types.HostPortGroupSpec(nil), n.portGroups...)
			next[i] = spec
			n.portGroups = next
			n.publish()
			body.Res = new(types.UpdatePortGroupResponse)
			return body
		}
	}
	body.Fault_ = notFound("port group", req.PgName)
	return body
}

type hostVnicManager struct {
	mo.HostVirtualNicManager // first field
	host                     *labHost
	selected                 map[string][]string
}

func newHostVnicManager(h *labHost, ref types.ManagedObjectReference) *hostVnicManager {
	m := &hostVnicManager{host: h, selected: map[string][]string{}}
	m.Self = ref
	for k, v := range h.seed.net.selected {
		m.selected[k] = append([]string(nil), v...)
	}
	m.Info = *m.info()
	return m
}

func vnicKey(nicType, dev string) string { return nicType + ".key-vim.host.VirtualNic-" + dev }

func (m *hostVnicManager) info() *types.HostVirtualNicManagerInfo {
	out := &types.HostVirtualNicManagerInfo{}
	for _, t := range nicTypes {
		cfg := types.VirtualNicManagerNetConfig{NicType: t, MultiSelectAllowed: true}
		for _, dev := range vmknics {
			cfg.CandidateVnic = append(cfg.CandidateVnic, types.HostVirtualNic{Device: dev, Key: vnicKey(t, dev),
				Portgroup: "Management Network"})
		}
		for _, dev := range m.selected[t] {
			cfg.SelectedVnic = append(cfg.SelectedVnic, vnicKey(t, dev))
		}
		out.NetConfig = append(out.NetConfig, cfg)
	}
	return out
}

func (m *hostVnicManager) publish() {
	simulator.Map.Update(m, []types.PropertyChange{{Name: "info", Val: *m.info()}})
	m.host.mirror(types.PropertyChange{Name: "config.virtualNicManagerInfo", Val: m.info()})
}

func knownNic(nicType, dev string) bool {
	okType, okDev := false, false
	for _, t := range nicTypes {
		okType = okType || t == nicType
	}
	for _, d := range vmknics {
		okDev = okDev || d == dev
	}
	return okType && okDev
}

func (m *hostVnicManager) SelectVnicForNicType(req *types.SelectVnicForNicType) soap.HasFault {
	body := new(methods.SelectVnicForNicTypeBody)
	if !knownNic(req.NicType, req.Device) {
		body.Fault_ = simulator.Fault("", &types.InvalidArgument{InvalidProperty: "nicType"})
		return body
	}
	cur := m.selected[req.NicType]
	for _, d := range cur {
		if d == req.Device {
			body.Res = new(types.SelectVnicForNicTypeResponse)
			return body
		}
	}
	next := map[string][]string{}
	for k, v := range m.selected {
		next[k] = v
	}
	next[req.NicType] = append(append([]string(nil), cur...), req.Device)
	m.selected = next
	m.publish()
	body.Res = new(types.SelectVnicForNicTypeResponse)
	return body
}

func (m *hostVnicManager) DeselectVnicForNicType(req *types.DeselectVnicForNicType) soap.HasFault {
	body := new(methods.DeselectVnicForNicTypeBody)
	if !knownNic(req.NicType, req.Device) {
		body.Fault_ = simulator.Fault("", &types.InvalidArgument{InvalidProperty: "nicType"})
		return body
	}
	next := map[string][]string{}
	for k, v := range m.selected {
		next[k] = v
	}
	var kept []string
	for _, d := range m.selected[req.NicType] {
		if d != req.Device {
			kept = append(kept, d)
		}
	}
	next[req.NicType] = kept
	m.selected = next
	m.publish()
	body.Res = new(types.DeselectVnicForNicTypeResponse)
	return body
}

type hostImageConfig struct {
	mo.HostImageConfigManager // first field
	level                     string
}

var acceptanceLevels = []string{"vmware_certified", "vmware_accepted", "partner", "community"}

func (m *hostImageConfig) HostImageConfigGetAcceptance(*types.HostImageConfigGetAcceptance) soap.HasFault {
	return &methods.HostImageConfigGetAcceptanceBody{Res: &types.HostImageConfigGetAcceptanceResponse{
		Returnval: m.level}}
}

func (m *hostImageConfig) UpdateHostImageAcceptanceLevel(req *types.UpdateHostImageAcceptanceLevel) soap.HasFault {
	body := new(methods.UpdateHostImageAcceptanceLevelBody)
	for _, l := range acceptanceLevels {
		if l == req.NewAcceptanceLevel {
			m.level = l
			body.Res = new(types.UpdateHostImageAcceptanceLevelResponse)
			return body
		}
	}
	body.Fault_ = simulator.Fault("invalid acceptance level: "+req.NewAcceptanceLevel,
		&types.InvalidArgument{InvalidProperty: "newAcceptanceLevel"})
	return body
}
