// Command harden-nsxlab is the NSX lab server for harden's integration tests
// and benchmarks: an in-memory imitation of the NSX-T 3.x / NSX 4.x Policy
// API for the distributed firewall (domains, security policies, rules,
// groups, services), with HTTP Basic and session (JSESSIONID + X-XSRF-TOKEN)
// authentication, cursor paging, a deterministic seeded rule base with known
// anomalies, a bench-scale generator and a /lab fault-injection API. See
// tests/lab/README.md.
//
// Standard library and harden/labkit only. Build (offline, GOPATH mode, with
// build/gopath/src/harden/labkit linked to tests/lab/labkit): make lab-bin.
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"harden/labkit"
)

// config is what the command line decides; reset restores the DFW from it.
type config struct {
	username    string
	password    string
	seed        bool
	policies    int
	rules       int
	maxPageSize int
	tls         bool
	trace       bool
}

func main() {
	var (
		listen       = flag.String("listen", "127.0.0.1:0", "listen address `host:port`")
		urlFile      = flag.String("url-file", "", "write the base URL to `FILE` once serving")
		username     = flag.String("username", "admin", "the only user that can authenticate")
		passwordFile = flag.String("password-file", "", "read the password from `FILE` (default: $HARDEN_NSXLAB_PASSWORD)")
		useTLS       = flag.Bool("tls", false, "serve HTTPS with a self-signed certificate")
		certOut      = flag.String("cert-out", "", "write the server certificate (PEM) to `FILE`; needs -tls")
		withParent   = flag.Bool("exit-with-parent", false, "shut down cleanly when the parent process exits")
		seed         = flag.Bool("seed", true, "load the seeded DFW with its anomalies (false: the clean DFW)")
		policies     = flag.Int("policies", 1, "bench: spread the -rules generated rules over `N` policies")
		rules        = flag.Int("rules", 0, "bench: generate `N` extra rules (0 = none)")
		maxPage      = flag.Int("max-page-size", 1000, "largest page_size honoured (bigger requests are clamped)")
		trace        = flag.Bool("trace", false, "log every request to stderr")
	)
	flag.Parse()
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	log.SetPrefix("harden-nsxlab: ")

	if flag.NArg() > 0 {
		log.Fatalf("unexpected argument %q", flag.Arg(0))
	}
	if *rules < 0 || *policies < 0 || (*rules > 0 && *policies < 1) {
		log.Fatal("-rules must be >= 0 and -policies >= 1 when -rules is used")
	}
	if *maxPage < 1 {
		log.Fatal("-max-page-size must be >= 1")
	}
	if !*useTLS && *certOut != "" {
		log.Fatal("-cert-out needs -tls")
	}
	if *username == "" {
		log.Fatal("-username must not be empty")
	}
	password, err := labkit.ReadPassword(*passwordFile, "HARDEN_NSXLAB_PASSWORD")
	if err != nil {
		log.Fatal(err)
	}
	if *urlFile != "" {
		_ = os.Remove(*urlFile) // never let a test read a stale URL
	}

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	orphaned := labkit.Orphaned(*withParent, 200*time.Millisecond)

	cfg := config{
		username: *username, password: password, seed: *seed, policies: *policies, rules: *rules,
		maxPageSize: *maxPage, tls: *useTLS, trace: *trace,
	}
	start := time.Now()
	srv := newServer(cfg)
	built := time.Since(start)

	exit := func(code int) {
		if *urlFile != "" {
			_ = os.Remove(*urlFile)
		}
		os.Exit(code)
	}

	var cert *labkit.Cert
	if *useTLS {
		cert = &labkit.Cert{CommonName: "harden-nsxlab", Organization: "harden NSX lab", Validity: 30 * 24 * time.Hour}
	}
	ep, err := labkit.Listen(*listen, "", cert)
	if err != nil {
		log.Print(err)
		exit(1)
	}

	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          log.New(os.Stderr, "harden-nsxlab: http: ", log.LstdFlags),
	}
	go func() {
		if err := hs.Serve(ep.Listener); err != nil && err != http.ErrServerClosed {
			log.Printf("serve: %v", err)
		}
	}()

	if err := ep.Publish(*certOut, *urlFile); err != nil {
		log.Print(err)
		exit(1)
	}
	np, nr := srv.store.counts()
	log.Printf("DFW: %d policies, %d rules (seed=%v), built in %s", np, nr, *seed, built.Round(time.Millisecond))
	fmt.Printf("listening on %s\n", ep.URL)

	labkit.Wait(sigs, orphaned)
	_ = hs.Close()
	exit(0)
}
