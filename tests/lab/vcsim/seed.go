package main

// seed.go holds the lab's data: the "compliant profile" every host and VM
// starts from, and the deterministic deviations applied by inventory index.
//
// Host index: hosts are numbered in inventory order, which the lab defines as
// datacenter by datacenter (DC0, DC1, ...), inside a datacenter first the
// cluster hosts (cluster C0 hosts H0..Hn, then C1, ...) and then the
// standalone hosts (DC0_H0, DC0_H1, ...). Host #i gets hostSeeds[i % 6].
//
// VM index: VMs are numbered in creation order, i.e. host by host in the host
// order above and then VM0..VMn on each host. VM #i gets vmSeeds[i % 12].
//
// The README table is generated from these tables with `harden-vclab -print-seed`.

import (
	"fmt"
	"sort"
	"strings"

	"github.com/vmware/govmomi/vim25/types"
)

// ---------------------------------------------------------------------------
// Host compliant profile

const (
	esxiVersion   = "8.0.2"
	esxiBuild     = "22380479"
	esxiOldVer    = "7.0.3"
	esxiOldBuild  = "21930508"
	vcenterVer    = "8.0.2"
	vcenterBuild  = "22385739"
	vcenterAPIVer = "8.0.2.0"
)

// option is one advanced setting; value is int64 (xsd:long), bool
// (xsd:boolean) or string (xsd:string).
type option struct {
	key   string
	value interface{}
}

// compliantOptions is the advanced-settings list of a compliant host, in the
// order the OptionManager reports it. The first block is what harden checks;
// the second block is unrelated settings so the list looks like a host's.
var compliantOptions = []option{
	{"UserVars.ESXiShellTimeOut", int64(600)},
	{"UserVars.ESXiShellInteractiveTimeOut", int64(300)},
	{"UserVars.DcuiTimeOut", int64(600)},
	{"UserVars.SuppressShellWarning", int64(0)},
	{"UserVars.SuppressHyperthreadWarning", int64(0)},
	{"UserVars.HostClientSessionTimeout", int64(900)},
	{"UserVars.ESXiVPsDisabledProtocols", "sslv3,tlsv1,tlsv1.1"},
	{"Security.AccountLockFailures", int64(5)},
	{"Security.AccountUnlockTime", int64(900)},
	{"Security.PasswordQualityControl", "retry=3 min=disabled,disabled,disabled,disabled,15"},
	{"Security.PasswordHistory", int64(5)},
	{"Security.PasswordMaxDays", int64(90)},
	{"Syslog.global.logHost", "udp://syslog.lab.local:514"},
	{"Syslog.global.logDir", "[datastore1] /logs"},
	{"Syslog.global.logDirUnique", true},
	{"Syslog.global.auditRecord.storageEnable", true},
	{"Syslog.global.certificate.checkSSLCerts", true},
	{"Config.HostAgent.plugins.solo.enableMob", false},
	{"Config.HostAgent.log.level", "info"},
	{"Net.BlockGuestBPDU", int64(1)},
	{"Net.DVFilterBindIpAddress", ""},
	{"Mem.ShareForceSalting", int64(2)},
	{"Mem.MemEagerZero", int64(1)},
	{"VMkernel.Boot.execInstalledOnly", true},
	{"Annotations.WelcomeMessage", "Authorized use only"},
	{"Config.Etc.issue", "Authorized use only"},
	{"DCUI.Access", "root"},
	{"Syslog.global.logLevel", "info"},
	{"Syslog.global.logFiltersEnable", false},
	{"Syslog.global.auditRecord.storageDirectory", "[] /scratch/auditLog"},
	{"Syslog.global.auditRecord.storageCapacity", int64(100)},
	{"Syslog.global.auditRecord.remoteEnable", true},
	{"Syslog.global.certificate.strictX509Compliance", true},
	{"Config.HostAgent.vmacore.soap.sessionTimeout", int64(30)},
	{"Net.BMCNetworkEnable", int64(0)},
	{"ScratchConfig.ConfiguredScratchLocation", "/vmfs/volumes/datastore1/.locker"},
	{"ScratchConfig.CurrentScratchLocation", "/vmfs/volumes/datastore1/.locker"},

	// unrelated, realistic ESXi 8 settings
	{"Misc.BlueScreenTimeout", int64(0)},
	{"Misc.APDHandlingEnable", int64(1)},
	{"Misc.APDTimeout", int64(140)},
	{"Misc.PreferredHostName", ""},
	{"Net.TcpipHeapSize", int64(0)},
	{"Net.TcpipHeapMax", int64(1024)},
	{"Net.FollowHardwareMac", int64(1)},
	{"Net.ReversePathFwdCheckPromisc", int64(0)},
	{"Disk.MaxLUN", int64(1024)},
	{"Disk.SchedNumReqOutstanding", int64(32)},
	{"Disk.QFullSampleSize", int64(0)},
	{"Disk.QFullThreshold", int64(8)},
	{"Disk.UseDeviceReset", int64(1)},
	{"Disk.DiskMaxIOSize", int64(32767)},
	{"UserVars.HostClientCEIPOptIn", int64(2)},
	{"UserVars.HostClientEnableMOTDNotification", int64(1)},
	{"Syslog.global.defaultRotate", int64(8)},
	{"Syslog.global.defaultSize", int64(1024)},
	{"Config.HostAgent.plugins.hostsvc.esxAdminsGroup", "ESX Admins"},
	{"VMkernel.Boot.hyperthreading", true},
	{"VMkernel.Boot.hyperthreadingMitigation", true},
	{"Power.CpuPolicy", "Balanced"},
	{"Mem.AllocGuestLargePage", int64(1)},
	{"NFS.MaxVolumes", int64(8)},
	{"Numa.PreferHT", int64(0)},
	{"DataMover.HardwareAcceleratedMove", int64(1)},
	{"DataMover.HardwareAcceleratedInit", int64(1)},
	{"VMFS3.HardwareAcceleratedLocking", int64(1)},
}

