package main

// hostile.go: switches that make the lab behave like a broken or hostile NSX
// manager (see "Hostile-server switches" in tests/lab/README.md): a session
// endpoint that redirects elsewhere (with a capture listener to see what a
// client sends there), endless empty pages, duplicated items, padded
// answers and error messages carrying control characters.
//
// The state lives in faultState.hostile, so /lab/reset-faults clears it;
// the capture listeners and what they recorded are kept (POST
// /lab/captured/clear forgets the records).
//
// Every switch takes count=N: it applies to the next N matching requests
// and then clears itself; without count it stays until /lab/reset-faults,
// and count=0 clears it at once.

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"harden/labkit"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var (
	captureListen    = flag.String("capture-listen", "", "also listen on `ADDR` (HTTP) and record every request there (see /lab/captured)")
	captureListenTLS = flag.String("capture-listen-tls", "", "the same over HTTPS (its own self-signed certificate) on `ADDR`")
)

// defaultErrorText is the /lab/error-message text: a newline followed by
// what looks like a log line of harden's, a carriage return, ANSI escape
// sequences and the C1 controls CSI (U+009B) and OSC (U+009D).
const defaultErrorText = "Invalid request.\nharden: forged\rharden: overwritten \x1b[31mred\x1b[0m \x1b]0;title\x1b\\ " +
	"\u009b2J \u009d0;osc-title\u009c end"

// loopCursorBase: the empty-page cursors encode offsets from here, far past
// any list, so once the switch is spent the real API answers such a cursor
// with an empty last page (no cursor) instead of a 400.
const loopCursorBase = 1 << 30

type hostileRule struct {
	left int    // -1 = until reset
	path string // "" = list GETs / API requests; else a substring of the URL path
}

func (h *hostileRule) use() bool {
	if h.left == 0 {
		return false
	}
	if h.left > 0 {
		h.left--
	}
	return true
}

func (h *hostileRule) matches(path string, api bool) bool {
	if h.left == 0 {
		return false
	}
	if h.path == "" {
		return api
	}
	return strings.Contains(path, h.path)
}

type sessionRedirect struct {
	hostileRule
	status   int
	location string // "" = the HTTP capture listener
}

type emptyPages struct {
	hostileRule
	alternate bool
	next      int
}

type dupItems struct {
	hostileRule
	all bool
}

type hugeList struct {
	hostileRule
	bytes int
	fill  string // space|field|array
}

type errorText struct {
	hostileRule
	status int
	text   string
}

type captured struct {
	N       int                 `json:"n"`
	Scheme  string              `json:"scheme"`
	Method  string              `json:"method"`
	Path    string              `json:"path"`
	Query   string              `json:"query"`
	Headers map[string][]string `json:"headers"`
	Body    string              `json:"body"`
}

type captureListener struct {
	url     string
	certPEM string
	srv     *http.Server
}

type hostileState struct {
	mu       sync.Mutex
	redirect *sessionRedirect
	empty    *emptyPages
	dup      *dupItems
	huge     *hugeList
	errors   []*errorText
	served   int64

	// capture listeners (not faults: /lab/reset-faults keeps them)
	cmu      sync.Mutex
	capture  map[string]*captureListener // by scheme
	requests []captured
}

func (h *hostileState) reset() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.redirect, h.empty, h.dup, h.huge, h.errors = nil, nil, nil, nil, nil
}

// ---------------------------------------------------------------------------
// Capture listeners

// startCapture starts the capture listener for scheme on addr unless one
// runs; it returns its base URL.
func (h *hostileState) startCapture(scheme, addr string) (string, error) {
	h.cmu.Lock()
	defer h.cmu.Unlock()
	if h.capture == nil {
		h.capture = map[string]*captureListener{}
	}
	if c := h.capture[scheme]; c != nil {
		return c.url, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	a := ln.Addr().(*net.TCPAddr)
	host := a.IP.String()
	if a.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	c := &captureListener{url: scheme + "://" + net.JoinHostPort(host, strconv.Itoa(a.Port))}
	if scheme == "https" {
		cert, pemBytes, err := labkit.SelfSignedCert(host, labkit.Cert{CommonName: "harden NSX capture", Organization: "harden lab", Validity: 24 * time.Hour})
		if err != nil {
			ln.Close()
			return "", err
		}
		c.certPEM = string(pemBytes)
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	}
	c.srv = &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.record(scheme, w, r) }),
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	go func() { _ = c.srv.Serve(ln) }()
	h.capture[scheme] = c
	return c.url, nil
}

