package main

// model.go: the Policy API objects (Domain, SecurityPolicy, Rule, Group,
// Service), their JSON shape, and how a PATCH/PUT body is validated and
// applied to them. Fields are encoded in declaration order, so every
// response is byte-for-byte deterministic for a given state.

import (
	"bytes"
	"crypto/sha1"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// seedTime is the creation/modification time (ms since the epoch) of every
// object the lab starts with; changes use the wall clock.
const seedTime int64 = 1700000000000

// Tag is the NSX tag pair.
type Tag struct {
	Scope string `json:"scope"`
	Tag   string `json:"tag"`
}

// meta holds what every managed policy object carries.
type meta struct {
	ResourceType     string `json:"resource_type"`
	ID               string `json:"id"`
	DisplayName      string `json:"display_name"`
	Description      string `json:"description,omitempty"`
	Tags             []Tag  `json:"tags,omitempty"`
	Path             string `json:"path"`
	RelativePath     string `json:"relative_path"`
	ParentPath       string `json:"parent_path"`
	UniqueID         string `json:"unique_id"`
	MarkedForDelete  bool   `json:"marked_for_delete"`
	Overridden       bool   `json:"overridden"`
	Revision         int64  `json:"_revision"`
	CreateUser       string `json:"_create_user"`
	CreateTime       int64  `json:"_create_time"`
	LastModifiedUser string `json:"_last_modified_user"`
	LastModifiedTime int64  `json:"_last_modified_time"`
	SystemOwned      bool   `json:"_system_owned"`
	Protection       string `json:"_protection"`
}

func newMeta(resourceType, parentPath, collection, id, user string, t int64) meta {
	path := parentPath + "/" + collection + "/" + id
	return meta{
		ResourceType: resourceType, ID: id, DisplayName: id,
		Path: path, RelativePath: id, ParentPath: parentPath, UniqueID: uuidFor(path),
		CreateUser: user, CreateTime: t, LastModifiedUser: user, LastModifiedTime: t,
		Protection: "NOT_PROTECTED",
	}
}

// uuidFor derives a stable UUID-shaped unique_id from a path (name-based,
// version 5 layout), so runs and resets agree.
func uuidFor(path string) string {
	h := sha1.Sum([]byte("harden-nsxlab:" + path))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// Domain is /infra/domains/<id>.
type Domain struct {
	meta
}

// SecurityPolicy is /infra/domains/<d>/security-policies/<id>. Rules are
// stored apart; Rules is only filled in single-object responses.
type SecurityPolicy struct {
	meta
	Category       string   `json:"category"`
	SequenceNumber int64    `json:"sequence_number"`
	Stateful       bool     `json:"stateful"`
	TCPStrict      bool     `json:"tcp_strict"`
	Locked         bool     `json:"locked"`
	Scope          []string `json:"scope"`
	IsDefault      bool     `json:"is_default"`
	RuleCount      int      `json:"rule_count"`
	Rules          []*Rule  `json:"rules,omitempty"`
}

// Rule is .../security-policies/<p>/rules/<id>.
type Rule struct {
	meta
	RuleID               int64    `json:"rule_id"`
	SequenceNumber       int64    `json:"sequence_number"`
	SourceGroups         []string `json:"source_groups"`
	DestinationGroups    []string `json:"destination_groups"`
	SourcesExcluded      bool     `json:"sources_excluded"`
	DestinationsExcluded bool     `json:"destinations_excluded"`
	Services             []string `json:"services"`
	Profiles             []string `json:"profiles"`
	Scope                []string `json:"scope"`
	Action               string   `json:"action"`
	Direction            string   `json:"direction"`
	IPProtocol           string   `json:"ip_protocol"`
	Logged               bool     `json:"logged"`
	Disabled             bool     `json:"disabled"`
	Tag                  string   `json:"tag,omitempty"`
	Notes                string   `json:"notes,omitempty"`
	IsDefault            bool     `json:"is_default"`
}

// Group is /infra/domains/<d>/groups/<id>; expressions are kept verbatim.
type Group struct {
	meta
	Expression []json.RawMessage `json:"expression"`
}

// Service is /infra/services/<id>; service entries are kept verbatim.
type Service struct {
	meta
	ServiceEntries []json.RawMessage `json:"service_entries"`
}

func any1() []string { return []string{"ANY"} }

func newPolicy(domainPath, id, user string, t int64) *SecurityPolicy {
	return &SecurityPolicy{
		meta:     newMeta("SecurityPolicy", domainPath, "security-policies", id, user, t),
		Category: "Application", Stateful: true, TCPStrict: true, Scope: any1(),
	}
}

func newRule(policyPath, id, user string, t int64) *Rule {
	return &Rule{
		meta:         newMeta("Rule", policyPath, "rules", id, user, t),
		SourceGroups: any1(), DestinationGroups: any1(), Services: any1(), Profiles: any1(), Scope: any1(),
		Action: "ALLOW", Direction: "IN_OUT", IPProtocol: "IPV4_IPV6",
	}
}

func newGroup(domainPath, id, user string, t int64) *Group {
	return &Group{meta: newMeta("Group", domainPath, "groups", id, user, t), Expression: []json.RawMessage{}}
}

func newService(id, user string, t int64) *Service {
	return &Service{meta: newMeta("Service", "/infra", "services", id, user, t), ServiceEntries: []json.RawMessage{}}
}

func newDomain(id string) *Domain {
	return &Domain{meta: newMeta("Domain", "/infra", "domains", id, "system", seedTime)}
}

// ---------------------------------------------------------------------------
// Validation and application of request bodies

// apiError is an NSX error response.
type apiError struct {
	status int
	code   int
	module string
	msg    string
}

func (e *apiError) Error() string { return e.msg }

const (
	codeNotFound   = 600
	codeBadRequest = 500012
	codeBadParam   = 255
	codeStale      = 604
)

func badField(format string, a ...interface{}) *apiError {
	return &apiError{status: 400, code: codeBadRequest, module: "Policy", msg: fmt.Sprintf(format, a...)}
}

func notFound(path string) *apiError {
	return &apiError{status: 404, code: codeNotFound, module: "common-services",
		msg: fmt.Sprintf("The path=[%s] is invalid", path)}
}

// parseBody decodes a request body that must be one JSON object. Keys keep
// their raw values; the last of duplicate keys wins.
func parseBody(body []byte) (map[string]json.RawMessage, *apiError) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, badField("The request body is empty; a JSON object is required")
	}
	if trimmed[0] != '{' {
		return nil, badField("The request body must be a JSON object")
	}
	var m map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if err := dec.Decode(&m); err != nil {
		return nil, badField("The request body is not valid JSON: %v", err)
	}
	if dec.More() {
		return nil, badField("The request body has data after the JSON object")
	}
	return m, nil
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

func decodeAny(raw json.RawMessage) (interface{}, error) {
	var v interface{}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	err := dec.Decode(&v)
	return v, err
}

func jsonType(v interface{}) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number:
		return "number"
	case string:
		return "string"
	case []interface{}:
		return "array"
	}
	return "object"
}

