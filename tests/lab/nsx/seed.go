package main

// seed.go: the deterministic DFW the lab starts with (and /lab/reset
// restores): six groups, twelve services, six security policies in domain
// default, two of them the sections every NSX manager creates by itself
// (default-layer2-section, category Ethernet, and default-layer3-section
// with its NDP and DHCP rules). -seed (the default) adds four known
// anomalies; -seed=false is the same rule base without them.
// -rules/-policies add a bench-scale rule base.

import (
	"encoding/json"
	"fmt"
	"strconv"
)

const (
	seedUser   = "admin"
	domainPath = "/infra/domains/default"
)

func groupPaths(ids ...string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = domainPath + "/groups/" + id
	}
	return out
}

func contextProfiles(ids ...string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = "/infra/context-profiles/" + id
	}
	return out
}

func servicePaths(ids ...string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = "/infra/services/" + id
	}
	return out
}

type seedGroup struct {
	id, desc   string
	expression string // one expression, JSON
}

var seedGroups = []seedGroup{
	{"web-servers", "Web tier VMs", `{"resource_type":"IPAddressExpression","ip_addresses":["10.10.1.0/24"]}`},
	{"app-servers", "Application tier VMs", `{"resource_type":"IPAddressExpression","ip_addresses":["10.10.2.0/24"]}`},
	{"db-servers", "Database tier VMs", `{"resource_type":"IPAddressExpression","ip_addresses":["10.10.3.0/24"]}`},
	{"mgmt-hosts", "Management jump hosts, DNS and NTP", `{"resource_type":"IPAddressExpression","ip_addresses":["10.10.0.0/28"]}`},
	{"quarantine", "VMs tagged for quarantine", `{"resource_type":"Condition","member_type":"VirtualMachine","key":"Tag","operator":"EQUALS","value":"quarantine"}`},
	{"cde-segment", "PCI DSS cardholder data environment", `{"resource_type":"IPAddressExpression","ip_addresses":["10.20.0.0/24"]}`},
}

type seedService struct {
	id    string
	proto string // TCP, UDP, ICMPv4 or ICMPv6
	port  string // the destination port, or the ICMP type
}

var seedServices = []seedService{
	{"HTTPS", "TCP", "443"}, {"HTTP", "TCP", "80"}, {"SSH", "TCP", "22"}, {"MySQL", "TCP", "3306"},
	{"DNS", "UDP", "53"}, {"NTP", "UDP", "123"}, {"FTP", "TCP", "21"}, {"ICMP-ALL", "ICMPv4", ""},
	// Predefined services the stock NDP and DHCP rules name.
	{"IPv6-ICMP_Neighbor_Solicitation", "ICMPv6", "135"}, {"IPv6-ICMP_Neighbor_Advertisement", "ICMPv6", "136"},
	{"DHCP-Server", "UDP", "67"}, {"DHCP-Client", "UDP", "68"},
}

type seedRule struct {
	id           string
	name         string // display_name when it is not the id
	ruleID       int64
	seq          int64
	src, dst     []string
	services     []string
	profiles     []string // context profiles; nil: ANY
	action       string
	loggedSeed   bool // logged with -seed
	loggedClean  bool // logged with -seed=false
	disabled     bool
	seedOnly     bool // absent from the clean DFW
	isDefault    bool
	desc         string
	anomalyKinds []string
}

type seedPolicy struct {
	id        string
	category  string
	seq       int64
	desc      string
	isDefault bool
	stateless bool
	name      string // display_name when it is not the id
	rules     []seedRule
}

var anyList = []string{"ANY"}

