package main

// hostile_test.go: self-tests of the hostile-server switches (hostile.go),
// in process. Run: make lab-gotest.

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func newLab(t *testing.T) *httptest.Server {
	t.Helper()
	s := newServer(config{username: "admin", password: "pw", seed: true, policies: 1, maxPageSize: 1000})
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts
}

func labPost(t *testing.T, ts *httptest.Server, path, query string) map[string]interface{} {
	t.Helper()
	resp, err := http.Post(ts.URL+"/lab/"+path+"?"+query, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]interface{}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || json.Unmarshal(b, &m) != nil {
		t.Fatalf("/lab/%s?%s: %d %s", path, query, resp.StatusCode, b)
	}
	return m
}

// get does a Basic-authenticated GET and returns status and body.
func get(t *testing.T, ts *httptest.Server, path string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", ts.URL+path, nil)
	req.SetBasicAuth("admin", "pw")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

type listPage struct {
	Results []struct {
		ID string `json:"id"`
	} `json:"results"`
	Cursor *string `json:"cursor"`
}

func getPage(t *testing.T, ts *httptest.Server, path string) listPage {
	t.Helper()
	code, b := get(t, ts, path)
	var p listPage
	if code != 200 || json.Unmarshal(b, &p) != nil {
		t.Fatalf("GET %s: %d %s", path, code, b)
	}
	return p
}

const services = "/policy/api/v1/infra/services"

func TestEmptyPages(t *testing.T) {
	ts := newLab(t)
	labPost(t, ts, "empty-pages", "count=3")
	seen := map[string]bool{}
	p := getPage(t, ts, services)
	for i := 0; i < 3; i++ {
		if len(p.Results) != 0 || p.Cursor == nil || seen[*p.Cursor] {
			t.Fatalf("page %d: want no results and a fresh cursor: %+v", i, p)
		}
		seen[*p.Cursor] = true
		p = getPage(t, ts, services+"?cursor="+url.QueryEscape(*p.Cursor))
	}
	if len(p.Results) != 0 || p.Cursor != nil { // spent: an empty last page
		t.Fatalf("spent: %+v", p)
	}

	labPost(t, ts, "empty-pages", "cursors=alternate&path=/groups")
	if p := getPage(t, ts, services); len(p.Results) == 0 {
		t.Fatal("path filter ignored")
	}
	var cursors []string
	g := "/policy/api/v1/infra/domains/default/groups"
	p = getPage(t, ts, g)
	for i := 0; i < 6; i++ {
		if len(p.Results) != 0 || p.Cursor == nil {
			t.Fatalf("alternate %d: %+v", i, p)
		}
		cursors = append(cursors, *p.Cursor)
		p = getPage(t, ts, g+"?cursor="+*p.Cursor)
	}
	if cursors[0] == cursors[1] || cursors[0] != cursors[2] || cursors[1] != cursors[3] {
		t.Fatalf("cursors do not alternate: %v", cursors)
	}
	labPost(t, ts, "reset-faults", "")
	if p := getPage(t, ts, g); len(p.Results) == 0 {
		t.Fatal("reset-faults did not clear empty-pages")
	}
}

func TestDuplicateItems(t *testing.T) {
	ts := newLab(t)
	labPost(t, ts, "duplicate", "count=1")
	p := getPage(t, ts, services+"?page_size=3")
	if len(p.Results) != 4 || p.Results[0].ID != p.Results[1].ID {
		t.Fatalf("first item not repeated: %+v", p.Results)
	}
	if p = getPage(t, ts, services+"?page_size=3"); len(p.Results) != 3 {
		t.Fatalf("count=1 not spent: %+v", p.Results)
	}
	labPost(t, ts, "duplicate", "which=all")
	if p = getPage(t, ts, services+"?page_size=3"); len(p.Results) != 6 || p.Results[4].ID != p.Results[5].ID {
		t.Fatalf("which=all: %+v", p.Results)
	}
}

func TestHugePage(t *testing.T) {
	ts := newLab(t)
	for _, fill := range []string{"space", "field", "array"} {
		labPost(t, ts, "huge", "count=1&bytes=2000000&fill="+fill)
		code, b := get(t, ts, services)
		var m map[string]json.RawMessage
		if code != 200 || len(b) != 2000000 || json.Unmarshal(b, &m) != nil {
			t.Fatalf("%s: %d, %d bytes, valid JSON: %v", fill, code, len(b), json.Valid(b))
		}
		if _, has := m["_lab_padding"]; has != (fill != "space") {
			t.Errorf("%s: _lab_padding present: %v", fill, has)
		}
		if len(m["results"]) < 10 {
			t.Errorf("%s: results lost", fill)
		}
	}
	if _, b := get(t, ts, services); len(b) >= 2000000 {
		t.Error("count=1 not spent")
	}
}

func TestErrorMessage(t *testing.T) {
	ts := newLab(t)
	labPost(t, ts, "error-message", "count=1&status=503")
	code, b := get(t, ts, services)
	var e struct {
		Msg     string `json:"error_message"`
		Related []struct {
			Msg string `json:"error_message"`
		} `json:"related_errors"`
	}
	if code != 503 || json.Unmarshal(b, &e) != nil || len(e.Related) != 1 {
		t.Fatalf("%d %s", code, b)
	}
	for _, want := range []string{"\nharden: forged", "\r", "\x1b[31m", "\u009b", "\u009d"} {
		if !strings.Contains(e.Msg, want) || !strings.Contains(e.Related[0].Msg, want) {
			t.Errorf("want %q in %q", want, e.Msg)
		}
	}
	labPost(t, ts, "error-message", "count=1&path=/api/session&text="+url.QueryEscape("a\nb"))
	resp, err := http.PostForm(ts.URL+"/api/session/create", url.Values{"j_username": {"admin"}, "j_password": {"pw"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(b), `"a\nb"`) {
		t.Fatalf("session error: %d %s", resp.StatusCode, b)
	}
	if code, _ := get(t, ts, services); code != 200 {
		t.Fatalf("count=1 not spent: %d", code)
	}
}

func TestSessionRedirect(t *testing.T) {
	ts := newLab(t)
	for _, status := range []int{307, 308} {
		labPost(t, ts, "captured/clear", "")
		r := labPost(t, ts, "session-redirect", "count=1&status="+map[int]string{307: "307", 308: "308"}[status])
		loc, _ := r["location"].(string)
		if !strings.HasPrefix(loc, "http://127.0.0.1:") || strings.HasPrefix(loc, ts.URL) {
			t.Fatalf("location %q", loc)
		}
		noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := noFollow.PostForm(ts.URL+"/api/session/create", url.Values{"j_username": {"admin"}, "j_password": {"secret-pw"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != status || resp.Header.Get("Location") != loc {
			t.Fatalf("want %d to %s, got %d %s", status, loc, resp.StatusCode, resp.Header.Get("Location"))
		}
		// A client that follows it re-posts the form to the capture listener.
		resp, err = http.Post(loc, "application/x-www-form-urlencoded", strings.NewReader("j_username=admin&j_password=secret-pw"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		code, b := get(t, ts, "/lab/captured")
		var c struct {
			Requests []captured `json:"requests"`
		}
		if code != 200 || json.Unmarshal(b, &c) != nil || len(c.Requests) != 1 ||
			!strings.Contains(c.Requests[0].Body, "j_password=secret-pw") || c.Requests[0].Path != "/api/session/create" {
			t.Fatalf("captured: %s", b)
		}
	}
	// Spent: the next create works.
	resp, err := http.PostForm(ts.URL+"/api/session/create", url.Values{"j_username": {"admin"}, "j_password": {"pw"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("create after the redirect: %d", resp.StatusCode)
	}
	// An explicit location, kept until reset-faults.
	labPost(t, ts, "session-redirect", "location="+url.QueryEscape("https://example.invalid:8443/x"))
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for i := 0; i < 2; i++ {
		resp, err = noFollow.PostForm(ts.URL+"/api/session/create", url.Values{"j_username": {"admin"}, "j_password": {"pw"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 307 || resp.Header.Get("Location") != "https://example.invalid:8443/x" {
			t.Fatalf("explicit location: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	labPost(t, ts, "reset-faults", "")
	resp, err = noFollow.PostForm(ts.URL+"/api/session/create", url.Values{"j_username": {"admin"}, "j_password": {"pw"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("after reset-faults: %d", resp.StatusCode)
	}
	// An HTTPS capture listener reports its certificate.
	u := labPost(t, ts, "capture-start", "tls=1")["url"].(string)
	_, b := get(t, ts, "/lab/captured")
	if !strings.HasPrefix(u, "https://127.0.0.1:") || !strings.Contains(string(b), "BEGIN CERTIFICATE") {
		t.Fatalf("https capture: %s %s", u, b)
	}
}