func wantString(field string, raw json.RawMessage) (string, *apiError) {
	v, _ := decodeAny(raw)
	s, ok := v.(string)
	if !ok {
		return "", badField("Field '%s' must be a string, got %s", field, jsonType(v))
	}
	return s, nil
}

func wantBool(field string, raw json.RawMessage) (bool, *apiError) {
	v, _ := decodeAny(raw)
	b, ok := v.(bool)
	if !ok {
		return false, badField("Field '%s' must be a boolean, got %s", field, jsonType(v))
	}
	return b, nil
}

// wantInt accepts a JSON integer (no fraction, no exponent) >= 0.
func wantInt(field string, raw json.RawMessage) (int64, *apiError) {
	v, _ := decodeAny(raw)
	n, ok := v.(json.Number)
	if !ok {
		return 0, badField("Field '%s' must be a non-negative integer, got %s", field, jsonType(v))
	}
	i, err := strconv.ParseInt(n.String(), 10, 64)
	if err != nil || i < 0 {
		return 0, badField("Field '%s' must be a non-negative integer, got %s", field, n.String())
	}
	return i, nil
}

func wantEnum(field string, raw json.RawMessage, allowed ...string) (string, *apiError) {
	s, e := wantString(field, raw)
	if e != nil {
		return "", e
	}
	for _, a := range allowed {
		if s == a {
			return s, nil
		}
	}
	return "", badField("Field '%s' has invalid value '%s'; allowed values are %s", field, s, strings.Join(allowed, ", "))
}