// startCaptureFlags starts the listeners asked for on the command line.
func (h *hostileState) startCaptureFlags() {
	for scheme, addr := range map[string]string{"http": *captureListen, "https": *captureListenTLS} {
		if addr == "" {
			continue
		}
		u, err := h.startCapture(scheme, addr)
		if err != nil {
			log.Fatalf("-capture-listen: %v", err)
		}
		log.Printf("capture listener on %s", u)
	}
}

func (h *hostileState) captureURL(scheme string) string {
	h.cmu.Lock()
	defer h.cmu.Unlock()
	if c := h.capture[scheme]; c != nil {
		return c.url
	}
	return ""
}

// record keeps the request and answers 403 with an NSX-style error body.
func (h *hostileState) record(scheme string, w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	h.cmu.Lock()
	if len(h.requests) < 1000 {
		h.requests = append(h.requests, captured{N: len(h.requests) + 1, Scheme: scheme, Method: r.Method,
			Path: r.URL.Path, Query: r.URL.RawQuery, Headers: r.Header, Body: string(body)})
	}
	h.cmu.Unlock()
	writeBody(w, http.StatusForbidden, encodeJSON(errorBody{HTTPStatus: statusName(403), ErrorCode: 403,
		ModuleName: "common-services", ErrorMessage: "harden-nsxlab capture listener: request recorded",
		RelatedErrors: []interface{}{}}))
}

func (h *hostileState) capturedView() map[string]interface{} {
	h.cmu.Lock()
	defer h.cmu.Unlock()
	urls, certs := map[string]string{}, map[string]string{}
	for s, c := range h.capture {
		urls[s] = c.url
		if c.certPEM != "" {
			certs[s] = c.certPEM
		}
	}
	reqs := append([]captured{}, h.requests...)
	return map[string]interface{}{"ok": true, "urls": urls, "certs": certs, "requests": reqs}
}

// ---------------------------------------------------------------------------
// Hooks

// intercept answers a request itself (session redirect, error message);
// true if it did. Called by serveNSX after /lab/fail, before authentication.
func (h *hostileState) intercept(s *server, w http.ResponseWriter, r *http.Request, api bool) bool {
	h.mu.Lock()
	var redirect *sessionRedirect
	if d := h.redirect; d != nil && r.URL.Path == "/api/session/create" && d.use() {
		cp := *d
		redirect = &cp
	}
	var et *errorText
	if redirect == nil {
		for i, e := range h.errors {
			if e.matches(r.URL.Path, api) && e.use() {
				et = e
				if e.left == 0 {
					h.errors = append(h.errors[:i:i], h.errors[i+1:]...)
				}
				break
			}
		}
	}
	h.mu.Unlock()

	switch {
	case redirect != nil:
		loc := redirect.location
		if loc == "" {
			loc = h.captureURL("http") + r.URL.Path
		}
		atomic.AddInt64(&h.served, 1)
		w.Header().Set("Location", loc)
		writeBody(w, redirect.status, nil)
		return true
	case et != nil:
		atomic.AddInt64(&h.served, 1)
		body := s.errorJSON(&apiError{status: et.status, code: et.status, module: "common-services", msg: et.text})
		var eb map[string]interface{}
		if json.Unmarshal(body, &eb) == nil {
			eb["related_errors"] = []interface{}{map[string]interface{}{
				"error_code": eb["error_code"], "module_name": "common-services", "error_message": et.text}}
			body = encodeJSON(eb)
		}
		writeBody(w, et.status, body)
		return true
	}
	return false
}

