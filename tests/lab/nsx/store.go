package main

// store.go: the in-memory DFW. One mutex guards everything; handlers lock
// it for the whole request (including JSON encoding), so every response is a
// consistent snapshot. Mutations build the new object on a copy and swap it
// in only when the whole body validated.

import (
	"encoding/json"
	"sort"
	"sync"
)

type policyEntry struct {
	p     *SecurityPolicy
	rules map[string]*Rule
}

type domainEntry struct {
	d        *Domain
	policies map[string]*policyEntry
	groups   map[string]*Group
}

type store struct {
	mu         sync.Mutex
	domains    map[string]*domainEntry
	services   map[string]*Service
	nextRuleID int64
	docs       map[string]map[string]doc // profiles.go: collection path -> id -> document
}

func newStore() *store {
	return &store{
		domains:    map[string]*domainEntry{},
		services:   map[string]*Service{},
		nextRuleID: 1001,
		docs:       map[string]map[string]doc{},
	}
}

func (st *store) addDomain(id string) *domainEntry {
	de := &domainEntry{d: newDomain(id), policies: map[string]*policyEntry{}, groups: map[string]*Group{}}
	st.domains[id] = de
	return de
}

// counts returns the number of policies and rules (all domains).
func (st *store) counts() (policies, rules int) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, de := range st.domains {
		policies += len(de.policies)
		for _, pe := range de.policies {
			rules += len(pe.rules)
		}
	}
	return
}

// replaceWith swaps in the state of other (used by /lab/reset).
func (st *store) replaceWith(other *store) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.domains, st.services, st.nextRuleID = other.domains, other.services, other.nextRuleID
	st.docs = other.docs
}

// ---------------------------------------------------------------------------
// Ordered views (callers hold mu)

func sortedDomains(st *store) []*domainEntry {
	out := make([]*domainEntry, 0, len(st.domains))
	for _, de := range st.domains {
		out = append(out, de)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].d.ID < out[j].d.ID })
	return out
}

func sortedPolicies(de *domainEntry) []*policyEntry {
	out := make([]*policyEntry, 0, len(de.policies))
	for _, pe := range de.policies {
		out = append(out, pe)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].p, out[j].p
		if a.SequenceNumber != b.SequenceNumber {
			return a.SequenceNumber < b.SequenceNumber
		}
		return a.ID < b.ID
	})
	return out
}

func sortedRules(pe *policyEntry) []*Rule {
	out := make([]*Rule, 0, len(pe.rules))
	for _, r := range pe.rules {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].SequenceNumber != out[j].SequenceNumber {
			return out[i].SequenceNumber < out[j].SequenceNumber
		}
		return out[i].ID < out[j].ID
	})
	return out
}

