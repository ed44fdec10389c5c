package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/scan"
)

// Not parallel: it shortens the line interval for the duration of the test.
func TestProgressLinesWhenNotATerminal(t *testing.T) {
	old := progressLineEvery
	progressLineEvery = 0
	defer func() { progressLineEvery = old }()
	var buf bytes.Buffer
	update, finish := newProgress(&buf, false)
	update(scan.Progress{Pages: 1})
	update(scan.Progress{Pages: 20, Queued: 5, Findings: 3, Errors: 1, Elapsed: 2 * time.Second})
	finish()
	out := buf.String()
	if !strings.Contains(out, "padlock: 20 pages, 5 queued, 3 findings, 1 errors, 10 pages/s") {
		t.Errorf("progress line missing or wrong:\n%q", out)
	}
	if strings.Contains(out, "\r") {
		t.Errorf("a log (not a terminal) must get plain lines, no carriage returns: %q", out)
	}
	update, _ = newProgress(&buf, true)
	if update != nil {
		t.Errorf("--quiet must print no progress")
	}
}
