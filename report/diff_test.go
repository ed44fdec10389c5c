package report

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/rules"
)

func TestDiffScriptsHeadersOriginsFindings(t *testing.T) {
	t.Parallel()
	old := &Report{
		StartedAt: time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC),
		Pages:     []Page{{URL: "https://s/pay", FinalURL: "https://s/pay", Status: 200, CSP: []string{"script-src 'self'"}}, {URL: "https://s/old", FinalURL: "https://s/old", Status: 200}},
		Scripts: []Script{
			{Kind: "external", URL: "https://cdn/a.js", SHA256: "aaa"},
			{Kind: "external", URL: "https://cdn/gone.js", SHA256: "ggg", Pages: []string{"https://s/pay"}},
			{Kind: "inline", SHA256: "i1", Pages: []string{"https://s/pay"}},
		},
		Origins: []Origin{{Origin: "https://s", TLSVersion: "TLS 1.3", HSTS: "max-age=31536000"},
			{Origin: "https://graded", Summary: &TLSSummary{Grade: "A"}}, {Origin: "https://old-report", TLSVersion: "TLS 1.3"}},
		Findings: []Finding{{Rule: "sri-missing", Page: "https://s/pay", URL: "https://cdn/a.js"}},
	}
	cur := &Report{
		StartedAt: time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC),
		Pages:     []Page{{URL: "https://s/pay", FinalURL: "https://s/pay", Status: 200, CSP: []string{"script-src 'self' https://evil"}}, {URL: "https://s/new", FinalURL: "https://s/new", Status: 200}},
		Scripts: []Script{
			{Kind: "external", URL: "https://cdn/a.js", SHA256: "bbb", PaymentPages: []string{"https://s/pay"}},
			{Kind: "external", URL: "https://skimmer/x.js", SHA256: "xxx"},
			{Kind: "inline", SHA256: "i2"},
		},
		Origins: []Origin{{Origin: "https://s", TLSVersion: "TLS 1.2", HSTS: ""},
			{Origin: "https://graded", Summary: &TLSSummary{Grade: "B"}},
			{Origin: "https://old-report", TLSVersion: "TLS 1.3", Summary: &TLSSummary{Grade: "A"}}},
		Findings: []Finding{{Rule: "third-party-script", Page: "https://s/pay", URL: "https://skimmer/x.js"}},
	}
	c := Diff(old, cur)
	if c.Empty() {
		t.Fatal("changes reported as empty")
	}
	if len(c.ScriptsChanged) != 1 || c.ScriptsChanged[0].URL != "https://cdn/a.js" || c.ScriptsChanged[0].NewSHA256 != "bbb" || len(c.ScriptsChanged[0].PaymentPages) != 1 {
		t.Errorf("changed: %+v", c.ScriptsChanged)
	}
	if len(c.ScriptsAdded) != 2 || len(c.ScriptsRemoved) != 2 {
		t.Errorf("added %+v removed %+v (want skimmer + inline i2, gone.js + inline i1)", c.ScriptsAdded, c.ScriptsRemoved)
	}
	if len(c.CSPChanged) != 1 || c.CSPChanged[0].Page != "https://s/pay" {
		t.Errorf("csp: %+v", c.CSPChanged)
	}
	if len(c.OriginsChanged) != 3 || c.OriginsChanged[2] != (OriginChange{Origin: "https://graded", Field: "tls_grade", Old: "A", New: "B"}) {
		t.Errorf("origins: %+v (want tls_version and hsts, and the grade; not a grade that only the new report has)", c.OriginsChanged)
	}
	if len(c.NewFindings) != 1 || len(c.Fixed) != 1 || len(c.PagesAdded) != 1 || len(c.PagesRemoved) != 1 {
		t.Errorf("findings/pages: %+v", c)
	}
	if !Diff(cur, cur).Empty() {
		t.Errorf("a report compared with itself must have no changes: %+v", Diff(cur, cur))
	}
}

