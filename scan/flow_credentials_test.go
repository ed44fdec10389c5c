package scan_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/internal/sitetest"
	"github.com/padlock-scan/padlock/render"
	"github.com/padlock-scan/padlock/scan"
)

// shopBrowser is render mode for a shop fixture: every page rendered, its hosts mapped to
// loopback, its certificate trusted by its key. Without a browser the test skips (fails in CI).
func shopBrowser(t *testing.T, s *sitetest.Site) scan.RenderOptions {
	t.Helper()
	if _, err := render.FindChrome(""); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must install Debian's chromium package: %v", err)
		}
		t.Skipf("no browser: %v", err)
	}
	sum := sha256.Sum256(s.TLS.Certificate().RawSubjectPublicKeyInfo)
	return scan.RenderOptions{Mode: scan.RenderAll, Browser: render.Options{HostResolverRules: "MAP * 127.0.0.1",
		SPKIs: []string{base64.StdEncoding.EncodeToString(sum[:])}, Timeout: 15 * time.Second, Warnf: t.Logf}}
}

// TestRenderCarriesCredentialsInScopeOnly: the browser gets the user's cookie (set in each
// page's context for the shop's origin) and answers the shop's basic-auth challenge, so the
// account page renders; the third-party host and http: never see a credential from it.
func TestRenderCarriesCredentialsInScopeOnly(t *testing.T) {
	sh, s := startShop(t)
	sh.needAuth = "preview:SECRET-PASS"
	opt := s.Options()
	opt.Render = shopBrowser(t, s)
	opt.Crawl.Cookies = []crawler.Cookie{{Name: "session", Value: "SECRET-COOKIE"}, {Name: "other", Value: "x", Domain: "example.com"}}
	opt.Crawl.BasicAuth = sh.needAuth
	opt.Crawl.Headers = http.Header{"X-Token": {"SECRET-TOKEN"}}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second) // (sitetest.Scan's 20 s is short for a browser under -race)
	defer cancel()
	rep, err := scan.Run(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer rep.Close()
	for _, e := range rep.Errors {
		if strings.Contains(e.URL, "/account") {
			t.Errorf("error: %+v", e)
		}
	}
	if p := sitetest.PageOf(t, rep, s.Vars["tls"]+"/account"); !p.Rendered {
		t.Errorf("/account not rendered: %+v", p)
	}
	ownBrowser := 0
	for _, r := range sh.requests() {
		if !r.browser {
			continue
		}
		if r.scheme == "https" && r.host == sitetest.SiteHost {
			if r.path == "/account" && r.auth != "" {
				ownBrowser++
				if !strings.Contains(r.cookie, "session=SECRET-COOKIE") || !strings.Contains(r.cookie, "other=x") || r.token == "" {
					t.Errorf("browser /account: cookie %q token %q", r.cookie, r.token)
				}
			}
			continue
		}
		// (the third party's own cookie, set by its answers, is the browser's business)
		if strings.Contains(r.cookie, "SECRET") || strings.Contains(r.cookie, "other=") || r.auth != "" || r.token != "" {
			t.Errorf("browser %s://%s%s got credentials: cookie %q auth %q token %q", r.scheme, r.host, r.path, r.cookie, r.auth, r.token)
		}
	}
	if ownBrowser == 0 {
		t.Errorf("the browser never loaded /account with basic auth: %+v", sh.requests())
	}
}
