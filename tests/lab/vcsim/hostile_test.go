package main

// hostile_test.go: self-tests of the hostile-server switches (hostile.go)
// against a running lab. The lab binary is $HARDEN_VCLAB when set (make
// lab-gotest passes build/harden-vclab), otherwise it is built into a
// temporary directory; HARDEN_VCLAB_STDERR=1 shows its log. Run: make
// lab-gotest.

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var labURL string // http://127.0.0.1:PORT/sdk

func TestMain(m *testing.M) {
	os.Exit(runWithLab(m))
}

func runWithLab(m *testing.M) int {
	dir, err := os.MkdirTemp("", "vclab-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin := os.Getenv("HARDEN_VCLAB")
	if bin == "" {
		bin = filepath.Join(dir, "harden-vclab")
		if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "building the lab: %v\n%s", err, out)
			return 1
		}
	}
	urlFile := filepath.Join(dir, "url")
	cmd := exec.Command(bin, "-url-file", urlFile)
	cmd.Env = append(os.Environ(), "HARDEN_LAB_PASSWORD=pw")
	cmd.Stderr = io.Discard
	if os.Getenv("HARDEN_VCLAB_STDERR") != "" { // the lab's log, e.g. race reports
		cmd.Stderr = os.Stderr
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	}()
	for i := 0; i < 600; i++ {
		if b, err := os.ReadFile(urlFile); err == nil {
			labURL = string(b)
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if labURL == "" {
		fmt.Fprintln(os.Stderr, "the lab did not start")
		return 1
	}
	return m.Run()
}

const envelope = `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope ` +
	`xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" ` +
	`xmlns:xsd="http://www.w3.org/2001/XMLSchema" ` +
	`xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>%s</soapenv:Body></soapenv:Envelope>`

type soapClient struct {
	t *testing.T
	c *http.Client
}

func newClient(t *testing.T) *soapClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	sc := &soapClient{t: t, c: &http.Client{Jar: jar}}
	lab(t, "reset-faults", "")
	code, body := sc.call(`<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this>` +
		`<userName>harden</userName><password>pw</password></Login>`)
	if code != 200 {
		t.Fatalf("login: %d %s", code, body)
	}
	return sc
}

func (sc *soapClient) call(inner string) (int, string) {
	sc.t.Helper()
	req, _ := http.NewRequest("POST", labURL, strings.NewReader(fmt.Sprintf(envelope, inner)))
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("SOAPAction", "urn:vim25/8.0.2.0")
	resp, err := sc.c.Do(req)
	if err != nil {
		sc.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		sc.t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// retrieve asks for paths of one object.
func (sc *soapClient) retrieve(typ, moref string, max int, paths ...string) string {
	sc.t.Helper()
	ps := ""
	for _, p := range paths {
		ps += "<pathSet>" + p + "</pathSet>"
	}
	opts := ""
	if max > 0 {
		opts = fmt.Sprintf("<maxObjects>%d</maxObjects>", max)
	}
	code, body := sc.call(`<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this>` +
		`<specSet><propSet><type>` + typ + `</type>` + ps + `</propSet>` +
		`<objectSet><obj type="` + typ + `">` + moref + `</obj></objectSet></specSet><options>` + opts + `</options></RetrievePropertiesEx>`)
	if code != 200 {
		sc.t.Fatalf("RetrievePropertiesEx: %d %s", code, body)
	}
	return body
}

func (sc *soapClient) cont(token string) (int, string) {
	return sc.call(`<ContinueRetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this>` +
		`<token>` + token + `</token></ContinueRetrievePropertiesEx>`)
}

func lab(t *testing.T, path, query string) string {
	t.Helper()
	base := strings.TrimSuffix(labURL, "/sdk")
	resp, err := http.Post(base+"/lab/"+path+"?"+query, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("/lab/%s?%s: %d %s", path, query, resp.StatusCode, b)
	}
	return string(b)
}

func wellFormed(t *testing.T, s string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("not well-formed: %v", err)
		}
	}
}

var tokenRE = regexp.MustCompile(`<token>([^<]*)</token>`)

func tokenOf(s string) string {
	if m := tokenRE.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return ""
}

