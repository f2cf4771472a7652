package main

// cleanup.go: vcsim keeps each datastore in a /tmp/govcsim-<dc>-<ds>-* directory
// that only Model.Remove() deletes. The lab removes them on SIGINT/SIGTERM;
// to also recover from SIGKILL, it marks its directories with its pid and, at
// start-up, deletes marked directories whose process no longer exists.
// Directories without the marker (other vcsim users) are never touched.

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/vmware/govmomi/simulator"
)

const pidMarker = ".harden-vclab.pid"

// markDatastoreDirs writes the pid marker into every datastore directory.
func markDatastoreDirs() {
	pid := []byte(strconv.Itoa(os.Getpid()))
	for _, e := range simulator.Map.All("Datastore") {
		ds, ok := e.(*simulator.Datastore)
		if !ok {
			continue
		}
		dir := ds.Info.GetDatastoreInfo().Url
		if strings.Contains(filepath.Base(dir), "govcsim-") {
			_ = os.WriteFile(filepath.Join(dir, pidMarker), pid, 0o600)
		}
	}
}

// sweepStaleDirs removes datastore directories left by lab processes that
// were killed without a chance to clean up.
func sweepStaleDirs() (removed int) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "govcsim-*"))
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, pidMarker))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 || pid == os.Getpid() {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			if os.RemoveAll(dir) == nil {
				removed++
			}
		}
	}
	return removed
}
