package main

// storage.go: per-host storage system (configManager.storageSystem) with a
// software iSCSI adapter whose CHAP settings change through
// UpdateInternetScsiAuthenticationProperties, mirrored into
// HostSystem.config.storageDevice.
//
// vcsim quirks fixed here (govmomi 0.24.2): config.storageDevice is one
// template shared by all hosts with no iSCSI adapter, and the stock
// HostStorageSystem has no iSCSI methods.

import (
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

const iscsiDevice = "vmhba65"

type hostStorageSystem struct {
	mo.HostStorageSystem // first field: vcsim reads properties from it
	host                 *labHost
	auth                 types.HostInternetScsiHbaAuthenticationProperties
}

func newHostStorageSystem(h *labHost, ref types.ManagedObjectReference) *hostStorageSystem {
	s := &hostStorageSystem{host: h}
	s.Self = ref
	s.auth = types.HostInternetScsiHbaAuthenticationProperties{
		ChapAuthEnabled: true, ChapName: "iqn.1998-01.com.vmware:lab", ChapAuthenticationType: "chapRequired",
		MutualChapName: "iqn.2005-10.org.lab:target", MutualChapAuthenticationType: h.seed.mutualChap,
	}
	s.StorageDeviceInfo = s.info()
	return s
}

// info builds a fresh HostStorageDeviceInfo: the stock one with the lab's
// iSCSI adapter added (secrets are never reported, as on ESXi).
func (s *hostStorageSystem) info() *types.HostStorageDeviceInfo {
	out := types.HostStorageDeviceInfo{}
	if stock := s.host.host.Config.StorageDevice; stock != nil {
		out = *stock
	}
	var hbas []types.BaseHostHostBusAdapter
	for _, a := range out.HostBusAdapter {
		if hba, ok := a.(*types.HostInternetScsiHba); ok && hba.Device == iscsiDevice {
			continue
		}
		hbas = append(hbas, a)
	}
	auth := s.auth
	auth.ChapSecret, auth.MutualChapSecret = "", ""
	hba := &types.HostInternetScsiHba{
		HostHostBusAdapter: types.HostHostBusAdapter{Key: "key-vim.host.InternetScsiHba-" + iscsiDevice,
			Device: iscsiDevice, Status: "online", Model: "iSCSI Software Adapter", Driver: "iscsi_vmk",
			StorageProtocol: "scsi"},
		IsSoftwareBased:          true,
		AuthenticationProperties: auth,
		IScsiName:                "iqn.1998-01.com.vmware:" + s.host.host.Name,
	}
	out.HostBusAdapter = append(hbas, hba)
	return &out
}

func (s *hostStorageSystem) UpdateInternetScsiAuthenticationProperties(req *types.UpdateInternetScsiAuthenticationProperties) soap.HasFault {
	body := new(methods.UpdateInternetScsiAuthenticationPropertiesBody)
	if req.IScsiHbaDevice != iscsiDevice {
		body.Fault_ = notFound("iSCSI adapter", req.IScsiHbaDevice)
		return body
	}
	valid := map[string]bool{"": true, "chapProhibited": true, "chapDiscouraged": true, "chapPreferred": true,
		"chapRequired": true}
	a := req.AuthenticationProperties
	if !valid[a.ChapAuthenticationType] || !valid[a.MutualChapAuthenticationType] {
		body.Fault_ = simulator.Fault("invalid CHAP authentication type",
			&types.InvalidArgument{InvalidProperty: "authenticationProperties"})
		return body
	}
	s.auth = a
	info := s.info()
	simulator.Map.Update(s, []types.PropertyChange{{Name: "storageDeviceInfo", Val: info}})
	s.host.mirror(types.PropertyChange{Name: "config.storageDevice", Val: s.info()})
	body.Res = new(types.UpdateInternetScsiAuthenticationPropertiesResponse)
	return body
}
