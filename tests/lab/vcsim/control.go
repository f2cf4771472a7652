package main

// control.go: the HTTP front end. /sdk goes through frontEnd.serveSDK, which
// wraps vcsim's Service.ServeSDK to count calls, track sessions, route
// HostSystem lockdown methods, fix ReconfigVM_Task semantics and inject
// faults. /lab/* is the test-control API (fault injection only; all state
// changes go through SOAP).

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"harden/labkit"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// ---------------------------------------------------------------------------
// Fault injection state

type missingRule struct {
	objType  string // optional, "" matches any type
	objValue string
	path     string
	kind     string // NoPermission or SystemError
}

func (r missingRule) matches(ref types.ManagedObjectReference) bool {
	return ref.Value == r.objValue && (r.objType == "" || r.objType == ref.Type)
}

func (r missingRule) fault(obj types.ManagedObjectReference) types.LocalizedMethodFault {
	if r.kind == "SystemError" {
		return types.LocalizedMethodFault{
			Fault:            &types.SystemError{Reason: "injected by harden lab"},
			LocalizedMessage: "A general system error occurred: injected by harden lab",
		}
	}
	return types.LocalizedMethodFault{
		Fault:            &types.NoPermission{Object: obj, PrivilegeId: "System.Read"},
		LocalizedMessage: "Permission to perform this operation was denied.",
	}
}

type faultState struct {
	mu        sync.Mutex
	missing   []missingRule
	malformed labkit.Pending
	expire    labkit.Expiry
	delay     time.Duration // added before every SOAP response: a slow vCenter
}

var faults = &faultState{}

func (f *faultState) missingRules() []missingRule {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]missingRule(nil), f.missing...)
}

// takeMalformed consumes one pending malformed response.
func (f *faultState) takeMalformed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.malformed.Take()
}

// tick counts one authenticated call; true when sessions must expire now.
func (f *faultState) tick() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.expire.Tick()
}

func (f *faultState) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.missing = nil
	f.malformed = 0
	f.expire = labkit.Expiry{}
	f.delay = 0
	hostile.reset()
}

type counters struct {
	soapCalls, retrieveCalls, continueCalls, logins, loginFailures, logouts, expired int64
	// retrievals being answered now, and the most there ever were at once
	retrieving, retrievingMax int64
}

// retrievalBegins counts a property retrieval in flight; the returned
// function ends it.
func retrievalBegins() func() {
	n := atomic.AddInt64(&stats.retrieving, 1)
	for {
		m := atomic.LoadInt64(&stats.retrievingMax)
		if n <= m || atomic.CompareAndSwapInt64(&stats.retrievingMax, m, n) {
			break
		}
	}
	return func() { atomic.AddInt64(&stats.retrieving, -1) }
}

var stats counters

// ---------------------------------------------------------------------------
// SOAP front end

type frontEnd struct {
	svc      *simulator.Service
	internal *vim25.Client // in-process client (vcsim's internal session)

	mu   sync.Mutex
	live map[string]bool // session keys handed out in Set-Cookie and not yet ended
}

func newFrontEnd(svc *simulator.Service) (*frontEnd, error) {
	c, err := vim25.NewClient(context.Background(), svc)
	if err != nil {
		return nil, err
	}
	return &frontEnd{svc: svc, internal: c, live: map[string]bool{}}, nil
}

// soapCall is what the front end needs to know about a request.
type soapCall struct {
	method             string
	this               types.ManagedObjectReference
	thisStart, thisEnd int64 // byte range of the <_this> element
}

