package main

// control.go: fault state and the /lab/ test-control API (no
// authentication). Lab requests are not API requests: they are never
// delayed, failed, redirected or counted in /lab/stats.

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"harden/labkit"
)

// faultRule is one queued /lab/fail or /lab/malformed instruction.
type faultRule struct {
	status     int    // /lab/fail only
	retryAfter int    // seconds; -1 = no Retry-After header
	path       string // "" = every API request; else a substring of the URL path
	left       int
	body       []byte // /lab/body only: what to serve instead
}

func (f *faultRule) matches(path string, api bool) bool {
	if f.path == "" {
		return api
	}
	return strings.Contains(path, f.path)
}

type faultState struct {
	mu         sync.Mutex
	fails      []*faultRule
	malformed  []*faultRule
	bodies     []*faultRule
	redirects  labkit.Pending
	expire     labkit.Expiry
	delay      time.Duration
	codeString bool
	hostile    hostileState // hostile.go
}

func (f *faultState) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fails, f.malformed, f.bodies = nil, nil, nil
	f.redirects = 0
	f.expire = labkit.Expiry{}
	f.delay = 0
	f.codeString = false
	f.hostile.reset()
}

// take consumes one use of the first rule in q matching the request.
func take(q *[]*faultRule, path string, api bool) *faultRule {
	for i, r := range *q {
		if r.matches(path, api) {
			r.left--
			if r.left <= 0 {
				*q = append((*q)[:i:i], (*q)[i+1:]...)
			}
			cp := *r
			return &cp
		}
	}
	return nil
}

func (f *faultState) takeFail(path string, api bool) *faultRule {
	f.mu.Lock()
	defer f.mu.Unlock()
	return take(&f.fails, path, api)
}

func (f *faultState) takeMalformed(path string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return take(&f.malformed, path, true) != nil
}

// takeBody returns the body to serve instead of a successful GET's own.
func (f *faultState) takeBody(path string) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r := take(&f.bodies, path, true); r != nil {
		return r.body
	}
	return nil
}

func (f *faultState) takeRedirect() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.redirects.Take()
}

// tick counts one authenticated API request; true when sessions must expire now.
func (f *faultState) tick() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.expire.Tick()
}

func (f *faultState) getDelay() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.delay
}

func (f *faultState) codeAsString() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.codeString
}

// ---------------------------------------------------------------------------
// /lab endpoints

type statsView struct {
	Requests          int64 `json:"requests"`
	APIRequests       int64 `json:"api_requests"`
	BasicAuth         int64 `json:"basic_auth"`
	SessionsCreated   int64 `json:"sessions_created"`
	SessionsDestroyed int64 `json:"sessions_destroyed"`
	SessionsExpired   int64 `json:"sessions_expired"`
	ListPages         int64 `json:"list_pages"`
	FaultsServed      int64 `json:"faults_served"`
	Redirects         int64 `json:"redirects"`
	Status401         int64 `json:"status_401"`
	Status403         int64 `json:"status_403"`
	SessionsLive      int   `json:"sessions_live"`
}

func (s *server) statsView() statsView {
	c := &s.stats
	return statsView{
		Requests: atomic.LoadInt64(&c.requests), APIRequests: atomic.LoadInt64(&c.apiRequests),
		BasicAuth: atomic.LoadInt64(&c.basicAuth), SessionsCreated: atomic.LoadInt64(&c.sessionsCreated),
		SessionsDestroyed: atomic.LoadInt64(&c.sessionsDestroyed), SessionsExpired: atomic.LoadInt64(&c.sessionsExpired),
		ListPages: atomic.LoadInt64(&c.listPages), FaultsServed: atomic.LoadInt64(&c.faultsServed),
		Redirects: atomic.LoadInt64(&c.redirects), Status401: atomic.LoadInt64(&c.status401),
		Status403: atomic.LoadInt64(&c.status403), SessionsLive: s.sess.live(),
	}
}

func (s *server) faultsView() map[string]interface{} {
	f := s.faults
	f.mu.Lock()
	defer f.mu.Unlock()
	rules := func(q []*faultRule, withStatus bool) []map[string]interface{} {
		out := []map[string]interface{}{}
		for _, r := range q {
			m := map[string]interface{}{"count": r.left, "path": r.path}
			if withStatus {
				m["status"] = r.status
				if r.retryAfter >= 0 {
					m["retry_after"] = r.retryAfter
				}
			}
			out = append(out, m)
		}
		return out
	}
	return map[string]interface{}{
		"fail": rules(f.fails, true), "malformed": rules(f.malformed, false),
		"redirect": int(f.redirects), "expire_armed": f.expire.Armed, "expire_after": f.expire.Left,
		"delay_ms": f.delay.Milliseconds(), "error_code_string": f.codeString,
		"hostile": f.hostile.view(),
	}
}

var labGET = map[string]bool{"/lab/stats": true, "/lab/seed": true, "/lab/faults": true}

var labPOST = map[string]bool{
	"/lab/fail": true, "/lab/expire-sessions": true, "/lab/expire-sessions-after": true,
	"/lab/malformed": true, "/lab/body": true, "/lab/redirect": true, "/lab/error-code-string": true, "/lab/delay": true,
	"/lab/reset-faults": true, "/lab/reset": true, "/lab/reset-stats": true,
}