func TestTokenLoop(t *testing.T) {
	sc := newClient(t)
	lab(t, "token-loop", "count=3&token=fresh&type=HostSystem")
	body := sc.retrieve("HostSystem", "host-23", 0, "name")
	tok := tokenOf(body)
	if tok == "" || strings.Contains(body, "<objects>") {
		t.Fatalf("want a token and no objects: %s", body)
	}
	seen := map[string]bool{tok: true}
	for i := 0; i < 2; i++ {
		_, body = sc.cont(tok)
		tok = tokenOf(body)
		if tok == "" || seen[tok] || strings.Contains(body, "<objects>") {
			t.Fatalf("continue %d: want a fresh token and no objects: %s", i, body)
		}
		seen[tok] = true
	}
	code, body := sc.cont(tok) // spent: the retrieval ends, empty
	if code != 200 || tokenOf(body) != "" || strings.Contains(body, "<objects>") {
		t.Fatalf("spent loop: %d %s", code, body)
	}
	// Other types are not affected.
	if body := sc.retrieve("VirtualMachine", "vm-81", 0, "name"); !strings.Contains(body, "<objects>") {
		t.Fatalf("VirtualMachine looped: %s", body)
	}

	lab(t, "token-loop", "token=same") // forever, one token
	first := tokenOf(sc.retrieve("HostSystem", "host-23", 0, "name"))
	for i := 0; i < 20; i++ {
		if _, body := sc.cont(first); tokenOf(body) != first {
			t.Fatalf("same token: %s", body)
		}
	}
	if code, body := sc.call(`<CancelRetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><token>` +
		first + `</token></CancelRetrievePropertiesEx>`); code != 200 {
		t.Fatalf("cancel: %d %s", code, body)
	}
	lab(t, "reset-faults", "")
	if body := sc.retrieve("HostSystem", "host-23", 0, "name"); !strings.Contains(body, "<objects>") {
		t.Fatalf("after reset-faults: %s", body)
	}
}

func TestEmpty(t *testing.T) {
	sc := newClient(t)
	lab(t, "empty", "type=HostSystem&count=1")
	body := sc.retrieve("HostSystem", "host-23", 0, "name")
	if !strings.Contains(body, `<RetrievePropertiesExResponse xmlns="urn:vim25"></RetrievePropertiesExResponse>`) {
		t.Fatalf("want an empty response: %s", body)
	}
	if body = sc.retrieve("HostSystem", "host-23", 0, "name"); !strings.Contains(body, "<objects>") {
		t.Fatalf("count=1 not spent: %s", body)
	}
	lab(t, "empty", "type=Datastore&returnval=1")
	if body = sc.retrieve("HostSystem", "host-23", 0, "name"); !strings.Contains(body, "<objects>") {
		t.Fatalf("other type emptied: %s", body)
	}
	body = sc.retrieve("Datastore", "datastore-16", 0, "name")
	if !strings.Contains(body, "<returnval></returnval></RetrievePropertiesExResponse>") {
		t.Fatalf("want an empty returnval: %s", body)
	}
}

func TestNestAndDuplicate(t *testing.T) {
	sc := newClient(t)
	lab(t, "nest", "type=HostSystem&count=1")
	body := sc.retrieve("HostSystem", "host-23", 0, "name")
	if !strings.Contains(body, `<returnval><nested><objects><obj type="HostSystem">host-23</obj>`) {
		t.Fatalf("wrap: %s", body)
	}
	wellFormed(t, body)
	lab(t, "nest", "how=inner&name=extra&count=1")
	body = sc.retrieve("HostSystem", "host-23", 0, "name")
	if !strings.Contains(body, `<objects><extra><obj type="HostSystem">host-23</obj>`) || !strings.Contains(body, `</extra></objects>`) {
		t.Fatalf("inner: %s", body)
	}
	lab(t, "duplicate", "type=VirtualMachine&count=1")
	body = sc.retrieve("VirtualMachine", "vm-81", 0, "name")
	if n := strings.Count(body, `<obj type="VirtualMachine">vm-81</obj>`); n != 2 {
		t.Fatalf("want vm-81 twice, got %d: %s", n, body)
	}
	wellFormed(t, body)
	if body = sc.retrieve("VirtualMachine", "vm-81", 0, "name"); strings.Count(body, "vm-81</obj>") != 1 {
		t.Fatalf("count=1 not spent: %s", body)
	}
}

