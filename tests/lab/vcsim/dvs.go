package main

// dvs.go: the distributed port groups' compliant profile.
//
// vcsim gives each DistributedVirtualPortgroup a default port setting with
// no security or MAC management policy, and never marks the uplink port
// group as one. The lab sets the SCG 8 values: promiscuous mode, MAC
// changes and forged transmits rejected, MAC learning off, VLAN 0 (the
// port group's own VLAN, no trunk), port settings reset at disconnect,
// and no port-level override but port blocking. Tests change them with the
// stock ReconfigureDVPortgroup_Task, which (unlike vCenter, which merges)
// replaces the configuration with the spec's fields: send a whole spec.

import (
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

func compliantPortSetting() *types.VMwareDVSPortSetting {
	f := types.NewBool(false)
	return &types.VMwareDVSPortSetting{
		Vlan: &types.VmwareDistributedVirtualSwitchVlanIdSpec{VlanId: 0},
		SecurityPolicy: &types.DVSSecurityPolicy{
			AllowPromiscuous: &types.BoolPolicy{Value: f},
			MacChanges:       &types.BoolPolicy{Value: f},
			ForgedTransmits:  &types.BoolPolicy{Value: f},
		},
		MacManagementPolicy: &types.DVSMacManagementPolicy{
			AllowPromiscuous:  f,
			MacChanges:        f,
			ForgedTransmits:   f,
			MacLearningPolicy: &types.DVSMacLearningPolicy{Enabled: false},
		},
	}
}

func compliantPortgroupPolicy() *types.VMwareDVSPortgroupPolicy {
	f := types.NewBool(false)
	return &types.VMwareDVSPortgroupPolicy{
		DVPortgroupPolicy: types.DVPortgroupPolicy{
			BlockOverrideAllowed:               true,
			PortConfigResetAtDisconnect:        true,
			NetworkResourcePoolOverrideAllowed: f,
			TrafficFilterOverrideAllowed:       f,
		},
		IpfixOverrideAllowed:         f,
		MacManagementOverrideAllowed: f,
	}
}

// setupPortgroups runs before the server starts, so it mutates directly.
func setupPortgroups() {
	for _, e := range simulator.Map.All("DistributedVirtualPortgroup") {
		pg, ok := e.(*simulator.DistributedVirtualPortgroup)
		if !ok {
			continue
		}
		pg.Config.DefaultPortConfig = compliantPortSetting()
		pg.Config.Policy = compliantPortgroupPolicy()
		pg.Config.Uplink = types.NewBool(strings.Contains(pg.Name, "-DVUplinks-"))
	}
}
