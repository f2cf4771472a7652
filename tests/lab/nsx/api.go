package main

// api.go: the Policy API endpoints under /policy/api/v1 (and /r/policy/api/v1,
// the 307 target): routing, methods, cursor paging and JSON encoding.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// reply is a finished API response.
type reply struct {
	status int
	body   []byte // nil: empty body
	allow  string // Allow header for 405
	list   bool   // a list page was served
}

func encodeJSON(v interface{}) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("encoding response: %v", err)) // the lab's own types always encode
	}
	return b.Bytes()
}

func ok(v interface{}) reply { return reply{status: http.StatusOK, body: encodeJSON(v)} }

func okEmpty() reply { return reply{status: http.StatusOK} }

// listResult is the NSX ListResult envelope.
type listResult struct {
	Results       []interface{} `json:"results"`
	ResultCount   *int          `json:"result_count,omitempty"`
	Cursor        string        `json:"cursor,omitempty"`
	SortBy        string        `json:"sort_by"`
	SortAscending bool          `json:"sort_ascending"`
}

// paging is a validated page request.
type paging struct {
	size   int
	offset int
	first  bool // no cursor in the request
}

func encodeCursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(offset)))
}

func decodeCursor(c string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(c, "="))
	if err != nil {
		return 0, false
	}
	s := string(b)
	if !strings.HasPrefix(s, "offset:") {
		return 0, false
	}
	n, err := strconv.Atoi(s[len("offset:"):])
	if err != nil || n < 1 || strconv.Itoa(n) != s[len("offset:"):] {
		return 0, false
	}
	return n, true
}

func badParam(format string, a ...interface{}) *apiError {
	return &apiError{status: 400, code: codeBadParam, module: "common-services", msg: fmt.Sprintf(format, a...)}
}

func parsePaging(q url.Values, maxPage int) (paging, *apiError) {
	pg := paging{size: 1000, first: true}
	if maxPage < pg.size {
		pg.size = maxPage
	}
	if vs, ok := q["page_size"]; ok {
		v := vs[0]
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return pg, badParam("Invalid value '%s' for query parameter page_size: a positive integer is required", v)
		}
		if n > maxPage {
			n = maxPage
		}
		pg.size = n
	}
	if vs, ok := q["cursor"]; ok && vs[0] != "" { // an empty cursor asks for the first page
		n, valid := decodeCursor(vs[0])
		if !valid {
			return pg, badParam("Invalid cursor '%s'", vs[0])
		}
		pg.offset, pg.first = n, false
	}
	return pg, nil
}

// page cuts one page out of a sorted list of n items.
func page(pg paging, n int, sortBy string, item func(i int) interface{}) reply {
	res := listResult{Results: []interface{}{}, SortBy: sortBy, SortAscending: true}
	if pg.first {
		total := n
		res.ResultCount = &total
	}
	end := pg.offset + pg.size
	if end > n {
		end = n
	}
	for i := pg.offset; i < end; i++ {
		res.Results = append(res.Results, item(i))
	}
	if end < n {
		res.Cursor = encodeCursor(end)
	}
	r := ok(res)
	r.list = true
	return r
}

// splitPath splits an escaped API sub-path into unescaped segments.
func splitPath(escaped string) ([]string, bool) {
	escaped = strings.TrimPrefix(escaped, "/")
	if escaped == "" {
		return nil, true
	}
	parts := strings.Split(escaped, "/")
	for i, p := range parts {
		u, err := url.PathUnescape(p)
		if err != nil {
			return nil, false
		}
		parts[i] = u
	}
	return parts, true
}

const (
	methodsList   = "GET"
	methodsObject = "GET, PATCH, PUT, DELETE"
)

func methodNotAllowed(method, allow string) (reply, *apiError) {
	return reply{allow: allow}, &apiError{status: 405, code: 405, module: "common-services",
		msg: fmt.Sprintf("Method %s is not supported for this URI; supported: %s", method, allow)}
}