// vcenterSettings is vCenter's own advanced settings list (vpxd): the keys
// the vCenter rules read, compliant, after stock vcsim's.
func vcenterSettings() []types.BaseOptionValue {
	out := []types.BaseOptionValue{}
	for _, o := range []option{
		{"VirtualCenter.InstanceName", "vcenter.lab.local"},
		{"VirtualCenter.VimPasswordExpirationInDays", int32(30)},
		{"config.vpxd.hostPasswordLength", int32(32)},
		{"event.maxAge", int32(30)},
		{"event.maxAgeEnabled", true},
		{"task.maxAge", int32(30)},
		{"task.maxAgeEnabled", true},
		{"config.log.level", "info"},
		{"vpxd.event.syslog.enabled", true},
	} {
		out = append(out, &types.OptionValue{Key: o.key, Value: o.value})
	}
	return out
}

// service is the compliant state of one ESXi service.
type service struct {
	key, label string
	required   bool
	running    bool
	policy     string
	ruleset    []string
}

var compliantServices = []service{
	{"DCUI", "Direct Console UI", false, true, "on", nil},
	{"TSM", "ESXi Shell", false, false, "off", nil},
	{"TSM-SSH", "SSH", false, false, "off", []string{"sshServer"}},
	{"lbtd", "Load-Based Teaming Daemon", false, true, "on", nil},
	{"ntpd", "NTP Daemon", false, true, "on", []string{"ntpClient"}},
	{"pcscd", "PC/SC Smart Card Daemon", false, false, "off", nil},
	{"sfcbd-watchdog", "CIM Server", false, false, "off", []string{"CIMHttpServer"}},
	{"slpd", "slpd", false, false, "off", nil},
	{"snmpd", "SNMP Server", false, false, "off", []string{"snmp"}},
	{"vmsyslogd", "Syslog Server", true, true, "on", []string{"syslog"}},
	{"vpxa", "VMware vCenter Agent", false, true, "on", nil},
	{"xorg", "X.Org Server", false, false, "off", nil},
}

var compliantNTP = []string{"0.pool.lab.local", "1.pool.lab.local"}

// ruleset is the compliant state of one firewall ruleset. allowed == nil
// means allowedHosts.allIp = true.
type ruleset struct {
	key, label string
	required   bool
	enabled    bool
	allowed    []string // CIDR networks, e.g. 10.0.0.0/24
	rules      []types.HostFirewallRule
}

