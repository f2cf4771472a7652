package main

// services.go: per-host HostServiceSystem (configManager.serviceSystem) and
// HostDateTimeSystem (configManager.dateTimeSystem). Stock vcsim registers
// neither; HostSystem.config.service / config.dateTimeInfo are mirrored here.

import (
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

type hostServiceSystem struct {
	mo.HostServiceSystem // first field: vcsim reads properties from it
	host                 *labHost
}

func newHostServiceSystem(h *labHost, ref types.ManagedObjectReference) *hostServiceSystem {
	s := &hostServiceSystem{host: h}
	s.Self = ref
	for _, c := range compliantServices {
		hs := types.HostService{
			Key:      c.key,
			Label:    c.label,
			Required: c.required,
			Running:  c.running,
			Policy:   c.policy,
			Ruleset:  c.ruleset,
		}
		if d, ok := h.seed.services[c.key]; ok {
			hs.Running = d[0] == "running"
			hs.Policy = d[1]
		}
		s.ServiceInfo.Service = append(s.ServiceInfo.Service, hs)
	}
	return s
}

// change applies f to a copy of service id and publishes the new list.
func (s *hostServiceSystem) change(id string, f func(*types.HostService)) *soap.Fault {
	next := make([]types.HostService, len(s.ServiceInfo.Service))
	copy(next, s.ServiceInfo.Service)
	for i := range next {
		if next[i].Key == id {
			f(&next[i])
			info := types.HostServiceInfo{Service: next}
			simulator.Map.Update(s, []types.PropertyChange{{Name: "serviceInfo", Val: info}})
			s.ServiceInfo = info
			mirror := info
			s.host.mirror(types.PropertyChange{Name: "config.service", Val: &mirror})
			return nil
		}
	}
	return simulator.Fault("service not found: "+id, &types.NotFound{})
}

func (s *hostServiceSystem) StartService(req *types.StartService) soap.HasFault {
	body := new(methods.StartServiceBody)
	if body.Fault_ = s.change(req.Id, func(x *types.HostService) { x.Running = true }); body.Fault_ == nil {
		body.Res = new(types.StartServiceResponse)
	}
	return body
}

func (s *hostServiceSystem) StopService(req *types.StopService) soap.HasFault {
	body := new(methods.StopServiceBody)
	if body.Fault_ = s.change(req.Id, func(x *types.HostService) { x.Running = false }); body.Fault_ == nil {
		body.Res = new(types.StopServiceResponse)
	}
	return body
}

func (s *hostServiceSystem) RestartService(req *types.RestartService) soap.HasFault {
	body := new(methods.RestartServiceBody)
	if body.Fault_ = s.change(req.Id, func(x *types.HostService) { x.Running = true }); body.Fault_ == nil {
		body.Res = new(types.RestartServiceResponse)
	}
	return body
}

func (s *hostServiceSystem) UpdateServicePolicy(req *types.UpdateServicePolicy) soap.HasFault {
	body := new(methods.UpdateServicePolicyBody)
	switch types.HostServicePolicy(req.Policy) {
	case types.HostServicePolicyOn, types.HostServicePolicyOff, types.HostServicePolicyAutomatic:
	default:
		body.Fault_ = simulator.Fault("invalid policy: "+req.Policy, &types.InvalidArgument{InvalidProperty: "policy"})
		return body
	}
	if body.Fault_ = s.change(req.Id, func(x *types.HostService) { x.Policy = req.Policy }); body.Fault_ == nil {
		body.Res = new(types.UpdateServicePolicyResponse)
	}
	return body
}

func (s *hostServiceSystem) RefreshServices(*types.RefreshServices) soap.HasFault {
	return &methods.RefreshServicesBody{Res: new(types.RefreshServicesResponse)}
}

// ---------------------------------------------------------------------------

type hostDateTimeSystem struct {
	mo.HostDateTimeSystem // first field: vcsim reads properties from it
	host                  *labHost
}

func timeZone(key string) types.HostDateTimeSystemTimeZone {
	return types.HostDateTimeSystemTimeZone{Key: key, Name: key, Description: key, GmtOffset: 0}
}

func newHostDateTimeSystem(h *labHost, ref types.ManagedObjectReference) *hostDateTimeSystem {
	s := &hostDateTimeSystem{host: h}
	s.Self = ref
	s.DateTimeInfo = types.HostDateTimeInfo{
		TimeZone:            timeZone("UTC"),
		SystemClockProtocol: "ntp",
		NtpConfig:           &types.HostNtpConfig{Server: append([]string(nil), h.seed.ntp...)},
	}
	return s
}

func (s *hostDateTimeSystem) UpdateDateTimeConfig(req *types.UpdateDateTimeConfig) soap.HasFault {
	info := s.DateTimeInfo // copy; NtpConfig is replaced, never mutated
	if req.Config.NtpConfig != nil {
		info.NtpConfig = &types.HostNtpConfig{
			Server:     append([]string(nil), req.Config.NtpConfig.Server...),
			ConfigFile: append([]string(nil), req.Config.NtpConfig.ConfigFile...),
		}
	}
	if req.Config.TimeZone != "" {
		info.TimeZone = timeZone(req.Config.TimeZone)
	}
	simulator.Map.Update(s, []types.PropertyChange{{Name: "dateTimeInfo", Val: info}})
	s.DateTimeInfo = info
	mirror := info
	s.host.mirror(types.PropertyChange{Name: "config.dateTimeInfo", Val: &mirror})
	return &methods.UpdateDateTimeConfigBody{Res: new(types.UpdateDateTimeConfigResponse)}
}

func (s *hostDateTimeSystem) QueryDateTime(*types.QueryDateTime) soap.HasFault {
	return &methods.QueryDateTimeBody{Res: &types.QueryDateTimeResponse{Returnval: time.Now().UTC()}}
}

func (s *hostDateTimeSystem) UpdateDateTime(*types.UpdateDateTime) soap.HasFault {
	return &methods.UpdateDateTimeBody{Res: new(types.UpdateDateTimeResponse)}
}

func (s *hostDateTimeSystem) RefreshDateTimeSystem(*types.RefreshDateTimeSystem) soap.HasFault {
	return &methods.RefreshDateTimeSystemBody{Res: new(types.RefreshDateTimeSystemResponse)}
}

func (s *hostDateTimeSystem) QueryAvailableTimeZones(*types.QueryAvailableTimeZones) soap.HasFault {
	return &methods.QueryAvailableTimeZonesBody{Res: &types.QueryAvailableTimeZonesResponse{
		Returnval: []types.HostDateTimeSystemTimeZone{timeZone("UTC")},
	}}
}
