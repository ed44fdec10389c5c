package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestSIGTERMWritesThePartialReport runs the real binary, stops it with SIGTERM while a page
// hangs, and checks the report of what was crawled is written and the exit code is 2.
func TestSIGTERMWritesThePartialReport(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	hanging := make(chan struct{})
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			fmt.Fprint(w, `<a href="/hang">h</a><img src="http://img.example.test/a.png">`)
		case "/hang":
			close(hanging)
			select {
			case <-release:
			case <-r.Context().Done():
			}
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	defer close(release)

	dir := t.TempDir()
	bin := filepath.Join(dir, "padlock")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out := filepath.Join(dir, "r.json")
	cmd := exec.Command(bin, "crawl", "-q", "--ignore-robots", "--check-resources", "none", "-c", "1", "--timeout", "1m", "-o", out, srv.URL+"/")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-hanging:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the crawl never reached the hanging page")
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitTrouble {
		t.Fatalf("exit: %v, want code 2", err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("no report after SIGTERM: %v", err)
	}
	var rep struct {
		Interrupted bool
		Stats       struct{ Pages int }
		Findings    []struct{ Rule string }
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	if !rep.Interrupted || rep.Stats.Pages != 1 {
		t.Errorf("want an interrupted report with the start page: %s", data)
	}
}