func TestDiffLeavesOutRulesThatWereOff(t *testing.T) {
	t.Parallel()
	f := func(rule, url string) Finding {
		return Finding{Rule: rule, Severity: rules.Error, Page: "https://s.test/", URL: url}
	}
	pages := []Page{{URL: "https://s.test/", FinalURL: "https://s.test/", Status: 200}}
	old := &Report{
		Pages:    pages,
		Config:   &Settings{RulesDisabled: []string{"insecure-form"}},
		Findings: []Finding{f("insecure-link", "http://a/"), f("mixed-content-blockable", "http://a/x.js")},
	}
	cur := &Report{
		Pages:    pages,
		Config:   &Settings{RulesDisabled: []string{"insecure-link"}},
		Findings: []Finding{f("insecure-form", "http://s/pay"), f("mixed-content-blockable", "http://a/y.js")},
	}
	for _, tc := range []struct {
		name     string
		old, cur *Report
	}{{"off in the new run", old, cur}, {"off in the old run", cur, old}} {
		c := Diff(tc.old, tc.cur)
		if len(c.NotCompared) != 2 || c.NotCompared[0] != "insecure-form" || c.NotCompared[1] != "insecure-link" {
			t.Errorf("%s: not compared %v", tc.name, c.NotCompared)
		}
		if len(c.NewFindings) != 1 || len(c.Fixed) != 1 ||
			c.NewFindings[0].Rule != "mixed-content-blockable" || c.Fixed[0].Rule != "mixed-content-blockable" {
			t.Errorf("%s: only the rule both runs ran may differ: new %+v fixed %+v", tc.name, c.NewFindings, c.Fixed)
		}
	}
}

// What the new crawl did not look at is neither fixed nor removed: a payment page that fails
// is a change of its own, and the findings and scripts on it are counted in the warnings.
func TestDiffOnlyCountsWhatTheNewCrawlChecked(t *testing.T) {
	t.Parallel()
	old := &Report{
		Pages: []Page{{URL: "https://s/", FinalURL: "https://s/", Status: 200}, {URL: "https://s/pay", FinalURL: "https://s/pay", Status: 200},
			{URL: "https://s/deep", FinalURL: "https://s/deep", Status: 200}},
		Scripts: []Script{
			{Kind: "external", URL: "https://cdn/pay.js", Pages: []string{"https://s/pay"}, PaymentPages: []string{"https://s/pay"}},
			{Kind: "external", URL: "https://cdn/home.js", Pages: []string{"https://s/"}},
		},
		Findings: []Finding{
			{Rule: "third-party-script", Severity: rules.Error, Page: "https://s/pay", URL: "https://cdn/pay.js"},
			{Rule: "insecure-link", Severity: rules.Info, Page: "https://s/deep", URL: "http://x/"},
			{Rule: "insecure-link", Severity: rules.Info, Page: "https://s/", URL: "http://x/"},
		},
	}
	cur := &Report{
		Pages: []Page{{URL: "https://s/", FinalURL: "https://s/", Status: 200},
			{URL: "https://s/pay", FinalURL: "https://s/pay", Status: 503, Error: "HTTP 503 Service Unavailable"}},
		Stats:       Stats{NotCrawled: 4},
		Interrupted: true,
	}
	c := Diff(old, cur)
	if len(c.Fixed) != 1 || c.Fixed[0].Page != "https://s/" {
		t.Errorf("only the finding on the page that loaded is fixed: %+v", c.Fixed)
	}
	if len(c.ScriptsRemoved) != 1 || c.ScriptsRemoved[0].URL != "https://cdn/home.js" {
		t.Errorf("only the script of the page that loaded is removed: %+v", c.ScriptsRemoved)
	}
	if len(c.PagesFailed) != 1 || c.PagesFailed[0].URL != "https://s/pay" || c.PagesFailed[0].Error != "HTTP 503 Service Unavailable" {
		t.Errorf("pages failed: %+v", c.PagesFailed)
	}
	if len(c.PagesRemoved) != 0 {
		t.Errorf("a page an interrupted crawl did not reach is not removed: %+v", c.PagesRemoved)
	}
	want := []string{
		"the new crawl was interrupted with 4 URLs not crawled: its report is partial",
		"2 findings of the old report are on pages or origins the new crawl did not check; not counted as fixed",
		"1 pages of the old report were not reached by the new crawl, which stopped short; not counted as removed",
		"1 scripts of the old report are only on pages the new crawl did not check; not counted as removed",
	}
	if strings.Join(c.Warnings, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(c.Warnings, "\n"), strings.Join(want, "\n"))
	}
	// A crawl capped by --max-pages did not reach /deep either; a complete one shows it removed.
	capped := *cur
	capped.Interrupted = false
	if c := Diff(old, &capped); len(c.PagesRemoved) != 0 || !strings.Contains(strings.Join(c.Warnings, "\n"), "stopped at --max-pages with 4 URLs") {
		t.Errorf("capped crawl: pages removed %+v, warnings %q", c.PagesRemoved, c.Warnings)
	}
	complete := capped
	complete.Stats.NotCrawled = 0
	if c := Diff(old, &complete); len(c.PagesRemoved) != 1 || c.PagesRemoved[0] != "https://s/deep" {
		t.Errorf("complete crawl: pages removed %+v, want /deep", c.PagesRemoved)
	}
	// A page that only failed is a change: a diff must not say "no changes".
	healthy := *old
	healthy.Findings, healthy.Scripts = nil, nil
	down := healthy
	down.Pages = append([]Page{}, healthy.Pages...)
	down.Pages[1].Error, down.Pages[1].Status = "timeout after 15s", 0
	if Diff(&healthy, &down).Empty() {
		t.Error("a page that stopped loading is a change")
	}
	// Empty lists are [] in JSON, never null (jq '.scripts_removed[]' must work).
	b, _ := json.Marshal(Diff(&healthy, &healthy))
	if strings.Contains(string(b), "null") {
		t.Errorf("null in the JSON changes: %s", b)
	}
}

