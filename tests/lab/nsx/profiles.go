package main

// profiles.go: the Policy API objects the NSX DFW STIG reads besides the
// rule base: flood protection profiles and their group binding maps,
// segments with their security and discovery binding maps, SpoofGuard and
// IP discovery profiles, and the search API that lists binding maps of one
// type across every parent. They are kept as JSON documents (the lab does
// not interpret their fields), one map of documents per collection path.

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
)

type doc = map[string]interface{}

// docKind says where a collection lives and what its members are.
type docKind struct {
	resourceType string // default resource_type of a new member
	parentKind   string // "" (under /infra), "segment" or "group"
}

var docKinds = map[string]docKind{
	"flood-protection-profiles":                      {"DistributedFloodProtectionProfile", ""},
	"spoofguard-profiles":                            {"SpoofGuardProfile", ""},
	"ip-discovery-profiles":                          {"IPDiscoveryProfile", ""},
	"segments":                                       {"Segment", ""},
	"segment-security-profile-binding-maps":          {"SegmentSecurityProfileBindingMap", "segment"},
	"segment-discovery-profile-binding-maps":         {"SegmentDiscoveryProfileBindingMap", "segment"},
	"firewall-flood-protection-profile-binding-maps": {"PolicyFirewallFloodProtectionProfileBindingMap", "group"},
}

// docRoute recognises a document collection in the path segments (which
// start with "infra"): the collection's path, the member id ("" for the
// collection), the parent's path and the kind.
func docRoute(segs []string) (coll, id, parent string, k docKind, ok bool) {
	n := len(segs)
	switch {
	case n >= 2 && n <= 3:
		k, ok = docKinds[segs[1]]
		if !ok || k.parentKind != "" {
			return "", "", "", k, false
		}
		coll, parent = "/infra/"+segs[1], "/infra"
		if n == 3 {
			id = segs[2]
		}
	case n >= 4 && n <= 5 && segs[1] == "segments":
		k, ok = docKinds[segs[3]]
		if !ok || k.parentKind != "segment" {
			return "", "", "", k, false
		}
		parent = "/infra/segments/" + segs[2]
		coll = parent + "/" + segs[3]
		if n == 5 {
			id = segs[4]
		}
	case n >= 6 && n <= 7 && segs[1] == "domains" && segs[3] == "groups":
		k, ok = docKinds[segs[5]]
		if !ok || k.parentKind != "group" {
			return "", "", "", k, false
		}
		parent = "/infra/domains/" + segs[2] + "/groups/" + segs[4]
		coll = parent + "/" + segs[5]
		if n == 7 {
			id = segs[6]
		}
	}
	return coll, id, parent, k, ok
}

func (st *store) parentExists(parent string, k docKind) bool {
	switch k.parentKind {
	case "segment":
		_, ok := st.docs["/infra/segments"][strings.TrimPrefix(parent, "/infra/segments/")]
		return ok
	case "group":
		rest := strings.Split(strings.TrimPrefix(parent, "/infra/domains/"), "/")
		de := st.domains[rest[0]]
		return de != nil && len(rest) == 3 && de.groups[rest[2]] != nil
	}
	return true
}

func sortedDocs(m map[string]doc) []doc {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := make([]doc, len(ids))
	for i, id := range ids {
		out[i] = m[id]
	}
	return out
}

// newDoc stamps the server-owned fields of a document.
func newDoc(coll, parent, id, rt, user string, t int64) doc {
	path := coll + "/" + id
	return doc{
		"resource_type": rt, "id": id, "display_name": id, "path": path, "relative_path": id,
		"parent_path": parent, "unique_id": uuidFor(path), "marked_for_delete": false, "overridden": false,
		"_revision": int64(0), "_create_user": user, "_create_time": t, "_last_modified_user": user,
		"_last_modified_time": t, "_system_owned": false, "_protection": "NOT_PROTECTED",
	}
}

var docServerKeys = map[string]bool{"id": true, "path": true, "relative_path": true, "parent_path": true,
	"unique_id": true, "marked_for_delete": true, "overridden": true}

// mergeInto applies a PATCH body: objects merge key by key, anything else
// replaces.
func mergeInto(dst doc, src map[string]interface{}) {
	for k, v := range src {
		if sub, isMap := v.(map[string]interface{}); isMap {
			if old, oldMap := dst[k].(map[string]interface{}); oldMap {
				mergeInto(old, sub)
				continue
			}
		}
		dst[k] = v
	}
}

