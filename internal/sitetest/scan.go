package sitetest

import (
	"bytes"
	"context"
	"crypto/x509"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/internal/sitetest/testnet"
	"github.com/padlock-scan/padlock/report"
	"github.com/padlock-scan/padlock/scan"
)

// Clock is the fixed time of reports that are compared byte for byte (started_at, finished_at).
var Clock = time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC)

// Options returns crawl options for a loopback site: start at starts, every host name sent to
// 127.0.0.1 by resolve, certificates trusted by pool, every request dialed through guard,
// every sub-resource checked, robots.txt ignored, 200 pages at most, 4 at a time, 5 s a
// request.
func Options(starts, resolve []string, pool *x509.CertPool, guard *testnet.Guard) scan.Options {
	var opt scan.Options
	opt.Crawl.StartURLs = starts
	opt.Crawl.Resolve = resolve
	opt.Crawl.RootCAs = pool
	opt.Crawl.CheckResources = "all"
	opt.Crawl.IgnoreRobots = true
	opt.Crawl.MaxPages = 200
	opt.Crawl.Concurrency = 4
	opt.Crawl.Timeout = 5 * time.Second
	opt.Crawl.DialContext = guard.Dial
	return opt
}

// Options returns crawl options for the site: start at {{tls}}/, every host name on the two
// test ports sent to loopback, the httptest certificate trusted, requests through s.Guard.
func (s *Site) Options() scan.Options {
	pool := x509.NewCertPool()
	pool.AddCert(s.TLS.Certificate())
	return Options([]string{s.Vars["tls"] + "/"},
		append(testnet.Resolve(s.TLSPort, "*"), testnet.Resolve(s.HTTPPort, "*")...), pool, s.Guard)
}

// Scan runs scan.Run with a deadline, so a hang fails the test rather than the run; it fails
// the test at once if there is no report at all.
func Scan(t testing.TB, opt scan.Options) (*report.Report, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rep, err := scan.Run(ctx, opt)
	if rep == nil {
		t.Fatalf("scan.Run returned no report: %v", err)
	}
	return rep, err
}

// MustScan is Scan for crawls that must succeed.
func MustScan(t testing.TB, opt scan.Options) *report.Report {
	t.Helper()
	rep, err := Scan(t, opt)
	if err != nil {
		t.Fatalf("scan.Run: %v", err)
	}
	return rep
}

// JSON writes rep as the JSON report.
func JSON(t testing.TB, rep *report.Report) []byte {
	t.Helper()
	w, err := report.New("json")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := w.Write(&buf, rep); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var (
	// cipherRE: the TLS 1.3 suite Go picks depends on the CPU (AES hardware or not).
	cipherRE = regexp.MustCompile(`"cipher": "[^"]*"`)
	// tls13SuiteRE: the same suite listed in origins[].summary.suites.
	tls13SuiteRE = regexp.MustCompile(`"TLS_(AES_128_GCM_SHA256|AES_256_GCM_SHA384|CHACHA20_POLY1305_SHA256)"`)
	// loopbackPortRE: ephemeral client ports in transport error messages.
	loopbackPortRE = regexp.MustCompile(`127\.0\.0\.1:[0-9]+`)
)

// NormalizeReport replaces what changes from run to run in a JSON report: the servers' ports
// (given as pairs port, name; everywhere they follow a colon: URLs, messages, errors), loopback
// addresses with ports, and the cipher suite. Times come from a fixed clock (Clock).
func NormalizeReport(b []byte, portNames ...string) []byte {
	s := string(b)
	for i := 0; i+1 < len(portNames); i += 2 {
		re := regexp.MustCompile(`:` + portNames[i] + `\b`)
		s = re.ReplaceAllString(s, ":"+portNames[i+1])
	}
	s = loopbackPortRE.ReplaceAllString(s, "127.0.0.1:PORT")
	s = cipherRE.ReplaceAllString(s, `"cipher": "(normalised)"`)
	s = tls13SuiteRE.ReplaceAllString(s, `"(normalised TLS 1.3 suite)"`)
	return []byte(s)
}

// Golden compares got with the file, or rewrites the file when update is set (go test -update
// after an intended change; review the diff).
func Golden(t testing.TB, file string, got []byte, update bool) {
	t.Helper()
	if update {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the report differs from %s (run with -update if the change is intended):\n%s",
			file, LineDiff(string(want), string(got)))
	}
}

// LineDiff shows the lines that differ, with a little context; enough to read a golden failure.
func LineDiff(want, got string) string {
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
