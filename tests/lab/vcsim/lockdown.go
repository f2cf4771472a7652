package main

// lockdown.go: per-host HostAccessManager (configManager.hostAccessManager)
// and HostSystem.EnterLockdownMode / ExitLockdownMode.
//
// Stock vcsim has no HostAccessManager and HostSystem lacks the lockdown
// methods. Since the HostSystem object must stay the stock type (see host.go),
// the SOAP front end rewrites the _this of EnterLockdownMode/ExitLockdownMode
// from the HostSystem to that host's HostAccessManager, which implements both
// (see rewriteThis in control.go). The response element name is unchanged.

import (
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

type hostAccessManager struct {
	mo.HostAccessManager // first field: vcsim reads properties from it
	host                 *labHost
	exceptions           []string
	systemUsers          []string
}

func newHostAccessManager(h *labHost, ref types.ManagedObjectReference) *hostAccessManager {
	a := &hostAccessManager{host: h}
	a.Self = ref
	a.LockdownMode = h.seed.lockdown
	a.systemUsers = []string{"dcui", "vpxuser"}
	a.exceptions = append([]string(nil), h.seed.exceptions...)
	return a
}

func (a *hostAccessManager) setMode(mode types.HostLockdownMode) {
	simulator.Map.Update(a, []types.PropertyChange{{Name: "lockdownMode", Val: mode}})
	a.LockdownMode = mode
	a.host.mirror(
		types.PropertyChange{Name: "config.lockdownMode", Val: mode},
		// a *bool field takes a plain bool in Map.Update (mo.ApplyPropertyChange)
		types.PropertyChange{Name: "config.adminDisabled", Val: adminDisabled(mode)},
	)
}

func (a *hostAccessManager) ChangeLockdownMode(req *types.ChangeLockdownMode) soap.HasFault {
	body := new(methods.ChangeLockdownModeBody)
	switch req.Mode {
	case types.HostLockdownModeLockdownDisabled, types.HostLockdownModeLockdownNormal, types.HostLockdownModeLockdownStrict:
	default:
		body.Fault_ = simulator.Fault("invalid lockdown mode: "+string(req.Mode), &types.InvalidArgument{InvalidProperty: "mode"})
		return body
	}
	a.setMode(req.Mode)
	body.Res = new(types.ChangeLockdownModeResponse)
	return body
}

// EnterLockdownMode is HostSystem.EnterLockdownMode, routed here by the front end.
func (a *hostAccessManager) EnterLockdownMode(*types.EnterLockdownMode) soap.HasFault {
	a.setMode(types.HostLockdownModeLockdownNormal)
	return &methods.EnterLockdownModeBody{Res: new(types.EnterLockdownModeResponse)}
}

// ExitLockdownMode is HostSystem.ExitLockdownMode, routed here by the front end.
func (a *hostAccessManager) ExitLockdownMode(*types.ExitLockdownMode) soap.HasFault {
	a.setMode(types.HostLockdownModeLockdownDisabled)
	return &methods.ExitLockdownModeBody{Res: new(types.ExitLockdownModeResponse)}
}

func (a *hostAccessManager) QueryLockdownExceptions(*types.QueryLockdownExceptions) soap.HasFault {
	return &methods.QueryLockdownExceptionsBody{Res: &types.QueryLockdownExceptionsResponse{
		Returnval: append([]string(nil), a.exceptions...),
	}}
}

func (a *hostAccessManager) UpdateLockdownExceptions(req *types.UpdateLockdownExceptions) soap.HasFault {
	a.exceptions = append([]string(nil), req.Users...)
	return &methods.UpdateLockdownExceptionsBody{Res: new(types.UpdateLockdownExceptionsResponse)}
}

func (a *hostAccessManager) QuerySystemUsers(*types.QuerySystemUsers) soap.HasFault {
	return &methods.QuerySystemUsersBody{Res: &types.QuerySystemUsersResponse{
		Returnval: append([]string(nil), a.systemUsers...),
	}}
}

func (a *hostAccessManager) UpdateSystemUsers(req *types.UpdateSystemUsers) soap.HasFault {
	a.systemUsers = append([]string(nil), req.Users...)
	return &methods.UpdateSystemUsersBody{Res: new(types.UpdateSystemUsersResponse)}
}