func decodeDocBody(body []byte) (map[string]interface{}, *apiError) {
	if _, e := parseBody(body); e != nil {
		return nil, e
	}
	var m map[string]interface{}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, badField("The request body is not valid JSON: %v", err)
	}
	return m, nil
}

func (s *server) docs(r *http.Request, coll, id, parent string, k docKind, body []byte, user string, now int64) (reply, *apiError) {
	st := s.store
	if id == "" {
		if r.Method == http.MethodGet && !st.parentExists(parent, k) {
			return reply{}, notFound(parent)
		}
		return s.list(r, "id", func() (int, func(int) interface{}) {
			ds := sortedDocs(st.docs[coll])
			return len(ds), func(i int) interface{} { return ds[i] }
		})
	}
	path := coll + "/" + id
	switch r.Method {
	case http.MethodGet:
		if d := st.docs[coll][id]; d != nil {
			return ok(d), nil
		}
		return reply{}, notFound(path)
	case http.MethodDelete:
		delete(st.docs[coll], id)
		for c := range st.docs { // and everything under it
			if strings.HasPrefix(c, path+"/") {
				delete(st.docs, c)
			}
		}
		return okEmpty(), nil
	case http.MethodPatch, http.MethodPut:
		if e := validID(id); e != nil {
			return reply{}, e
		}
		if !st.parentExists(parent, k) {
			return reply{}, notFound(parent)
		}
		raw, e := parseBody(body)
		if e != nil {
			return reply{}, e
		}
		m, e := decodeDocBody(body)
		if e != nil {
			return reply{}, e
		}
		old := st.docs[coll][id]
		if r.Method == http.MethodPut && old != nil {
			om := meta{Revision: old["_revision"].(int64)}
			if e := checkRevision(raw, &om); e != nil {
				return reply{}, e
			}
		}
		rt := k.resourceType
		if v, isStr := m["resource_type"].(string); isStr && v != "" {
			rt = v
		}
		d := newDoc(coll, parent, id, rt, user, now)
		if old != nil {
			d["_create_user"], d["_create_time"] = old["_create_user"], old["_create_time"]
			d["_revision"] = old["_revision"].(int64) + 1
			if r.Method == http.MethodPatch {
				for key, v := range old {
					if !strings.HasPrefix(key, "_") && !docServerKeys[key] {
						d[key] = v
					}
				}
			}
		}
		for key := range m {
			if strings.HasPrefix(key, "_") || docServerKeys[key] {
				delete(m, key)
			}
		}
		mergeInto(d, m)
		d["resource_type"] = rt
		if st.docs[coll] == nil {
			st.docs[coll] = map[string]doc{}
		}
		st.docs[coll][id] = d
		if r.Method == http.MethodPatch {
			return okEmpty(), nil
		}
		return ok(d), nil
	}
	return methodNotAllowed(r.Method, methodsObject)
}

// search serves GET /search/query?query=resource_type:T, the documents of
// that type under every parent, sorted by path.
func (s *server) search(r *http.Request) (reply, *apiError) {
	q := r.URL.Query().Get("query")
	if !strings.HasPrefix(q, "resource_type:") {
		return reply{}, badParam("Invalid search query '%s': the lab supports resource_type:<type> only", q)
	}
	rt := strings.TrimPrefix(q, "resource_type:")
	st := s.store
	return s.list(r, "path", func() (int, func(int) interface{}) {
		var out []doc
		for _, m := range st.docs {
			for _, d := range m {
				if d["resource_type"] == rt {
					out = append(out, d)
				}
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i]["path"].(string) < out[j]["path"].(string) })
		return len(out), func(i int) interface{} { return out[i] }
	})
}

// ---------------------------------------------------------------------------
// The seed: the manager's own default profiles, and this estate's hardened
// ones bound to its segments and groups.

func seedDoc(st *store, coll, parent, id, rt string, fields string) {
	var m map[string]interface{}
	dec := json.NewDecoder(strings.NewReader(fields))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		panic("seed document " + id + ": " + err.Error())
	}
	d := newDoc(coll, parent, id, rt, seedUser, seedTime)
	mergeInto(d, m)
	if st.docs[coll] == nil {
		st.docs[coll] = map[string]doc{}
	}
	st.docs[coll][id] = d
}

