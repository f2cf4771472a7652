package main

// options.go: per-host advanced settings (OptionManager at
// HostSystem.configManager.advancedOption).
//
// Stock vcsim appends unknown keys, updates values in place (shared between
// hosts) and never touches HostSystem.config.option. The lab keeps one
// immutable []OptionValue per host and swaps it on every update, publishing
// the same list as OptionManager.setting and HostSystem.config.option.

import (
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

type hostOptionManager struct {
	mo.OptionManager // must stay the first field: vcsim reads properties from it
	host             *labHost
}

func newHostOptionManager(h *labHost, ref types.ManagedObjectReference) *hostOptionManager {
	m := &hostOptionManager{host: h}
	m.Self = ref
	for _, o := range compliantOptions {
		v := o.value
		if ov, ok := h.seed.options[o.key]; ok {
			v = ov
		}
		m.Setting = append(m.Setting, &types.OptionValue{Key: o.key, Value: v})
	}
	return m
}

func (m *hostOptionManager) QueryOptions(req *types.QueryOptions) soap.HasFault {
	body := new(methods.QueryOptionsBody)
	var out []types.BaseOptionValue
	for _, o := range m.Setting {
		key := o.GetOptionValue().Key
		switch {
		case req.Name == "":
			out = append(out, o)
		case strings.HasSuffix(req.Name, "."):
			if strings.HasPrefix(key, req.Name) {
				out = append(out, o)
			}
		case key == req.Name:
			out = append(out, o)
		}
	}
	if len(out) == 0 {
		body.Fault_ = simulator.Fault("", &types.InvalidName{Name: req.Name})
		return body
	}
	body.Res = &types.QueryOptionsResponse{Returnval: out}
	return body
}

// coerce converts a client-supplied value to the type the setting already has
// (ESXi rejects a type change). Any integer xsi type is accepted for a long.
func coerce(current, v interface{}) (interface{}, bool) {
	switch current.(type) {
	case int64:
		switch x := v.(type) {
		case int64:
			return x, true
		case int32:
			return int64(x), true
		case int16:
			return int64(x), true
		case int8:
			return int64(x), true
		case int:
			return int64(x), true
		case uint8:
			return int64(x), true
		}
	case bool:
		if x, ok := v.(bool); ok {
			return x, true
		}
	case string:
		if x, ok := v.(string); ok {
			return x, true
		}
	}
	return nil, false
}

func (m *hostOptionManager) UpdateOptions(req *types.UpdateOptions) soap.HasFault {
	body := new(methods.UpdateOptionsBody)

	index := make(map[string]int, len(m.Setting))
	for i, o := range m.Setting {
		index[o.GetOptionValue().Key] = i
	}

	// Copy-on-write: validate everything first, then publish a new slice.
	next := make([]types.BaseOptionValue, len(m.Setting))
	copy(next, m.Setting)
	for _, change := range req.ChangedValue {
		c := change.GetOptionValue()
		i, ok := index[c.Key]
		if !ok {
			body.Fault_ = simulator.Fault("", &types.InvalidName{Name: c.Key})
			return body
		}
		v, ok := coerce(next[i].GetOptionValue().Value, c.Value)
		if !ok {
			body.Fault_ = simulator.Fault("A specified parameter was not correct: "+c.Key,
				&types.InvalidArgument{InvalidProperty: c.Key})
			return body
		}
		next[i] = &types.OptionValue{Key: c.Key, Value: v}
	}

	simulator.Map.Update(m, []types.PropertyChange{{Name: "setting", Val: next}})
	m.Setting = next
	m.host.mirror(types.PropertyChange{Name: "config.option", Val: next})

	body.Res = new(types.UpdateOptionsResponse)
	return body
}
