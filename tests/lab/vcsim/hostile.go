package main

// hostile.go: switches that make the SOAP front end behave like a broken or
// hostile vCenter, for testing how a client copes (see "Hostile-server
// switches" in tests/lab/README.md). They are set through /lab/* endpoints
// handled here, and /lab/reset-faults clears them all.
//
// Three hooks in control.go's serveSDK use this file:
//   - hostile.intercept answers a call itself, without vcsim (token loops,
//     empty answers, SOAP faults with control characters);
//   - hostile.rewrite edits vcsim's answer to a property-collector call
//     (nested, duplicated and corrupted objects);
//   - hostileWrite sends the answer, padded to a size or dripped slowly.
//
// Every switch takes count=N: it applies to the next N matching calls and
// then clears itself; without count it stays until /lab/reset-faults, and
// count=0 clears it at once.

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"harden/labkit"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const (
	soapHead = `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/"` +
		` xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"` +
		` xmlns:xsd="http://www.w3.org/2001/XMLSchema"` +
		` xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>`
	soapTail = `</soapenv:Body></soapenv:Envelope>`
)

// defaultFaultText is the /lab/soap-fault message: a newline followed by
// text that looks like a log line of harden's, a carriage return, ANSI
// escape sequences and the C1 controls CSI (U+009B) and OSC (U+009D).
const defaultFaultText = "Cannot complete login due to an incorrect user name or password.\n" +
	"harden: forged\rharden: overwritten \x1b[31mred\x1b[0m \x1b]0;title\x1b\\ " +
	"\u009b2J \u009d0;osc-title\u009c end"

// hostileCall is one switch's filter and remaining uses (-1 = until reset).
type hostileCall struct {
	left int
}

// use consumes one application; false when the switch is spent.
func (h *hostileCall) use() bool {
	if h == nil || h.left == 0 {
		return false
	}
	if h.left > 0 {
		h.left--
	}
	return true
}

type tokenLoop struct {
	hostileCall
	typ   string // "" = any RetrievePropertiesEx
	same  bool   // repeat one token instead of a fresh one per answer
	token string
}

type emptyRule struct {
	hostileCall
	typ       string
	returnval bool // <returnval></returnval> rather than no returnval at all
}

type objRule struct { // /lab/nest and /lab/duplicate
	hostileCall
	typ   string
	moref string
	how   string // nest: wrap|inner; duplicate: first|all
	name  string // nest: the extra element's name
}

type corruptRule struct {
	hostileCall
	typ, moref, path, key string
	form                  string // text|raw|nil|type|untyped
	value, xsiType        string
}

type sizeRule struct { // /lab/huge and /lab/drip
	hostileCall
	method string // a SOAP method name, or "any"
	bytes  int    // huge: total body size
	fill   string // huge: space|element|comment
	chunk  int    // drip: bytes per write
	every  time.Duration
}

type faultRule struct {
	hostileCall
	method, text, fault string
	charref             bool
}

type hostileState struct {
	mu        sync.Mutex
	loop      *tokenLoop
	loopToks  map[string]bool // tokens handed out by the loop (for Continue/Cancel)
	empty     []*emptyRule
	nest      []*objRule
	dup       []*objRule
	corrupt   []*corruptRule
	huge      *sizeRule
	drip      *sizeRule
	soapFault []*faultRule
	served    int64
}

var hostile = &hostileState{loopToks: map[string]bool{}}

func (h *hostileState) reset() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.loop, h.loopToks = nil, map[string]bool{}
	h.empty, h.nest, h.dup, h.corrupt, h.soapFault = nil, nil, nil, nil, nil
	h.huge, h.drip = nil, nil
}

// ---------------------------------------------------------------------------
// Request inspection