func TestCorrupt(t *testing.T) {
	sc := newClient(t)
	cases := []struct {
		query, typ, moref, path, want string
	}{
		{"path=runtime.inMaintenanceMode&value=yes", "HostSystem", "host-23", "runtime.inMaintenanceMode",
			`<val xsi:type="xsd:boolean">yes</val>`},
		{"path=runtime.inMaintenanceMode&value=", "HostSystem", "host-23", "runtime.inMaintenanceMode",
			`<val xsi:type="xsd:boolean"></val>`},
		{"path=runtime.inMaintenanceMode&value=True", "HostSystem", "host-23", "runtime.inMaintenanceMode",
			`<val xsi:type="xsd:boolean">True</val>`},
		{"path=runtime.inMaintenanceMode&form=nil", "HostSystem", "host-23", "runtime.inMaintenanceMode",
			`<name>runtime.inMaintenanceMode</name><val xsi:nil="true"/>`},
		{"path=runtime.inMaintenanceMode&form=raw&value=%3Cx%3Etrue%3C/x%3E", "HostSystem", "host-23", "runtime.inMaintenanceMode",
			`<val xsi:type="xsd:boolean"><x>true</x></val>`},
		{"path=runtime.inMaintenanceMode&form=type&xsitype=xsd:string", "HostSystem", "host-23", "runtime.inMaintenanceMode",
			`<val xsi:type="xsd:string">false</val>`},
		{"path=config.service.service.running&key=TSM-SSH&value=yes", "HostSystem", "host-23", "config.service",
			`<key>TSM-SSH</key><label>SSH</label><required>false</required><uninstallable>false</uninstallable><running>yes</running>`},
		{"path=config.service&form=type&xsitype=HostFirewallInfo", "HostSystem", "host-23", "config.service",
			`<name>config.service</name><val xsi:type="HostFirewallInfo"><service>`},
		{"path=config.dateTimeInfo.ntpConfig.server&value=%0A%1B[31m", "HostSystem", "host-23", "config.dateTimeInfo",
			"<server>\n\x1b[31m</server>"},
	}
	for _, c := range cases {
		lab(t, "reset-faults", "")
		lab(t, "corrupt", c.query+"&count=1")
		body := sc.retrieve(c.typ, c.moref, 0, c.path)
		if !strings.Contains(body, c.want) {
			t.Errorf("%s: want %q in %s", c.query, c.want, body)
		}
		if body = sc.retrieve(c.typ, c.moref, 0, c.path); strings.Contains(body, c.want) {
			t.Errorf("%s: count=1 not spent", c.query)
		}
	}
	// VM devices without xsi:type.
	lab(t, "corrupt", "path=config.hardware.device.VirtualDevice&form=untyped&type=VirtualMachine")
	body := sc.retrieve("VirtualMachine", "vm-81", 0, "config.hardware.device")
	if !strings.Contains(body, "<VirtualDevice><key>") || strings.Contains(body, `<VirtualDevice xsi:type=`) {
		t.Errorf("untyped devices: %s", body)
	}
	lab(t, "reset-faults", "")
	if body = sc.retrieve("VirtualMachine", "vm-81", 0, "config.hardware.device"); !strings.Contains(body, `<VirtualDevice xsi:type=`) {
		t.Errorf("after reset: %s", body)
	}
}

func TestHugeAndDrip(t *testing.T) {
	sc := newClient(t)
	for _, fill := range []string{"space", "element", "comment"} {
		lab(t, "huge", "count=1&bytes=3000000&fill="+fill)
		body := sc.retrieve("HostSystem", "host-23", 0, "name")
		if len(body) != 3000000 {
			t.Errorf("%s: %d bytes", fill, len(body))
		}
		wellFormed(t, body)
		if !strings.Contains(body, "<objects>") {
			t.Errorf("%s: objects lost", fill)
		}
	}
	lab(t, "drip", "count=1&ms=10&chunk=100")
	start := time.Now()
	body := sc.retrieve("HostSystem", "host-23", 0, "name")
	if d, min := time.Since(start), time.Duration(len(body)/100)*10*time.Millisecond; d < min {
		t.Errorf("drip took %s for %d bytes, want >= %s", d, len(body), min)
	}
}

