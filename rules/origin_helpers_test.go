package rules

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"testing"

	"github.com/padlock-scan/padlock/crawler"
)

// Shared fixtures for the third-party, SRI, TLS, HSTS and payment rule tests.

// mustURL parses an absolute URL or fails the test.
func mustURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("url.Parse(%q): %v", raw, err)
	}
	return u
}

// runRule runs one page-level rule over p with cfg and checks what every finding must have,
// allowing any severity (third-party-script raises its own on payment pages).
func runRule(t *testing.T, r *Rule, p *crawler.Page, cfg *Config) []Finding {
	t.Helper()
	fs := Run([]*Rule{r}, p, cfg)
	for _, f := range fs {
		if f.Page == "" {
			t.Errorf("finding for %s has no page", f.URL)
		}
	}
	return checkAll(t, r, fs)
}

// runOriginRule runs one origin-level rule over o with cfg.
func runOriginRule(t *testing.T, r *Rule, o *crawler.Origin, cfg *Config) []Finding {
	t.Helper()
	if r.Scope != ScopeOrigin {
		t.Fatalf("rule %s is not an origin-level rule", r.ID)
	}
	fs := RunOrigin([]*Rule{r}, o, cfg)
	for _, f := range fs {
		if f.URL == "" {
			t.Errorf("finding %+v lacks a URL", f)
		}
	}
	return checkAll(t, r, fs)
}

// fetchOf returns a successful, complete GET of body, with the digests the crawler records.
func fetchOf(rawURL, body string) *crawler.Fetch {
	s256 := sha256.Sum256([]byte(body))
	s384 := sha512.Sum384([]byte(body))
	s512 := sha512.Sum512([]byte(body))
	return &crawler.Fetch{
		URL: rawURL, Method: "GET", Status: 200, FinalURL: rawURL, Header: http.Header{},
		Size: int64(len(body)), SHA256: hex.EncodeToString(s256[:]),
		SHA384: base64.StdEncoding.EncodeToString(s384[:]),
		SHA512: base64.StdEncoding.EncodeToString(s512[:]),
	}
}

// scriptRes is a <script src> reference.
func scriptRes(rawURL string) crawler.Resource {
	return crawler.Resource{URL: rawURL, Raw: rawURL, Element: "script", Attribute: "src",
		Kind: crawler.KindScript, Line: 7, Source: crawler.SourceHTML}
}

// stylesheetRes is a <link rel=stylesheet> reference.
func stylesheetRes(rawURL string) crawler.Resource {
	return crawler.Resource{URL: rawURL, Raw: rawURL, Element: "link", Attribute: "href", Rel: "stylesheet",
		Kind: crawler.KindStylesheet, Line: 5, Source: crawler.SourceHTML}
}

// cardField is an input with autocomplete=cc-number, which makes a page a payment page.
var cardField = crawler.Field{Element: "input", Type: "text", Name: "number", Autocomplete: "cc-number", Line: 30}