// specTypes returns the <type> of every propSet in a RetrieveProperties(Ex)
// request (the types whose properties are asked for).
func specTypes(body []byte) []string {
	var out []string
	d := xml.NewDecoder(bytes.NewReader(body))
	var stack []string
	for {
		tok, err := d.RawToken()
		if err != nil {
			return out
		}
		switch t := tok.(type) {
		case xml.StartElement:
			stack = append(stack, t.Name.Local)
		case xml.EndElement:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case xml.CharData:
			n := len(stack)
			if n >= 2 && stack[n-1] == "type" && stack[n-2] == "propSet" {
				out = append(out, strings.TrimSpace(string(t)))
			}
		}
	}
}

func asksFor(body []byte, typ string) bool {
	if typ == "" {
		return true
	}
	for _, t := range specTypes(body) {
		if t == typ {
			return true
		}
	}
	return false
}

var tokenElem = regexp.MustCompile(`<(?:[A-Za-z0-9_]+:)?token[^>]*>([^<]*)</`)

func requestToken(body []byte) string {
	if m := tokenElem.FindSubmatch(body); m != nil {
		return strings.TrimSpace(string(m[1]))
	}
	return ""
}

// ---------------------------------------------------------------------------
// Answers made up by the lab

func writeSOAP(w http.ResponseWriter, code int, inner string) {
	b := soapHead + inner + soapTail
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(code)
	_, _ = w.Write([]byte(b))
}