// serveAPI runs one authenticated Policy API request. sub is the escaped
// path after /policy/api/v1, e.g. /infra/domains/default/groups.
func (s *server) serveAPI(r *http.Request, sub string, body []byte, user string) (reply, *apiError) {
	segs, valid := splitPath(sub)
	invalid := notFound(r.URL.Path)
	if !valid {
		return reply{}, invalid
	}
	for _, sg := range segs {
		if sg == "" {
			return reply{}, invalid
		}
	}
	if len(segs) == 2 && segs[0] == "search" && segs[1] == "query" {
		s.store.mu.Lock()
		defer s.store.mu.Unlock()
		return s.search(r)
	}
	if len(segs) < 2 || segs[0] != "infra" {
		return reply{}, invalid
	}

	st := s.store
	st.mu.Lock()
	defer st.mu.Unlock()
	now := time.Now().UnixMilli()
	if coll, id, parent, k, isDoc := docRoute(segs); isDoc {
		return s.docs(r, coll, id, parent, k, body, user, now)
	}

	switch segs[1] {
	case "domains":
		if len(segs) == 2 {
			return s.list(r, "id", func() (int, func(int) interface{}) {
				ds := sortedDomains(st)
				return len(ds), func(i int) interface{} { return ds[i].d }
			})
		}
		de := st.domains[segs[2]]
		if de == nil {
			return reply{}, notFound("/infra/domains/" + segs[2])
		}
		if len(segs) == 3 {
			if r.Method != http.MethodGet {
				return methodNotAllowed(r.Method, methodsList)
			}
			return ok(de.d), nil
		}
		switch segs[3] {
		case "security-policies":
			return s.policies(r, de, segs[4:], body, user, now)
		case "groups":
			return s.groups(r, de, segs[4:], body, user, now)
		}
	case "services":
		return s.services(r, segs[2:], body, user, now)
	}
	return reply{}, invalid
}

// list serves a GET-only list endpoint; build runs under the store lock.
func (s *server) list(r *http.Request, sortBy string, build func() (int, func(int) interface{})) (reply, *apiError) {
	if r.Method != http.MethodGet {
		return methodNotAllowed(r.Method, methodsList)
	}
	pg, e := parsePaging(r.URL.Query(), s.cfg.maxPageSize)
	if e != nil {
		return reply{}, e
	}
	n, item := build()
	return page(pg, n, sortBy, item), nil
}

func (s *server) policies(r *http.Request, de *domainEntry, rest []string, body []byte, user string, now int64) (reply, *apiError) {
	st := s.store
	if len(rest) == 0 {
		return s.list(r, "sequence_number", func() (int, func(int) interface{}) {
			ps := sortedPolicies(de)
			return len(ps), func(i int) interface{} { return policyView(ps[i]) }
		})
	}
	id := rest[0]
	policyPath := de.d.Path + "/security-policies/" + id
	pe := de.policies[id]
	if len(rest) == 1 {
		switch r.Method {
		case http.MethodGet:
			if pe == nil {
				return reply{}, notFound(policyPath)
			}
			return ok(policyFull(pe)), nil
		case http.MethodDelete:
			delete(de.policies, id)
			return okEmpty(), nil
		case http.MethodPatch, http.MethodPut:
			if e := validID(id); e != nil {
				return reply{}, e
			}
			b, e := parseBody(body)
			if e != nil {
				return reply{}, e
			}
			pe, e := st.putPolicy(de, id, b, r.Method == http.MethodPut, user, now)
			if e != nil {
				return reply{}, e
			}
			if r.Method == http.MethodPatch {
				return okEmpty(), nil
			}
			return ok(policyFull(pe)), nil
		}
		return methodNotAllowed(r.Method, methodsObject)
	}
	if rest[1] != "rules" || len(rest) > 3 {
		return reply{}, notFound(fmt.Sprintf("%s/%s", policyPath, strings.Join(rest[1:], "/")))
	}
	if len(rest) == 2 {
		if r.Method == http.MethodGet && pe == nil {
			return reply{}, notFound(policyPath)
		}
		return s.list(r, "sequence_number", func() (int, func(int) interface{}) {
			rs := sortedRules(pe)
			return len(rs), func(i int) interface{} { return rs[i] }
		})
	}
	rid := rest[2]
	rulePath := policyPath + "/rules/" + rid
	switch r.Method {
	case http.MethodGet:
		if pe == nil {
			return reply{}, notFound(policyPath)
		}
		if rule := pe.rules[rid]; rule != nil {
			return ok(rule), nil
		}
		return reply{}, notFound(rulePath)
	case http.MethodDelete:
		if pe != nil {
			delete(pe.rules, rid)
		}
		return okEmpty(), nil
	case http.MethodPatch, http.MethodPut:
		if pe == nil {
			return reply{}, notFound(policyPath)
		}
		if e := validID(rid); e != nil {
			return reply{}, e
		}
		b, e := parseBody(body)
		if e != nil {
			return reply{}, e
		}
		rule, e := st.putRule(pe, rid, b, r.Method == http.MethodPut, user, now)
		if e != nil {
			return reply{}, e
		}
		if r.Method == http.MethodPatch {
			return okEmpty(), nil
		}
		return ok(rule), nil
	}
	return methodNotAllowed(r.Method, methodsObject)
}

