package main

// server.go: the HTTP front end. Every request that is not /lab/* goes
// through serveNSX: delay, 307 redirect, injected failures, authentication
// (HTTP Basic or JSESSIONID + X-XSRF-TOKEN), the API itself, truncated
// bodies and the armed session expiry, in that order.

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"io"
	"log"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const apiPrefix = "/policy/api/v1"

// redirectPrefix is where the 307s of /lab/redirect point.
const redirectPrefix = "/r"

type server struct {
	cfg    config
	store  *store
	sess   *sessions
	faults *faultState
	stats  counters
}

func newServer(cfg config) *server {
	s := &server{cfg: cfg, store: buildDFW(cfg), sess: newSessions(), faults: &faultState{}}
	s.faults.hostile.startCaptureFlags()
	return s
}

// counters are the /lab/stats figures.
type counters struct {
	requests, apiRequests, basicAuth, sessionsCreated, sessionsDestroyed, sessionsExpired,
	listPages, faultsServed, redirects, status401, status403 int64
}

func (c *counters) reset() {
	for _, p := range []*int64{&c.requests, &c.apiRequests, &c.basicAuth, &c.sessionsCreated,
		&c.sessionsDestroyed, &c.sessionsExpired, &c.listPages, &c.faultsServed, &c.redirects,
		&c.status401, &c.status403} {
		atomic.StoreInt64(p, 0)
	}
}

func inc(p *int64) { atomic.AddInt64(p, 1) }

// ---------------------------------------------------------------------------
// Sessions

type session struct {
	xsrf string
	user string
}

type sessions struct {
	mu sync.Mutex
	m  map[string]*session // by JSESSIONID
}

func newSessions() *sessions { return &sessions{m: map[string]*session{}} }

func (ss *sessions) get(id string) *session {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.m[id]
}

func (ss *sessions) add(id string, s *session) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.m[id] = s
}

func (ss *sessions) remove(id string) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	_, had := ss.m[id]
	delete(ss.m, id)
	return had
}

// expireAll invalidates every live session and returns how many there were.
func (ss *sessions) expireAll() int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	n := len(ss.m)
	ss.m = map[string]*session{}
	return n
}

func (ss *sessions) live() int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return len(ss.m)
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// ---------------------------------------------------------------------------
// Responses

// statusWriter remembers the status for stats and -trace.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// statusName is the Spring HttpStatus name NSX puts in httpStatus.
func statusName(code int) string {
	switch code {
	case 413:
		return "PAYLOAD_TOO_LARGE"
	case 414:
		return "URI_TOO_LONG"
	}
	if t := http.StatusText(code); t != "" {
		t = strings.NewReplacer(" ", "_", "-", "_", "'", "").Replace(t)
		return strings.ToUpper(t)
	}
	return strconv.Itoa(code)
}

// errorBody is the NSX error JSON.
type errorBody struct {
	HTTPStatus    string        `json:"httpStatus"`
	ErrorCode     interface{}   `json:"error_code"`
	ModuleName    string        `json:"module_name"`
	ErrorMessage  string        `json:"error_message"`
	RelatedErrors []interface{} `json:"related_errors"`
}

func (s *server) errorJSON(e *apiError) []byte {
	var code interface{} = e.code
	if s.faults.codeAsString() {
		code = strconv.Itoa(e.code)
	}
	return encodeJSON(errorBody{
		HTTPStatus: statusName(e.status), ErrorCode: code, ModuleName: e.module,
		ErrorMessage: e.msg, RelatedErrors: []interface{}{},
	})
}