func (s *server) serveLab(w http.ResponseWriter, r *http.Request) {
	if s.faults.hostile.serveLab(w, r) {
		return
	}
	if !labkit.Methods(w, r, labGET, labPOST) {
		return
	}
	p := r.URL.Path
	f := s.faults
	q := r.URL.Query()
	bad := func(err error) { labkit.Error(w, http.StatusBadRequest, err.Error()) }

	switch p {
	case "/lab/stats":
		labkit.WriteJSON(w, http.StatusOK, s.statsView())
	case "/lab/seed":
		labkit.WriteJSON(w, http.StatusOK, seedReport(s.cfg))
	case "/lab/faults":
		labkit.WriteJSON(w, http.StatusOK, s.faultsView())

	case "/lab/fail":
		status, err := labkit.IntParam(r, "status", -1)
		if err != nil {
			bad(err)
			return
		}
		if status < 400 || status > 599 {
			bad(fmt.Errorf("status must be a 4xx or 5xx code"))
			return
		}
		count, err := labkit.IntParam(r, "count", 1)
		if err != nil {
			bad(err)
			return
		}
		retry := -1
		if _, given := q["retry_after"]; given {
			if retry, err = labkit.IntParam(r, "retry_after", 0); err != nil {
				bad(err)
				return
			}
		}
		f.mu.Lock()
		if count == 0 {
			f.fails = nil
		} else {
			f.fails = append(f.fails, &faultRule{status: status, retryAfter: retry, path: q.Get("path"), left: count})
		}
		f.mu.Unlock()
		labkit.WriteJSON(w, http.StatusOK, map[string]interface{}{"ok": true, "status": status, "count": count,
			"retry_after": retry, "path": q.Get("path")})

	case "/lab/malformed":
		count, err := labkit.IntParam(r, "count", 1)
		if err != nil {
			bad(err)
			return
		}
		f.mu.Lock()
		if count == 0 {
			f.malformed = nil
		} else {
			f.malformed = append(f.malformed, &faultRule{retryAfter: -1, path: q.Get("path"), left: count})
		}
		f.mu.Unlock()
		labkit.WriteJSON(w, http.StatusOK, map[string]interface{}{"ok": true, "count": count, "path": q.Get("path")})

	case "/lab/body":
		// The request's body is served, with status 200, in place of the
		// next count successful GET answers (path-filtered): hostile or
		// odd JSON that the API itself would never store.
		count, err := labkit.IntParam(r, "count", 1)
		if err != nil {
			bad(err)
			return
		}
		raw, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
		if err != nil {
			bad(err)
			return
		}
		f.mu.Lock()
		f.bodies = append(f.bodies, &faultRule{retryAfter: -1, path: q.Get("path"), left: count, body: raw})
		f.mu.Unlock()
		labkit.WriteJSON(w, http.StatusOK, map[string]interface{}{"ok": true, "count": count, "path": q.Get("path")})

	case "/lab/redirect":
		count, err := labkit.IntParam(r, "count", 1)
		if err != nil {
			bad(err)
			return
		}
		f.mu.Lock()
		f.redirects = labkit.Pending(count)
		f.mu.Unlock()
		labkit.WriteJSON(w, http.StatusOK, map[string]interface{}{"ok": true, "count": count})

	case "/lab/expire-sessions":
		f.mu.Lock()
		f.expire.Arm(0)
		f.mu.Unlock()
		n := s.sess.expireAll()
		atomic.AddInt64(&s.stats.sessionsExpired, int64(n))
		labkit.WriteJSON(w, http.StatusOK, map[string]interface{}{"ok": true, "expired": n})

	case "/lab/expire-sessions-after":
		name := "n"
		if _, ok := q["n"]; !ok {
			name = "calls" // the vCenter lab's spelling
		}
		n, err := labkit.IntParam(r, name, -1)
		if err != nil {
			bad(fmt.Errorf("parameter n is required and must be a non-negative integer"))
			return
		}
		expired := 0
		f.mu.Lock()
		f.expire.Arm(n)
		f.mu.Unlock()
		if n == 0 {
			expired = s.sess.expireAll()
			atomic.AddInt64(&s.stats.sessionsExpired, int64(expired))
		}
		labkit.WriteJSON(w, http.StatusOK, map[string]interface{}{"ok": true, "n": n, "expired": expired})

	case "/lab/error-code-string":
		var on bool
		switch strings.ToLower(q.Get("on")) {
		case "1", "true", "yes", "on":
			on = true
		case "0", "false", "no", "off":
		default:
			bad(fmt.Errorf("parameter on must be 1 or 0"))
			return
		}
		f.mu.Lock()
		f.codeString = on
		f.mu.Unlock()
		labkit.WriteJSON(w, http.StatusOK, map[string]interface{}{"ok": true, "on": on})

	case "/lab/delay":
		ms, err := labkit.IntParam(r, "ms", -1)
		if err != nil {
			bad(err)
			return
		}
		f.mu.Lock()
		f.delay = time.Duration(ms) * time.Millisecond
		f.mu.Unlock()
		labkit.WriteJSON(w, http.StatusOK, map[string]interface{}{"ok": true, "ms": ms})

	case "/lab/reset-faults":
		f.reset()
		labkit.WriteJSON(w, http.StatusOK, map[string]interface{}{"ok": true})

	case "/lab/reset":
		f.reset()
		s.store.replaceWith(buildDFW(s.cfg))
		np, nr := s.store.counts()
		labkit.WriteJSON(w, http.StatusOK, map[string]interface{}{"ok": true, "policies": np, "rules": nr})

	case "/lab/reset-stats":
		s.stats.reset()
		labkit.WriteJSON(w, http.StatusOK, map[string]interface{}{"ok": true})
	}
}
