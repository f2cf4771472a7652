package main

// vm.go: vSphere semantics for ReconfigVM_Task that stock vcsim gets wrong.
//
// vcsim appends every spec.extraConfig entry to config.extraConfig, so
// setting an existing key creates a duplicate and an empty value never
// removes anything. vSphere replaces the value of an existing key in place,
// removes the key when the new value is "", and appends new keys.
//
// The VirtualMachine object must stay the stock *simulator.VirtualMachine
// (vcsim type-asserts it in many places), so the fix runs in the SOAP front
// end around the stock call: before, snapshot config.extraConfig; after a
// successful call, if vcsim appended the request's entries, publish the
// correctly merged list instead. vcsim runs tasks synchronously, so the task
// has finished (and the merge is done) before the client sees the response.
//
// Also, vcsim only fills in connectable info for NICs, CD-ROMs, floppies and
// USB devices; serial and parallel ports added without it get the ESXi
// default (start connected, connected) so that "connected" checks work.

import (
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

type vmReconfig struct {
	vm     *simulator.VirtualMachine
	before []types.BaseOptionValue
	req    *types.ReconfigVM_Task
}

// appendedByVcsim mirrors vcsim: keys with the SET. prefix (or aliases) are
// applied to other properties and never appended to extraConfig.
func appendedByVcsim(key string) bool {
	return !strings.HasPrefix(key, "SET.") && key != "ip0"
}

// beforeReconfig decodes the request and snapshots the VM's extraConfig.
func beforeReconfig(body []byte, this types.ManagedObjectReference) *vmReconfig {
	vm, ok := simulator.Map.Get(this).(*simulator.VirtualMachine)
	if !ok {
		return nil
	}
	m, err := simulator.UnmarshalBody(types.TypeFunc(), body)
	if err != nil {
		return nil
	}
	req, ok := m.Body.(*types.ReconfigVM_Task)
	if !ok {
		return nil
	}
	r := &vmReconfig{vm: vm, req: req}
	simulator.Map.WithLock(vm, func() {
		if vm.Config != nil {
			r.before = vm.Config.ExtraConfig
		}
	})
	return r
}

// after fixes up the VM once the stock ReconfigVM_Task returned.
func (r *vmReconfig) after() {
	simulator.Map.WithLock(r.vm, func() {
		cfg := r.vm.Config
		if cfg == nil {
			return
		}
		appended := 0
		for _, c := range r.req.Spec.ExtraConfig {
			if appendedByVcsim(c.GetOptionValue().Key) {
				appended++
			}
		}
		if appended > 0 && len(cfg.ExtraConfig) == len(r.before)+appended {
			cfg.ExtraConfig = mergeExtraConfig(r.before, r.req.Spec.ExtraConfig)
		}
		// vcsim ignores spec.migrateEncryption; vSphere applies it.
		if e := r.req.Spec.MigrateEncryption; e != "" {
			cfg.MigrateEncryption = e
		}
		for _, d := range cfg.Hardware.Device {
			switch d.(type) {
			case *types.VirtualSerialPort, *types.VirtualParallelPort:
				if v := d.GetVirtualDevice(); v.Connectable == nil {
					v.Connectable = connect(true, true)
				}
			}
		}
	})
}

// mergeExtraConfig applies changes to cur with vSphere semantics and returns
// a new slice (copy-on-write: a concurrent response may still encode cur).
func mergeExtraConfig(cur, changes []types.BaseOptionValue) []types.BaseOptionValue {
	out := make([]types.BaseOptionValue, 0, len(cur)+len(changes))
	pos := map[string]int{}
	for _, o := range cur {
		pos[o.GetOptionValue().Key] = len(out)
		out = append(out, o)
	}
	removed := map[int]bool{}
	for _, c := range changes {
		ov := c.GetOptionValue()
		if !appendedByVcsim(ov.Key) {
			continue
		}
		empty := ov.Value == nil
		if s, ok := ov.Value.(string); ok && s == "" {
			empty = true
		}
		entry := &types.OptionValue{Key: ov.Key, Value: ov.Value}
		if i, ok := pos[ov.Key]; ok {
			out[i] = entry
			removed[i] = empty
			continue
		}
		if empty {
			continue // removing a key that is not there
		}
		pos[ov.Key] = len(out)
		out = append(out, entry)
	}
	res := out[:0]
	for i, o := range out {
		if !removed[i] {
			res = append(res, o)
		}
	}
	return res
}