func rule(port int32, dir types.HostFirewallRuleDirection, proto string) types.HostFirewallRule {
	return types.HostFirewallRule{Port: port, Direction: dir, PortType: types.HostFirewallRulePortTypeDst, Protocol: proto}
}

const (
	in  = types.HostFirewallRuleDirectionInbound
	out = types.HostFirewallRuleDirectionOutbound
)

var compliantRulesets = []ruleset{
	{"sshServer", "SSH Server", false, true, []string{"10.0.0.0/24"}, []types.HostFirewallRule{rule(22, in, "tcp")}},
	{"sshClient", "SSH Client", false, false, nil, []types.HostFirewallRule{rule(22, out, "tcp")}},
	{"ntpClient", "NTP Client", false, true, nil, []types.HostFirewallRule{rule(123, out, "udp")}},
	{"syslog", "syslog", false, true, nil, []types.HostFirewallRule{rule(514, out, "udp"), rule(1514, out, "tcp")}},
	{"CIMHttpServer", "CIM Server", false, false, nil, []types.HostFirewallRule{rule(5988, in, "tcp")}},
	{"webAccess", "vSphere Web Access", false, true, nil, []types.HostFirewallRule{rule(80, in, "tcp")}},
	{"vSphereClient", "vSphere Web Client", true, true, nil, []types.HostFirewallRule{rule(902, in, "tcp"), rule(443, in, "tcp")}},
	{"dhcp", "DHCP Client", false, true, nil, []types.HostFirewallRule{rule(68, in, "udp"), rule(68, out, "udp")}},
	{"dns", "DNS Client", false, true, nil, []types.HostFirewallRule{rule(53, out, "udp"), rule(53, out, "tcp")}},
	{"snmp", "SNMP Server", false, false, nil, []types.HostFirewallRule{rule(161, in, "udp")}},
}

// ---------------------------------------------------------------------------
// Host deviations

// hostSeed is the desired state of one host before it is turned into
// managed objects. newHostSeed returns the compliant profile.
type hostSeed struct {
	version, build  string
	options         map[string]interface{} // overrides of compliantOptions
	services        map[string][2]string   // key -> {running|stopped, policy}
	ntp             []string
	lockdown        types.HostLockdownMode
	incomingBlocked bool
	outgoingBlocked bool
	sshAllIP        bool
	tpm             bool     // capability.tpmSupported, tpmVersion 2.0
	net             netSeed  // standard switch, port groups, VMkernel services
	acceptance      string   // image acceptance level
	exceptions      []string // lockdown exception users
	mutualChap      string   // the iSCSI adapter's mutualChapAuthenticationType
	notes           []string // human-readable deviations, for the README
}

func newHostSeed() *hostSeed {
	return &hostSeed{
		version:         esxiVersion,
		build:           esxiBuild,
		options:         map[string]interface{}{},
		services:        map[string][2]string{},
		ntp:             compliantNTP,
		lockdown:        types.HostLockdownModeLockdownNormal,
		incomingBlocked: true,
		outgoingBlocked: true,
		tpm:             true,
		net:             newNetSeed(),
		acceptance:      "partner",
		mutualChap:      "chapRequired",
	}
}

func switchAllows(field string) hostDeviation {
	return func(s *hostSeed) {
		t := types.NewBool(true)
		switch field {
		case "allowPromiscuous":
			s.net.switchSecurity.AllowPromiscuous = t
		case "macChanges":
			s.net.switchSecurity.MacChanges = t
		}
		s.notes = append(s.notes, "vSwitch0 security "+field+"=true")
	}
}

func portGroup(name string, vlan int32, forged bool) hostDeviation {
	return func(s *hostSeed) {
		for i := range s.net.portGroups {
			if s.net.portGroups[i].name == name {
				s.net.portGroups[i].vlan = vlan
				if forged {
					s.net.portGroups[i].security.ForgedTransmits = types.NewBool(true)
				}
			}
		}
		note := fmt.Sprintf("port group %s VLAN %d", name, vlan)
		if forged {
			note += ", forgedTransmits=true"
		}
		s.notes = append(s.notes, note)
	}
}