func (s *server) groups(r *http.Request, de *domainEntry, rest []string, body []byte, user string, now int64) (reply, *apiError) {
	if len(rest) == 0 {
		return s.list(r, "id", func() (int, func(int) interface{}) {
			gs := sortedGroups(de)
			return len(gs), func(i int) interface{} { return gs[i] }
		})
	}
	id := rest[0]
	if len(rest) > 1 {
		return reply{}, notFound(de.d.Path + "/groups/" + strings.Join(rest, "/"))
	}
	switch r.Method {
	case http.MethodGet:
		if g := de.groups[id]; g != nil {
			return ok(g), nil
		}
		return reply{}, notFound(de.d.Path + "/groups/" + id)
	case http.MethodDelete:
		delete(de.groups, id)
		return okEmpty(), nil
	case http.MethodPatch, http.MethodPut:
		if e := validID(id); e != nil {
			return reply{}, e
		}
		b, e := parseBody(body)
		if e != nil {
			return reply{}, e
		}
		g, e := putGroup(de, id, b, r.Method == http.MethodPut, user, now)
		if e != nil {
			return reply{}, e
		}
		if r.Method == http.MethodPatch {
			return okEmpty(), nil
		}
		return ok(g), nil
	}
	return methodNotAllowed(r.Method, methodsObject)
}

func (s *server) services(r *http.Request, rest []string, body []byte, user string, now int64) (reply, *apiError) {
	st := s.store
	if len(rest) == 0 {
		return s.list(r, "id", func() (int, func(int) interface{}) {
			ss := sortedServices(st)
			return len(ss), func(i int) interface{} { return ss[i] }
		})
	}
	id := rest[0]
	if len(rest) > 1 {
		return reply{}, notFound("/infra/services/" + strings.Join(rest, "/"))
	}
	switch r.Method {
	case http.MethodGet:
		if sv := st.services[id]; sv != nil {
			return ok(sv), nil
		}
		return reply{}, notFound("/infra/services/" + id)
	case http.MethodDelete:
		delete(st.services, id)
		return okEmpty(), nil
	case http.MethodPatch, http.MethodPut:
		if e := validID(id); e != nil {
			return reply{}, e
		}
		b, e := parseBody(body)
		if e != nil {
			return reply{}, e
		}
		sv, e := st.putService(id, b, r.Method == http.MethodPut, user, now)
		if e != nil {
			return reply{}, e
		}
		if r.Method == http.MethodPatch {
			return okEmpty(), nil
		}
		return ok(sv), nil
	}
	return methodNotAllowed(r.Method, methodsObject)
}
