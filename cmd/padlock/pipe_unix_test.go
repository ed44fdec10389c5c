//go:build !windows

package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// A report path that is a device or a pipe is written into, never replaced by a file renamed
// over it (run as root, `-o /dev/null` once turned /dev/null into a regular file). A FIFO stands
// in for the device: the test reads the report from it and checks it is still a pipe.
func TestOutputIntoAPipeKeepsThePipe(t *testing.T) {
	t.Parallel()
	srv, ca := site(t, map[string]string{"/": `<p>hi</p>`})
	fifo := filepath.Join(t.TempDir(), "report.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte, 1)
	go func() {
		// Opening for reading blocks until the writer opens; read every write until the last close.
		var all []byte
		for len(all) == 0 || !json.Valid(all) {
			f, err := os.Open(fifo)
			if err != nil {
				got <- nil
				return
			}
			b, _ := io.ReadAll(f)
			f.Close()
			all = append(all, b...)
		}
		got <- all
	}()
	code, _, stderr := runCLI(t, context.Background(), "crawl", "--ca-file", ca, "--ignore-robots", "-o", fifo, srv.URL+"/")
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	st, err := os.Lstat(fifo)
	if err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("%s is no longer a pipe: %v %v", fifo, st.Mode(), err)
	}
	var rep map[string]any
	if err := json.Unmarshal(<-got, &rep); err != nil {
		t.Fatalf("the pipe did not carry the JSON report: %v", err)
	}
	if _, err := os.Stat(fifo + ".tmp"); err == nil {
		t.Errorf("a temporary file was left beside the pipe")
	}
}
