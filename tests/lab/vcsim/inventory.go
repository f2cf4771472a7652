package main

// inventory.go builds the simulated vCenter: the stock vcsim VPX model for
// datacenters, clusters, hosts and datastores, then the lab's own VMs (vcsim's
// Model.Machine places VMs per resource pool, not per host, and picks hosts
// itself, which is not deterministic enough for the seed).

import (
	"context"
	"fmt"
	"path"
	"sort"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

type topology struct {
	datacenters int
	clusters    int // per datacenter
	hosts       int // per cluster
	standalone  int // per datacenter
	vms         int // per host
	datastores  int
	seed        bool
}

type vmRecord struct {
	index int
	name  string
	ref   types.ManagedObjectReference
	host  *labHost
	seed  *vmSeed
}

type inventory struct {
	model *simulator.Model
	hosts []*labHost
	vms   []*vmRecord
}

// hostNames returns the host names in lab inventory order (see seed.go).
func (t topology) hostNames() []string {
	var names []string
	for d := 0; d < t.datacenters; d++ {
		for c := 0; c < t.clusters; c++ {
			for h := 0; h < t.hosts; h++ {
				names = append(names, fmt.Sprintf("DC%d_C%d_H%d", d, c, h))
			}
		}
		for h := 0; h < t.standalone; h++ {
			names = append(names, fmt.Sprintf("DC%d_H%d", d, h))
		}
	}
	return names
}

func buildInventory(t topology) (inv *inventory, err error) {
	m := simulator.VPX()
	m.Datacenter = t.datacenters
	m.Cluster = t.clusters
	m.ClusterHost = t.hosts
	m.Host = t.standalone
	m.Datastore = t.datastores
	m.Machine = 0 // the lab creates its own VMs
	m.Autostart = false
	m.Portgroup = 1

	inv = &inventory{model: m}
	defer func() {
		if err != nil {
			m.Remove()
		}
	}()
	if err = m.Create(); err != nil {
		return nil, err
	}

	si := simulator.Map.Get(vim25.ServiceInstance).(*simulator.ServiceInstance)
	about := &si.Content.About
	about.Version = vcenterVer
	about.Build = vcenterBuild
	about.FullName = fmt.Sprintf("VMware vCenter Server %s build-%s", vcenterVer, vcenterBuild)
	about.ApiVersion = vcenterAPIVer
	about.LicenseProductVersion = "8.0"
	// vCenter's own advanced settings (ServiceContent.setting): the lab's
	// compliant values; tests change them with UpdateOptions.
	if om, ok := simulator.Map.Get(*si.Content.Setting).(*simulator.OptionManager); ok {
		om.Setting = vcenterSettings()
	}

	// Paging/authenticating collector in place of the stock one. Must happen
	// before the first HTTP session, which clones the registered type.
	pc := &labCollector{}
	pc.Self = si.Content.PropertyCollector
	simulator.Map.Put(pc)

	setupPortgroups()

	byName := map[string]*simulator.HostSystem{}
	for _, e := range simulator.Map.All("HostSystem") {
		h := e.(*simulator.HostSystem)
		byName[h.Name] = h
	}
	for i, name := range t.hostNames() {
		hs := byName[name]
		if hs == nil {
			return nil, fmt.Errorf("host %s not found in vcsim inventory", name)
		}
		inv.hosts = append(inv.hosts, setupHost(i, hs, seedForHost(i, t.seed)))
	}

	ctx := context.Background()
	c, err := vim25.NewClient(ctx, m.Service) // in-process client, no HTTP
	if err != nil {
		return nil, err
	}
	for _, h := range inv.hosts {
		for j := 0; j < t.vms; j++ {
			rec := &vmRecord{
				index: len(inv.vms),
				name:  fmt.Sprintf("%s_VM%d", h.host.Name, j),
				host:  h,
			}
			rec.seed = seedForVM(rec.index, t.seed)
			ds := fmt.Sprintf("LocalDS_%d", j%maxInt(t.datastores, 1))
			if err = createVM(ctx, c, rec, ds); err != nil {
				return nil, fmt.Errorf("create %s: %v", rec.name, err)
			}
			inv.vms = append(inv.vms, rec)
		}
	}

	// Creation tasks are noise in TaskManager.recentTask; createVM removed
	// the Task objects themselves.
	if tm, ok := simulator.Map.Get(*si.Content.TaskManager).(*simulator.TaskManager); ok {
		tm.RecentTask = nil
	}
	return inv, nil
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// placement walks up the inventory from the host and returns its datacenter and the
// root resource pool of the host's compute resource.
func placement(hs *simulator.HostSystem) (dc *simulator.Datacenter, pool types.ManagedObjectReference, err error) {
	switch cr := simulator.Map.Get(*hs.Parent).(type) {
	case *simulator.ClusterComputeResource:
		pool = *cr.ResourcePool
	case *mo.ComputeResource:
		pool = *cr.ResourcePool
	default:
		return nil, pool, fmt.Errorf("unexpected host parent %T", cr)
	}
	ref := hs.Parent
	for ref != nil {
		obj := simulator.Map.Get(*ref)
		if d, ok := obj.(*simulator.Datacenter); ok {
			return d, pool, nil
		}
		e, ok := obj.(mo.Entity)
		if !ok {
			break
		}
		ref = e.Entity().Parent
	}
	return nil, pool, fmt.Errorf("no datacenter above %s", hs.Self)
}

// taskResult reads a completed vcsim task (vcsim runs tasks synchronously)
// and drops it from the registry to keep memory flat for big inventories.
func taskResult(ref types.ManagedObjectReference) (types.AnyType, error) {
	t, ok := simulator.Map.Get(ref).(*simulator.Task)
	if !ok {
		return nil, fmt.Errorf("task %s not found", ref)
	}
	info := t.Info
	simulator.Map.Remove(ref)
	if info.State != types.TaskInfoStateSuccess {
		if info.Error != nil {
			return nil, fmt.Errorf("%s: %T", info.Name, info.Error.Fault)
		}
		return nil, fmt.Errorf("%s: state %s", info.Name, info.State)
	}
	return info.Result, nil
}

func i32(v int32) *int32 { return &v }

func connect(start, now bool) *types.VirtualDeviceConnectInfo {
	return &types.VirtualDeviceConnectInfo{StartConnected: start, Connected: now, AllowGuestControl: true, Status: "ok"}
}

// Device keys used by the lab (vcsim's default devices use 100..700 and 12000).
const (
	keySCSI     = 1000
	keyDisk     = 2000
	keyCdrom    = 3000
	keyNIC      = 4000
	keyUSB      = 7000
	keyFloppy   = 8000
	keySerial   = 9000
	keyParallel = 10000
	keyXHCI     = 14000
	keySound    = 15000
	keyAHCI     = 16000
	keyPassthru = 17000

	keyPCI  = 100 // vcsim default VirtualPCIController
	keyIDE0 = 200 // vcsim default VirtualIDEController 0
	keySIO  = 400 // vcsim default VirtualSIOController
)

func vmDevices(s *vmSeed, ds, name string) []types.BaseVirtualDeviceConfigSpec {
	dir := fmt.Sprintf("[%s] %s", ds, name)
	add := func(d types.BaseVirtualDevice) types.BaseVirtualDeviceConfigSpec {
		return &types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationAdd, Device: d}
	}

	scsi := &types.ParaVirtualSCSIController{}
	scsi.Key, scsi.ControllerKey, scsi.UnitNumber = keySCSI, keyPCI, i32(3)
	scsi.SharedBus = types.VirtualSCSISharingNoSharing
	scsi.ScsiCtlrUnitNumber = 7

	disk := &types.VirtualDisk{CapacityInKB: 1024 * 1024}
	disk.Key, disk.ControllerKey, disk.UnitNumber = keyDisk, keySCSI, i32(0)
	disk.Backing = &types.VirtualDiskFlatVer2BackingInfo{
		VirtualDeviceFileBackingInfo: types.VirtualDeviceFileBackingInfo{FileName: path.Join(dir, name+".vmdk")},
		DiskMode:                     string(types.VirtualDiskModePersistent),
		ThinProvisioned:              types.NewBool(true),
	}
	diskSpec := &types.VirtualDeviceConfigSpec{
		Operation:     types.VirtualDeviceConfigSpecOperationAdd,
		FileOperation: types.VirtualDeviceConfigSpecFileOperationCreate,
		Device:        disk,
	}

	// A compliant VM has no CD-ROM (SCG 8 vm-8.remove-unnecessary-devices);
	// the seeded one has a connected ISO.
	var cdrom *types.VirtualCdrom
	if s.cdromConnected {
		cdrom = &types.VirtualCdrom{}
		cdrom.Key, cdrom.ControllerKey, cdrom.UnitNumber = keyCdrom, keyIDE0, i32(0)
		cdrom.Backing = &types.VirtualCdromIsoBackingInfo{
			VirtualDeviceFileBackingInfo: types.VirtualDeviceFileBackingInfo{FileName: fmt.Sprintf("[%s] iso/install.iso", ds)},
		}
		cdrom.Connectable = connect(true, true)
	}

	nic := &types.VirtualVmxnet3{}
	nic.Key, nic.ControllerKey, nic.UnitNumber = keyNIC, keyPCI, i32(7)
	nic.AddressType = string(types.VirtualEthernetCardMacTypeGenerated)
	nic.Backing = &types.VirtualEthernetCardNetworkBackingInfo{
		VirtualDeviceDeviceBackingInfo: types.VirtualDeviceDeviceBackingInfo{DeviceName: "VM Network"},
	}
	nic.Connectable = connect(true, true)

	specs := []types.BaseVirtualDeviceConfigSpec{add(scsi), diskSpec, add(nic)}
	if cdrom != nil {
		specs = append(specs, add(cdrom))
	}

	if s.floppy {
		f := &types.VirtualFloppy{}
		f.Key, f.ControllerKey, f.UnitNumber = keyFloppy, keySIO, i32(0)
		f.Backing = &types.VirtualFloppyRemoteDeviceBackingInfo{}
		f.Connectable = connect(false, false)
		specs = append(specs, add(f))
	}
	if s.serial {
		p := &types.VirtualSerialPort{YieldOnPoll: true}
		p.Key, p.ControllerKey, p.UnitNumber = keySerial, keySIO, i32(0)
		p.Backing = &types.VirtualSerialPortFileBackingInfo{
			VirtualDeviceFileBackingInfo: types.VirtualDeviceFileBackingInfo{FileName: path.Join(dir, "serial0.log")},
		}
		p.Connectable = connect(true, true)
		specs = append(specs, add(p))
	}
	if s.parallel {
		p := &types.VirtualParallelPort{}
		p.Key, p.ControllerKey, p.UnitNumber = keyParallel, keySIO, i32(0)
		p.Backing = &types.VirtualParallelPortFileBackingInfo{
			VirtualDeviceFileBackingInfo: types.VirtualDeviceFileBackingInfo{FileName: path.Join(dir, "parallel0.out")},
		}
		p.Connectable = connect(true, true)
		specs = append(specs, add(p))
	}
	if s.usb {
		u := &types.VirtualUSBController{AutoConnectDevices: types.NewBool(true), EhciEnabled: types.NewBool(true)}
		u.Key, u.ControllerKey, u.UnitNumber = keyUSB, keyPCI, i32(22)
		specs = append(specs, add(u))
	}
	if s.usbXHCI {
		u := &types.VirtualUSBXHCIController{AutoConnectDevices: types.NewBool(true)}
		u.Key, u.ControllerKey, u.UnitNumber = keyXHCI, keyPCI, i32(23)
		specs = append(specs, add(u))
	}
	if s.sound {
		a := &types.VirtualHdAudioCard{}
		a.Key, a.ControllerKey, a.UnitNumber = keySound, keyPCI, i32(24)
		specs = append(specs, add(a))
	}
	if s.ahci {
		a := &types.VirtualAHCIController{}
		a.Key, a.ControllerKey, a.UnitNumber, a.BusNumber = keyAHCI, keyPCI, i32(25), 0
		specs = append(specs, add(a))
	}
	if s.passthrough {
		p := &types.VirtualPCIPassthrough{}
		p.Key, p.ControllerKey, p.UnitNumber = keyPassthru, keyPCI, i32(26)
		p.Backing = &types.VirtualPCIPassthroughDeviceBackingInfo{Id: "0000:3b:00.0", DeviceId: "1db6",
			SystemId: "5f6b0a2e-lab", VendorId: 0x10de}
		specs = append(specs, add(p))
	}
	return specs
}

func toolsState(s *vmSeed) (versionStatus, running, version string) {
	switch s.tools {
	case types.VirtualMachineToolsStatusToolsOld:
		return string(types.VirtualMachineToolsVersionStatusGuestToolsNeedUpgrade), string(types.VirtualMachineToolsRunningStatusGuestToolsRunning), "11333"
	case types.VirtualMachineToolsStatusToolsNotInstalled:
		return string(types.VirtualMachineToolsVersionStatusGuestToolsNotInstalled), string(types.VirtualMachineToolsRunningStatusGuestToolsNotRunning), "0"
	case types.VirtualMachineToolsStatusToolsNotRunning:
		return string(types.VirtualMachineToolsVersionStatusGuestToolsCurrent), string(types.VirtualMachineToolsRunningStatusGuestToolsNotRunning), "12352"
	default:
		return string(types.VirtualMachineToolsVersionStatusGuestToolsCurrent), string(types.VirtualMachineToolsRunningStatusGuestToolsRunning), "12352"
	}
}

func createVM(ctx context.Context, c *vim25.Client, rec *vmRecord, ds string) error {
	hs := rec.host.host
	dc, pool, err := placement(hs)
	if err != nil {
		return err
	}
	s := rec.seed
	guestID := string(types.VirtualMachineGuestOsIdentifierOtherLinux64Guest)
	spec := types.VirtualMachineConfigSpec{
		Name:         rec.name,
		GuestId:      guestID,
		Version:      s.version,
		NumCPUs:      2,
		MemoryMB:     4096,
		Files:        &types.VirtualMachineFileInfo{VmPathName: "[" + ds + "]"},
		DeviceChange: vmDevices(s, ds, rec.name),
	}
	task, err := object.NewFolder(c, dc.VmFolder).CreateVM(ctx, spec, object.NewResourcePool(c, pool), object.NewHostSystem(c, hs.Self))
	if err != nil {
		return err
	}
	res, err := taskResult(task.Reference())
	if err != nil {
		return err
	}
	rec.ref = res.(types.ManagedObjectReference)

	if !s.poweredOff {
		pr, err := methods.PowerOnVM_Task(ctx, c, &types.PowerOnVM_Task{This: rec.ref})
		if err != nil {
			return err
		}
		if _, err = taskResult(pr.Returnval); err != nil {
			return err
		}
	}

	// Seed state vcsim has no API for. Runs before the server starts.
	vm := simulator.Map.Get(rec.ref).(*simulator.VirtualMachine)
	vm.Config.ExtraConfig = s.extraConfig() // also drops vcsim's "govcsim" marker key
	// EFI with Secure Boot, logging on, vMotion encrypted: the compliant VM
	// of SCG 8 (guest-8.secure-boot, vm-8.log-enable, vm-8.vmotion-encrypted).
	vm.Config.Firmware = s.firmware
	boot := types.VirtualMachineBootOptions{}
	if vm.Config.BootOptions != nil {
		boot = *vm.Config.BootOptions
	}
	boot.EfiSecureBootEnabled = types.NewBool(s.secureBoot)
	vm.Config.BootOptions = &boot
	vm.Config.Flags.EnableLogging = types.NewBool(s.logging)
	vm.Config.MigrateEncryption = s.migrateEncryption
	versionStatus, running, version := toolsState(s)
	state := "running"
	if s.poweredOff {
		state = "notRunning"
	}
	vm.Guest.ToolsStatus = s.tools
	vm.Guest.ToolsVersionStatus = versionStatus
	vm.Guest.ToolsVersionStatus2 = versionStatus
	vm.Guest.ToolsRunningStatus = running
	vm.Guest.ToolsVersion = version
	vm.Guest.GuestState = state
	vm.Guest.GuestId = guestID
	vm.Guest.GuestFullName = "Other Linux (64-bit)"
	vm.Guest.GuestFamily = string(types.VirtualMachineGuestOsFamilyLinuxGuest)
	if vm.Summary.Guest == nil {
		vm.Summary.Guest = &types.VirtualMachineGuestSummary{}
	}
	vm.Summary.Guest.ToolsStatus = s.tools
	vm.Summary.Guest.ToolsVersionStatus = versionStatus
	vm.Summary.Guest.ToolsVersionStatus2 = versionStatus
	vm.Summary.Guest.ToolsRunningStatus = running
	vm.Summary.Guest.GuestId = guestID
	vm.Summary.Guest.GuestFullName = vm.Guest.GuestFullName
	vm.Summary.Config.HwVersion = s.version
	vm.Config.Modified = time.Now()
	return nil
}

// ---------------------------------------------------------------------------
// Seed report (-print-seed, GET /lab/seed)

type seedHostJSON struct {
	Index      int      `json:"index"`
	Name       string   `json:"name"`
	Moref      string   `json:"moref"`
	Parent     string   `json:"parent"`
	Product    string   `json:"product"`
	Deviations []string `json:"deviations"`
}

type seedVMJSON struct {
	Index      int      `json:"index"`
	Name       string   `json:"name"`
	Moref      string   `json:"moref"`
	Host       string   `json:"host"`
	PowerState string   `json:"power_state"`
	Deviations []string `json:"deviations"`
}

type seedJSON struct {
	Hosts []seedHostJSON `json:"hosts"`
	VMs   []seedVMJSON   `json:"vms"`
}

func (inv *inventory) report() seedJSON {
	var out seedJSON
	for _, h := range inv.hosts {
		parent := ""
		if e, ok := simulator.Map.Get(*h.host.Parent).(mo.Entity); ok {
			parent = e.Entity().Name
		}
		out.Hosts = append(out.Hosts, seedHostJSON{
			Index: h.index, Name: h.host.Name, Moref: h.host.Self.Value, Parent: parent,
			Product:    fmt.Sprintf("%s build %s", h.seed.version, h.seed.build),
			Deviations: append([]string{}, h.seed.notes...),
		})
	}
	for _, v := range inv.vms {
		ps := "poweredOn"
		if v.seed.poweredOff {
			ps = "poweredOff"
		}
		out.VMs = append(out.VMs, seedVMJSON{
			Index: v.index, Name: v.name, Moref: v.ref.Value, Host: v.host.host.Name,
			PowerState: ps, Deviations: append([]string{}, v.seed.notes...),
		})
	}
	sort.SliceStable(out.Hosts, func(i, j int) bool { return out.Hosts[i].Index < out.Hosts[j].Index })
	return out
}

func (inv *inventory) markdown() string {
	r := inv.report()
	s := "| # | Host | moref | Parent | Deviations from the compliant profile |\n|---|---|---|---|---|\n"
	for _, h := range r.Hosts {
		s += fmt.Sprintf("| %d | %s | %s | %s | %s |\n", h.Index, h.Name, h.Moref, h.Parent, notesOrCompliant(h.Deviations))
	}
	s += "\n| # | VM | moref | Host | Power | Deviations from the compliant profile |\n|---|---|---|---|---|---|\n"
	for _, v := range r.VMs {
		s += fmt.Sprintf("| %d | %s | %s | %s | %s | %s |\n", v.Index, v.Name, v.Moref, v.Host, v.PowerState, notesOrCompliant(v.Deviations))
	}
	return s
}