func vnicShared(nicType, dev string) hostDeviation {
	return func(s *hostSeed) {
		s.net.selected[nicType] = append(append([]string(nil), s.net.selected[nicType]...), dev)
		s.notes = append(s.notes, fmt.Sprintf("%s also selected for %s", dev, nicType))
	}
}

func acceptance(level string) hostDeviation {
	return func(s *hostSeed) {
		s.acceptance = level
		s.notes = append(s.notes, "image acceptance level "+level)
	}
}

func mutualChap(kind string) hostDeviation {
	return func(s *hostSeed) {
		s.mutualChap = kind
		s.notes = append(s.notes, "iSCSI vmhba65 mutualChapAuthenticationType "+kind)
	}
}

func exceptionUsers(users ...string) hostDeviation {
	return func(s *hostSeed) {
		s.exceptions = users
		s.notes = append(s.notes, fmt.Sprintf("lockdown exception users %v", users))
	}
}

func noTPM(s *hostSeed) {
	s.tpm = false
	s.notes = append(s.notes, "capability.tpmSupported false (no TPM)")
}

// hostDeviation mutates a hostSeed and describes what it did.
type hostDeviation func(s *hostSeed)

func opt(key string, v interface{}) hostDeviation {
	return func(s *hostSeed) {
		s.options[key] = v
		s.notes = append(s.notes, fmt.Sprintf("%s=%s", key, fmtValue(v)))
	}
}

func svc(key string, running bool, policy string) hostDeviation {
	return func(s *hostSeed) {
		st := "stopped"
		if running {
			st = "running"
		}
		s.services[key] = [2]string{st, policy}
		s.notes = append(s.notes, fmt.Sprintf("service %s %s/%s", key, st, policy))
	}
}

func oldProduct(s *hostSeed) {
	s.version, s.build = esxiOldVer, esxiOldBuild
	s.notes = append(s.notes, fmt.Sprintf("product %s build %s", esxiOldVer, esxiOldBuild))
}

func noNTP(s *hostSeed) {
	s.ntp = nil
	s.notes = append(s.notes, "ntp servers []")
}

func lockdownOff(s *hostSeed) {
	s.lockdown = types.HostLockdownModeLockdownDisabled
	s.notes = append(s.notes, "lockdown lockdownDisabled (adminDisabled=false)")
}

func incomingOpen(s *hostSeed) {
	s.incomingBlocked = false
	s.notes = append(s.notes, "firewall defaultPolicy incomingBlocked=false")
}

func sshAllIP(s *hostSeed) {
	s.sshAllIP = true
	s.notes = append(s.notes, "firewall sshServer allowedHosts allIp=true")
}

