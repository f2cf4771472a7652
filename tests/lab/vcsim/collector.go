package main

// collector.go: PropertyCollector with paging, fault injection and
// authentication.
//
// vcsim quirks handled here:
//   - RetrievePropertiesEx ignores options.maxObjects and never returns a
//     token; ContinueRetrievePropertiesEx / CancelRetrievePropertiesEx do not
//     exist. labCollector wraps the stock collector: it calls the stock
//     RetrievePropertiesEx and slices the result, keeping the remainder under
//     an opaque token.
//   - RetrieveProperties(Ex) work without a session (every property comes
//     back in missingSet with NotAuthenticated). A real vCenter faults the
//     whole call with NotAuthenticated, which is what the lab does.
//   - vcsim gives every session its own collector instance, created with
//     reflect.New from the type registered for the ServiceContent
//     propertyCollector moref. labCollector therefore works from its zero
//     value and keeps paging state in the package-level pager.

import (
	"crypto/rand"
	"encoding/hex"
	"sort"
	"strings"
	"sync"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// pageSize is the -page-size flag: page even when maxObjects is not set.
var pageSize int

type labCollector struct {
	simulator.PropertyCollector // first field: vcsim reads properties from it
}

func notAuthenticated(this types.ManagedObjectReference) *soap.Fault {
	return simulator.Fault("The session is not authenticated.", &types.NotAuthenticated{
		NoPermission: types.NoPermission{Object: this, PrivilegeId: "System.View"},
	})
}

func invalidToken(token string) *soap.Fault {
	return simulator.Fault("invalid or expired token: "+token, &types.InvalidArgument{InvalidProperty: "token"})
}

// effectivePage returns the page size for a request: maxObjects when set,
// capped by -page-size (a server may return fewer objects than asked).
func effectivePage(maxObjects int32) int {
	n := int(maxObjects)
	if pageSize > 0 && (n <= 0 || pageSize < n) {
		n = pageSize
	}
	return n
}

func (pc *labCollector) RetrievePropertiesEx(ctx *simulator.Context, req *types.RetrievePropertiesEx) soap.HasFault {
	if ctx.Session == nil {
		return &methods.RetrievePropertiesExBody{Fault_: notAuthenticated(req.This)}
	}
	recordPaths(req.SpecSet)
	body := pc.PropertyCollector.RetrievePropertiesEx(ctx, req).(*methods.RetrievePropertiesExBody)
	if body.Fault_ != nil || body.Res == nil || body.Res.Returnval == nil {
		return body
	}
	res := body.Res.Returnval
	injectMissing(req.SpecSet, res.Objects)

	if n := effectivePage(req.Options.MaxObjects); n > 0 && len(res.Objects) > n {
		rest := append([]types.ObjectContent(nil), res.Objects[n:]...)
		res.Token = pager.put(ctx.Session.Key, rest, n)
		res.Objects = res.Objects[:n]
	}
	return body
}

func (pc *labCollector) ContinueRetrievePropertiesEx(ctx *simulator.Context, req *types.ContinueRetrievePropertiesEx) soap.HasFault {
	body := new(methods.ContinueRetrievePropertiesExBody)
	if ctx.Session == nil {
		body.Fault_ = notAuthenticated(req.This)
		return body
	}
	objs, token, ok := pager.next(ctx.Session.Key, req.Token)
	if !ok {
		body.Fault_ = invalidToken(req.Token)
		return body
	}
	body.Res = &types.ContinueRetrievePropertiesExResponse{
		Returnval: types.RetrieveResult{Token: token, Objects: objs},
	}
	return body
}

func (pc *labCollector) CancelRetrievePropertiesEx(ctx *simulator.Context, req *types.CancelRetrievePropertiesEx) soap.HasFault {
	body := new(methods.CancelRetrievePropertiesExBody)
	if ctx.Session == nil {
		body.Fault_ = notAuthenticated(req.This)
		return body
	}
	if !pager.cancel(ctx.Session.Key, req.Token) {
		body.Fault_ = invalidToken(req.Token)
		return body
	}
	body.Res = new(types.CancelRetrievePropertiesExResponse)
	return body
}

// RetrieveProperties is the legacy unpaged call; it gets the same
// authentication and missingSet injection.
func (pc *labCollector) RetrieveProperties(ctx *simulator.Context, req *types.RetrieveProperties) soap.HasFault {
	if ctx.Session == nil {
		return &methods.RetrievePropertiesBody{Fault_: notAuthenticated(req.This)}
	}
	body := pc.PropertyCollector.RetrieveProperties(ctx, req).(*methods.RetrievePropertiesBody)
	if body.Fault_ == nil && body.Res != nil {
		injectMissing(req.SpecSet, body.Res.Returnval)
	}
	return body
}

// CreatePropertyCollector creates a lab collector (the stock one would create
// an unpaged stock collector).
func (pc *labCollector) CreatePropertyCollector(ctx *simulator.Context, req *types.CreatePropertyCollector) soap.HasFault {
	c := &labCollector{}
	c.Self.Type = "PropertyCollector"
	return &methods.CreatePropertyCollectorBody{
		Res: &types.CreatePropertyCollectorResponse{Returnval: ctx.Session.Put(c).Reference()},
	}
}

// ---------------------------------------------------------------------------
// Paging state

type page struct {
	session string
	rest    []types.ObjectContent
	size    int
}

type pageStore struct {
	mu     sync.Mutex
	pages  map[string]*page
	order  []string // insertion order, for eviction
	limit  int
	issued int
}

var pager = &pageStore{pages: map[string]*page{}, limit: 1024}

func newToken() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func (s *pageStore) put(session string, rest []types.ObjectContent, size int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := newToken()
	s.pages[t] = &page{session: session, rest: rest, size: size}
	s.order = append(s.order, t)
	s.issued++
	// Bound memory: forget the oldest unfinished retrievals.
	for len(s.pages) > s.limit && len(s.order) > 0 {
		delete(s.pages, s.order[0])
		s.order = s.order[1:]
	}
	if len(s.order) > 4*s.limit {
		s.compact()
	}
	return t
}

func (s *pageStore) compact() {
	live := s.order[:0]
	for _, t := range s.order {
		if s.pages[t] != nil {
			live = append(live, t)
		}
	}
	s.order = live
}

// next pops the next page; the token stays valid while objects remain.
func (s *pageStore) next(session, token string) ([]types.ObjectContent, string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pages[token]
	if p == nil || p.session != session {
		return nil, "", false
	}
	n := p.size
	if n > len(p.rest) {
		n = len(p.rest)
	}
	objs := p.rest[:n]
	p.rest = p.rest[n:]
	if len(p.rest) == 0 {
		delete(s.pages, token)
		return objs, "", true
	}
	return objs, token, true
}

func (s *pageStore) cancel(session, token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pages[token]
	if p == nil || p.session != session {
		return false
	}
	delete(s.pages, token)
	return true
}

func (s *pageStore) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages = map[string]*page{}
	s.order = nil
}

