package labkit

// control.go: what the /lab control endpoints of both labs have in common.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// WriteJSON answers with v as indented JSON.
func WriteJSON(w http.ResponseWriter, code int, v interface{}) {
	b, _ := json.MarshalIndent(v, "", "  ")
	b = append(b, '\n')
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

// Error answers {"ok": false, "error": msg}.
func Error(w http.ResponseWriter, code int, msg string) {
	WriteJSON(w, code, map[string]interface{}{"ok": false, "error": msg})
}

// Methods checks a request to a control endpoint: paths in get take GET,
// paths in post take POST, anything else is unknown.  False when it has
// answered the request with the error.
func Methods(w http.ResponseWriter, r *http.Request, get, post map[string]bool) bool {
	p := r.URL.Path
	switch {
	case get[p] && r.Method != http.MethodGet:
		w.Header().Set("Allow", "GET")
		Error(w, http.StatusMethodNotAllowed, "use GET")
		return false
	case post[p] && r.Method != http.MethodPost:
		w.Header().Set("Allow", "POST")
		Error(w, http.StatusMethodNotAllowed, "use POST")
		return false
	case !get[p] && !post[p]:
		Error(w, http.StatusNotFound, "unknown lab endpoint")
		return false
	}
	return true
}

// IntParam reads a non-negative integer query parameter; def when absent,
// or an error when def is negative (the parameter is required).
func IntParam(r *http.Request, name string, def int) (int, error) {
	v, ok := r.URL.Query()[name]
	if !ok {
		if def < 0 {
			return 0, fmt.Errorf("parameter %s is required", name)
		}
		return def, nil
	}
	n, err := strconv.Atoi(v[0])
	if err != nil || n < 0 {
		return 0, fmt.Errorf("parameter %s must be a non-negative integer", name)
	}
	return n, nil
}

// Expiry arms the expiry of every session after a number of calls.  It has
// no lock of its own: the lab's fault state guards it.
type Expiry struct {
	Armed bool
	Left  int
}

// Arm expires sessions after n more calls; n 0 disarms.
func (e *Expiry) Arm(n int) {
	e.Armed, e.Left = n > 0, n
}

// Tick counts one call; true when sessions must expire now.
func (e *Expiry) Tick() bool {
	if !e.Armed {
		return false
	}
	e.Left--
	if e.Left <= 0 {
		e.Armed, e.Left = false, 0
		return true
	}
	return false
}

// Pending counts the faults of one kind still to inject.  No lock of its
// own either.
type Pending int

// Take consumes one; false when none is left.
func (p *Pending) Take() bool {
	if *p <= 0 {
		return false
	}
	*p--
	return true
}