// hostSeeds: index = host index % len(hostSeeds). #0 is fully compliant.
var hostSeeds = [][]hostDeviation{
	0: {},
	1: { // shell & access
		svc("TSM", true, "on"),
		svc("TSM-SSH", true, "on"),
		opt("UserVars.ESXiShellTimeOut", int64(0)),
		opt("UserVars.ESXiShellInteractiveTimeOut", int64(0)),
		opt("UserVars.SuppressShellWarning", int64(1)),
		opt("UserVars.DcuiTimeOut", int64(3600)),
		opt("DCUI.Access", "root,admin"),
		opt("Config.HostAgent.vmacore.soap.sessionTimeout", int64(0)),
		lockdownOff,
		sshAllIP,
		exceptionUsers("svc-backup"),
	},
	2: { // logging & time
		opt("Syslog.global.logHost", ""),
		opt("Syslog.global.logDir", "[] /scratch/log"),
		opt("ScratchConfig.CurrentScratchLocation", "/tmp/scratch"),
		opt("Syslog.global.auditRecord.storageEnable", false),
		opt("Syslog.global.certificate.checkSSLCerts", false),
		opt("Config.HostAgent.log.level", "verbose"),
		opt("Syslog.global.logLevel", "debug"),
		opt("Syslog.global.logFiltersEnable", true),
		opt("Syslog.global.auditRecord.storageCapacity", int64(4)),
		opt("Syslog.global.auditRecord.remoteEnable", false),
		opt("Syslog.global.certificate.strictX509Compliance", false),
		svc("ntpd", false, "off"),
		noNTP,
	},
	3: { // accounts, passwords, management interfaces
		opt("Security.AccountLockFailures", int64(0)),
		opt("Security.AccountUnlockTime", int64(60)),
		opt("Security.PasswordQualityControl", "retry=3 min=disabled,disabled,disabled,7,7"),
		opt("Security.PasswordHistory", int64(0)),
		opt("Security.PasswordMaxDays", int64(99999)),
		opt("UserVars.HostClientSessionTimeout", int64(0)),
		opt("UserVars.ESXiVPsDisabledProtocols", "sslv3"),
		opt("Config.HostAgent.plugins.solo.enableMob", true),
		mutualChap("chapProhibited"),
	},
	4: { // network & services
		opt("Net.BlockGuestBPDU", int64(0)),
		opt("Net.DVFilterBindIpAddress", "10.0.0.5"),
		opt("UserVars.SuppressHyperthreadWarning", int64(1)),
		opt("Net.BMCNetworkEnable", int64(1)),
		svc("sfcbd-watchdog", true, "on"),
		svc("slpd", true, "on"),
		svc("snmpd", true, "on"),
		incomingOpen,
		switchAllows("allowPromiscuous"),
		switchAllows("macChanges"),
		portGroup("VM Network", 4095, true),
		portGroup("Management Network", 1, false),
		vnicShared("vmotion", "vmk0"),
		vnicShared("vsan", "vmk1"),
	},
	5: { // kernel, memory, banners, old build
		oldProduct,
		noTPM,
		acceptance("community"),
		opt("Mem.ShareForceSalting", int64(0)),
		opt("Mem.MemEagerZero", int64(0)),
		opt("VMkernel.Boot.execInstalledOnly", false),
		opt("Annotations.WelcomeMessage", ""),
		opt("Config.Etc.issue", ""),
	},
}

// seedForHost returns the state of host #index; seed=false gives every host
// the compliant profile.
func seedForHost(index int, seed bool) *hostSeed {
	s := newHostSeed()
	if !seed {
		return s
	}
	for _, d := range hostSeeds[index%len(hostSeeds)] {
		d(s)
	}
	return s
}

func fmtValue(v interface{}) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("%q", x)
	default:
		return fmt.Sprint(x)
	}
}

// ---------------------------------------------------------------------------
// VM compliant profile and deviations

var compliantExtraConfig = []option{
	{"isolation.tools.copy.disable", "TRUE"},
	{"isolation.tools.paste.disable", "TRUE"},
	{"isolation.tools.dnd.disable", "TRUE"},
	{"isolation.tools.setGUIOptions.enable", "FALSE"},
	{"isolation.tools.diskShrink.disable", "TRUE"},
	{"isolation.tools.diskWiper.disable", "TRUE"},
	{"isolation.device.connectable.disable", "TRUE"},
	{"RemoteDisplay.maxConnections", "1"},
	{"mks.enable3d", "FALSE"},
	{"tools.setInfo.sizeLimit", "1048576"},
	{"log.keepOld", "10"},
	{"log.rotateSize", "2048000"},
	{"tools.guest.desktop.autolock", "TRUE"},
	{"isolation.device.edit.disable", "TRUE"},
	{"bios.bootDeviceClasses", "allow:hd"},
}

const (
	vmHWVersion    = "vmx-21"
	vmOldHWVersion = "vmx-13"
)

type vmSeed struct {
	version           string
	tools             types.VirtualMachineToolsStatus
	poweredOff        bool
	extra             map[string]*string // override; nil pointer = key absent
	floppy            bool
	serial            bool // connected serial port
	parallel          bool
	usb               bool // VirtualUSBController (EHCI)
	usbXHCI           bool // VirtualUSBXHCIController
	cdromConnected    bool
	sound             bool // VirtualHdAudioCard
	ahci              bool // VirtualAHCIController
	passthrough       bool // VirtualPCIPassthrough
	firmware          string // bios or efi
	secureBoot        bool
	logging           bool
	migrateEncryption string // "" leaves vSphere's default (opportunistic)
	notes             []string
}

