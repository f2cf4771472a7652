package main

// empty.go: POST /lab/empty?type=T answers RetrievePropertiesEx calls that
// ask for objects of type T with an empty RetrievePropertiesExResponse (no
// returnval), as vCenter answers an account that may not see those
// objects. A minimal stand-in, with the same endpoint and parameters, for
// the fuller switch on branch wt-faults (hostile.go); when that lands, this
// file and its three hooks in control.go go.

import (
	"bytes"
	"net/http"
	"sync"

	"harden/labkit"
)

var emptyAnswers struct {
	mu    sync.Mutex
	types map[string]bool
}

const emptyRetrieveAnswer = `<?xml version="1.0" encoding="UTF-8"?>` +
	`<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"` +
	` xmlns:xsd="http://www.w3.org/2001/XMLSchema"` +
	` xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>` +
	`<RetrievePropertiesExResponse xmlns="urn:vim25"></RetrievePropertiesExResponse>` +
	`</soapenv:Body></soapenv:Envelope>`

// emptyIntercept answers the call itself when a switch matches it.
func emptyIntercept(w http.ResponseWriter, method string, body []byte) bool {
	if method != "RetrievePropertiesEx" {
		return false
	}
	emptyAnswers.mu.Lock()
	defer emptyAnswers.mu.Unlock()
	for t := range emptyAnswers.types {
		if bytes.Contains(body, []byte("<propSet><type>"+t+"</type>")) {
			w.Header().Set("Content-Type", "text/xml; charset=utf-8")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte(emptyRetrieveAnswer))
			return true
		}
	}
	return false
}

func emptyReset() {
	emptyAnswers.mu.Lock()
	emptyAnswers.types = nil
	emptyAnswers.mu.Unlock()
}

func serveEmpty(w http.ResponseWriter, r *http.Request) {
	t := r.URL.Query().Get("type")
	if t == "" {
		labkit.Error(w, http.StatusBadRequest, "type is required")
		return
	}
	emptyAnswers.mu.Lock()
	if emptyAnswers.types == nil {
		emptyAnswers.types = map[string]bool{}
	}
	emptyAnswers.types[t] = true
	emptyAnswers.mu.Unlock()
	labkit.WriteJSON(w, http.StatusOK, map[string]interface{}{"ok": true, "type": t})
}