// faultXMLText escapes s for XML character data: markup characters always;
// control characters (C0 but tab, DEL, C1) as character references only
// with charref, otherwise they are sent as they are.
func faultXMLText(s string, charref bool) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case charref && r != '\t' && (r < 0x20 || (r >= 0x7f && r <= 0x9f)):
			fmt.Fprintf(&b, "&#%d;", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// intercept answers the call itself when a switch says so; true if it did.
func (h *hostileState) intercept(w http.ResponseWriter, call soapCall, body []byte, authed bool) bool {
	h.mu.Lock()
	defer h.mu.Unlock()

	for i, f := range h.soapFault {
		if f.method != "any" && f.method != call.method {
			continue
		}
		f.use()
		if f.left == 0 {
			h.soapFault = append(h.soapFault[:i:i], h.soapFault[i+1:]...)
		}
		atomic.AddInt64(&h.served, 1)
		detail := ""
		if f.fault != "" {
			detail = fmt.Sprintf(`<detail><%sFault xmlns="urn:vim25" xsi:type="%s"></%sFault></detail>`, f.fault, f.fault, f.fault)
		}
		writeSOAP(w, http.StatusInternalServerError, `<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>`+
			faultXMLText(f.text, f.charref)+`</faultstring>`+detail+`</soapenv:Fault>`)
		return true
	}
	if !authed { // vcsim faults NotAuthenticated as usual
		return false
	}

	switch call.method {
	case "RetrievePropertiesEx", "RetrieveProperties":
		if l := h.loop; call.method == "RetrievePropertiesEx" && l != nil && asksFor(body, l.typ) && l.use() {
			h.answerLoop(w, "RetrievePropertiesExResponse")
			return true
		}
		for i, e := range h.empty {
			if !asksFor(body, e.typ) || !e.use() {
				continue
			}
			if e.left == 0 {
				h.empty = append(h.empty[:i:i], h.empty[i+1:]...)
			}
			atomic.AddInt64(&h.served, 1)
			inner := ""
			if e.returnval {
				inner = "<returnval></returnval>"
			}
			writeSOAP(w, http.StatusOK, "<"+call.method+`Response xmlns="urn:vim25">`+inner+"</"+call.method+"Response>")
			return true
		}
	case "ContinueRetrievePropertiesEx":
		tok := requestToken(body)
		if !h.loopToks[tok] {
			return false
		}
		if h.loop != nil && h.loop.use() {
			delete(h.loopToks, tok)
			h.answerLoop(w, "ContinueRetrievePropertiesExResponse")
			return true
		}
		// The loop is spent: end the retrieval without objects.
		delete(h.loopToks, tok)
		atomic.AddInt64(&h.served, 1)
		writeSOAP(w, http.StatusOK, `<ContinueRetrievePropertiesExResponse xmlns="urn:vim25"><returnval></returnval></ContinueRetrievePropertiesExResponse>`)
		return true
	case "CancelRetrievePropertiesEx":
		tok := requestToken(body)
		if !h.loopToks[tok] {
			return false
		}
		delete(h.loopToks, tok)
		writeSOAP(w, http.StatusOK, `<CancelRetrievePropertiesExResponse xmlns="urn:vim25"></CancelRetrievePropertiesExResponse>`)
		return true
	}
	return false
}

// answerLoop sends a result with a token and no objects (h.mu held).
func (h *hostileState) answerLoop(w http.ResponseWriter, elem string) {
	l := h.loop
	tok := l.token
	if !l.same || tok == "" {
		tok = newToken()
		l.token = tok
	}
	h.loopToks[tok] = true
	if len(h.loopToks) > 4096 { // a client looping forever must not grow the lab
		h.loopToks = map[string]bool{tok: true}
	}
	atomic.AddInt64(&h.served, 1)
	writeSOAP(w, http.StatusOK, "<"+elem+` xmlns="urn:vim25"><returnval><token>`+tok+"</token></returnval></"+elem+">")
}

// ---------------------------------------------------------------------------
// Rewriting vcsim's answers

// xnode is an element of an answer with its byte offsets:
// out[start:inner] is the start tag, out[inner:close] the content,
// out[close:end] the end tag (empty for <a/>).
type xnode struct {
	name                     string
	start, inner, close, end int
	parent                   *xnode
	kids                     []*xnode
	text                     string // character data directly inside
}

func (n *xnode) child(name string) *xnode {
	for _, k := range n.kids {
		if k.name == name {
			return k
		}
	}
	return nil
}

func (n *xnode) childText(name string) string {
	if k := n.child(name); k != nil {
		return strings.TrimSpace(k.text)
	}
	return ""
}

func parseAnswer(out []byte) *xnode {
	root := &xnode{}
	cur := root
	d := xml.NewDecoder(bytes.NewReader(out))
	for {
		off := int(d.InputOffset())
		tok, err := d.RawToken()
		if err != nil {
			return root
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &xnode{name: t.Name.Local, start: off, inner: int(d.InputOffset()), parent: cur}
			cur.kids = append(cur.kids, n)
			cur = n
		case xml.EndElement:
			cur.close, cur.end = off, int(d.InputOffset())
			if cur.parent != nil {
				cur = cur.parent
			}
		case xml.CharData:
			cur.text += string(t)
		}
	}
}

// objectNodes returns the ObjectContent elements of a property-collector
// answer: <objects> under <returnval> (Ex calls) or each <returnval> of
// RetrievePropertiesResponse.
func objectNodes(root *xnode) []*xnode {
	var out []*xnode
	var walk func(n *xnode)
	walk = func(n *xnode) {
		for _, k := range n.kids {
			switch {
			case k.name == "objects" && n.name == "returnval":
				out = append(out, k)
			case k.name == "returnval" && n.name == "RetrievePropertiesResponse":
				out = append(out, k)
			default:
				walk(k)
			}
		}
	}
	walk(root)
	return out
}

func objMatches(obj *xnode, out []byte, typ, moref string) bool {
	o := obj.child("obj")
	if o == nil {
		return false
	}
	if typ != "" && !bytes.Contains(out[o.start:o.inner], []byte(`type="`+typ+`"`)) {
		return false
	}
	return moref == "" || strings.TrimSpace(o.text) == moref
}

type edit struct {
	at, to int // replace out[at:to]
	with   []byte
}

func applyEdits(out []byte, edits []edit) []byte {
	if len(edits) == 0 {
		return out
	}
	var b bytes.Buffer
	pos := 0
	for _, e := range edits { // callers add edits in document order
		b.Write(out[pos:e.at])
		b.Write(e.with)
		pos = e.to
	}
	b.Write(out[pos:])
	return b.Bytes()
}

var xsiTypeAttr = regexp.MustCompile(`\s+xsi:type="[^"]*"`)

// openTag returns n's start tag as an open tag (<a/> becomes <a>).
func openTag(out []byte, n *xnode) string {
	t := string(out[n.start:n.inner])
	if strings.HasSuffix(t, "/>") {
		t = strings.TrimSpace(strings.TrimSuffix(t, "/>")) + ">"
	}
	return t
}

func (r *corruptRule) replacement(out []byte, n *xnode) []byte {
	open, closeTag := openTag(out, n), "</"+n.name+">"
	content := string(out[n.inner:n.close])
	switch r.form {
	case "nil":
		return []byte("<" + n.name + ` xsi:nil="true"/>`)
	case "raw":
		content = r.value
	case "type":
		open = xsiTypeAttr.ReplaceAllString(open, "")
		open = open[:len(open)-1] + ` xsi:type="` + r.xsiType + `">`
	case "untyped":
		open = xsiTypeAttr.ReplaceAllString(open, "")
	default: // text: markup characters escaped, control characters as they are
		content = faultXMLText(r.value, false)
	}
	return []byte(open + content + closeTag)
}

// targets returns the elements of obj that path names: the <val> of the
// propSet whose name is path, or elements below the <val> of a propSet
// whose name is a dotted prefix of path, each further path segment being an
// element name. With key, only elements whose parent has <key>key</key>.
func (r *corruptRule) targets(obj *xnode) []*xnode {
	var out []*xnode
	for _, ps := range obj.kids {
		if ps.name != "propSet" {
			continue
		}
		name, val := ps.childText("name"), ps.child("val")
		if val == nil {
			continue
		}
		if r.path == name {
			out = append(out, val)
			continue
		}
		if !strings.HasPrefix(r.path, name+".") {
			continue
		}
		level := []*xnode{val}
		for _, seg := range strings.Split(r.path[len(name)+1:], ".") {
			var next []*xnode
			for _, n := range level {
				for _, k := range n.kids {
					if k.name == seg {
						next = append(next, k)
					}
				}
			}
			level = next
		}
		for _, n := range level {
			if r.key == "" || n.parent.childText("key") == r.key {
				out = append(out, n)
			}
		}
	}
	return out
}

// rewrite edits vcsim's answer to a property-collector call.
func (h *hostileState) rewrite(call soapCall, out []byte) []byte {
	switch call.method {
	case "RetrieveProperties", "RetrievePropertiesEx", "ContinueRetrievePropertiesEx":
	default:
		return out
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.corrupt)+len(h.dup)+len(h.nest) == 0 || !bytes.Contains(out, []byte("Response")) {
		return out
	}

	for i := 0; i < len(h.corrupt); i++ {
		r := h.corrupt[i]
		var edits []edit
		for _, obj := range objectNodes(parseAnswer(out)) {
			if !objMatches(obj, out, r.typ, r.moref) {
				continue
			}
			for _, n := range r.targets(obj) {
				edits = append(edits, edit{n.start, n.end, r.replacement(out, n)})
			}
		}
		if len(edits) > 0 && r.use() {
			out = applyEdits(out, edits)
			atomic.AddInt64(&h.served, 1)
			if r.left == 0 {
				h.corrupt = append(h.corrupt[:i:i], h.corrupt[i+1:]...)
				i--
			}
		}
	}
	out = h.objRules(&h.dup, out, func(out []byte, n *xnode) []edit {
		return []edit{{n.end, n.end, append([]byte(nil), out[n.start:n.end]...)}}
	})
	out = h.objRules(&h.nest, out, nil)
	return out
}

// objRules applies /lab/duplicate (dupEdit) or /lab/nest (dupEdit nil).
func (h *hostileState) objRules(rules *[]*objRule, out []byte, dupEdit func([]byte, *xnode) []edit) []byte {
	for i := 0; i < len(*rules); i++ {
		r := (*rules)[i]
		var edits []edit
		for _, obj := range objectNodes(parseAnswer(out)) {
			if !objMatches(obj, out, r.typ, r.moref) {
				continue
			}
			switch {
			case dupEdit != nil:
				if r.how == "first" && len(edits) > 0 {
					continue
				}
				edits = append(edits, dupEdit(out, obj)...)
			case r.how == "inner":
				edits = append(edits, edit{obj.inner, obj.inner, []byte("<" + r.name + ">")},
					edit{obj.close, obj.close, []byte("</" + r.name + ">")})
			default:
				edits = append(edits, edit{obj.start, obj.start, []byte("<" + r.name + ">")},
					edit{obj.end, obj.end, []byte("</" + r.name + ">")})
			}
		}
		if len(edits) > 0 && r.use() {
			out = applyEdits(out, edits)
			atomic.AddInt64(&h.served, 1)
			if r.left == 0 {
				*rules = append((*rules)[:i:i], (*rules)[i+1:]...)
				i--
			}
		}
	}
	return out
}

// ---------------------------------------------------------------------------
// Huge and slow answers

func (r *sizeRule) matches(method string) bool {
	return r != nil && r.left != 0 && (r.method == "any" || r.method == method)
}

// padding returns n bytes of harmless filler.
func padding(fill string, n int) []byte {
	var unit []byte
	switch fill {
	case "element":
		unit = []byte("<labPadding>" + strings.Repeat("x", 75) + "</labPadding>\n")
	case "comment":
		unit = []byte("<!-- " + strings.Repeat("harden lab padding ", 4) + "-->\n")
	}
	if len(unit) == 0 || n < len(unit) {
		return bytes.Repeat([]byte(" "), n)
	}
	b := bytes.Repeat(unit, n/len(unit))
	return append(b, bytes.Repeat([]byte(" "), n-len(b))...)
}

// dripWriter writes in chunks with a pause before each.
type dripWriter struct {
	w     http.ResponseWriter
	chunk int
	every time.Duration
}

func (d *dripWriter) Write(p []byte) (int, error) {
	done := 0
	for done < len(p) {
		n := d.chunk
		if n > len(p)-done {
			n = len(p) - done
		}
		time.Sleep(d.every)
		m, err := d.w.Write(p[done : done+n])
		done += m
		if err != nil {
			return done, err
		}
		if f, ok := d.w.(http.Flusher); ok {
			f.Flush()
		}
	}
	return done, nil
}

// hostileWrite sends status and body, padded by /lab/huge and dripped by
// /lab/drip when they apply to the method. The headers must be set.
func hostileWrite(w http.ResponseWriter, code int, method string, out []byte) {
	hostile.mu.Lock()
	var pad int
	var fill string
	var drip *dripWriter
	if r := hostile.huge; r.matches(method) && r.bytes > len(out) {
		r.use()
		pad, fill = r.bytes-len(out), r.fill
		atomic.AddInt64(&hostile.served, 1)
	}
	if r := hostile.drip; r.matches(method) {
		r.use()
		drip = &dripWriter{w: w, chunk: r.chunk, every: r.every}
		atomic.AddInt64(&hostile.served, 1)
	}
	hostile.mu.Unlock()

	w.Header().Set("Content-Length", strconv.Itoa(len(out)+pad))
	w.WriteHeader(code)
	var dst interface{ Write([]byte) (int, error) } = w
	if drip != nil {
		dst = drip
	}
	if pad == 0 {
		_, _ = dst.Write(out)
		return
	}
	// Inside the method's response element when there is one (fill is then
	// a sibling of <returnval>), else just before </soapenv:Body>.
	at := bytes.LastIndex(out, []byte("</"+method+"Response>"))
	if at < 0 {
		at = bytes.LastIndex(out, []byte("</soapenv:Body>"))
	}
	if at < 0 {
		at = len(out)
	}
	if _, err := dst.Write(out[:at]); err != nil {
		return
	}
	const block = 1 << 20
	for pad > 0 {
		n := block
		if n > pad {
			n = pad
		}
		if _, err := dst.Write(padding(fill, n)); err != nil {
			return
		}
		pad -= n
	}
	_, _ = dst.Write(out[at:])
}

// ---------------------------------------------------------------------------
// /lab endpoints

// countParam reads count: -1 (until reset) when absent.
func countParam(r *http.Request) (int, error) {
	if _, ok := r.URL.Query()["count"]; !ok {
		return -1, nil
	}
	return labkit.IntParam(r, "count", -1)
}

func oneOf(v, def string, allowed ...string) (string, error) {
	if v == "" {
		return def, nil
	}
	for _, a := range allowed {
		if v == a {
			return v, nil
		}
	}
	return "", fmt.Errorf("%q is not one of %s", v, strings.Join(allowed, ", "))
}

var validName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.:-]*$`)

func (h *hostileState) view() map[string]interface{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	v := map[string]interface{}{
		"token_loop": nil, "empty": len(h.empty), "nest": len(h.nest), "duplicate": len(h.dup),
		"corrupt": len(h.corrupt), "huge": nil, "drip": nil, "soap_fault": len(h.soapFault),
		"loop_tokens": len(h.loopToks), "served": atomic.LoadInt64(&h.served),
	}
	if h.loop != nil {
		v["token_loop"] = map[string]interface{}{"count": h.loop.left, "type": h.loop.typ, "same": h.loop.same}
	}
	if h.huge != nil {
		v["huge"] = map[string]interface{}{"count": h.huge.left, "bytes": h.huge.bytes, "method": h.huge.method}
	}
	if h.drip != nil {
		v["drip"] = map[string]interface{}{"count": h.drip.left, "chunk": h.drip.chunk, "ms": h.drip.every.Milliseconds()}
	}
	return v
}

// serveLab handles the hostile-server endpoints; false for other paths.
func (h *hostileState) serveLab(w http.ResponseWriter, r *http.Request) bool {
	switch r.URL.Path {
	case "/lab/hostile":
		if r.Method != http.MethodGet {
			labkit.Error(w, http.StatusMethodNotAllowed, "use GET")
		} else {
			labkit.WriteJSON(w, http.StatusOK, h.view())
		}
		return true
	case "/lab/token-loop", "/lab/empty", "/lab/nest", "/lab/duplicate", "/lab/corrupt",
		"/lab/huge", "/lab/drip", "/lab/soap-fault":
	default:
		return false
	}
	if r.Method != http.MethodPost {
		labkit.Error(w, http.StatusMethodNotAllowed, "use POST")
		return true
	}
	q := r.URL.Query()
	count, err := countParam(r)
	bad := func(err error) bool { labkit.Error(w, http.StatusBadRequest, err.Error()); return true }
	if err != nil {
		return bad(err)
	}
	for _, p := range []string{"type", "moref", "method", "name", "xsitype"} {
		if v := q.Get(p); v != "" && !validName.MatchString(v) {
			return bad(fmt.Errorf("parameter %s: %q is not a plain XML name", p, v))
		}
	}
	typ, moref := q.Get("type"), q.Get("moref")
	hc := hostileCall{left: count}
	reply := map[string]interface{}{"ok": true, "count": count}

	h.mu.Lock()
	defer h.mu.Unlock()
	switch r.URL.Path {
	case "/lab/token-loop":
		tok, err := oneOf(q.Get("token"), "fresh", "fresh", "same")
		if err != nil {
			return bad(err)
		}
		h.loop = nil
		if count != 0 {
			h.loop = &tokenLoop{hostileCall: hc, typ: typ, same: tok == "same"}
		}
		reply["type"], reply["token"] = typ, tok

	case "/lab/empty":
		rv := q.Get("returnval") == "1"
		if count == 0 {
			h.empty = nil
		} else {
			h.empty = append(h.empty, &emptyRule{hostileCall: hc, typ: typ, returnval: rv})
		}
		reply["type"], reply["returnval"] = typ, rv

	case "/lab/nest":
		how, err := oneOf(q.Get("how"), "wrap", "wrap", "inner")
		if err != nil {
			return bad(err)
		}
		name := q.Get("name")
		if name == "" {
			name = "nested"
		}
		if count == 0 {
			h.nest = nil
		} else {
			h.nest = append(h.nest, &objRule{hostileCall: hc, typ: typ, moref: moref, how: how, name: name})
		}
		reply["type"], reply["moref"], reply["how"], reply["name"] = typ, moref, how, name

	case "/lab/duplicate":
		which, err := oneOf(q.Get("which"), "first", "first", "all")
		if err != nil {
			return bad(err)
		}
		if count == 0 {
			h.dup = nil
		} else {
			h.dup = append(h.dup, &objRule{hostileCall: hc, typ: typ, moref: moref, how: which})
		}
		reply["type"], reply["moref"], reply["which"] = typ, moref, which

	case "/lab/corrupt":
		if count == 0 {
			h.corrupt = nil
			break
		}
		form, err := oneOf(q.Get("form"), "text", "text", "raw", "nil", "type", "untyped")
		if err != nil {
			return bad(err)
		}
		path := q.Get("path")
		if path == "" {
			return bad(fmt.Errorf("path is required"))
		}
		if form == "type" && q.Get("xsitype") == "" {
			return bad(fmt.Errorf("form=type needs xsitype"))
		}
		h.corrupt = append(h.corrupt, &corruptRule{hostileCall: hc, typ: typ, moref: moref, path: path,
			key: q.Get("key"), form: form, value: q.Get("value"), xsiType: q.Get("xsitype")})
		reply["type"], reply["moref"], reply["path"], reply["key"], reply["form"] = typ, moref, path, q.Get("key"), form
		reply["value"], reply["xsitype"] = q.Get("value"), q.Get("xsitype")

	case "/lab/huge":
		n, err := labkit.IntParam(r, "bytes", -1)
		if err != nil && count != 0 {
			return bad(err)
		}
		fill, err := oneOf(q.Get("fill"), "space", "space", "element", "comment")
		if err != nil {
			return bad(err)
		}
		method := q.Get("method")
		if method == "" {
			method = "RetrievePropertiesEx"
		}
		h.huge = nil
		if count != 0 {
			h.huge = &sizeRule{hostileCall: hc, method: method, bytes: n, fill: fill}
		}
		reply["bytes"], reply["fill"], reply["method"] = n, fill, method

	case "/lab/drip":
		ms, err := labkit.IntParam(r, "ms", -1)
		if err != nil && count != 0 {
			return bad(err)
		}
		chunk := 512
		if _, given := q["chunk"]; given {
			if chunk, err = labkit.IntParam(r, "chunk", -1); err != nil || chunk < 1 {
				return bad(fmt.Errorf("chunk must be a positive integer"))
			}
		}
		method := q.Get("method")
		if method == "" {
			method = "RetrievePropertiesEx"
		}
		h.drip = nil
		if count != 0 {
			h.drip = &sizeRule{hostileCall: hc, method: method, chunk: chunk, every: time.Duration(ms) * time.Millisecond}
		}
		reply["ms"], reply["chunk"], reply["method"] = ms, chunk, method

	case "/lab/soap-fault":
		if count == 0 {
			h.soapFault = nil
			break
		}
		method := q.Get("method")
		if method == "" {
			method = "Login"
		}
		text := defaultFaultText
		if _, given := q["text"]; given {
			text = q.Get("text")
		}
		fault := q.Get("fault")
		if _, given := q["fault"]; !given {
			fault = "SystemError"
			if method == "Login" {
				fault = "InvalidLogin"
			}
		}
		if fault != "" && !validName.MatchString(fault) {
			return bad(fmt.Errorf("parameter fault: %q is not a plain XML name", fault))
		}
		esc, err := oneOf(q.Get("escape"), "raw", "raw", "charref")
		if err != nil {
			return bad(err)
		}
		h.soapFault = append(h.soapFault, &faultRule{hostileCall: hc, method: method, text: text, fault: fault,
			charref: esc == "charref"})
		reply["method"], reply["fault"], reply["escape"], reply["text"] = method, fault, esc, text
	}
	labkit.WriteJSON(w, http.StatusOK, reply)
	return true
}