type vmDeviation func(s *vmSeed)

func strp(s string) *string { return &s }

func extra(key, val string) vmDeviation {
	return func(s *vmSeed) {
		s.extra[key] = strp(val)
		s.notes = append(s.notes, fmt.Sprintf("%s=%s", key, val))
	}
}

func extraMissing(key string) vmDeviation {
	return func(s *vmSeed) {
		s.extra[key] = nil
		s.notes = append(s.notes, key+" absent")
	}
}

func vmFlag(note string, f func(s *vmSeed)) vmDeviation {
	return func(s *vmSeed) {
		f(s)
		s.notes = append(s.notes, note)
	}
}

// vmSeeds: index = VM index % len(vmSeeds). #0 is fully compliant.
var vmSeeds = [][]vmDeviation{
	0: {},
	1: {extra("isolation.tools.copy.disable", "FALSE"), extra("isolation.tools.paste.disable", "FALSE"),
		extra("tools.guestlib.enableHostInfo", "TRUE")},
	2: {extraMissing("isolation.tools.copy.disable"), extraMissing("isolation.tools.paste.disable"),
		extra("sched.mem.pshare.salt", "shared")},
	3: {vmFlag("floppy present (not connected)", func(s *vmSeed) { s.floppy = true }), extra("mks.enable3d", "TRUE")},
	4: {vmFlag("serial port present, connected", func(s *vmSeed) { s.serial = true }),
		vmFlag("config.migrateEncryption unset (opportunistic)", func(s *vmSeed) { s.migrateEncryption = "" }),
		extra("tools.guest.desktop.autolock", "FALSE")},
	5: {vmFlag("parallel port present, connected", func(s *vmSeed) { s.parallel = true }),
		vmFlag("BIOS firmware, no Secure Boot", func(s *vmSeed) { s.firmware, s.secureBoot = "bios", false }),
		extra("isolation.device.connectable.disable", "FALSE")},
	6: {vmFlag("USB controller (VirtualUSBController)", func(s *vmSeed) { s.usb = true }),
		vmFlag("config.flags.enableLogging false", func(s *vmSeed) { s.logging = false }),
		extra("isolation.tools.dnd.disable", "FALSE")},
	7: {vmFlag("CD-ROM connected", func(s *vmSeed) { s.cdromConnected = true }),
		vmFlag("HD audio card", func(s *vmSeed) { s.sound = true }),
		vmFlag("AHCI (SATA) controller", func(s *vmSeed) { s.ahci = true }),
		extra("ethernet0.filter0.name", "dvfilter-lab")},
	8: {vmFlag("config.version vmx-13", func(s *vmSeed) { s.version = vmOldHWVersion }),
		extra("isolation.tools.diskShrink.disable", "FALSE"), extra("isolation.tools.diskWiper.disable", "FALSE")},
	9: {vmFlag("guest.toolsStatus toolsNotInstalled", func(s *vmSeed) { s.tools = types.VirtualMachineToolsStatusToolsNotInstalled }),
		extra("log.keepOld", "20"), extra("tools.setInfo.sizeLimit", "2097152")},
	10: {
		vmFlag("guest.toolsStatus toolsOld", func(s *vmSeed) { s.tools = types.VirtualMachineToolsStatusToolsOld }),
		extra("RemoteDisplay.maxConnections", "5"),
		vmFlag("PCI passthrough device", func(s *vmSeed) { s.passthrough = true }),
		extraMissing("isolation.device.edit.disable"),
		extra("bios.bootDeviceClasses", "allow:hd,cd,net"),
	},
	11: {
		vmFlag("powered off (guest.toolsStatus toolsNotRunning)", func(s *vmSeed) {
			s.poweredOff = true
			s.tools = types.VirtualMachineToolsStatusToolsNotRunning
		}),
		vmFlag("USB controller (VirtualUSBXHCIController)", func(s *vmSeed) { s.usbXHCI = true }),
	},
}