// wantPaths validates a group/service/scope list: a non-empty array of
// non-empty strings, where "ANY" stands alone.
func wantPaths(field string, raw json.RawMessage) ([]string, *apiError) {
	v, _ := decodeAny(raw)
	arr, ok := v.([]interface{})
	if !ok {
		return nil, badField("Field '%s' must be an array of strings, got %s", field, jsonType(v))
	}
	if len(arr) == 0 {
		return nil, badField("Field '%s' must not be empty; use [\"ANY\"]", field)
	}
	out := make([]string, 0, len(arr))
	for i, x := range arr {
		s, ok := x.(string)
		if !ok {
			return nil, badField("Field '%s' must be an array of strings; element %d is %s", field, i, jsonType(x))
		}
		if strings.TrimSpace(s) == "" {
			return nil, badField("Field '%s' element %d is empty", field, i)
		}
		out = append(out, s)
	}
	if len(out) > 1 {
		for _, s := range out {
			if s == "ANY" {
				return nil, badField("Field '%s': ANY cannot be combined with other values", field)
			}
		}
	}
	return out, nil
}

func wantTags(raw json.RawMessage) ([]Tag, *apiError) {
	v, _ := decodeAny(raw)
	arr, ok := v.([]interface{})
	if !ok {
		return nil, badField("Field 'tags' must be an array of {scope, tag} objects, got %s", jsonType(v))
	}
	var out []Tag
	for i, x := range arr {
		o, ok := x.(map[string]interface{})
		if !ok {
			return nil, badField("Field 'tags' element %d must be an object", i)
		}
		var t Tag
		for k, val := range o {
			s, ok := val.(string)
			if !ok {
				return nil, badField("Field 'tags' element %d: '%s' must be a string", i, k)
			}
			switch k {
			case "scope":
				t.Scope = s
			case "tag":
				t.Tag = s
			}
		}
		out = append(out, t)
	}
	return out, nil
}

// wantObjects validates an array of JSON objects kept verbatim (group
// expressions, service entries).
func wantObjects(field string, raw json.RawMessage) ([]json.RawMessage, *apiError) {
	var arr []json.RawMessage
	if err := json.Unmarshal(raw, &arr); err != nil {
		v, _ := decodeAny(raw)
		return nil, badField("Field '%s' must be an array of objects, got %s", field, jsonType(v))
	}
	out := make([]json.RawMessage, 0, len(arr))
	for i, el := range arr {
		el = bytes.TrimSpace(el)
		if len(el) == 0 || el[0] != '{' {
			return nil, badField("Field '%s' element %d must be an object", field, i)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, el); err != nil {
			return nil, badField("Field '%s' element %d: %v", field, i, err)
		}
		out = append(out, json.RawMessage(compact.Bytes()))
	}
	return out, nil
}

// readOnly lists keys the server derives or owns; bodies may carry them
// (clients often send back what they read) and they are ignored.
var readOnly = map[string]bool{
	"id": true, "path": true, "relative_path": true, "parent_path": true, "resource_type": true,
	"unique_id": true, "realization_id": true, "marked_for_delete": true, "overridden": true,
	"_revision": true, "_create_user": true, "_create_time": true, "_last_modified_user": true,
	"_last_modified_time": true, "_system_owned": true, "_protection": true, "_links": true,
	"_schema": true, "_self": true, "rule_count": true, "rule_id": true, "is_default": true,
	"children": true,
}

// applyMeta handles the keys common to all objects. handled reports whether
// the key belongs to meta (or is read-only).
func applyMeta(m *meta, key string, raw json.RawMessage) (bool, *apiError) {
	if readOnly[key] {
		return true, nil
	}
	var e *apiError
	switch key {
	case "display_name":
		var s string
		if s, e = wantString(key, raw); e == nil {
			if len(s) > 255 {
				return true, badField("Field 'display_name' is longer than 255 characters")
			}
			m.DisplayName = s
		}
	case "description":
		m.Description, e = wantString(key, raw)
	case "tags":
		m.Tags, e = wantTags(raw)
	default:
		return false, nil
	}
	return true, e
}

var categories = []string{"Ethernet", "Emergency", "Infrastructure", "Environment", "Application"}