func TestSOAPFault(t *testing.T) {
	jar, _ := cookiejar.New(nil)
	sc := &soapClient{t: t, c: &http.Client{Jar: jar}}
	lab(t, "reset-faults", "")
	lab(t, "soap-fault", "method=Login&count=1")
	login := `<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><userName>harden</userName><password>pw</password></Login>`
	code, body := sc.call(login)
	if code != 500 {
		t.Fatalf("status %d", code)
	}
	for _, want := range []string{"\nharden: forged", "\r", "\x1b[31m", "\u009b", "\u009d", `<InvalidLoginFault xmlns="urn:vim25" xsi:type="InvalidLogin">`} {
		if !strings.Contains(body, want) {
			t.Errorf("want %q in %q", want, body)
		}
	}
	lab(t, "soap-fault", "method=Login&count=1&escape=charref&fault=")
	_, body = sc.call(login)
	for _, want := range []string{"&#10;harden: forged&#13;", "&#27;[31m", "&#155;", "&#157;"} {
		if !strings.Contains(body, want) {
			t.Errorf("charref: want %q in %q", want, body)
		}
	}
	if strings.Contains(body, "<detail>") {
		t.Errorf("fault= must drop the detail: %s", body)
	}
	if code, body = sc.call(login); code != 200 {
		t.Fatalf("login after the faults: %d %s", code, body)
	}
}

// ReconfigVM_Task takes extraConfig keys in any case: the lab compares keys
// exactly, so a key in another case is a new key; removing the lower-case
// key in the same call leaves only the odd-case one.
func TestExtraConfigCase(t *testing.T) {
	sc := newClient(t)
	code, body := sc.call(`<ReconfigVM_Task xmlns="urn:vim25"><_this type="VirtualMachine">vm-84</_this><spec>` +
		`<extraConfig xsi:type="OptionValue"><key>isolation.tools.paste.disable</key><value xsi:type="xsd:string"></value></extraConfig>` +
		`<extraConfig xsi:type="OptionValue"><key>Isolation.Tools.Paste.DISABLE</key><value xsi:type="xsd:string">TRUE</value></extraConfig>` +
		`</spec></ReconfigVM_Task>`)
	if code != 200 {
		t.Fatalf("ReconfigVM_Task: %d %s", code, body)
	}
	body = sc.retrieve("VirtualMachine", "vm-84", 0, "config.extraConfig")
	if !strings.Contains(body, `<key>Isolation.Tools.Paste.DISABLE</key><value xsi:type="xsd:string">TRUE</value>`) ||
		strings.Contains(body, `<key>isolation.tools.paste.disable</key>`) {
		t.Fatalf("extraConfig: %s", body)
	}
	// Put it back for the other tests.
	sc.call(`<ReconfigVM_Task xmlns="urn:vim25"><_this type="VirtualMachine">vm-84</_this><spec>` +
		`<extraConfig xsi:type="OptionValue"><key>Isolation.Tools.Paste.DISABLE</key><value xsi:type="xsd:string"></value></extraConfig>` +
		`<extraConfig xsi:type="OptionValue"><key>isolation.tools.paste.disable</key><value xsi:type="xsd:string">FALSE</value></extraConfig>` +
		`</spec></ReconfigVM_Task>`)
}

func TestHostileView(t *testing.T) {
	newClient(t)
	lab(t, "duplicate", "type=HostSystem")
	lab(t, "huge", "bytes=100")
	base := strings.TrimSuffix(labURL, "/sdk")
	resp, err := http.Get(base + "/lab/hostile")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Contains(b, []byte(`"duplicate": 1`)) || !bytes.Contains(b, []byte(`"bytes": 100`)) {
		t.Fatalf("/lab/hostile: %s", b)
	}
	lab(t, "reset-faults", "")
	resp, _ = http.Get(base + "/lab/hostile")
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Contains(b, []byte(`"duplicate": 0`)) || !bytes.Contains(b, []byte(`"huge": null`)) {
		t.Fatalf("/lab/hostile after reset: %s", b)
	}
}