var seedPolicies = []seedPolicy{
	{id: "quarantine", category: "Emergency", seq: 10, desc: "Isolate quarantined VMs", rules: []seedRule{
		{id: "drop-quarantined", ruleID: 1001, seq: 10, src: groupPaths("quarantine"), dst: anyList, services: anyList,
			action: "DROP", loggedSeed: true, loggedClean: true, desc: "Drop all traffic from quarantined VMs"},
	}},
	{id: "infra-services", category: "Infrastructure", seq: 20, desc: "Shared infrastructure services", rules: []seedRule{
		{id: "allow-dns", ruleID: 1002, seq: 10, src: groupPaths("web-servers", "app-servers", "db-servers"),
			dst: groupPaths("mgmt-hosts"), services: servicePaths("DNS", "NTP"), profiles: contextProfiles("DNS", "NTP"),
			action:     "ALLOW",
			loggedSeed: true, loggedClean: true, desc: "DNS and NTP to the management hosts"},
		{id: "allow-mgmt-ssh", ruleID: 1003, seq: 20, src: groupPaths("mgmt-hosts"),
			dst: groupPaths("web-servers", "app-servers", "db-servers"), services: servicePaths("SSH"), profiles: contextProfiles("SSH"),
			action:     "ALLOW",
			loggedSeed: true, loggedClean: true, desc: "SSH from the management hosts"},
	}},
	{id: "web-tier", category: "Application", seq: 100, desc: "Web tier", rules: []seedRule{
		{id: "allow-https-in", ruleID: 1004, seq: 10, src: anyList, dst: groupPaths("web-servers"),
			services: servicePaths("HTTPS"), profiles: contextProfiles("SSL"),
			action: "ALLOW", loggedSeed: true, loggedClean: true,
			desc: "HTTPS to the web servers"},
		{id: "allow-web-to-app", ruleID: 1005, seq: 20, src: groupPaths("web-servers"), dst: groupPaths("app-servers"),
			services: servicePaths("HTTP"), profiles: contextProfiles("HTTP"),
			action: "ALLOW", loggedSeed: false, loggedClean: true,
			desc: "Web servers to application servers", anomalyKinds: []string{"allow-not-logged"}},
		{id: "legacy-any-any", ruleID: 1006, seq: 30, src: anyList, dst: anyList, services: anyList, action: "ALLOW",
			loggedSeed: true, seedOnly: true, desc: "Temporary rule from the migration",
			anomalyKinds: []string{"any-any-allow", "default-deny-shadowed"}},
		{id: "old-ftp", ruleID: 1007, seq: 40, src: groupPaths("app-servers"), dst: groupPaths("db-servers"),
			services: servicePaths("FTP"), profiles: contextProfiles("FTP"),
			action: "ALLOW", loggedSeed: true, disabled: true, seedOnly: true,
			desc: "Old FTP transfer, no longer used", anomalyKinds: []string{"disabled-rule"}},
	}},
	{id: "db-tier", category: "Application", seq: 200, desc: "Database tier", rules: []seedRule{
		{id: "allow-app-to-db", ruleID: 1008, seq: 10, src: groupPaths("app-servers"),
			dst: groupPaths("db-servers", "cde-segment"), services: servicePaths("MySQL"), profiles: contextProfiles("MYSQL"),
			action:     "ALLOW",
			loggedSeed: true, loggedClean: true, desc: "Application servers to MySQL"},
	}},
	// The manager's own sections.  default-layer3-section ships with its
	// default rule ALLOW; this estate has set it to DROP (what the DFW STIG
	// and PCI DSS ask) and turned logging on for the NDP and DHCP rules.
	// default-layer2-section is as shipped: one unlogged ALLOW ANY/ANY that
	// matches MAC addresses only, before any layer-3 rule.
	{id: "default-layer3-section", name: "Default Layer3 Section", category: "Application", seq: 1000,
		isDefault: true, desc: "Default section: deny what no rule allowed", rules: []seedRule{
			{id: "default-rule-ndp", name: "Default Rule NDP", ruleID: 3, seq: 1, src: anyList, dst: anyList,
				services: servicePaths("IPv6-ICMP_Neighbor_Solicitation", "IPv6-ICMP_Neighbor_Advertisement"),
				action:   "ALLOW", loggedSeed: true, loggedClean: true, isDefault: true, desc: "IPv6 neighbour discovery"},
			{id: "default-rule-dhcp", name: "Default Rule DHCP", ruleID: 4, seq: 2, src: anyList, dst: anyList,
				services: servicePaths("DHCP-Server", "DHCP-Client"), action: "ALLOW", loggedSeed: true,
				loggedClean: true, isDefault: true, desc: "DHCP"},
			{id: "default-layer3-rule", name: "Default Layer3 Rule", ruleID: 2, seq: 10, src: anyList,
				dst: anyList, services: anyList, action: "DROP", loggedSeed: true, loggedClean: true,
				isDefault: true, desc: "Default deny"},
		}},
	{id: "default-layer2-section", name: "Default Layer2 Section", category: "Ethernet", seq: 1000,
		isDefault: true, stateless: true, desc: "Default layer-2 section", rules: []seedRule{
			{id: "default-layer2-rule", name: "Default Layer2 Rule", ruleID: 1, seq: 10, src: anyList,
				dst: anyList, services: anyList, action: "ALLOW", isDefault: true, desc: "Default layer-2 rule"},
		}},
}

