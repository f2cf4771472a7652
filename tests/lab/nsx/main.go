// Command harden-nsxlab is the NSX lab server for harden's integration tests
// and benchmarks: an in-memory imitation of the NSX-T 3.x / NSX 4.x Policy
// API for the distributed firewall (domains, security policies, rules,
// groups, services), with HTTP Basic and session (JSESSIONID + X-XSRF-TOKEN)
// authentication, cursor paging, a deterministic seeded rule base with known
// anomalies, a bench-scale generator and a /lab fault-injection API. See
// tests/lab/README.md.
//
// Standard library only. Build (offline, GOPATH mode):
//
//	cd tests/lab/nsx && GOPATH=/usr/share/gocode GO111MODULE=off GOFLAGS= go build -o ../../../build/harden-nsxlab .
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
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
	password, err := readPassword(*passwordFile)
	if err != nil {
		log.Fatal(err)
	}
	if *urlFile != "" {
		_ = os.Remove(*urlFile) // never let a test read a stale URL
	}

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	orphaned := make(chan struct{})
	if *withParent {
		go watchParent(orphaned)
	}

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

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Printf("listen: %v", err)
		exit(1)
	}
	addr := ln.Addr().(*net.TCPAddr)
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	u := &url.URL{Scheme: "http", Host: net.JoinHostPort(host, fmt.Sprint(addr.Port))}

	var certPEM []byte
	if *useTLS {
		u.Scheme = "https"
		cert, pemBytes, err := selfSignedCert(host)
		if err != nil {
			log.Printf("certificate: %v", err)
			exit(1)
		}
		certPEM = pemBytes
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	}

	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          log.New(os.Stderr, "harden-nsxlab: http: ", log.LstdFlags),
	}
	go func() {
		if err := hs.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("serve: %v", err)
		}
	}()

	if *certOut != "" {
		if err := writeFileAtomic(*certOut, certPEM); err != nil {
			log.Printf("-cert-out: %v", err)
			exit(1)
		}
	}
	if *urlFile != "" {
		if err := writeFileAtomic(*urlFile, []byte(u.String())); err != nil {
			log.Printf("-url-file: %v", err)
			exit(1)
		}
	}
	np, nr := srv.store.counts()
	log.Printf("DFW: %d policies, %d rules (seed=%v), built in %s", np, nr, *seed, built.Round(time.Millisecond))
	fmt.Printf("listening on %s\n", u)

	select {
	case s := <-sigs:
		log.Printf("%s: shutting down", s)
	case <-orphaned:
		log.Printf("parent process exited: shutting down")
	}
	_ = hs.Close()
	exit(0)
}

// watchParent closes orphaned when the process is re-parented (its parent
// died). Polling keeps it independent of Go's thread model (PR_SET_PDEATHSIG
// fires on the death of the parent *thread*).
func watchParent(orphaned chan<- struct{}) {
	ppid := os.Getppid()
	for range time.Tick(200 * time.Millisecond) {
		if os.Getppid() != ppid {
			close(orphaned)
			return
		}
	}
}

func readPassword(file string) (string, error) {
	var pw string
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("-password-file: %v", err)
		}
		pw = strings.TrimRight(string(b), "\r\n")
	} else {
		pw = os.Getenv("HARDEN_NSXLAB_PASSWORD")
	}
	if pw == "" {
		return "", fmt.Errorf("no password: set HARDEN_NSXLAB_PASSWORD or use -password-file")
	}
	return pw, nil
}

// writeFileAtomic writes via a temporary file in the same directory and a
// rename, so pollers never see a partial file.
func writeFileAtomic(name string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if _, err = f.Write(data); err == nil {
		err = f.Close()
	} else {
		f.Close()
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
	return err
}
