// Package labkit is the scaffolding the harden lab servers share: the
// listener with its optional self-signed TLS, the -url-file and -cert-out
// files, the password, shutting down on a signal or when the parent exits,
// and the JSON replies and method checks of their /lab control endpoints.
//
// Standard library only; built in GOPATH mode as "harden/labkit" (the
// Makefile links build/gopath/src/harden/labkit to this directory).
package labkit

import (
	"crypto/tls"
	"fmt"
	"log"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ReadPassword reads the only valid password from file, or from the
// environment variable env when file is empty.
func ReadPassword(file, env string) (string, error) {
	var pw string
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("-password-file: %v", err)
		}
		pw = strings.TrimRight(string(b), "\r\n")
	} else {
		pw = os.Getenv(env)
	}
	if pw == "" {
		return "", fmt.Errorf("no password: set %s or use -password-file", env)
	}
	return pw, nil
}

// WriteFileAtomic writes via a temporary file in the same directory and a
// rename, so pollers never see a partial file.
func WriteFileAtomic(name string, data []byte) error {
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

// Orphaned returns a channel closed once the process is re-parented (its
// parent died), checked every interval; with watch false it never closes.
// Polling keeps it independent of Go's thread model (PR_SET_PDEATHSIG fires
// on the death of the parent *thread*).
func Orphaned(watch bool, every time.Duration) <-chan struct{} {
	orphaned := make(chan struct{})
	if !watch {
		return orphaned
	}
	go func() {
		ppid := os.Getppid()
		for range time.Tick(every) {
			if os.Getppid() != ppid {
				close(orphaned)
				return
			}
		}
	}()
	return orphaned
}

// Wait blocks until a signal arrives or the parent exits, and says which.
func Wait(sigs <-chan os.Signal, orphaned <-chan struct{}) {
	select {
	case s := <-sigs:
		log.Printf("%s: shutting down", s)
	case <-orphaned:
		log.Printf("parent process exited: shutting down")
	}
}

// Endpoint is where a lab serves: the listener (TLS-wrapped with -tls), the
// URL clients use and, with TLS, the PEM of the certificate.
type Endpoint struct {
	Listener net.Listener
	URL      *url.URL
	CertPEM  []byte
}

// Cert names the self-signed certificate of a TLS endpoint.
type Cert struct {
	CommonName   string
	Organization string
	Validity     time.Duration
}

// Listen listens on addr; the URL has path and names 127.0.0.1 for an
// unspecified address.  With cert non-nil it serves HTTPS.
func Listen(addr, path string, cert *Cert) (*Endpoint, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen: %v", err)
	}
	a := ln.Addr().(*net.TCPAddr)
	host := a.IP.String()
	if a.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	e := &Endpoint{Listener: ln, URL: &url.URL{Scheme: "http", Host: net.JoinHostPort(host, fmt.Sprint(a.Port)), Path: path}}
	if cert != nil {
		e.URL.Scheme = "https"
		c, pemBytes, err := SelfSignedCert(host, *cert)
		if err != nil {
			ln.Close()
			return nil, fmt.Errorf("certificate: %v", err)
		}
		e.CertPEM = pemBytes
		e.Listener = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{c}, MinVersion: tls.VersionTLS12})
	}
	return e, nil
}

// Publish writes the certificate to certOut and then the URL to urlFile,
// each when named: a test that sees the URL can rely on the certificate.
func (e *Endpoint) Publish(certOut, urlFile string) error {
	if certOut != "" {
		if err := WriteFileAtomic(certOut, e.CertPEM); err != nil {
			return fmt.Errorf("-cert-out: %v", err)
		}
	}
	if urlFile != "" {
		if err := WriteFileAtomic(urlFile, []byte(e.URL.String())); err != nil {
			return fmt.Errorf("-url-file: %v", err)
		}
	}
	return nil
}
