package main

// estate.go: estate shapes a real vCenter shows and the default lab does
// not, set up through the simulator's own model before the lab serves:
//   - a host vCenter lost the connection to (runtime.connectionState
//     disconnected, as after DisconnectHost or a host that stopped answering
//     long enough), its last configuration still cached;
//   - a datastore that became inaccessible (summary.accessible false, every
//     host's mount inaccessible);
//   - a host whose build lacks some advanced options (the keys are absent
//     from its OptionManager.setting and config.option, as on an older or
//     differently built ESXi).
// Powered-off VMs, templates and maintenance mode need no flag: the tests
// make them through PowerOffVM_Task, MarkAsTemplate and
// EnterMaintenanceMode_Task.

import (
	"fmt"
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

type estate struct {
	disconnected string // host names, comma-separated
	inaccessible string // datastore names, comma-separated
	absent       string // HOST:KEY pairs, comma-separated
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func (inv *inventory) hostNamed(name string) *labHost {
	for _, h := range inv.hosts {
		if h.host.Name == name {
			return h
		}
	}
	return nil
}

// apply changes the built inventory; it runs before the server starts.
func (e estate) apply(inv *inventory) error {
	for _, name := range splitList(e.disconnected) {
		h := inv.hostNamed(name)
		if h == nil {
			return fmt.Errorf("-disconnected: no host %s", name)
		}
		// Summary.Runtime points at Runtime (vcsim), so both show it.
		h.host.Runtime.ConnectionState = types.HostSystemConnectionStateDisconnected
		h.host.Runtime.PowerState = types.HostSystemPowerStateUnknown
	}
	for _, name := range splitList(e.inaccessible) {
		found := false
		for _, o := range simulator.Map.All("Datastore") {
			ds := o.(*simulator.Datastore)
			if ds.Name != name {
				continue
			}
			found = true
			ds.Summary.Accessible = false
			for i := range ds.Host {
				ds.Host[i].MountInfo.Accessible = types.NewBool(false)
			}
		}
		if !found {
			return fmt.Errorf("-inaccessible: no datastore %s", name)
		}
	}
	for _, pair := range splitList(e.absent) {
		i := strings.IndexByte(pair, ':')
		if i < 0 {
			return fmt.Errorf("-absent-options: %q is not HOST:KEY", pair)
		}
		h := inv.hostNamed(pair[:i])
		if h == nil {
			return fmt.Errorf("-absent-options: no host %s", pair[:i])
		}
		if !h.options.drop(pair[i+1:]) {
			return fmt.Errorf("-absent-options: host %s has no option %s", pair[:i], pair[i+1:])
		}
	}
	return nil
}

// drop removes an option from the host's list (a new slice, published as
// OptionManager.setting and HostSystem.config.option alike).
func (m *hostOptionManager) drop(key string) bool {
	var kept []types.BaseOptionValue
	for _, o := range m.Setting {
		if o.GetOptionValue().Key != key {
			kept = append(kept, o)
		}
	}
	if len(kept) == len(m.Setting) {
		return false
	}
	m.Setting = kept
	m.host.host.Config.Option = kept
	return true
}