func (s *pageStore) outstanding() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pages)
}

// ---------------------------------------------------------------------------
// missingSet injection (POST /lab/missing)

// related reports whether requested property p is hit by injected path m:
// equal, or one is a dotted prefix of the other ("config" hides
// "config.dateTimeInfo" and vice versa).
func related(p, m string) bool {
	return p == m || strings.HasPrefix(m, p+".") || strings.HasPrefix(p, m+".")
}

func injectMissing(specs []types.PropertyFilterSpec, objs []types.ObjectContent) {
	rules := faults.missingRules()
	if len(rules) == 0 {
		return
	}
	for i := range objs {
		o := &objs[i]
		for _, r := range rules {
			if !r.matches(o.Obj) {
				continue
			}
			// Requested paths: what came back plus what the specs asked for
			// on this type (an empty value is not in propSet).
			var paths []string
			seen := map[string]bool{}
			add := func(p string) {
				if !seen[p] {
					seen[p] = true
					paths = append(paths, p)
				}
			}
			for _, p := range o.PropSet {
				add(p.Name)
			}
			for _, spec := range specs {
				for _, ps := range spec.PropSet {
					if ps.Type == o.Obj.Type {
						for _, p := range ps.PathSet {
							add(p)
						}
					}
				}
			}
			for _, p := range paths {
				if !related(p, r.path) || hasMissing(o.MissingSet, p) {
					continue
				}
				props := o.PropSet[:0]
				for _, dp := range o.PropSet {
					if dp.Name != p {
						props = append(props, dp)
					}
				}
				o.PropSet = props
				o.MissingSet = append(o.MissingSet, types.MissingProperty{
					Path:  p,
					Fault: r.fault(o.Obj),
				})
			}
		}
	}
}

func hasMissing(ms []types.MissingProperty, p string) bool {
	for _, m := range ms {
		if m.Path == p {
			return true
		}
	}
	return false
}

// requested keeps every Type.path a RetrievePropertiesEx asked for (all:
// "Type.*"), for /lab/stats: tests prove what a client did not fetch.
var requested = struct {
	sync.Mutex
	paths map[string]bool
}{paths: map[string]bool{}}

func recordPaths(specs []types.PropertyFilterSpec) {
	requested.Lock()
	defer requested.Unlock()
	for _, s := range specs {
		for _, ps := range s.PropSet {
			if ps.All != nil && *ps.All {
				requested.paths[ps.Type+".*"] = true
			}
			for _, p := range ps.PathSet {
				requested.paths[ps.Type+"."+p] = true
			}
		}
	}
}

func requestedPaths() []string {
	requested.Lock()
	defer requested.Unlock()
	out := make([]string, 0, len(requested.paths))
	for p := range requested.paths {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}
