package report

import (
	"flag"
	"strings"
	"time"

	"github.com/padlock-scan/padlock/rules"
)

// update rewrites the golden files under testdata: go test ./report -run Golden -update
var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// Hostile strings that crawled sites may put in URLs and messages; every writer must render
// them inert.
const (
	hostileScriptURL = `https://www.shop.test/search?q="><script>window.pwned=1</script>`
	hostileLinkURL   = `http://evil.test/"><img src=x onerror="window.pwned=2">`
	hostileJSURL     = `javascript:window.pwned=3`
	hostileStyleURL  = `https://www.shop.test/</style><script>window.pwned=4</script>.css`
	hostileMessage   = "stylesheet </style><b>bold</b> over HTTP\x00\x07\x1b[31m & more"
	ampersandURL     = "http://img.other.test/x.png?a=1&b=2&lt;"
)

func boolPtr(b bool) *bool { return &b }

// fixtureReport is a small report exercising every field the writers show, with hostile
// strings in URLs, messages and suppression reasons.
func fixtureReport() *Report {
	start := time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC)
	r := &Report{
		Version:    Version,
		Tool:       Tool{Name: "padlock", Version: "0.1.0-test"},
		StartURLs:  []string{"https://www.shop.test/"},
		StartedAt:  start,
		FinishedAt: start.Add(4200 * time.Millisecond),
		Config: &Settings{
			MaxPages: 100, MaxDepth: 0, CheckResources: "all", FailOn: "error",
			FirstParty: []string{"shop.test"}, AllowScript: []string{"https://js.payments.test"},
		},
		Stats: Stats{Pages: 6, Resources: 9, Requests: 21, NotCrawled: 2, Skipped: 1},
		Pages: []Page{
			{
				URL: "https://www.shop.test/", FinalURL: "https://www.shop.test/", Status: 200,
				ContentType: "text/html", Title: "Shop & <Home>", TLS: &TLS{Version: "TLS 1.3"},
				Resources: []Resource{
					{URL: "http://cdn.other.test/a.js", Element: "script", Attribute: "src", Kind: "script", Line: 14},
					{URL: ampersandURL, Element: "img", Attribute: "src", Kind: "image", Line: 20},
					{URL: hostileLinkURL, Element: "a", Attribute: "href", Kind: "link", Line: 31},
					{URL: hostileJSURL, Element: "a", Attribute: "href", Kind: "link", Line: 32},
				},
			},
			{
				URL: "https://www.shop.test/checkout?step=2&x=1", FinalURL: "https://www.shop.test/checkout?step=2&x=1",
				Status: 200, Depth: 1, Payment: true, TLS: &TLS{Version: "TLS 1.3"},
				Resources: []Resource{{URL: "http://pay.shop.test/submit", Element: "form", Attribute: "action", Kind: "form-action", Line: 40}},
			},
			{
				URL: hostileScriptURL, FinalURL: hostileScriptURL, Status: 200, Depth: 1, TLS: &TLS{Version: "TLS 1.2"},
				Resources: []Resource{{URL: hostileStyleURL, Element: "link", Attribute: "href", Kind: "stylesheet", Line: 3}},
			},
			{URL: "https://www.shop.test/broken", FinalURL: "https://www.shop.test/broken", Depth: 1, Error: "timeout after 15s", Resources: []Resource{}},
			{
				URL: "http://www.shop.test/legacy", FinalURL: "http://www.shop.test/legacy", Status: 200, Depth: 1,
				Redirects: []Redirect{{From: "https://www.shop.test/old", To: "http://www.shop.test/legacy", Status: 301, Via: "http"}},
				Resources: []Resource{},
			},
			{URL: "https://blog.shop.test/post", FinalURL: "https://blog.shop.test/post", Status: 200, Depth: 2, TLS: &TLS{Version: "TLS 1.3"}, Resources: []Resource{}},
		},
		Findings: []Finding{
			{
				Rule: "mixed-content-blockable", Severity: rules.Error, Page: "https://www.shop.test/",
				URL: "http://cdn.other.test/a.js", Element: "script", Attribute: "src", Line: 14, Source: "html",
				Message: "script loaded over plain HTTP on an HTTPS page; browsers block it", HTTPSAvailable: boolPtr(true),
				Baseline: BaselineKnown,
			},
			{
				Rule: "mixed-content-upgradeable", Severity: rules.Warning, Page: "https://www.shop.test/",
				URL: ampersandURL, Element: "img", Attribute: "src", Line: 20, Source: "html",
				Message: "image loaded over plain HTTP; browsers upgrade it", Mitigation: "csp-upgrade-insecure-requests",
				HTTPSAvailable: boolPtr(false), Baseline: BaselineNew,
			},
			{
				Rule: "insecure-link", Severity: rules.Info, Page: "https://www.shop.test/", URL: hostileLinkURL,
				Element: "a", Attribute: "href", Line: 31, Source: "html", Message: "link to an http: URL", Baseline: BaselineNew,
			},
			{
				Rule: "insecure-link", Severity: rules.Info, Page: "https://www.shop.test/", URL: hostileJSURL,
				Element: "a", Attribute: "href", Line: 32, Source: "html", Message: "link <a href=\"javascript:window.pwned=5\">x</a>",
				Baseline: BaselineNew,
			},
			{
				Rule: "insecure-form", Severity: rules.Error, Page: "https://www.shop.test/checkout?step=2&x=1",
				URL: "http://pay.shop.test/submit", Element: "form", Attribute: "action", Line: 40, Source: "html",
				Message: "form submits over plain HTTP",
				Suppressed: &Suppression{
					Reason: `legacy PSP until the migration <b>done</b> & "quoted"`, Until: "2099-01-01",
					Match: "https://www.shop.test/checkout*",
				},
				Baseline: BaselineKnown,
			},
			{
				Rule: "mixed-content-blockable", Severity: rules.Error, Page: hostileScriptURL, URL: hostileStyleURL,
				Element: "link", Attribute: "href", Line: 3, Source: "css", Stylesheet: hostileStyleURL,
				Message: hostileMessage, Baseline: BaselineNew,
			},
			{
				Rule: "insecure-page", Severity: rules.Error, Page: "http://www.shop.test/legacy", URL: "http://www.shop.test/legacy",
				Source: "redirect", Message: "page served over plain HTTP", Baseline: BaselineNew,
			},
			{
				Rule: "https-downgrade", Severity: rules.Error, Page: "https://blog.shop.test/post", URL: "http://blog.shop.test/post?ref=a,b:c",
				Element: "meta", Attribute: "http-equiv", Line: 5, Source: "html",
				Message: "meta refresh\r\nto http:\n::error::injected", Baseline: BaselineNew,
			},
			{
				Rule: "future-rule", Severity: rules.Warning, Page: "https://www.shop.test/", URL: "https://www.shop.test/x.js",
				Message: "a rule this padlock does not know", Line: 50, Baseline: BaselineNew,
			},
		},
		Errors: []Error{
			{URL: "https://www.shop.test/broken", Error: "timeout after 15s"},
			{URL: "https://www.shop.test/sitemap.xml", Error: "status 500 <script>window.pwned=6</script>"},
		},
		Scripts: []Script{
			{
				Kind: "external", URL: "http://cdn.other.test/a.js", SHA256: strings.Repeat("ab", 32), Size: 1200, Status: 200,
				Party: "third", PageCount: 7,
				Pages: []string{"https://www.shop.test/", "https://www.shop.test/a", "https://www.shop.test/b", "https://www.shop.test/c", "https://www.shop.test/d", "https://www.shop.test/e"},
			},
			{
				Kind: "external", URL: "https://js.payments.test/v3/" + `"><script>window.pwned=7</script>`, Party: "third",
				SHA256: strings.Repeat("cd", 32), Integrity: `sha384-"><b>x</b>`, IntegrityValid: boolPtr(false),
				AllowedBy: "https://js.payments.test", PageCount: 1,
				Pages: []string{"https://www.shop.test/checkout?step=2&x=1"}, PaymentPages: []string{"https://www.shop.test/checkout?step=2&x=1"},
			},
			{Kind: "inline", SHA256: strings.Repeat("ef", 32), Party: "first", PageCount: 1, Pages: []string{"https://www.shop.test/"}},
		},
		Origins: []Origin{
			{
				Origin: "https://www.shop.test", InScope: true, FirstPage: "https://www.shop.test/", TLSVersion: "TLS 1.3",
				Cipher: "TLS_AES_128_GCM_SHA256", HSTS: "max-age=63072000; includeSubDomains", HSTSPages: 4,
				Certificate: &Certificate{Subject: "CN=www.shop.test", Issuer: "CN=Test CA", NotAfter: start.Add(90 * 24 * time.Hour)},
				Summary: &TLSSummary{Grade: "A+", Versions: []string{"TLS 1.3"}, Suites: []string{"TLS_AES_128_GCM_SHA256"},
					Key: "ECDSA P-256", OCSPStapled: true, Handshakes: 4},
			},
			{
				Origin: "https://legacy.other.test", FirstPage: "https://www.shop.test/", TLSVersion: "TLS 1.2", LegacyTLS: true,
				LegacyVersion: "TLS 1.0", HSTSVaries: true,
				Certificate: &Certificate{Subject: "CN=<script>window.pwned=8</script>", Issuer: "CN=Unknown", Problem: "untrusted"},
				Summary: &TLSSummary{Grade: "F", Reasons: []string{"F: certificate not trusted",
					"capped at B: key RSA 1024 bits (the leaf CN=<script>window.pwned=9</script>)", "capped at B: accepts TLS 1.0"},
					Versions: []string{"TLS 1.2", "TLS 1.0"}, Suites: []string{"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
					Key: "RSA 1024 bits", Handshakes: 4},
			},
		},
		Fixed: []Finding{{
			Rule: "mixed-content-blockable", Severity: rules.Error, Page: "https://www.shop.test/about",
			URL: "http://cdn.other.test/old.css", Element: "link", Attribute: "href", Line: 7, Source: "html",
			Message: "stylesheet loaded over plain HTTP",
		}},
	}
	r.Finish()
	r.Stats.Pages = len(r.Pages)
	return r
}

// emptyReport is a finished crawl of one clean page.
func emptyReport() *Report {
	r := &Report{
		Version: Version, Tool: Tool{Name: "padlock", Version: "0.1.0-test"},
		StartURLs: []string{"https://clean.test/"},
		Pages:     []Page{{URL: "https://clean.test/", FinalURL: "https://clean.test/", Status: 200, Resources: []Resource{}}},
	}
	r.Finish()
	r.Stats.Pages = 1
	return r
}

// interruptedReport is the fixture, stopped early.
func interruptedReport() *Report {
	r := fixtureReport()
	r.Interrupted = true
	return r
}
