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
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestCtrlCWithSpilledRunsLeavesNoTempFile runs the real binary with a spill threshold of one
// byte, so every page and finding goes to the spool file as its own run, and stops it with
// SIGINT (Ctrl-C) while a page hangs: the report of what was crawled is written from the runs,
// and nothing is left in the temporary folder, during the crawl (the file is unlinked as soon
// as it is made) or after.
func TestCtrlCWithSpilledRunsLeavesNoTempFile(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	const links = 20
	hanging := make(chan struct{})
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		switch {
		case r.URL.Path == "/":
			for i := range links {
				fmt.Fprintf(w, "<a href=\"/p%d\">%d</a>\n", i, i)
			}
		case r.URL.Path == fmt.Sprintf("/p%d", links-1): // the last in the queue
			close(hanging)
			select {
			case <-release:
			case <-r.Context().Done():
			}
		default:
			fmt.Fprintf(w, "<title>%s</title><script src=\"https://cdn.example.test%s.js\"></script>", r.URL.Path, r.URL.Path)
		}
	}))
	defer srv.Close()
	defer close(release)

	dir := t.TempDir()
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "padlock")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out := filepath.Join(dir, "r.json")
	cmd := exec.Command(bin, "crawl", "-q", "--ignore-robots", "--check-resources", "none", "-c", "1", "--timeout", "1m", "-o", out, srv.URL+"/")
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp, "PADLOCK_SPILL_BYTES=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-hanging:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the crawl never reached the hanging page")
	}
	if runtime.GOOS == "linux" {
		// The runs are in a file the process holds open, already removed from the folder.
		fds, _ := filepath.Glob(fmt.Sprintf("/proc/%d/fd/*", cmd.Process.Pid))
		spool := false
		for _, fd := range fds {
			if target, _ := os.Readlink(fd); strings.HasPrefix(target, filepath.Join(tmp, "padlock-spool-")) && strings.HasSuffix(target, " (deleted)") {
				spool = true
			}
		}
		if !spool {
			t.Error("no removed spool file held open while pages were spilled")
		}
	}
	if ents, _ := os.ReadDir(tmp); len(ents) > 0 {
		t.Errorf("files in the temporary folder during the crawl: %v", ents)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitTrouble {
		t.Fatalf("exit: %v, want code 2", err)
	}
	if ents, _ := os.ReadDir(tmp); len(ents) > 0 {
		t.Errorf("files left in the temporary folder after Ctrl-C: %v", ents)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("no report after Ctrl-C: %v", err)
	}
	var rep struct {
		Interrupted bool
		Stats       struct{ Pages, Findings int }
		Pages       []struct{ URL string }
		Findings    []struct{ Page string }
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	if !rep.Interrupted || rep.Stats.Pages != links || len(rep.Pages) != links || len(rep.Findings) != rep.Stats.Findings || rep.Stats.Findings < links-1 {
		t.Errorf("want an interrupted report of %d pages and their findings: %+v", links, rep.Stats)
	}
	for i := 1; i < len(rep.Pages); i++ {
		if rep.Pages[i-1].URL > rep.Pages[i].URL {
			t.Errorf("pages out of order: %s before %s", rep.Pages[i-1].URL, rep.Pages[i].URL)
		}
	}
}