const firstFreeRuleID = 1010

// buildDFW returns a fresh store in the start-up state for cfg.
func buildDFW(cfg config) *store {
	st := newStore()
	de := st.addDomain("default")
	t := seedTime

	for _, sg := range seedGroups {
		g := newGroup(domainPath, sg.id, seedUser, t)
		g.Description = sg.desc
		g.Expression = []json.RawMessage{json.RawMessage(sg.expression)}
		de.groups[g.ID] = g
	}
	for _, ss := range seedServices {
		s := newService(ss.id, seedUser, t)
		var entry interface{}
		if ss.proto == "ICMPv4" {
			entry = map[string]interface{}{
				"resource_type": "ICMPTypeServiceEntry", "id": ss.id, "display_name": ss.id,
				"protocol": "ICMPv4",
			}
		} else if ss.proto == "ICMPv6" {
			t, _ := strconv.Atoi(ss.port)
			entry = map[string]interface{}{
				"resource_type": "ICMPTypeServiceEntry", "id": ss.id, "display_name": ss.id,
				"protocol": "ICMPv6", "icmp_type": t,
			}
		} else {
			entry = struct {
				ResourceType     string   `json:"resource_type"`
				ID               string   `json:"id"`
				DisplayName      string   `json:"display_name"`
				L4Protocol       string   `json:"l4_protocol"`
				SourcePorts      []string `json:"source_ports"`
				DestinationPorts []string `json:"destination_ports"`
			}{"L4PortSetServiceEntry", ss.id, ss.id, ss.proto, []string{}, []string{ss.port}}
		}
		b, _ := json.Marshal(entry)
		s.ServiceEntries = []json.RawMessage{b}
		st.services[s.ID] = s
	}
	for _, sp := range seedPolicies {
		p := newPolicy(domainPath, sp.id, seedUser, t)
		p.Category, p.SequenceNumber, p.Description, p.IsDefault = sp.category, sp.seq, sp.desc, sp.isDefault
		p.Stateful = !sp.stateless
		p.TCPStrict = !sp.stateless
		if sp.name != "" {
			p.DisplayName = sp.name
		}
		pe := &policyEntry{p: p, rules: map[string]*Rule{}}
		for _, sr := range sp.rules {
			if sr.seedOnly && !cfg.seed {
				continue
			}
			r := newRule(p.Path, sr.id, seedUser, t)
			r.RuleID, r.SequenceNumber, r.Description, r.IsDefault = sr.ruleID, sr.seq, sr.desc, sr.isDefault
			r.SourceGroups, r.DestinationGroups, r.Services = sr.src, sr.dst, sr.services
			if sr.profiles != nil {
				r.Profiles = sr.profiles
			}
			r.Action, r.Disabled = sr.action, sr.disabled
			if sr.name != "" {
				r.DisplayName = sr.name
			}
			r.Logged = sr.loggedClean
			if cfg.seed {
				r.Logged = sr.loggedSeed
			}
			pe.rules[r.ID] = r
		}
		de.policies[p.ID] = pe
	}
	st.nextRuleID = firstFreeRuleID
	seedProfiles(st)

	if cfg.rules > 0 {
		addBench(st, de, cfg.policies, cfg.rules)
	}
	return st
}

