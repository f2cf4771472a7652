// The server floor for make bench: replays the SOAP requests a harden scan
// sent (captured by the vCenter lab, see /lab/capture) against the lab
// with nothing but net/http, reading each answer and throwing it away.
// The wall it prints is what the server needs to build harden's answers
// and send them, with no parsing or storing on the client's side.
//
// The captured requests name the capture's container views and paging
// tokens; the replay sends the ones its own session got instead: a view
// is the last CreateContainerView's answer and a token the last token
// answered.  Capture a scan collected one retrieval at a time (harden
// scan --retrievals 1), so that every token follows its own page.
//
//	soap-replay -url URL -user USER -password-file FILE -dir DIR
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

var (
	viewRef  = regexp.MustCompile(`(type="ContainerView">)[^<]*(<)`)
	tokenArg = regexp.MustCompile(`(<token>)[^<]*(</token>)`)
)

const envelope = `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope ` +
	`xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" ` +
	`xmlns:xsd="http://www.w3.org/2001/XMLSchema" ` +
	`xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>%s</soapenv:Body></soapenv:Envelope>`

type replayer struct {
	url    string
	client *http.Client
	bytes  int64
}

// post sends one envelope and returns the answer's text between open and
// close (the last such), reading all of it.
func (r *replayer) post(body []byte, open, close string) (string, error) {
	req, err := http.NewRequest(http.MethodPost, r.url, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("SOAPAction", `"urn:vim25/8.0.2.0"`)
	resp, err := r.client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	r.bytes += int64(len(data))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("HTTP %d: %.200s", resp.StatusCode, data)
	}
	if open == "" {
		return "", nil
	}
	i := bytes.LastIndex(data, []byte(open))
	if i < 0 {
		return "", nil
	}
	rest := data[i+len(open):]
	j := bytes.Index(rest, []byte(close))
	if j < 0 {
		return "", nil
	}
	return string(rest[:j]), nil
}

func main() {
	url := flag.String("url", "", "the lab's SDK URL")
	user := flag.String("user", "harden", "user name")
	pwFile := flag.String("password-file", "", "file holding the password")
	dir := flag.String("dir", "", "the captured requests")
	flag.Parse()
	pw, err := os.ReadFile(*pwFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soap-replay:", err)
		os.Exit(2)
	}
	files, _ := filepath.Glob(filepath.Join(*dir, "*.xml"))
	sort.Strings(files)
	bodies := make([][]byte, 0, len(files))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, "soap-replay:", err)
			os.Exit(2)
		}
		bodies = append(bodies, b)
	}
	jar, _ := cookiejar.New(nil)
	r := &replayer{url: *url, client: &http.Client{Jar: jar}}
	start := time.Now()
	login := fmt.Sprintf(envelope, `<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this>`+
		`<userName>`+*user+`</userName><password>`+strings.TrimSpace(string(pw))+`</password></Login>`)
	if _, err := r.post([]byte(login), "", ""); err != nil {
		fmt.Fprintln(os.Stderr, "soap-replay: login:", err)
		os.Exit(1)
	}
	view, token := "", ""
	for i, b := range bodies {
		if view != "" {
			b = viewRef.ReplaceAll(b, []byte("${1}"+view+"${2}"))
		}
		if token != "" {
			b = tokenArg.ReplaceAll(b, []byte("${1}"+token+"${2}"))
		}
		open, close := "<token>", "</token>"
		if bytes.Contains(b, []byte("<CreateContainerView")) {
			open, close = `<returnval type="ContainerView">`, "</returnval>"
		}
		got, err := r.post(b, open, close)
		if err != nil {
			fmt.Fprintf(os.Stderr, "soap-replay: request %d (%s): %v\n", i+1, files[i], err)
			os.Exit(1)
		}
		if open == "<token>" {
			token = got
		} else {
			view = got
		}
	}
	fmt.Printf("soap-replay: %d requests, %d bytes, wall_ms=%d\n", len(bodies)+1, r.bytes,
		time.Since(start).Milliseconds())
}