func seedProfiles(st *store) {
	// Defaults every manager has (system owned in a real manager).
	seedDoc(st, "/infra/spoofguard-profiles", "/infra", "default-spoofguard-profile", "SpoofGuardProfile",
		`{"address_binding_allowlist": false}`)
	seedDoc(st, "/infra/ip-discovery-profiles", "/infra", "default-ip-discovery-profile", "IPDiscoveryProfile",
		`{"tofu_enabled": true, "arp_nd_binding_timeout": 10,
		  "ip_v4_discovery_options": {"arp_snooping_config": {"arp_snooping_enabled": true, "arp_binding_limit": 1},
		    "dhcp_snooping_enabled": true, "vmtools_enabled": true},
		  "ip_v6_discovery_options": {"nd_snooping_config": {"nd_snooping_enabled": false, "nd_snooping_limit": 3},
		    "dhcp_snooping_v6_enabled": false, "vmtools_v6_enabled": false},
		  "duplicate_ip_detection": {"duplicate_ip_detection_enabled": false}}`)
	// The estate's hardened profiles (NDFW-4X-000015, -000029, -000034).
	seedDoc(st, "/infra/spoofguard-profiles", "/infra", "stig-spoofguard", "SpoofGuardProfile",
		`{"address_binding_allowlist": true}`)
	seedDoc(st, "/infra/ip-discovery-profiles", "/infra", "stig-ip-discovery", "IPDiscoveryProfile",
		`{"tofu_enabled": true, "arp_nd_binding_timeout": 10,
		  "ip_v4_discovery_options": {"arp_snooping_config": {"arp_snooping_enabled": true, "arp_binding_limit": 1},
		    "dhcp_snooping_enabled": false, "vmtools_enabled": false},
		  "ip_v6_discovery_options": {"nd_snooping_config": {"nd_snooping_enabled": true, "nd_snooping_limit": 3},
		    "dhcp_snooping_v6_enabled": false, "vmtools_v6_enabled": false},
		  "duplicate_ip_detection": {"duplicate_ip_detection_enabled": true}}`)
	seedDoc(st, "/infra/flood-protection-profiles", "/infra", "dfw-flood-protection", "DistributedFloodProtectionProfile",
		`{"enable_syncache": true, "enable_rst_spoofing": true, "tcp_half_open_conn_limit": 1000,
		  "udp_active_flow_limit": 1000, "icmp_active_flow_limit": 100, "other_active_conn_limit": 1000}`)
	seedDoc(st, "/infra/flood-protection-profiles", "/infra", "edge-flood-protection", "GatewayFloodProtectionProfile",
		`{"tcp_half_open_conn_limit": 1000, "udp_active_flow_limit": 1000, "icmp_active_flow_limit": 100,
		  "other_active_conn_limit": 1000}`)
	for _, g := range []string{"web-servers", "app-servers", "db-servers"} {
		parent := domainPath + "/groups/" + g
		seedDoc(st, parent+"/firewall-flood-protection-profile-binding-maps", parent, "dfw-flood-binding",
			"PolicyFirewallFloodProtectionProfileBindingMap",
			`{"profile_path": "/infra/flood-protection-profiles/dfw-flood-protection", "sequence_number": 10}`)
	}
	for _, sg := range []struct{ id, subnet string }{{"web-segment", "10.10.1.1/24"}, {"db-segment", "10.10.3.1/24"}} {
		seedDoc(st, "/infra/segments", "/infra", sg.id, "Segment",
			`{"subnets": [{"gateway_address": "`+sg.subnet+`"}], "admin_state": "UP"}`)
		parent := "/infra/segments/" + sg.id
		seedDoc(st, parent+"/segment-security-profile-binding-maps", parent, "default", "SegmentSecurityProfileBindingMap",
			`{"spoofguard_profile_path": "/infra/spoofguard-profiles/stig-spoofguard",
			  "segment_security_profile_path": "/infra/segment-security-profiles/default-segment-security-profile"}`)
		seedDoc(st, parent+"/segment-discovery-profile-binding-maps", parent, "default", "SegmentDiscoveryProfileBindingMap",
			`{"ip_discovery_profile_path": "/infra/ip-discovery-profiles/stig-ip-discovery",
			  "mac_discovery_profile_path": "/infra/mac-discovery-profiles/default-mac-discovery-profile"}`)
	}
}
