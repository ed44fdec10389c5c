package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/padlock-scan/padlock/internal/sitetest/testnet"
	"github.com/padlock-scan/padlock/report"
)

// TestTLSCommand checks endpoints with padlock tls: badssl's rc4 case (TLS 1.0-1.2, RC4 only),
// a good endpoint and a plain-HTTP one; no crawl, the crawl's report and exit codes.
func TestTLSCommand(t *testing.T) {
	t.Parallel()
	ca := testnet.NewCA(t, "tls command CA")
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	rc4 := testnet.TLSServerConfig(t, nil, &tls.Config{Certificates: []tls.Certificate{ca.RSALeaf(t, 2048, "127.0.0.1")},
		MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_RSA_WITH_RC4_128_SHA}})
	good := testnet.TLSServer(t, nil, ca.ValidLeaf(t, "127.0.0.1"))
	plain := testnet.HTTPServer(t, nil)

	read := func(t *testing.T, stdout string) report.Report {
		t.Helper()
		var rep report.Report
		if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
			t.Fatalf("JSON report: %v\n%s", err, stdout)
		}
		return rep
	}
	t.Run("weak and plain endpoints", func(t *testing.T) {
		code, stdout, stderr := runCLI(t, context.Background(), "tls", "-q", "-o", "-", "--ca-file", caFile,
			rc4.URL+"/webhooks/stripe", plain.URL+"/webhooks/paypal")
		if code != exitFindings {
			t.Fatalf("exit %d, want %d: %s", code, exitFindings, stderr)
		}
		rep := read(t, stdout)
		var got []string
		for _, f := range rep.Findings {
			got = append(got, f.Rule+" "+f.Page)
		}
		slices.Sort(got)
		want := []string{
			"insecure-endpoint " + plain.URL + "/webhooks/paypal",
			"tls-1.3-missing " + rc4.URL + "/webhooks/stripe",
			"tls-legacy " + rc4.URL + "/webhooks/stripe",
			"tls-weak-cipher " + rc4.URL + "/webhooks/stripe",
		}
		if !slices.Equal(got, want) {
			t.Errorf("findings:\n%s\nwant (no tls-version: TLS 1.2 is spoken, with RC4):\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if len(rep.Pages) != 0 || len(rep.StartURLs) != 0 || rep.Config == nil || len(rep.Config.Endpoints) != 2 {
			t.Errorf("pages %d, start URLs %v, config %+v: want none, none, both endpoints", len(rep.Pages), rep.StartURLs, rep.Config)
		}
		for _, o := range rep.Origins {
			switch {
			case o.Origin == plain.URL:
				if !o.Endpoint || o.Summary != nil {
					t.Errorf("http endpoint: %+v", o)
				}
			case o.Summary == nil || o.Summary.Grade != "F" || !slices.Contains(o.Summary.Reasons, "F: RC4 (TLS_RSA_WITH_RC4_128_SHA)"):
				t.Errorf("RC4 endpoint summary: %+v", o.Summary)
			}
		}
	})
	t.Run("good endpoint", func(t *testing.T) {
		code, stdout, stderr := runCLI(t, context.Background(), "tls", "-o", "-", "--ca-file", caFile, good.URL+"/api")
		if code != exitOK || !strings.Contains(stderr, "padlock: checking the TLS of "+good.URL+"/api") {
			t.Fatalf("exit %d, want 0: %s", code, stderr)
		}
		rep := read(t, stdout)
		if len(rep.Findings) != 0 || len(rep.Origins) != 1 || rep.Origins[0].Summary == nil || rep.Origins[0].Summary.Grade != "A" {
			t.Errorf("findings %+v, origins %+v", rep.Findings, rep.Origins)
		}
	})
	t.Run("no endpoint", func(t *testing.T) {
		code, _, stderr := runCLI(t, context.Background(), "tls", "-o", "-")
		if code != exitTrouble || !strings.Contains(stderr, "tls needs at least one endpoint URL") {
			t.Errorf("exit %d: %s", code, stderr)
		}
		code, _, stderr = runCLI(t, context.Background(), "tls", "-o", "-", "ftp://127.0.0.1/x")
		if code != exitTrouble || !strings.Contains(stderr, `endpoint "ftp://127.0.0.1/x": want an absolute http:// or https:// URL`) {
			t.Errorf("exit %d: %s", code, stderr)
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		gone := testnet.TLSServer(t, nil, ca.ValidLeaf(t, "127.0.0.1"))
		url := gone.URL + "/hook"
		gone.Close()
		code, stdout, stderr := runCLI(t, context.Background(), "tls", "-q", "-o", "-", url)
		if code != exitTrouble || !strings.Contains(stderr, "no endpoint could be reached: "+url) {
			t.Errorf("exit %d: %s", code, stderr)
		}
		if rep := read(t, stdout); len(rep.Errors) != 1 || rep.Errors[0].URL != url {
			t.Errorf("errors %+v", rep.Errors)
		}
	})
	t.Run("endpoints: beside a crawl", func(t *testing.T) {
		srv, siteCA := site(t, map[string]string{"/": "<p>shop</p>"})
		dir := t.TempDir()
		conf := filepath.Join(dir, "padlock.yml")
		if err := os.WriteFile(conf, []byte("endpoints:\n  - "+plain.URL+"/webhooks/paypal\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, "r.json")
		code, _, stderr := runCLI(t, context.Background(), "crawl", "-q", "--config", conf, "--ca-file", siteCA, "-o", out, srv.URL+"/")
		if code != exitFindings {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		b, _ := os.ReadFile(out)
		if !strings.Contains(string(b), `"rule": "insecure-endpoint"`) {
			t.Errorf("the crawl's report lacks the endpoint's insecure-endpoint finding:\n%s", b)
		}
	})
}