// addBench adds n rules in contiguous blocks over np policies (category
// Application, between db-tier and the default section).
func addBench(st *store, de *domainEntry, np, n int) {
	t := seedTime
	for _, id := range []string{"bench-src", "bench-dst"} {
		g := newGroup(domainPath, id, seedUser, t)
		cidr := "10.100.0.0/16"
		if id == "bench-dst" {
			cidr = "10.200.0.0/16"
		}
		g.Description = "Bench group"
		g.Expression = []json.RawMessage{json.RawMessage(
			`{"resource_type":"IPAddressExpression","ip_addresses":["` + cidr + `"]}`)}
		de.groups[id] = g
	}
	src, dst, svc := groupPaths("bench-src"), groupPaths("bench-dst"), servicePaths("HTTPS")
	next := 0
	for j := 0; j < np; j++ {
		p := newPolicy(domainPath, fmt.Sprintf("bench-policy-%04d", j+1), seedUser, t)
		p.SequenceNumber = 300 + int64(j)*700/int64(np)
		p.Description = "Bench policy"
		pe := &policyEntry{p: p, rules: map[string]*Rule{}}
		end := (j + 1) * n / np
		for ; next < end; next++ {
			r := newRule(p.Path, fmt.Sprintf("bench-rule-%06d", next+1), seedUser, t)
			r.RuleID = st.nextRuleID
			st.nextRuleID++
			r.SequenceNumber = int64(next + 1)
			r.SourceGroups, r.DestinationGroups, r.Services = src, dst, svc
			r.Action, r.Logged = "ALLOW", true
			pe.rules[r.ID] = r
		}
		de.policies[p.ID] = pe
	}
}

// anomaly is one entry of GET /lab/seed.
type anomaly struct {
	N      int    `json:"n"`
	Kind   string `json:"kind"`
	Rule   string `json:"rule"`
	Policy string `json:"policy"`
	Other  string `json:"other_rule,omitempty"`
	What   string `json:"what"`
}

type seedInfo struct {
	Seeded       bool      `json:"seeded"`
	Anomalies    []anomaly `json:"anomalies"`
	BenchRules   int       `json:"bench_rules"`
	BenchPolicy  int       `json:"bench_policies"`
	CleanChanges []string  `json:"clean_differences"`
}

var anomalyOrder = []string{"allow-not-logged", "any-any-allow", "disabled-rule", "default-deny-shadowed"}

var anomalyText = map[string]string{
	"allow-not-logged":      "ALLOW rule with logging off (logged=false)",
	"any-any-allow":         "enabled ALLOW rule with source, destination and service all ANY",
	"disabled-rule":         "disabled rule left in the rule base",
	"default-deny-shadowed": "an enabled ANY/ANY/ANY ALLOW comes before the default deny, which therefore never matches",
}

// seedReport describes the seeded anomalies (none with -seed=false).
func seedReport(cfg config) seedInfo {
	info := seedInfo{Seeded: cfg.seed, Anomalies: []anomaly{},
		CleanChanges: []string{
			domainPath + "/security-policies/web-tier/rules/allow-web-to-app: logged true",
			domainPath + "/security-policies/web-tier/rules/legacy-any-any: absent",
			domainPath + "/security-policies/web-tier/rules/old-ftp: absent",
		}}
	if cfg.rules > 0 {
		info.BenchRules, info.BenchPolicy = cfg.rules, cfg.policies
	}
	if !cfg.seed {
		return info
	}
	for n, kind := range anomalyOrder {
		for _, sp := range seedPolicies {
			ppath := domainPath + "/security-policies/" + sp.id
			for _, sr := range sp.rules {
				for _, k := range sr.anomalyKinds {
					if k != kind {
						continue
					}
					a := anomaly{N: n + 1, Kind: kind, Rule: ppath + "/rules/" + sr.id, Policy: ppath, What: anomalyText[kind]}
					if kind == "default-deny-shadowed" {
						a.Other = domainPath + "/security-policies/default-layer3-section/rules/default-layer3-rule"
					}
					info.Anomalies = append(info.Anomalies, a)
				}
			}
		}
	}
	return info
}
