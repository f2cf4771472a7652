// A govmomi property-collector client that fetches the same properties as
// harden's vCenter collector, for `make bench` to compare against. It is
// what a Go tool written the usual way would do: a container view per type,
// typed retrieval into mo structs, and the host OptionManagers in one call.
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

func main() {
	rawURL := flag.String("url", "", "SOAP URL of the vCenter")
	user := flag.String("user", "harden", "user name")
	pwFile := flag.String("password-file", "", "file holding the password")
	flag.Parse()
	pw, err := os.ReadFile(*pwFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	start := time.Now()
	ctx := context.Background()
	u, err := url.Parse(*rawURL)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sc := soap.NewClient(u, false)
	c, err := vim25.NewClient(ctx, sc)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	req := types.Login{This: *c.ServiceContent.SessionManager, UserName: *user, Password: strings.TrimSpace(string(pw))}
	if _, err := methods.Login(ctx, c, &req); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	m := view.NewManager(c)
	retrieve := func(kind string, props []string, dst interface{}) {
		v, err := m.CreateContainerView(ctx, c.ServiceContent.RootFolder, []string{kind}, true)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer v.Destroy(ctx)
		if err := v.Retrieve(ctx, []string{kind}, props, dst); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	var clusters []mo.ClusterComputeResource
	retrieve("ClusterComputeResource", []string{"name"}, &clusters)
	var hosts []mo.HostSystem
	retrieve("HostSystem", []string{"name", "parent", "summary.config.product", "runtime.connectionState",
		"runtime.inMaintenanceMode", "config.lockdownMode", "config.service", "config.dateTimeInfo",
		"config.firewall", "configManager.advancedOption", "datastore"}, &hosts)
	var refs []types.ManagedObjectReference
	for _, h := range hosts {
		if h.ConfigManager.AdvancedOption != nil {
			refs = append(refs, *h.ConfigManager.AdvancedOption)
		}
	}
	var opts []mo.OptionManager
	if err := property.DefaultCollector(c).Retrieve(ctx, refs, []string{"setting"}, &opts); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var vms []mo.VirtualMachine
	retrieve("VirtualMachine", []string{"name", "config.instanceUuid", "runtime.powerState", "config.template",
		"config.version", "config.guestId", "config.extraConfig", "config.hardware.device", "guest.toolsStatus",
		"runtime.host", "config.name"}, &vms)
	var ds []mo.Datastore
	retrieve("Datastore", []string{"name", "summary"}, &ds)
	fmt.Printf("govmomi: wall_ms=%d hosts=%d option_managers=%d vms=%d datastores=%d\n",
		time.Since(start).Milliseconds(), len(hosts), len(opts), len(vms), len(ds))
}