func TestDiffWarnsWhenTheScopeDiffers(t *testing.T) {
	t.Parallel()
	old := &Report{StartURLs: []string{"https://s/"}, Config: &Settings{MaxPages: 10000}}
	cur := &Report{StartURLs: []string{"https://s/"}, Config: &Settings{MaxPages: 10000, NoFollow: true, Exclude: []string{"/blog/*"}}}
	if w := Diff(old, old).Warnings; len(w) != 0 {
		t.Errorf("same scope: warnings %q", w)
	}
	w := Diff(old, cur).Warnings
	if len(w) != 1 || !strings.Contains(w[0], "different scope") || !strings.Contains(w[0], "no-follow, exclude /blog/*") {
		t.Errorf("warnings %q", w)
	}
}

func TestDiffSecurityHeadersOfPaymentPages(t *testing.T) {
	t.Parallel()
	page := func(url string, payment bool, h map[string]string) Page {
		return Page{URL: url, FinalURL: url, Status: 200, Payment: payment, SecurityHeaders: h}
	}
	old := &Report{Pages: []Page{
		page("https://s/pay", true, map[string]string{"X-Frame-Options": "DENY", "Permissions-Policy": "payment=(self)"}),
		page("https://s/blog", false, nil),
	}}
	cur := &Report{Pages: []Page{
		page("https://s/pay", true, map[string]string{"X-Frame-Options": "SAMEORIGIN", "Referrer-Policy": "no-referrer"}),
		page("https://s/blog", false, nil),
	}}
	c := Diff(old, cur)
	got := []string{}
	for _, h := range c.HeadersChanged {
		got = append(got, fmt.Sprintf("%s %s %q->%q", h.Page, h.Header, h.Old, h.New))
	}
	want := []string{
		`https://s/pay X-Frame-Options ["DENY"]->["SAMEORIGIN"]`,
		`https://s/pay Referrer-Policy []->["no-referrer"]`,
		`https://s/pay Permissions-Policy ["payment=(self)"]->[]`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("headers changed:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if c.Empty() || !Diff(cur, cur).Empty() {
		t.Error("a header change is a change; a report against itself has none")
	}
}

// A payment page's changed CSP header is one change: csp_changed, not also a headers_changed entry.
func TestDiffReportsACSPChangeOnce(t *testing.T) {
	t.Parallel()
	page := func(csp string) Page {
		return Page{URL: "https://s/pay", FinalURL: "https://s/pay", Status: 200, Payment: true, CSP: []string{csp},
			SecurityHeaders: map[string]string{"Content-Security-Policy": csp, "X-Frame-Options": "DENY"}}
	}
	c := Diff(&Report{Pages: []Page{page("script-src 'self'")}}, &Report{Pages: []Page{page("script-src *")}})
	if len(c.CSPChanged) != 1 || len(c.HeadersChanged) != 0 {
		t.Errorf("csp_changed %+v, headers_changed %+v: want the CSP change once, as csp_changed", c.CSPChanged, c.HeadersChanged)
	}
	// A report-only policy is not enforced, so only headers_changed has it.
	ro := func(csp string) Page {
		p := page("script-src 'self'")
		p.SecurityHeaders["Content-Security-Policy-Report-Only"] = csp
		return p
	}
	c = Diff(&Report{Pages: []Page{ro("default-src 'self'")}}, &Report{Pages: []Page{ro("default-src *")}})
	if len(c.CSPChanged) != 0 || len(c.HeadersChanged) != 1 || c.HeadersChanged[0].Header != "Content-Security-Policy-Report-Only" {
		t.Errorf("report-only change: csp_changed %+v, headers_changed %+v", c.CSPChanged, c.HeadersChanged)
	}
}

// Cases a review found, on reports shaped like real crawls.
func TestDiffCoverageOfRedirectsAndOrigins(t *testing.T) {
	t.Parallel()
	pg := func(url, final string, status int, redirects ...Redirect) Page {
		return Page{URL: url, FinalURL: final, Status: status, Redirects: redirects}
	}
	mixed := func(page string) Finding {
		return Finding{Rule: "sri-missing", Severity: rules.Warning, Page: page, URL: "https://cdn.test/pay.js", Element: "script", Attribute: "src", Source: "html"}
	}
	t.Run("a page that now redirects to a login wall is not fixed", func(t *testing.T) {
		old := &Report{Pages: []Page{pg("https://s/pay", "https://s/pay", 200), pg("https://s/login", "https://s/login", 200)},
			Findings: []Finding{mixed("https://s/pay")},
			Scripts:  []Script{{Kind: "external", URL: "https://cdn.test/pay.js", Pages: []string{"https://s/pay"}}}}
		cur := &Report{Pages: []Page{
			pg("https://s/pay", "https://s/pay", 302, Redirect{From: "https://s/pay", To: "https://s/login", Status: 302}),
			pg("https://s/login", "https://s/login", 200)}}
		c := Diff(old, cur)
		if len(c.Fixed) != 0 || len(c.ScriptsRemoved) != 0 {
			t.Errorf("fixed %+v, removed %+v", c.Fixed, c.ScriptsRemoved)
		}
		if len(c.PagesFailed) != 1 || c.PagesFailed[0].Error != "now redirects to https://s/login" {
			t.Errorf("pages failed %+v", c.PagesFailed)
		}
		// followed within the record, the same: the content checked is another page's
		cur.Pages[0] = pg("https://s/pay", "https://s/login", 200, Redirect{From: "https://s/pay", To: "https://s/login", Status: 302})
		c = Diff(old, cur)
		if len(c.Fixed) != 0 || len(c.PagesFailed) != 1 || c.PagesFailed[0].Error != "now ends at https://s/login" {
			t.Errorf("followed redirect: fixed %+v, failed %+v", c.Fixed, c.PagesFailed)
		}
	})
	t.Run("hsts-missing is not fixed when no page of the origin loaded", func(t *testing.T) {
		hsts := Finding{Rule: "hsts-missing", Severity: rules.Warning, Page: "https://s/", URL: "https://s", Source: "header"}
		old := &Report{Pages: []Page{pg("https://s/", "https://s/", 200)}, Origins: []Origin{{Origin: "https://s"}}, Findings: []Finding{hsts}}
		cur := &Report{Pages: []Page{{URL: "https://s/", FinalURL: "https://s/", Status: 503, Error: "HTTP 503 Service Unavailable"}},
			Origins: []Origin{{Origin: "https://s"}}}
		if c := Diff(old, cur); len(c.Fixed) != 0 {
			t.Errorf("fixed %+v", c.Fixed)
		}
		cur.Pages[0] = pg("https://s/", "https://s/", 200)
		if c := Diff(old, cur); len(c.Fixed) != 1 {
			t.Errorf("with the page loaded and no finding, it is fixed: %+v", c.Fixed)
		}
	})
	t.Run("an origin finding whose first page moved is the same finding", func(t *testing.T) {
		tls := func(page string) Finding {
			return Finding{Rule: "tls-certificate", Severity: rules.Error, Page: page, URL: "https://cdn.test", Source: "tls"}
		}
		old := &Report{Pages: []Page{pg("https://s/b", "https://s/b", 200)}, Origins: []Origin{{Origin: "https://cdn.test"}}, Findings: []Finding{tls("https://s/b")}}
		cur := &Report{Pages: []Page{pg("https://s/a", "https://s/a", 200)}, Origins: []Origin{{Origin: "https://cdn.test"}}, Findings: []Finding{tls("https://s/a")}}
		if c := Diff(old, cur); len(c.Fixed) != 0 || len(c.NewFindings) != 0 {
			t.Errorf("new %+v, fixed %+v", c.NewFindings, c.Fixed)
		}
	})
	t.Run("a fixed downgrade on a redirect hop and its http landing page are fixed", func(t *testing.T) {
		old := &Report{
			Pages: []Page{pg("https://s/d", "http://s/d3", 200,
				Redirect{From: "https://s/d", To: "https://s/d2", Status: 301}, Redirect{From: "https://s/d2", To: "http://s/d3", Status: 301})},
			Findings: []Finding{
				{Rule: "https-downgrade", Severity: rules.Error, Page: "https://s/d2", URL: "http://s/d3", Source: "redirect"},
				{Rule: "insecure-page", Severity: rules.Error, Page: "http://s/d3", URL: "http://s/d3", Source: "redirect"},
			}}
		cur := &Report{Pages: []Page{pg("https://s/d", "https://s/d3", 200,
			Redirect{From: "https://s/d", To: "https://s/d2", Status: 301}, Redirect{From: "https://s/d2", To: "https://s/d3", Status: 301})}}
		c := Diff(old, cur)
		if len(c.Fixed) != 2 || len(c.Warnings) != 0 || len(c.PagesFailed) != 0 {
			t.Errorf("fixed %+v, warnings %q, failed %+v", c.Fixed, c.Warnings, c.PagesFailed)
		}
	})
}

func TestDiffCSPOfLoadedPagesOnly(t *testing.T) {
	t.Parallel()
	old := &Report{Pages: []Page{
		{URL: "https://s/a", FinalURL: "https://s/a", Status: 200, CSP: []string{"script-src 'self'"}},
		{URL: "https://s/b", FinalURL: "https://s/b", Status: 200, CSP: []string{"script-src 'self'"}},
	}}
	cur := &Report{Pages: []Page{
		{URL: "https://s/a", FinalURL: "https://s/a", Status: 200},
		{URL: "https://s/b", FinalURL: "https://s/b", Status: 503, Error: "HTTP 503 Service Unavailable"},
	}}
	c := Diff(old, cur)
	if len(c.CSPChanged) != 1 || c.CSPChanged[0].Page != "https://s/a" || c.CSPChanged[0].New == nil {
		t.Errorf("csp changed %+v: want only the page that loaded, its removed policy as []", c.CSPChanged)
	}
	if b, _ := json.Marshal(c); strings.Contains(string(b), "null") {
		t.Errorf("null in %s", b)
	}
}

// A baseline of production and a crawl of a preview deployment at its own host: the same
// findings are the same, on the site's pages and on its own resources; third parties stay.
func TestDiffAcrossHosts(t *testing.T) {
	t.Parallel()
	rep := func(host string, findings ...Finding) *Report {
		r := &Report{StartURLs: []string{"https://" + host + "/"},
			Pages:   []Page{{URL: "https://" + host + "/pay", FinalURL: "https://" + host + "/pay", Status: 200}},
			Origins: []Origin{{Origin: "https://" + host}}}
		r.Findings = findings
		return r
	}
	f := func(host, rule, url string) Finding {
		return Finding{Rule: rule, Severity: rules.Error, Page: "https://" + host + "/pay", URL: strings.ReplaceAll(url, "HOST", host), Source: "html"}
	}
	prod := rep("www.shop.test",
		f("www.shop.test", "mixed-content-blockable", "http://HOST/old.js"),
		f("www.shop.test", "third-party-script", "https://cdn.other.test/a.js"),
		Finding{Rule: "hsts-missing", Severity: rules.Warning, Page: "https://www.shop.test/pay", URL: "https://www.shop.test", Source: "header"})
	preview := rep("pr-42.preview.test:8443",
		f("pr-42.preview.test:8443", "mixed-content-blockable", "http://HOST/old.js"),
		f("pr-42.preview.test:8443", "third-party-script", "https://cdn.other.test/a.js"),
		f("pr-42.preview.test:8443", "third-party-script", "https://skimmer.test/x.js"),
		Finding{Rule: "hsts-missing", Severity: rules.Warning, Page: "https://pr-42.preview.test:8443/pay", URL: "https://pr-42.preview.test:8443", Source: "header"})
	c := Diff(prod, preview)
	if len(c.NewFindings) != 1 || c.NewFindings[0].URL != "https://skimmer.test/x.js" || len(c.Fixed) != 0 || len(c.PagesAdded)+len(c.PagesRemoved) != 0 {
		t.Errorf("new %+v fixed %+v pages +%v -%v", c.NewFindings, c.Fixed, c.PagesAdded, c.PagesRemoved)
	}
	if prod.Findings[0].Page != "https://www.shop.test/pay" {
		t.Error("OnHost changed the baseline it was given")
	}
}

// Cases a review found in comparing hosts: the same site written differently, start URLs in
// another order, and a production URL written into a preview's page.
func TestCompareHosts(t *testing.T) {
	t.Parallel()
	site := func(starts []string, page string, urls ...string) *Report {
		r := &Report{StartURLs: starts, Pages: []Page{{URL: page, FinalURL: page, Status: 200}}}
		for _, u := range urls {
			r.Findings = append(r.Findings, Finding{Rule: "mixed-content-blockable", Severity: rules.Error, Page: page, URL: u, Element: "script", Attribute: "src"})
		}
		return r
	}
	tests := []struct {
		name       string
		old, cur   *Report
		new, fixed int
	}{
		{"default port and case", site([]string{"https://shop.test/"}, "https://shop.test/", "http://shop.test/old.js"),
			site([]string{"https://SHOP.test:443/"}, "https://SHOP.test:443/", "http://shop.test/old.js"), 0, 0},
		{"start URLs in another order", site([]string{"https://shop.test/", "https://www.shop.test/"}, "https://www.shop.test/", "http://shop.test/a.js"),
			site([]string{"https://www.shop.test/", "https://shop.test/"}, "https://www.shop.test/", "http://shop.test/a.js"), 0, 0},
		{"production URL in the preview's page", site([]string{"https://www.shop.test/"}, "https://www.shop.test/", "http://www.shop.test/legacy.js"),
			site([]string{"https://pr-1.preview.test:8443/"}, "https://pr-1.preview.test:8443/", "http://www.shop.test/legacy.js"), 0, 0},
		{"a look-alike host is another host", site([]string{"https://shop.test/"}, "https://shop.test/", "http://shop.test.evil.test/a.js"),
			site([]string{"https://pr-1.preview.test/"}, "https://pr-1.preview.test/", "http://pr-1.preview.test/a.js"), 1, 1},
	}
	for _, tc := range tests {
		c := Diff(tc.old, tc.cur)
		if len(c.NewFindings) != tc.new || len(c.Fixed) != tc.fixed || len(c.PagesAdded)+len(c.PagesRemoved) != 0 ||
			len(c.Warnings) != 0 {
			t.Errorf("%s: new %+v fixed %+v pages +%v -%v warnings %q", tc.name, c.NewFindings, c.Fixed, c.PagesAdded, c.PagesRemoved, c.Warnings)
		}
	}
}