// applyBody applies body to obj (one of the object types). Unknown keys are
// ignored. A null value restores the field's default (taken from def).
func applyBody(obj, def interface{}, body map[string]json.RawMessage) *apiError {
	keys := make([]string, 0, len(body))
	for k := range body {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic choice of the reported error
	var defaults map[string]json.RawMessage
	for _, key := range keys {
		raw := body[key]
		if isNull(raw) {
			if readOnly[key] {
				continue
			}
			if defaults == nil {
				b, _ := json.Marshal(def)
				_ = json.Unmarshal(b, &defaults)
			}
			d, ok := defaults[key]
			if !ok {
				if key == "description" || key == "tags" || key == "tag" || key == "notes" {
					d = json.RawMessage(`""`)
					if key == "tags" {
						d = json.RawMessage(`[]`)
					}
				} else {
					continue
				}
			}
			raw = d
		}
		if e := applyKey(obj, key, raw); e != nil {
			return e
		}
	}
	return nil
}

func applyKey(obj interface{}, key string, raw json.RawMessage) *apiError {
	var e *apiError
	switch o := obj.(type) {
	case *SecurityPolicy:
		if ok, e := applyMeta(&o.meta, key, raw); ok {
			return e
		}
		switch key {
		case "category":
			o.Category, e = wantEnum(key, raw, categories...)
		case "sequence_number":
			o.SequenceNumber, e = wantInt(key, raw)
		case "stateful":
			o.Stateful, e = wantBool(key, raw)
		case "tcp_strict":
			o.TCPStrict, e = wantBool(key, raw)
		case "locked":
			o.Locked, e = wantBool(key, raw)
		case "scope":
			o.Scope, e = wantPaths(key, raw)
		}
	case *Rule:
		if ok, e := applyMeta(&o.meta, key, raw); ok {
			return e
		}
		switch key {
		case "sequence_number":
			o.SequenceNumber, e = wantInt(key, raw)
		case "source_groups":
			o.SourceGroups, e = wantPaths(key, raw)
		case "destination_groups":
			o.DestinationGroups, e = wantPaths(key, raw)
		case "services":
			o.Services, e = wantPaths(key, raw)
		case "profiles":
			o.Profiles, e = wantPaths(key, raw)
		case "scope":
			o.Scope, e = wantPaths(key, raw)
		case "sources_excluded":
			o.SourcesExcluded, e = wantBool(key, raw)
		case "destinations_excluded":
			o.DestinationsExcluded, e = wantBool(key, raw)
		case "action":
			o.Action, e = wantEnum(key, raw, "ALLOW", "DROP", "REJECT", "JUMP_TO_APPLICATION")
		case "direction":
			o.Direction, e = wantEnum(key, raw, "IN", "OUT", "IN_OUT")
		case "ip_protocol":
			o.IPProtocol, e = wantEnum(key, raw, "IPV4", "IPV6", "IPV4_IPV6")
		case "logged":
			o.Logged, e = wantBool(key, raw)
		case "disabled":
			o.Disabled, e = wantBool(key, raw)
		case "tag":
			o.Tag, e = wantString(key, raw)
		case "notes":
			o.Notes, e = wantString(key, raw)
		}
	case *Group:
		if ok, e := applyMeta(&o.meta, key, raw); ok {
			return e
		}
		if key == "expression" {
			o.Expression, e = wantObjects(key, raw)
		}
	case *Service:
		if ok, e := applyMeta(&o.meta, key, raw); ok {
			return e
		}
		if key == "service_entries" {
			o.ServiceEntries, e = wantObjects(key, raw)
		}
	}
	return e
}

// revisionOf returns the body's _revision, if any.
func revisionOf(body map[string]json.RawMessage) (int64, bool, *apiError) {
	raw, ok := body["_revision"]
	if !ok || isNull(raw) {
		return 0, false, nil
	}
	v, _ := decodeAny(raw)
	n, isNum := v.(json.Number)
	if !isNum {
		return 0, false, badField("Field '_revision' must be an integer, got %s", jsonType(v))
	}
	i, err := strconv.ParseInt(n.String(), 10, 64)
	if err != nil {
		return 0, false, badField("Field '_revision' must be an integer, got %s", n.String())
	}
	return i, true, nil
}

// validID checks an id taken from the URL.
func validID(id string) *apiError {
	if id == "" || len(id) > 255 {
		return badField("Invalid id '%s': ids are 1 to 255 characters", id)
	}
	for _, c := range id {
		if c < 0x20 || c == 0x7f || c == '/' {
			return badField("Invalid id '%s': control characters and '/' are not allowed", id)
		}
	}
	return nil
}