func writeBody(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	if body != nil {
		h.Set("Content-Type", "application/json")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if len(body) > 0 {
		_, _ = w.Write(body)
	}
}

func (s *server) writeError(w http.ResponseWriter, e *apiError) {
	writeBody(w, e.status, s.errorJSON(e))
}

var (
	errBadCredentials = &apiError{status: 403, code: 403, module: "common-services",
		msg: "The credentials were incorrect or the account specified has been locked."}
	errNoCredentials = &apiError{status: 401, code: 401, module: "common-services",
		msg: "Authentication required."}
	errSessionInvalid = &apiError{status: 401, code: 401, module: "common-services",
		msg: "The session is not valid or has expired. Authentication required."}
	errBadXSRF = &apiError{status: 403, code: 403, module: "common-services", msg: "Bad XSRF token"}
)

// ---------------------------------------------------------------------------
// Request handling

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	lab := r.URL.Path == "/lab" || strings.HasPrefix(r.URL.Path, "/lab/")
	if lab {
		s.serveLab(sw, r)
	} else {
		inc(&s.stats.requests)
		s.serveNSX(sw, r)
		switch sw.status {
		case 401:
			inc(&s.stats.status401)
		case 403:
			inc(&s.stats.status403)
		}
	}
	if s.cfg.trace {
		log.Printf("%s %s -> %d (%d bytes, %s)", r.Method, r.URL.RequestURI(), sw.status, sw.bytes,
			time.Since(start).Round(time.Microsecond))
	}
}

func (s *server) serveNSX(w http.ResponseWriter, r *http.Request) {
	escaped := r.URL.EscapedPath()
	var sub string
	api, viaRedirect := false, false
	switch {
	case strings.HasPrefix(escaped, apiPrefix+"/"):
		api, sub = true, escaped[len(apiPrefix):]
	case strings.HasPrefix(escaped, redirectPrefix+apiPrefix+"/"):
		api, viaRedirect, sub = true, true, escaped[len(redirectPrefix+apiPrefix):]
	}
	if api {
		inc(&s.stats.apiRequests)
	}
	if d := s.faults.getDelay(); d > 0 {
		time.Sleep(d)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<20))
	_ = r.Body.Close()
	if err != nil {
		s.writeError(w, &apiError{status: 400, code: codeBadParam, module: "common-services",
			msg: "Cannot read the request body: " + err.Error()})
		return
	}

	if api && !viaRedirect && s.faults.takeRedirect() {
		inc(&s.stats.redirects)
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		loc := &url.URL{Scheme: scheme, Host: r.Host, RawPath: redirectPrefix + escaped,
			RawQuery: r.URL.RawQuery}
		loc.Path, _ = url.PathUnescape(loc.RawPath)
		w.Header().Set("Location", loc.String())
		writeBody(w, http.StatusTemporaryRedirect, nil)
		return
	}
	if f := s.faults.takeFail(r.URL.Path, api); f != nil {
		inc(&s.stats.faultsServed)
		if f.retryAfter >= 0 && (f.status == 429 || f.status == 503) {
			w.Header().Set("Retry-After", strconv.Itoa(f.retryAfter))
		}
		s.writeError(w, injectedError(f.status, s.cfg.username))
		return
	}
	if s.faults.hostile.intercept(s, w, r, api) {
		return
	}

	switch {
	case r.URL.Path == "/api/session/create":
		s.sessionCreate(w, r, body)
	case r.URL.Path == "/api/session/destroy":
		s.sessionDestroy(w, r)
	case api:
		s.apiRequest(w, r, sub, body)
	default:
		s.writeError(w, notFound(r.URL.Path))
	}
}

// injectedError is the body of a /lab/fail response, close to what NSX says.
func injectedError(status int, user string) *apiError {
	e := &apiError{status: status, code: status, module: "common-services",
		msg: "Injected HTTP " + strconv.Itoa(status) + " (harden-nsxlab /lab/fail)"}
	switch status {
	case 429:
		e.code, e.msg = 102, "Client '"+user+"' exceeded request rate of 100 per second."
	case 503:
		e.code, e.msg = 101, "Some appliance components are not functioning properly."
	}
	return e
}

func (s *server) credsOK(user, pass string) bool {
	u := subtle.ConstantTimeCompare([]byte(user), []byte(s.cfg.username))
	p := subtle.ConstantTimeCompare([]byte(pass), []byte(s.cfg.password))
	return u&p == 1
}

// sessionFromCookies returns the first live session among the request's
// JSESSIONID cookies; present says whether there was any such cookie.
func (s *server) sessionFromCookies(r *http.Request) (id string, sess *session, present bool) {
	for _, c := range r.Cookies() {
		if c.Name != "JSESSIONID" || c.Value == "" {
			continue
		}
		present = true
		if ss := s.sess.get(c.Value); ss != nil {
			return c.Value, ss, true
		}
	}
	return "", nil, present
}