func seedForVM(index int, seed bool) *vmSeed {
	s := &vmSeed{
		version:           vmHWVersion,
		tools:             types.VirtualMachineToolsStatusToolsOk,
		extra:             map[string]*string{},
		firmware:          "efi",
		secureBoot:        true,
		logging:           true,
		migrateEncryption: "required",
	}
	if !seed {
		return s
	}
	for _, d := range vmSeeds[index%len(vmSeeds)] {
		d(s)
	}
	return s
}

// extraConfig returns the VM's extraConfig list in a stable order.
func (s *vmSeed) extraConfig() []types.BaseOptionValue {
	var out []types.BaseOptionValue
	for _, o := range compliantExtraConfig {
		val := o.value.(string)
		if v, ok := s.extra[o.key]; ok {
			if v == nil {
				continue
			}
			val = *v
		}
		out = append(out, &types.OptionValue{Key: o.key, Value: val})
	}
	// overrides of keys not in the compliant list (none today), sorted
	var keys []string
	for k := range s.extra {
		if !hasOption(compliantExtraConfig, k) && s.extra[k] != nil {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		out = append(out, &types.OptionValue{Key: k, Value: *s.extra[k]})
	}
	return out
}

func hasOption(list []option, key string) bool {
	for _, o := range list {
		if o.key == key {
			return true
		}
	}
	return false
}

func notesOrCompliant(notes []string) string {
	if len(notes) == 0 {
		return "compliant"
	}
	return strings.Join(notes, "; ")
}

// ---------------------------------------------------------------------------
// Profile tables for the README (-print-seed)

func xsdType(v interface{}) string {
	switch v.(type) {
	case int64:
		return "xsd:long"
	case bool:
		return "xsd:boolean"
	default:
		return "xsd:string"
	}
}

// profileMarkdown describes the compliant profiles and, per item, which seed
// profile carries which violation.
func profileMarkdown() string {
	var b strings.Builder
	optViol := map[string][]string{}
	svcViol := map[string][]string{}
	for p := range hostSeeds {
		s := seedForHost(p, true)
		for k, v := range s.options {
			optViol[k] = append(optViol[k], fmt.Sprintf("%s (host profile %d)", fmtValue(v), p))
		}
		for k, v := range s.services {
			svcViol[k] = append(svcViol[k], fmt.Sprintf("%s/%s (host profile %d)", v[0], v[1], p))
		}
	}
	b.WriteString("| Key | Type | Compliant | Seeded violation |\n|---|---|---|---|\n")
	for _, o := range compliantOptions {
		viol := strings.Join(optViol[o.key], ", ")
		if viol == "" {
			viol = "—"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", o.key, xsdType(o.value), fmtValue(o.value), viol)
	}
	b.WriteString("\n| Service key | Label | Required | Compliant running/policy | Rulesets | Seeded violation |\n|---|---|---|---|---|---|\n")
	for _, s := range compliantServices {
		st := "stopped"
		if s.running {
			st = "running"
		}
		viol := strings.Join(svcViol[s.key], ", ")
		if viol == "" {
			viol = "—"
		}
		rs := strings.Join(s.ruleset, ", ")
		if rs == "" {
			rs = "—"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %v | %s/%s | %s | %s |\n", s.key, s.label, s.required, st, s.policy, rs, viol)
	}
	b.WriteString("\n| Ruleset | Label | Required | Enabled | allowedHosts | Rules |\n|---|---|---|---|---|---|\n")
	for _, r := range compliantRulesets {
		allowed := "allIp"
		if r.allowed != nil {
			allowed = "allIp=false, ipNetwork " + strings.Join(r.allowed, ", ")
		}
		var rules []string
		for _, x := range r.rules {
			rules = append(rules, fmt.Sprintf("%d/%s %s", x.Port, x.Protocol, x.Direction))
		}
		fmt.Fprintf(&b, "| `%s` | %s | %v | %v | %s | %s |\n", r.key, r.label, r.required, r.enabled, allowed, strings.Join(rules, ", "))
	}
	b.WriteString("\n| VM extraConfig key | Compliant value |\n|---|---|\n")
	for _, o := range compliantExtraConfig {
		fmt.Fprintf(&b, "| `%s` | `%s` |\n", o.key, o.value)
	}
	return b.String()
}