// scanSOAP finds the method element and its _this without decoding the whole
// request (vcsim decodes it again).
func scanSOAP(body []byte) (call soapCall) {
	d := xml.NewDecoder(bytes.NewReader(body))
	depth, bodyDepth, methodDepth := 0, -1, -1
	for {
		off := d.InputOffset()
		tok, err := d.Token()
		if err != nil {
			return call
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case bodyDepth < 0 && t.Name.Local == "Header":
				_ = d.Skip()
				depth--
			case bodyDepth < 0 && t.Name.Local == "Body":
				bodyDepth = depth
			case bodyDepth > 0 && methodDepth < 0 && depth == bodyDepth+1:
				call.method = t.Name.Local
				methodDepth = depth
			case methodDepth > 0 && depth == methodDepth+1:
				if t.Name.Local != "_this" {
					return call
				}
				for _, a := range t.Attr {
					if a.Name.Local == "type" {
						call.this.Type = a.Value
					}
				}
				var text strings.Builder
				for {
					tok, err := d.Token()
					if err != nil {
						return call
					}
					if cd, ok := tok.(xml.CharData); ok {
						text.Write(cd)
					}
					if _, ok := tok.(xml.EndElement); ok {
						break
					}
				}
				call.this.Value = strings.TrimSpace(text.String())
				call.thisStart, call.thisEnd = off, d.InputOffset()
				return call
			}
		case xml.EndElement:
			depth--
		}
	}
}

// rewriteThis points the request at another managed object (see lockdown.go).
func rewriteThis(body []byte, call soapCall, to types.ManagedObjectReference) []byte {
	var b bytes.Buffer
	b.Write(body[:call.thisStart])
	fmt.Fprintf(&b, `<_this type="%s">%s</_this>`, to.Type, to.Value)
	b.Write(body[call.thisEnd:])
	return b.Bytes()
}

// recorder buffers vcsim's response so it can be inspected or mangled.
type recorder struct {
	h    http.Header
	code int
	buf  bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.h }
func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return r.buf.Write(b)
}

func sessionKeyFromCookies(cookies []*http.Cookie) string {
	for _, c := range cookies {
		if c.Name == soap.SessionCookieName {
			return c.Value
		}
	}
	return ""
}

func (fe *frontEnd) isLive(key string) bool {
	fe.mu.Lock()
	defer fe.mu.Unlock()
	return fe.live[key]
}

func (fe *frontEnd) setLive(key string, live bool) {
	fe.mu.Lock()
	defer fe.mu.Unlock()
	if live {
		fe.live[key] = true
	} else {
		delete(fe.live, key)
	}
}

func (fe *frontEnd) liveCount() int {
	fe.mu.Lock()
	defer fe.mu.Unlock()
	return len(fe.live)
}

// expireAll terminates every session handed out so far, through vcsim's own
// SessionManager.TerminateSession (in-process, as vcsim's internal session).
func (fe *frontEnd) expireAll() {
	fe.mu.Lock()
	keys := make([]string, 0, len(fe.live))
	for k := range fe.live {
		keys = append(keys, k)
	}
	fe.live = map[string]bool{}
	fe.mu.Unlock()

	ctx := context.Background()
	for _, k := range keys {
		_, _ = methods.TerminateSession(ctx, fe.internal, &types.TerminateSession{
			This:      *fe.internal.ServiceContent.SessionManager,
			SessionId: []string{k},
		})
		atomic.AddInt64(&stats.expired, 1)
	}
}