func xsrfOK(r *http.Request, sess *session) bool {
	tok := r.Header.Get("X-XSRF-TOKEN")
	return tok != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(sess.xsrf)) == 1
}

// authenticate returns the user of an API request. HTTP Basic wins when an
// Authorization header is present; otherwise the session cookie and XSRF
// token must both match a live session.
func (s *server) authenticate(r *http.Request) (string, *apiError) {
	if r.Header.Get("Authorization") != "" {
		user, pass, ok := r.BasicAuth()
		if !ok || !s.credsOK(user, pass) {
			return "", errBadCredentials
		}
		inc(&s.stats.basicAuth)
		return user, nil
	}
	_, sess, present := s.sessionFromCookies(r)
	if !present {
		return "", errNoCredentials
	}
	if sess == nil {
		return "", errSessionInvalid
	}
	if !xsrfOK(r, sess) {
		return "", errBadXSRF
	}
	return sess.user, nil
}

func (s *server) apiRequest(w http.ResponseWriter, r *http.Request, sub string, body []byte) {
	user, e := s.authenticate(r)
	if e != nil {
		s.writeError(w, e)
		return
	}
	rep, e := s.serveAPI(r, sub, body, user)
	if s.faults.tick() {
		n := s.sess.expireAll()
		atomic.AddInt64(&s.stats.sessionsExpired, int64(n))
	}
	if e != nil {
		if rep.allow != "" {
			w.Header().Set("Allow", rep.allow)
		}
		s.writeError(w, e)
		return
	}
	if rep.list {
		inc(&s.stats.listPages)
	}
	out := s.faults.hostile.rewriteList(r, rep, rep.body)
	if r.Method == http.MethodGet && rep.status == http.StatusOK {
		if b := s.faults.takeBody(r.URL.Path); b != nil {
			inc(&s.stats.faultsServed)
			out = b
		}
	}
	if r.Method == http.MethodGet && rep.status == http.StatusOK && len(out) > 0 && s.faults.takeMalformed(r.URL.Path) {
		inc(&s.stats.faultsServed)
		out = out[:len(out)/2]
	}
	s.faults.hostile.write(w, r, rep, out)
}

func (s *server) sessionCreate(w http.ResponseWriter, r *http.Request, body []byte) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		s.writeError(w, &apiError{status: 405, code: 405, module: "common-services",
			msg: "Method " + r.Method + " is not supported for this URI; supported: POST"})
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil || !s.credsOK(form.Get("j_username"), form.Get("j_password")) {
		s.writeError(w, errBadCredentials)
		return
	}
	id, xsrf := strings.ToUpper(randomHex(16)), randomHex(16)
	s.sess.add(id, &session{xsrf: xsrf, user: form.Get("j_username")})
	inc(&s.stats.sessionsCreated)
	cookie := "JSESSIONID=" + id + "; Path=/; "
	if s.cfg.tls {
		cookie += "Secure; "
	}
	cookie += "HttpOnly"
	w.Header().Add("Set-Cookie", cookie)
	w.Header()["X-XSRF-TOKEN"] = []string{xsrf} // exact spelling on the wire
	writeBody(w, http.StatusOK, nil)
}

func (s *server) sessionDestroy(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		s.writeError(w, &apiError{status: 405, code: 405, module: "common-services",
			msg: "Method " + r.Method + " is not supported for this URI; supported: POST"})
		return
	}
	id, sess, present := s.sessionFromCookies(r)
	switch {
	case !present:
		s.writeError(w, errNoCredentials)
		return
	case sess == nil:
		s.writeError(w, errSessionInvalid)
		return
	case !xsrfOK(r, sess):
		s.writeError(w, errBadXSRF)
		return
	}
	if s.sess.remove(id) {
		inc(&s.stats.sessionsDestroyed)
	}
	cookie := "JSESSIONID=; Path=/; Max-Age=0; "
	if s.cfg.tls {
		cookie += "Secure; "
	}
	w.Header().Add("Set-Cookie", cookie+"HttpOnly")
	writeBody(w, http.StatusOK, nil)
}