// rewriteList edits a list page: empty results with a cursor, duplicated
// items. Only 200 list answers to GETs.
func (h *hostileState) rewriteList(r *http.Request, rep reply, out []byte) []byte {
	if !rep.list || rep.status != http.StatusOK || r.Method != http.MethodGet {
		return out
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.empty == nil && h.dup == nil {
		return out
	}
	var page map[string]json.RawMessage
	if json.Unmarshal(out, &page) != nil {
		return out
	}
	changed := false
	if e := h.empty; e != nil && e.matches(r.URL.Path, true) && e.use() {
		e.next++
		n := e.next
		if e.alternate {
			n = 1 + n%2
		}
		page["results"] = json.RawMessage("[]")
		c, _ := json.Marshal(encodeCursor(loopCursorBase + n))
		page["cursor"] = c
		changed = true
	} else if d := h.dup; d != nil && d.matches(r.URL.Path, true) {
		var items []json.RawMessage
		if json.Unmarshal(page["results"], &items) == nil && len(items) > 0 && d.use() {
			var res []json.RawMessage
			for i, it := range items {
				res = append(res, it)
				if d.all || i == 0 {
					res = append(res, it)
				}
			}
			page["results"], _ = json.Marshal(res)
			changed = true
		}
	}
	if !changed {
		return out
	}
	atomic.AddInt64(&h.served, 1)
	return encodeJSON(page)
}

// write sends an API answer, padded by /lab/huge when it applies.
func (h *hostileState) write(w http.ResponseWriter, r *http.Request, rep reply, out []byte) {
	h.mu.Lock()
	pad, fill := 0, ""
	if g := h.huge; g != nil && rep.list && rep.status == http.StatusOK && len(out) > 0 && g.matches(r.URL.Path, true) &&
		g.bytes > len(out) && g.use() {
		pad, fill = g.bytes-len(out), g.fill
		atomic.AddInt64(&h.served, 1)
	}
	h.mu.Unlock()
	if pad == 0 {
		writeBody(w, rep.status, out)
		return
	}
	// The padding goes before the page's closing brace.
	end := bytes.LastIndexByte(out, '}')
	if end < 0 {
		writeBody(w, rep.status, out)
		return
	}
	writeBody(w, rep.status, append(append(append([]byte(nil), out[:end]...), padJSON(fill, pad)...), out[end:]...))
}

// padJSON returns n bytes to insert before the closing brace of a JSON
// object: whitespace, or an unknown field holding one long string or an
// array of short strings (then whitespace up to n).
func padJSON(fill string, n int) []byte {
	var b []byte
	switch fill {
	case "field":
		const open, close = `,"_lab_padding":"`, `"`
		if n >= len(open)+len(close) {
			b = append([]byte(open), bytes.Repeat([]byte("x"), n-len(open)-len(close))...)
			b = append(b, close...)
		}
	case "array":
		const open, unit, last = `,"_lab_padding":[`, `"padding",`, `"padding"]`
		if n >= len(open)+len(last) {
			k := (n - len(open) - len(last)) / len(unit)
			b = append([]byte(open), bytes.Repeat([]byte(unit), k)...)
			b = append(b, last...)
		}
	}
	return append(b, bytes.Repeat([]byte(" "), n-len(b))...)
}

// ---------------------------------------------------------------------------
// /lab endpoints

var hostilePOST = map[string]bool{
	"/lab/session-redirect": true, "/lab/capture-start": true, "/lab/captured/clear": true,
	"/lab/empty-pages": true, "/lab/duplicate": true, "/lab/huge": true, "/lab/error-message": true,
}

func (h *hostileState) view() map[string]interface{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	v := map[string]interface{}{"session_redirect": nil, "empty_pages": nil, "duplicate": nil, "huge": nil,
		"error_message": len(h.errors), "served": atomic.LoadInt64(&h.served)}
	if d := h.redirect; d != nil {
		v["session_redirect"] = map[string]interface{}{"count": d.left, "status": d.status, "location": d.location}
	}
	if e := h.empty; e != nil {
		v["empty_pages"] = map[string]interface{}{"count": e.left, "path": e.path, "alternate": e.alternate}
	}
	if d := h.dup; d != nil {
		v["duplicate"] = map[string]interface{}{"count": d.left, "path": d.path, "all": d.all}
	}
	if g := h.huge; g != nil {
		v["huge"] = map[string]interface{}{"count": g.left, "path": g.path, "bytes": g.bytes, "fill": g.fill}
	}
	return v
}

// choice reads a parameter with two values: false for off (or absent),
// true for on.
func choice(q url.Values, name, off, on string) (bool, error) {
	switch q.Get(name) {
	case "", off:
		return false, nil
	case on:
		return true, nil
	}
	return false, fmt.Errorf("%s must be %s or %s", name, off, on)
}

// serveLab handles the hostile-server endpoints; false for other paths.
func (h *hostileState) serveLab(w http.ResponseWriter, r *http.Request) bool {
	p := r.URL.Path
	if p == "/lab/captured" || p == "/lab/hostile" {
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", "GET")
			labkit.Error(w, http.StatusMethodNotAllowed, "use GET")
		} else if p == "/lab/captured" {
			labkit.WriteJSON(w, http.StatusOK, h.capturedView())
		} else {
			labkit.WriteJSON(w, http.StatusOK, h.view())
		}
		return true
	}
	if !hostilePOST[p] {
		return false
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		labkit.Error(w, http.StatusMethodNotAllowed, "use POST")
		return true
	}
	q := r.URL.Query()
	bad := func(err error) bool { labkit.Error(w, http.StatusBadRequest, err.Error()); return true }
	count := -1
	if _, given := q["count"]; given {
		var err error
		if count, err = labkit.IntParam(r, "count", 0); err != nil {
			return bad(err)
		}
	}
	rule := hostileRule{left: count, path: q.Get("path")}
	reply := map[string]interface{}{"ok": true, "count": count, "path": rule.path}

	switch p {
	case "/lab/capture-start":
		scheme := "http"
		if v := q.Get("tls"); v == "1" || v == "true" {
			scheme = "https"
		}
		u, err := h.startCapture(scheme, "127.0.0.1:0")
		if err != nil {
			return bad(err)
		}
		labkit.WriteJSON(w, http.StatusOK, map[string]interface{}{"ok": true, "url": u})
		return true
	case "/lab/captured/clear":
		h.cmu.Lock()
		h.requests = nil
		h.cmu.Unlock()
		labkit.WriteJSON(w, http.StatusOK, map[string]interface{}{"ok": true})
		return true
	}

	h.mu.Lock()
	defer h.mu.Unlock()
	switch p {
	case "/lab/session-redirect":
		status, err := labkit.IntParam(r, "status", 307)
		if err != nil || (status != 301 && status != 302 && status != 303 && status != 307 && status != 308) {
			return bad(fmt.Errorf("status must be 301, 302, 303, 307 or 308"))
		}
		loc := q.Get("location")
		if loc != "" {
			u, err := url.Parse(loc)
			if err != nil || u.Scheme == "" || u.Host == "" {
				return bad(fmt.Errorf("location must be an absolute URL"))
			}
		} else if count != 0 && h.captureURL("http") == "" {
			if _, err := h.startCapture("http", "127.0.0.1:0"); err != nil {
				return bad(err)
			}
		}
		h.redirect = nil
		if count != 0 {
			h.redirect = &sessionRedirect{hostileRule: rule, status: status, location: loc}
		}
		if loc == "" {
			loc = h.captureURL("http") + "/api/session/create"
		}
		reply["status"], reply["location"] = status, loc

	case "/lab/empty-pages":
		alt, err := choice(q, "cursors", "fresh", "alternate")
		if err != nil {
			return bad(err)
		}
		h.empty = nil
		if count != 0 {
			h.empty = &emptyPages{hostileRule: rule, alternate: alt}
		}
		reply["alternate"] = alt

	case "/lab/duplicate":
		all, err := choice(q, "which", "first", "all")
		if err != nil {
			return bad(err)
		}
		h.dup = nil
		if count != 0 {
			h.dup = &dupItems{hostileRule: rule, all: all}
		}
		reply["all"] = all

	case "/lab/huge":
		n, err := labkit.IntParam(r, "bytes", -1)
		if err != nil && count != 0 {
			return bad(err)
		}
		fill := q.Get("fill")
		switch fill {
		case "":
			fill = "space"
		case "space", "field", "array":
		default:
			return bad(fmt.Errorf("fill must be space, field or array"))
		}
		h.huge = nil
		if count != 0 {
			h.huge = &hugeList{hostileRule: rule, bytes: n, fill: fill}
		}
		reply["bytes"], reply["fill"] = n, fill

	case "/lab/error-message":
		if count == 0 {
			h.errors = nil
			break
		}
		status, err := labkit.IntParam(r, "status", 400)
		if err != nil || status < 400 || status > 599 {
			return bad(fmt.Errorf("status must be a 4xx or 5xx code"))
		}
		text := defaultErrorText
		if _, given := q["text"]; given {
			text = q.Get("text")
		}
		h.errors = append(h.errors, &errorText{hostileRule: rule, status: status, text: text})
		reply["status"], reply["text"] = status, text
	}
	labkit.WriteJSON(w, http.StatusOK, reply)
	return true
}