func (fe *frontEnd) serveSDK(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		fe.svc.ServeSDK(w, r) // vcsim answers 405
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<20))
	_ = r.Body.Close()
	if err != nil {
		http.Error(w, "cannot read request", http.StatusBadRequest)
		return
	}

	call := scanSOAP(body)
	atomic.AddInt64(&stats.soapCalls, 1)
	captureRequest(call.method, body)
	switch call.method {
	case "RetrievePropertiesEx", "ContinueRetrievePropertiesEx":
		defer retrievalBegins()()
	}
	faults.mu.Lock()
	delay := faults.delay
	faults.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay)
	}
	switch call.method {
	case "RetrieveProperties", "RetrievePropertiesEx":
		atomic.AddInt64(&stats.retrieveCalls, 1)
	case "ContinueRetrievePropertiesEx":
		atomic.AddInt64(&stats.retrieveCalls, 1)
		atomic.AddInt64(&stats.continueCalls, 1)
	}
	key := sessionKeyFromCookies(r.Cookies())
	authed := key != "" && fe.isLive(key)

	var reconfig *vmReconfig
	switch call.method {
	case "EnterLockdownMode", "ExitLockdownMode":
		if h := labHosts[call.this.Value]; h != nil && call.this.Type == "HostSystem" && call.thisEnd > 0 {
			body = rewriteThis(body, call, h.access.Self)
		}
	case "ReconfigVM_Task":
		reconfig = beforeReconfig(body, call.this)
	}

	if hostile.intercept(w, call, body, authed) {
		return
	}
	rec := &recorder{h: http.Header{}}
	r2 := r.Clone(r.Context())
	r2.Body = io.NopCloser(bytes.NewReader(body))
	r2.ContentLength = int64(len(body))
	fe.svc.ServeSDK(rec, r2)

	ok := rec.code == http.StatusOK
	switch call.method {
	case "Login":
		if ok {
			atomic.AddInt64(&stats.logins, 1)
		} else {
			atomic.AddInt64(&stats.loginFailures, 1)
		}
	case "Logout":
		if ok && key != "" {
			fe.setLive(key, false)
		}
		if ok {
			atomic.AddInt64(&stats.logouts, 1)
		}
	case "ReconfigVM_Task":
		if ok && reconfig != nil {
			reconfig.after()
		}
	}
	// Login, LoginByToken, CloneSession... all hand the session out this way.
	if k := sessionKeyFromCookies((&http.Response{Header: rec.h}).Cookies()); k != "" && ok {
		fe.setLive(k, true)
	}
	if authed && faults.tick() {
		fe.expireAll()
	}

	out := hostile.rewrite(call, normalizeXSI(rec.buf.Bytes()))
	if faults.takeMalformed() {
		// HTTP 200 with a truncated envelope: hostile/broken SOAP.
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(out[:len(out)/2])
		return
	}
	for k, v := range rec.h {
		w.Header()[k] = v
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	}
	if rec.code == 0 {
		rec.code = http.StatusOK
	}
	hostileWrite(w, rec.code, call.method, out)
}

var (
	xsiDecl  = []byte(` xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance"`)
	xsiLong  = []byte(`XMLSchema-instance:type=`)
	xsiShort = []byte(`xsi:type=`)
)

// normalizeXSI makes vcsim's wire format look like vCenter's. govmomi's XML
// encoder declares the XML Schema instance namespace on every typed element
// under the prefix "XMLSchema-instance" (XMLSchema-instance:type="xsd:long");
// vCenter uses the xsi prefix declared once on the envelope, which vcsim's
// envelope already does.
func normalizeXSI(b []byte) []byte {
	if !bytes.Contains(b, xsiLong) {
		return b
	}
	b = bytes.ReplaceAll(b, xsiDecl, nil)
	return bytes.ReplaceAll(b, xsiLong, xsiShort)
}

// ---------------------------------------------------------------------------
// /lab control API

