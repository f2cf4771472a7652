// A govmomi property-collector client for `make bench` to compare harden
// against. It is what a Go tool written the usual way would do: a
// container view per type, typed retrieval into mo structs, and the host
// OptionManagers in one call.
//
//	-mode thin   5 VM and 5 host properties, the thinnest useful client
//	-mode paths  the Type.path list given with -paths (what harden
//	             requested for the same baselines: the same-properties
//	             client)
//	-mode all    everything harden's collector knows
package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

var allPaths = []string{
	"ClusterComputeResource.name",
	"HostSystem.name", "HostSystem.parent", "HostSystem.summary.config.product", "HostSystem.runtime.connectionState",
	"HostSystem.runtime.inMaintenanceMode", "HostSystem.config.lockdownMode", "HostSystem.config.service",
	"HostSystem.config.dateTimeInfo", "HostSystem.config.firewall", "HostSystem.configManager.advancedOption",
	"HostSystem.datastore", "HostSystem.capability", "OptionManager.setting",
	"VirtualMachine.name", "VirtualMachine.config.instanceUuid", "VirtualMachine.runtime.powerState",
	"VirtualMachine.config.template", "VirtualMachine.config.version", "VirtualMachine.config.guestId",
	"VirtualMachine.config.extraConfig", "VirtualMachine.config.hardware.device", "VirtualMachine.guest.toolsStatus",
	"VirtualMachine.runtime.host", "VirtualMachine.config.name", "VirtualMachine.guest.toolsVersionStatus2",
	"VirtualMachine.config.migrateEncryption", "VirtualMachine.config.bootOptions", "VirtualMachine.config.flags",
	"VirtualMachine.config.firmware",
	"Datastore.name", "Datastore.summary",
}

var thinPaths = []string{
	"HostSystem.name", "HostSystem.runtime.connectionState", "HostSystem.summary.config.product",
	"HostSystem.config.lockdownMode", "HostSystem.runtime.inMaintenanceMode",
	"VirtualMachine.name", "VirtualMachine.runtime.powerState", "VirtualMachine.config.guestId",
	"VirtualMachine.runtime.host", "VirtualMachine.config.version",
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

// byType splits Type.path entries by type.
func byType(paths []string) map[string][]string {
	m := map[string][]string{}
	for _, p := range paths {
		if i := strings.IndexByte(p, '.'); i > 0 {
			m[p[:i]] = append(m[p[:i]], p[i+1:])
		}
	}
	return m
}

func main() {
	rawURL := flag.String("url", "", "SOAP URL of the vCenter")
	user := flag.String("user", "harden", "user name")
	pwFile := flag.String("password-file", "", "file holding the password")
	mode := flag.String("mode", "all", "thin, paths or all")
	list := flag.String("paths", "", "with -mode paths: comma-separated Type.path entries")
	flag.Parse()
	paths := allPaths
	switch *mode {
	case "thin":
		paths = thinPaths
	case "paths":
		paths = strings.Split(*list, ",")
	case "all":
	default:
		fail(fmt.Errorf("unknown -mode %q", *mode))
	}
	want := byType(paths)
	pw, err := os.ReadFile(*pwFile)
	if err != nil {
		fail(err)
	}
	start := time.Now()
	ctx := context.Background()
	u, err := url.Parse(*rawURL)
	if err != nil {
		fail(err)
	}
	c, err := vim25.NewClient(ctx, soap.NewClient(u, false))
	if err != nil {
		fail(err)
	}
	req := types.Login{This: *c.ServiceContent.SessionManager, UserName: *user, Password: strings.TrimSpace(string(pw))}
	if _, err := methods.Login(ctx, c, &req); err != nil {
		fail(err)
	}
	m := view.NewManager(c)
	retrieve := func(kind string, dst interface{}) {
		props := want[kind]
		if len(props) == 0 {
			return
		}
		v, err := m.CreateContainerView(ctx, c.ServiceContent.RootFolder, []string{kind}, true)
		if err != nil {
			fail(err)
		}
		defer v.Destroy(ctx)
		if err := v.Retrieve(ctx, []string{kind}, props, dst); err != nil {
			fail(err)
		}
	}
	var clusters []mo.ClusterComputeResource
	retrieve("ClusterComputeResource", &clusters)
	var hosts []mo.HostSystem
	retrieve("HostSystem", &hosts)
	var opts []mo.OptionManager
	if len(want["OptionManager"]) > 0 {
		var refs []types.ManagedObjectReference
		for _, h := range hosts {
			if h.ConfigManager.AdvancedOption != nil {
				refs = append(refs, *h.ConfigManager.AdvancedOption)
			}
		}
		if err := property.DefaultCollector(c).Retrieve(ctx, refs, want["OptionManager"], &opts); err != nil {
			fail(err)
		}
	}
	var vms []mo.VirtualMachine
	retrieve("VirtualMachine", &vms)
	var ds []mo.Datastore
	retrieve("Datastore", &ds)
	fmt.Printf("govmomi: mode=%s wall_ms=%d hosts=%d option_managers=%d vms=%d datastores=%d\n", *mode,
		time.Since(start).Milliseconds(), len(hosts), len(opts), len(vms), len(ds))
}
