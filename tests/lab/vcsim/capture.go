// Request capture for make bench's server floor: while a directory is set
// (/lab/capture?dir=PATH; an empty dir stops), every SOAP request body is
// written to PATH/NNNNNN.xml in the order the requests arrived, except a
// Login's, which holds a password: the replayer logs in by itself.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

var capture struct {
	mu  sync.Mutex
	dir string
	n   int
}

func captureSet(dir string) {
	capture.mu.Lock()
	capture.dir, capture.n = dir, 0
	capture.mu.Unlock()
}

func captureRequest(method string, body []byte) {
	capture.mu.Lock()
	defer capture.mu.Unlock()
	if capture.dir == "" || strings.HasPrefix(method, "Login") {
		return
	}
	capture.n++
	name := filepath.Join(capture.dir, fmt.Sprintf("%06d.xml", capture.n))
	_ = os.WriteFile(name, body, 0o600)
}