func (fe *frontEnd) serveLab(inv *inventory) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if hostile.serveLab(w, r) {
			return
		}
		if !labkit.Methods(w, r, labGET, labPOST) {
			return
		}
		switch r.URL.Path {
		case "/lab/stats":
			faults.mu.Lock()
			missing, malformed, armed, left := len(faults.missing), int(faults.malformed), faults.expire.Armed, faults.expire.Left
			faults.mu.Unlock()
			labkit.WriteJSON(w, http.StatusOK, map[string]interface{}{
				"soap_calls":         atomic.LoadInt64(&stats.soapCalls),
				"retrieve_calls":     atomic.LoadInt64(&stats.retrieveCalls),
				"continue_calls":     atomic.LoadInt64(&stats.continueCalls),
				"retrievals_at_once": atomic.LoadInt64(&stats.retrievingMax),
				"logins":             atomic.LoadInt64(&stats.logins),
				"login_failures":     atomic.LoadInt64(&stats.loginFailures),
				"logouts":            atomic.LoadInt64(&stats.logouts),
				"sessions_live":      fe.liveCount(),
				"sessions_expired":   atomic.LoadInt64(&stats.expired),
				"tokens_outstanding": pager.outstanding(),
				"missing_rules":      missing,
				"malformed_pending":  malformed,
				"expire_armed":       armed,
				"expire_calls_left":  left,
				"requested_paths":    requestedPaths(),
			})
		case "/lab/seed":
			labkit.WriteJSON(w, http.StatusOK, inv.report())
		case "/lab/expire-sessions-after":
			n, err := labkit.IntParam(r, "calls", -1)
			if err != nil {
				labkit.Error(w, http.StatusBadRequest, err.Error())
				return
			}
			if n == 0 {
				faults.mu.Lock()
				faults.expire.Arm(0)
				faults.mu.Unlock()
				fe.expireAll()
			} else {
				faults.mu.Lock()
				faults.expire.Arm(n)
				faults.mu.Unlock()
			}
			labkit.WriteJSON(w, http.StatusOK, map[string]interface{}{"ok": true, "calls": n})
		case "/lab/missing":
			q := r.URL.Query()
			ref, path, kind := q.Get("moref"), q.Get("path"), q.Get("fault")
			if ref == "" || path == "" {
				labkit.Error(w, http.StatusBadRequest, "moref and path are required")
				return
			}
			switch kind {
			case "":
				kind = "NoPermission"
			case "NoPermission", "SystemError":
			default:
				labkit.Error(w, http.StatusBadRequest, "fault must be NoPermission or SystemError")
				return
			}
			rule := missingRule{objValue: ref, path: path, kind: kind}
			if i := strings.IndexByte(ref, ':'); i > 0 { // "HostSystem:host-21"
				rule.objType, rule.objValue = ref[:i], ref[i+1:]
			}
			faults.mu.Lock()
			faults.missing = append(faults.missing, rule)
			faults.mu.Unlock()
			labkit.WriteJSON(w, http.StatusOK, map[string]interface{}{"ok": true, "moref": ref, "path": path, "fault": kind})
		case "/lab/missing/clear":
			faults.mu.Lock()
			faults.missing = nil
			faults.mu.Unlock()
			labkit.WriteJSON(w, http.StatusOK, map[string]interface{}{"ok": true})
		case "/lab/malformed":
			n, err := labkit.IntParam(r, "count", -1)
			if err != nil {
				labkit.Error(w, http.StatusBadRequest, err.Error())
				return
			}
			faults.mu.Lock()
			faults.malformed = labkit.Pending(n)
			faults.mu.Unlock()
			labkit.WriteJSON(w, http.StatusOK, map[string]interface{}{"ok": true, "count": n})
		case "/lab/delay":
			ms, err := labkit.IntParam(r, "ms", -1)
			if err != nil {
				labkit.Error(w, http.StatusBadRequest, err.Error())
				return
			}
			faults.mu.Lock()
			faults.delay = time.Duration(ms) * time.Millisecond
			faults.mu.Unlock()
			labkit.WriteJSON(w, http.StatusOK, map[string]interface{}{"ok": true, "ms": ms})
		case "/lab/capture":
			captureSet(r.URL.Query().Get("dir"))
			labkit.WriteJSON(w, http.StatusOK, map[string]interface{}{"ok": true})
		case "/lab/reset-faults":
			faults.reset()
			labkit.WriteJSON(w, http.StatusOK, map[string]interface{}{"ok": true})
		default:
			labkit.Error(w, http.StatusNotFound, "unknown lab endpoint")
		}
	}
}

var labGET = map[string]bool{"/lab/stats": true, "/lab/seed": true}

var labPOST = map[string]bool{
	"/lab/expire-sessions-after": true, "/lab/missing": true, "/lab/missing/clear": true, "/lab/malformed": true,
	"/lab/delay": true, "/lab/reset-faults": true, "/lab/capture": true,
}
