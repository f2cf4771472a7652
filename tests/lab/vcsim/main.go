// Command harden-vclab is the vCenter lab server for harden's integration
// tests and benchmarks: govmomi's vcsim with per-host ESXi 8 state (advanced
// settings, services, NTP, lockdown, firewall), a paging property collector,
// real login checks, vSphere ReconfigVM semantics, a deterministic seeded
// estate and a /lab fault-injection API. See tests/lab/README.md.
//
// Build (offline, GOPATH mode, Debian's golang-github-vmware-govmomi-dev, and
// build/gopath/src/harden/labkit linked to tests/lab/labkit): make lab-bin.
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"
	"time"

	"harden/labkit"

	"github.com/vmware/govmomi/simulator"
)

func main() {
	var (
		listen       = flag.String("listen", "127.0.0.1:0", "listen address `host:port`")
		datacenters  = flag.Int("datacenters", 1, "number of datacenters")
		clusters     = flag.Int("clusters", 2, "clusters per datacenter")
		hosts        = flag.Int("hosts", 3, "hosts per cluster")
		standalone   = flag.Int("standalone", 0, "standalone hosts per datacenter")
		vms          = flag.Int("vms", 2, "VMs per host")
		datastores   = flag.Int("datastores", 2, "datastores (mounted on every host)")
		pageSz       = flag.Int("page-size", 0, "page RetrievePropertiesEx results to at most `N` objects even without maxObjects (0 = off)")
		username     = flag.String("username", "harden", "the only user that can log in")
		passwordFile = flag.String("password-file", "", "read the password from `FILE` (default: $HARDEN_LAB_PASSWORD)")
		useTLS       = flag.Bool("tls", false, "serve HTTPS with a self-signed certificate")
		certOut      = flag.String("cert-out", "", "write the server certificate (PEM) to `FILE`")
		urlFile      = flag.String("url-file", "", "write the SOAP URL to `FILE` once serving")
		seed         = flag.Bool("seed", true, "apply the seeded deviations (false: every host and VM compliant)")
		printSeed    = flag.Bool("print-seed", false, "print the seed and profile tables (markdown) for this topology and exit")
		trace        = flag.Bool("trace", false, "log SOAP traffic to stderr")
		disconnected = flag.String("disconnected", "", "hosts vCenter lost the connection to (`NAME,...`)")
		inaccessible = flag.String("inaccessible", "", "datastores that are inaccessible (`NAME,...`)")
		absentOpts   = flag.String("absent-options", "", "advanced options a host lacks (`HOST:KEY,...`)")
		withParent   = flag.Bool("exit-with-parent", false, "shut down cleanly when the parent process exits (for test harnesses that may die without stopping the lab)")
	)
	flag.Parse()
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	log.SetPrefix("harden-vclab: ")

	t := topology{
		datacenters: *datacenters, clusters: *clusters, hosts: *hosts, standalone: *standalone,
		vms: *vms, datastores: *datastores, seed: *seed,
	}
	if t.datacenters < 1 || t.clusters < 0 || t.hosts < 0 || t.standalone < 0 || t.vms < 0 || t.datastores < 1 || *pageSz < 0 {
		log.Fatal("invalid topology flags")
	}
	if len(t.hostNames()) == 0 {
		log.Fatal("topology has no hosts")
	}
	if !*useTLS && *certOut != "" {
		log.Fatal("-cert-out needs -tls")
	}
	pageSize = *pageSz
	simulator.Trace = *trace

	password := ""
	if !*printSeed {
		var err error
		if password, err = labkit.ReadPassword(*passwordFile, "HARDEN_LAB_PASSWORD"); err != nil {
			log.Fatal(err)
		}
		if *username == "" {
			log.Fatal("-username must not be empty")
		}
	}
	if *urlFile != "" {
		_ = os.Remove(*urlFile) // never let a test read a stale URL
	}

	// Signals are only acted upon once the inventory exists, so that the
	// govcsim-* datastore directories are always removed.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	orphaned := labkit.Orphaned(*withParent, 500*time.Millisecond)

	if n := sweepStaleDirs(); n > 0 {
		log.Printf("removed %d datastore directories of killed lab processes", n)
	}
	start := time.Now()
	inv, err := buildInventory(t)
	if err != nil {
		log.Fatalf("building inventory: %v", err)
	}
	if err = (estate{*disconnected, *inaccessible, *absentOpts}).apply(inv); err != nil {
		inv.model.Remove()
		log.Fatal(err)
	}
	built := time.Since(start)
	markDatastoreDirs()
	runtime.GC()
	debug.FreeOSMemory() // creation garbage; keeps RSS close to the live heap

	select { // a signal that arrived while building: clean up, never serve
	case s := <-sigs:
		log.Printf("%s during start-up: exiting", s)
		inv.model.Remove()
		return
	default:
	}

	if *printSeed {
		fmt.Print(inv.markdown())
		fmt.Print("\n", profileMarkdown())
		inv.model.Remove()
		return
	}

	exit := func(code int) {
		inv.model.Remove()
		if *urlFile != "" {
			_ = os.Remove(*urlFile)
		}
		os.Exit(code)
	}

	var cert *labkit.Cert
	if *useTLS {
		cert = &labkit.Cert{CommonName: "harden-vclab", Organization: "harden lab", Validity: 7 * 24 * time.Hour}
	}
	ep, err := labkit.Listen(*listen, "/sdk", cert)
	if err != nil {
		log.Print(err)
		exit(1)
	}
	u := ep.URL

	// vcsim's Service.NewServer would start its own listener; the lab wires
	// the pieces itself so that /sdk can be wrapped. Service.Listen.User is
	// what SessionManager.Login checks (exact user and password).
	svc := inv.model.Service
	svc.Listen = &url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, User: url.UserPassword(*username, password)}
	svc.RegisterSDK(simulator.Map)
	simulator.Map.SessionManager().ServiceHostName = u.Host

	fe, err := newFrontEnd(svc)
	if err != nil {
		log.Printf("front end: %v", err)
		exit(1)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/sdk", fe.serveSDK)
	mux.HandleFunc("/sdk/vimServiceVersions.xml", svc.ServiceVersions)
	mux.HandleFunc("/lab/", fe.serveLab(inv))
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          log.New(os.Stderr, "harden-vclab: http: ", log.LstdFlags),
	}
	go func() {
		if err := srv.Serve(ep.Listener); err != nil && err != http.ErrServerClosed {
			log.Printf("serve: %v", err)
		}
	}()

	if err := ep.Publish(*certOut, *urlFile); err != nil {
		log.Print(err)
		exit(1)
	}

	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	log.Printf("inventory: %d hosts, %d VMs, built in %s (heap %d MiB)",
		len(inv.hosts), len(inv.vms), built.Round(time.Millisecond), ms.HeapAlloc>>20)
	fmt.Printf("listening on %s\n", u)

	labkit.Wait(sigs, orphaned)
	_ = srv.Close()
	exit(0)
}
