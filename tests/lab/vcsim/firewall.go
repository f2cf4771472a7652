package main

// firewall.go: per-host HostFirewallSystem (configManager.firewallSystem).
//
// Stock vcsim gives every host a copy of esx.HostFirewallInfo whose Ruleset
// slice is shared, so DisableRuleset on one host disables it everywhere, and
// HostSystem.config.firewall never changes. Here every change builds a new
// HostFirewallInfo (copy-on-write) and publishes it to both objects.

import (
	"net"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

type hostFirewallSystem struct {
	mo.HostFirewallSystem // first field: vcsim reads properties from it
	host                  *labHost
}

func ipList(cidrs []string) *types.HostFirewallRulesetIpList {
	if cidrs == nil {
		return &types.HostFirewallRulesetIpList{AllIp: true}
	}
	l := &types.HostFirewallRulesetIpList{}
	for _, c := range cidrs {
		_, n, err := net.ParseCIDR(c)
		if err != nil {
			panic(err)
		}
		ones, _ := n.Mask.Size()
		l.IpNetwork = append(l.IpNetwork, types.HostFirewallRulesetIpNetwork{
			Network: n.IP.String(), PrefixLength: int32(ones),
		})
	}
	return l
}

func newHostFirewallSystem(h *labHost, ref types.ManagedObjectReference) *hostFirewallSystem {
	f := &hostFirewallSystem{host: h}
	f.Self = ref
	info := &types.HostFirewallInfo{
		DefaultPolicy: types.HostFirewallDefaultPolicy{
			IncomingBlocked: types.NewBool(h.seed.incomingBlocked),
			OutgoingBlocked: types.NewBool(h.seed.outgoingBlocked),
		},
	}
	for _, r := range compliantRulesets {
		allowed := r.allowed
		if r.key == "sshServer" && h.seed.sshAllIP {
			allowed = nil
		}
		info.Ruleset = append(info.Ruleset, types.HostFirewallRuleset{
			Key:          r.key,
			Label:        r.label,
			Required:     r.required,
			Rule:         r.rules,
			Enabled:      r.enabled,
			AllowedHosts: ipList(allowed),
		})
	}
	f.FirewallInfo = info
	return f
}

// publish installs info on the firewall system and HostSystem.config.firewall.
func (f *hostFirewallSystem) publish(info *types.HostFirewallInfo) {
	simulator.Map.Update(f, []types.PropertyChange{{Name: "firewallInfo", Val: info}})
	f.FirewallInfo = info
	f.host.mirror(types.PropertyChange{Name: "config.firewall", Val: info})
}

// changeRuleset applies fn to a copy of ruleset id; false if there is none.
func (f *hostFirewallSystem) changeRuleset(id string, fn func(*types.HostFirewallRuleset)) *soap.Fault {
	cur := f.FirewallInfo
	next := *cur
	next.Ruleset = make([]types.HostFirewallRuleset, len(cur.Ruleset))
	copy(next.Ruleset, cur.Ruleset)
	for i := range next.Ruleset {
		if next.Ruleset[i].Key == id {
			fn(&next.Ruleset[i])
			f.publish(&next)
			return nil
		}
	}
	return simulator.Fault("ruleset not found: "+id, &types.NotFound{})
}

func (f *hostFirewallSystem) EnableRuleset(req *types.EnableRuleset) soap.HasFault {
	body := new(methods.EnableRulesetBody)
	if body.Fault_ = f.changeRuleset(req.Id, func(r *types.HostFirewallRuleset) { r.Enabled = true }); body.Fault_ == nil {
		body.Res = new(types.EnableRulesetResponse)
	}
	return body
}

func (f *hostFirewallSystem) DisableRuleset(req *types.DisableRuleset) soap.HasFault {
	body := new(methods.DisableRulesetBody)
	if body.Fault_ = f.changeRuleset(req.Id, func(r *types.HostFirewallRuleset) { r.Enabled = false }); body.Fault_ == nil {
		body.Res = new(types.DisableRulesetResponse)
	}
	return body
}

func (f *hostFirewallSystem) UpdateRuleset(req *types.UpdateRuleset) soap.HasFault {
	body := new(methods.UpdateRulesetBody)
	src := req.Spec.AllowedHosts
	allowed := &types.HostFirewallRulesetIpList{
		AllIp:     src.AllIp,
		IpAddress: append([]string(nil), src.IpAddress...),
		IpNetwork: append([]types.HostFirewallRulesetIpNetwork(nil), src.IpNetwork...),
	}
	if body.Fault_ = f.changeRuleset(req.Id, func(r *types.HostFirewallRuleset) { r.AllowedHosts = allowed }); body.Fault_ == nil {
		body.Res = new(types.UpdateRulesetResponse)
	}
	return body
}

func (f *hostFirewallSystem) UpdateDefaultPolicy(req *types.UpdateDefaultPolicy) soap.HasFault {
	next := *f.FirewallInfo
	if p := req.DefaultPolicy.IncomingBlocked; p != nil {
		next.DefaultPolicy.IncomingBlocked = types.NewBool(*p)
	}
	if p := req.DefaultPolicy.OutgoingBlocked; p != nil {
		next.DefaultPolicy.OutgoingBlocked = types.NewBool(*p)
	}
	f.publish(&next)
	return &methods.UpdateDefaultPolicyBody{Res: new(types.UpdateDefaultPolicyResponse)}
}

func (f *hostFirewallSystem) RefreshFirewall(*types.RefreshFirewall) soap.HasFault {
	return &methods.RefreshFirewallBody{Res: new(types.RefreshFirewallResponse)}
}
