package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/report"
)

// A hostile site's certificate names carry terminal escapes (retitle, clear screen, an OSC 8
// link). The start URL fails on them and the error is printed: stderr must show the escapes as
// text, never send them raw.
func TestNetworkTextCannotDriveTheTerminal(t *testing.T) {
	t.Parallel()
	evil := "evil\x1b]0;owned\x07\x1b[2J\x1b]8;;https://x.test\x1b\\.test"
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: evil},
		DNSNames: []string{evil}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<p>hi</p>")
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	code, _, stderr := runCLI(t, context.Background(), "crawl", "--ca-file", ca, "--ignore-robots",
		"--resolve", fmt.Sprintf("shop.test:%d:127.0.0.1", port),
		"-o", filepath.Join(t.TempDir(), "r.json"), fmt.Sprintf("https://shop.test:%d/", port))
	if code != exitTrouble {
		t.Fatalf("exit %d, want %d (the certificate names another host)\n%s", code, exitTrouble, stderr)
	}
	if strings.ContainsAny(stderr, "\x1b\x07") {
		t.Errorf("stderr carries raw escapes: %q", stderr)
	}
	if !strings.Contains(stderr, `evil\x1b]0;owned\x07`) {
		t.Errorf("stderr should show the certificate's name with its escapes as text:\n%s", stderr)
	}
}

// padlock diff prints URLs taken from crawled pages: a page URL with an escape sequence comes
// out as text.
func TestDiffTextEscapesNetworkText(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name string, pages ...string) string {
		rep := &report.Report{Version: report.Version, Tool: report.Tool{Name: "padlock", Version: "test"}, StartURLs: []string{"https://shop.test/"}}
		for _, p := range pages {
			rep.Pages = append(rep.Pages, report.Page{URL: p, FinalURL: p, Status: 200, Resources: []report.Resource{}})
		}
		rep.Finish()
		path := filepath.Join(dir, name)
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		w, _ := report.New("json")
		if err := w.Write(f, rep); err != nil {
			t.Fatal(err)
		}
		return path
	}
	old := write("old.json", "https://shop.test/")
	cur := write("new.json", "https://shop.test/", "https://shop.test/\x1b]0;owned\x07")
	code, stdout, stderr := runCLI(t, context.Background(), "diff", old, cur)
	if code != exitFindings {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	if strings.ContainsAny(stdout, "\x1b\x07") || !strings.Contains(stdout, `+ page https://shop.test/\x1b]0;owned\x07`) {
		t.Errorf("diff text:\n%q", stdout)
	}
}
