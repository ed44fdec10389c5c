package scan_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/report"
	"github.com/padlock-scan/padlock/scan"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden reports in testdata/golden")

// goldenSites are the fixture sites whose whole JSON report is kept in testdata/golden.
var goldenSites = []string{"redirects"}

// goldenClock is the fixed time of golden reports.
var goldenClock = time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC)

// TestGoldenReport crawls a fixture site with a fixed clock and one request at a time, writes
// the JSON report and compares it, normalised, with testdata/golden/<site>.json. Run with
// -update to rewrite the file after an intended change, and review the diff.
func TestGoldenReport(t *testing.T) {
	t.Parallel()
	for _, name := range goldenSites {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := startSite(t, name)
			got := goldenJSON(t, s)
			file := filepath.Join("..", "testdata", "golden", name+".json")
			if *updateGolden {
				if err := os.WriteFile(file, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run go test ./scan -run TestGoldenReport -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("the JSON report of site %s differs from %s (run with -update if the change is intended):\n%s",
					name, file, lineDiff(string(want), string(got)))
			}
		})
	}
}

// goldenJSON crawls the site and returns its normalised JSON report.
func goldenJSON(t *testing.T, s *site) []byte {
	t.Helper()
	opt := s.options()
	// One request at a time: which of two URLs that end on the same page records its content
	// depends on which is fetched first, and only a fixed order makes that repeatable.
	opt.Crawl.Concurrency = 1
	opt.Now = func() time.Time { return goldenClock }
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rep, err := scan.Run(ctx, opt)
	if err != nil {
		t.Fatalf("scan.Run: %v", err)
	}
	w, err := report.New("json")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := w.Write(&buf, rep); err != nil {
		t.Fatal(err)
	}
	return normalizeReport(buf.Bytes(), s.tlsPort, s.httpPort)
}

var (
	// cipherRE: the TLS 1.3 suite Go picks depends on the CPU (AES hardware or not).
	cipherRE = regexp.MustCompile(`"cipher": "[^"]*"`)
	// loopbackPortRE: ephemeral client ports in transport error messages.
	loopbackPortRE = regexp.MustCompile(`127\.0\.0\.1:[0-9]+`)
)

// normalizeReport replaces what changes from run to run: the servers' ports (everywhere they
// follow a colon: URLs, messages, errors), loopback addresses with ports, and the cipher suite.
// Times come from the fixed clock.
func normalizeReport(b []byte, tlsPort, httpPort string) []byte {
	port := func(s, p, name string) string {
		re := regexp.MustCompile(`:` + p + `\b`)
		return re.ReplaceAllString(s, ":"+name)
	}
	s := string(b)
	s = port(s, tlsPort, "TLSPORT")
	s = port(s, httpPort, "HTTPPORT")
	s = loopbackPortRE.ReplaceAllString(s, "127.0.0.1:PORT")
	s = cipherRE.ReplaceAllString(s, `"cipher": "(normalised)"`)
	return []byte(s)
}

// lineDiff shows the lines that differ, with a little context; enough to read a golden failure.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var out []string
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			out = append(out, "line "+strconv.Itoa(i+1)+":\n\t- "+wl+"\n\t+ "+gl)
			if len(out) >= 20 {
				out = append(out, "(more differences follow; the line numbers drift after an insertion)")
				break
			}
		}
	}
	return strings.Join(out, "\n")
}

// TestGoldenDeterministic crawls the golden site twice and checks that the normalised reports
// are identical, so a golden failure means a change, not noise.
func TestGoldenDeterministic(t *testing.T) {
	t.Parallel()
	a := goldenJSON(t, startSite(t, goldenSites[0]))
	b := goldenJSON(t, startSite(t, goldenSites[0]))
	if !bytes.Equal(a, b) {
		t.Errorf("two crawls of %s gave different normalised reports:\n%s", goldenSites[0], lineDiff(string(a), string(b)))
	}
}