func sortedGroups(de *domainEntry) []*Group {
	out := make([]*Group, 0, len(de.groups))
	for _, g := range de.groups {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func sortedServices(st *store) []*Service {
	out := make([]*Service, 0, len(st.services))
	for _, s := range st.services {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// policyView is the policy as a list shows it: rule_count, no rules.
func policyView(pe *policyEntry) *SecurityPolicy {
	cp := *pe.p
	cp.RuleCount = len(pe.rules)
	cp.Rules = nil
	return &cp
}

// policyFull is the policy as GET/PUT of the object show it: with its rules.
func policyFull(pe *policyEntry) *SecurityPolicy {
	cp := policyView(pe)
	cp.Rules = sortedRules(pe)
	return cp
}

// ---------------------------------------------------------------------------
// Mutations (callers hold mu)

// stamp records a modification of an existing object.
func stamp(m *meta, old *meta, user string, now int64) {
	m.Revision = old.Revision + 1
	m.CreateUser, m.CreateTime = old.CreateUser, old.CreateTime
	m.LastModifiedUser, m.LastModifiedTime = user, now
}

// checkRevision implements PUT's optimistic locking.
func checkRevision(body map[string]json.RawMessage, old *meta) *apiError {
	rev, has, e := revisionOf(body)
	if e != nil {
		return e
	}
	if has && old != nil && rev != old.Revision {
		return &apiError{status: 412, code: codeStale, module: "common-services",
			msg: "The object was modified by somebody else"}
	}
	return nil
}

// putPolicy applies a PATCH (replace=false) or PUT (replace=true) to a
// policy, including an optional "rules" array (PATCH: create or merge the
// listed rules; PUT: the listed rules become the policy's rules).
func (st *store) putPolicy(de *domainEntry, id string, body map[string]json.RawMessage, replace bool, user string, now int64) (*policyEntry, *apiError) {
	old := de.policies[id]
	var oldMeta *meta
	if old != nil {
		oldMeta = &old.p.meta
	}
	if replace {
		if e := checkRevision(body, oldMeta); e != nil {
			return nil, e
		}
	}
	def := newPolicy(de.d.Path, id, user, now)
	p := *def
	if old != nil && !replace {
		p = *old.p
	}
	if e := applyBody(&p, def, body); e != nil {
		return nil, e
	}
	if old != nil {
		stamp(&p.meta, oldMeta, user, now)
		p.UniqueID, p.IsDefault = old.p.UniqueID, old.p.IsDefault
	}

	var oldRules map[string]*Rule
	if old != nil {
		oldRules = old.rules
	}
	rules := oldRules
	if raw, ok := body["rules"]; ok && !isNull(raw) {
		var e *apiError
		if rules, e = st.childRules(oldRules, p.Path, raw, replace, user, now); e != nil {
			return nil, e
		}
	}
	if rules == nil {
		rules = map[string]*Rule{}
	}
	pe := &policyEntry{p: &p, rules: rules}
	de.policies[id] = pe
	return pe, nil
}

// childRules applies a policy body's "rules" array to a copy of the
// existing rules and returns the new set.
func (st *store) childRules(existing map[string]*Rule, policyPath string, raw json.RawMessage, replace bool, user string, now int64) (map[string]*Rule, *apiError) {
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		return nil, badField("Field 'rules' must be an array of Rule objects")
	}
	out := map[string]*Rule{}
	if !replace {
		for k, v := range existing {
			out[k] = v
		}
	}
	seen := map[string]bool{}
	var created []*Rule
	for i, el := range elems {
		body, e := parseBody(el)
		if e != nil {
			return nil, badField("Field 'rules' element %d must be a Rule object", i)
		}
		idRaw, ok := body["id"]
		if !ok {
			return nil, badField("Field 'rules' element %d has no 'id'", i)
		}
		id, e := wantString("rules[].id", idRaw)
		if e != nil {
			return nil, e
		}
		if e := validID(id); e != nil {
			return nil, e
		}
		if seen[id] {
			return nil, badField("Field 'rules' lists rule id '%s' twice", id)
		}
		seen[id] = true
		r, isNew, e := buildRule(existing[id], policyPath, id, body, replace, user, now)
		if e != nil {
			return nil, e
		}
		if isNew {
			created = append(created, r)
		}
		out[id] = r
	}
	for _, r := range created {
		r.RuleID = st.nextRuleID
		st.nextRuleID++
	}
	return out, nil
}

// buildRule computes the new version of a rule from its old version (nil:
// create) and a body; it does not store it. New rules have RuleID 0.
func buildRule(old *Rule, policyPath, id string, body map[string]json.RawMessage, replace bool, user string, now int64) (*Rule, bool, *apiError) {
	def := newRule(policyPath, id, user, now)
	r := *def
	if old != nil && !replace {
		r = *old
	}
	if e := applyBody(&r, def, body); e != nil {
		return nil, false, e
	}
	if old != nil {
		stamp(&r.meta, &old.meta, user, now)
		r.UniqueID, r.RuleID, r.IsDefault = old.UniqueID, old.RuleID, old.IsDefault
	}
	return &r, old == nil, nil
}

func (st *store) putRule(pe *policyEntry, id string, body map[string]json.RawMessage, replace bool, user string, now int64) (*Rule, *apiError) {
	old := pe.rules[id]
	if replace {
		var oldMeta *meta
		if old != nil {
			oldMeta = &old.meta
		}
		if e := checkRevision(body, oldMeta); e != nil {
			return nil, e
		}
	}
	r, isNew, e := buildRule(old, pe.p.Path, id, body, replace, user, now)
	if e != nil {
		return nil, e
	}
	if isNew {
		r.RuleID = st.nextRuleID
		st.nextRuleID++
	}
	pe.rules[id] = r
	return r, nil
}

func putGroup(de *domainEntry, id string, body map[string]json.RawMessage, replace bool, user string, now int64) (*Group, *apiError) {
	old := de.groups[id]
	def := newGroup(de.d.Path, id, user, now)
	g := *def
	if old != nil {
		if replace {
			if e := checkRevision(body, &old.meta); e != nil {
				return nil, e
			}
		} else {
			g = *old
		}
	} else if replace {
		if _, _, e := revisionOf(body); e != nil {
			return nil, e
		}
	}
	if e := applyBody(&g, def, body); e != nil {
		return nil, e
	}
	if old != nil {
		stamp(&g.meta, &old.meta, user, now)
		g.UniqueID = old.UniqueID
	}
	de.groups[id] = &g
	return &g, nil
}

func (st *store) putService(id string, body map[string]json.RawMessage, replace bool, user string, now int64) (*Service, *apiError) {
	old := st.services[id]
	def := newService(id, user, now)
	s := *def
	if old != nil {
		if replace {
			if e := checkRevision(body, &old.meta); e != nil {
				return nil, e
			}
		} else {
			s = *old
		}
	} else if replace {
		if _, _, e := revisionOf(body); e != nil {
			return nil, e
		}
	}
	if e := applyBody(&s, def, body); e != nil {
		return nil, e
	}
	if old != nil {
		stamp(&s.meta, &old.meta, user, now)
		s.UniqueID = old.UniqueID
	}
	st.services[id] = &s
	return &s, nil
}
