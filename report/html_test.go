package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/padlock-scan/padlock/rules"
)

func renderHTML(t *testing.T, r *Report) []byte {
	t.Helper()
	w, err := New("html")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := w.Write(&buf, r); err != nil {
		t.Fatalf("write html: %v", err)
	}
	return buf.Bytes()
}

// htmlToken is one start tag of a rendered report, with the raw text of script and style
// elements.
type htmlToken struct {
	tag   string
	attrs map[string]string
	text  string // raw content of <script> and <style>
}

func tokenize(t *testing.T, doc []byte) (tags []htmlToken, text string) {
	t.Helper()
	z := html.NewTokenizer(bytes.NewReader(doc))
	var sb strings.Builder
	var open *htmlToken
	for {
		switch z.Next() {
		case html.ErrorToken:
			return tags, sb.String()
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			ht := htmlToken{tag: tok.Data, attrs: map[string]string{}}
			for _, a := range tok.Attr {
				ht.attrs[strings.ToLower(a.Key)] = a.Val
			}
			tags = append(tags, ht)
			open = nil
			if tok.Data == "script" || tok.Data == "style" {
				open = &tags[len(tags)-1]
			}
		case html.TextToken:
			if open != nil {
				open.text = string(z.Text())
				open = nil
				continue
			}
			sb.Write(z.Text())
		case html.EndTagToken:
			open = nil
		}
	}
}

func TestHTMLGolden(t *testing.T) {
	t.Parallel()
	got := renderHTML(t, fixtureReport())
	golden := filepath.Join("testdata", "report.html.golden")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./report -run Golden -update)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) && i < len(wl); i++ {
			if gl[i] != wl[i] {
				t.Fatalf("HTML differs from %s at line %d:\n got: %s\nwant: %s\n(rule texts change it too: go test ./report -run Golden -update)",
					golden, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("HTML differs from %s in length (%d vs %d lines); go test ./report -run Golden -update", golden, len(gl), len(wl))
	}
}

func TestHTMLDeterministic(t *testing.T) {
	t.Parallel()
	a, b := renderHTML(t, fixtureReport()), renderHTML(t, fixtureReport())
	if !bytes.Equal(a, b) {
		t.Fatal("two renders of one report differ")
	}
}

func TestHTMLEscaping(t *testing.T) {
	t.Parallel()
	fixtureShown := []string{`"><script>window.pwned=1</script>`, hostileLinkURL, hostileJSURL, "</style><b>bold</b> over HTTP"}
	tests := []struct {
		name  string
		r     *Report
		shown []string
	}{
		{"fixture", fixtureReport(), fixtureShown},
		{"interrupted", interruptedReport(), fixtureShown},
		{"hostile everywhere", hostileEverywhere(), []string{hostileEverywhereText, "javascript:" + hostileEverywhereText}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := renderHTML(t, tt.r)
			raw := string(doc)
			for _, bad := range []string{
				"<script>window.pwned", "<img src=x", "</style><b>", "<b>bold</b>", "<b>done</b>",
				`href="javascript:`, "onerror=\"window", "\x00", "\x1b",
			} {
				if strings.Contains(raw, bad) {
					t.Errorf("output contains %q unescaped", bad)
				}
			}
			tags, text := tokenize(t, doc)
			counts := map[string]int{}
			for _, tag := range tags {
				counts[tag.tag]++
				for k, v := range tag.attrs {
					if strings.HasPrefix(k, "on") {
						t.Errorf("<%s %s=%q>: event handler attribute", tag.tag, k, v)
					}
					if k == "style" {
						t.Errorf("<%s style=%q>: inline style attributes break the CSP", tag.tag, v)
					}
				}
				if tag.tag == "a" {
					if href, ok := tag.attrs["href"]; ok && !strings.HasPrefix(href, "#") {
						u, err := url.Parse(href)
						if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
							t.Errorf("<a href=%q>: only http(s) and fragment links are allowed", href)
						}
					}
				}
			}
			if counts["script"] != 1 || counts["style"] != 1 {
				t.Errorf("%d <script> and %d <style> elements; the report ships exactly one of each", counts["script"], counts["style"])
			}
			for _, tag := range []string{"img", "iframe", "object", "embed", "b", "form", "base"} {
				if counts[tag] != 0 {
					t.Errorf("%d <%s> elements: injected markup", counts[tag], tag)
				}
			}
			for _, s := range tt.shown {
				if !strings.Contains(text, s) && !strings.Contains(htmlAttrValues(tags), s) {
					t.Errorf("hostile string %q should still be shown as text", s)
				}
			}
		})
	}
}

const hostileEverywhereText = `"'><script>window.pwned=1</script></style><img src=x onerror=alert(1)>`

// hostileEverywhere puts a hostile string in every field the HTML shows.
func hostileEverywhere() *Report {
	const h = hostileEverywhereText
	r := fixtureReport()
	r.Tool.Version = h
	r.StartURLs = append(r.StartURLs, "javascript:"+h)
	r.Config.FirstParty = []string{h}
	for i := range r.Pages {
		r.Pages[i].Title = h
		r.Pages[i].ContentType = h
		r.Pages[i].TLS = &TLS{Version: h}
	}
	for i := range r.Findings {
		f := &r.Findings[i]
		f.Element, f.Attribute, f.Source, f.Mitigation = h, h, h, h
		f.Message = h
	}
	// A severity is typed: a saved report with a hostile one is refused when read
	// (TestReadRefusesUnknownSeverity), so none reaches this writer.
	r.Findings = append(r.Findings, Finding{
		Rule: `x"><script>window.pwned=1</script>`, Severity: rules.Error,
		Page: "javascript:" + h, URL: "javascript:" + h, Message: h,
	})
	r.Errors = append(r.Errors, Error{URL: h, Error: h})
	r.Scripts = append(r.Scripts, Script{Kind: h, URL: "javascript:" + h, SHA256: h, Party: h, Integrity: h, AllowedBy: h, Pages: []string{h}, PaymentPages: []string{h}})
	r.Origins = append(r.Origins, Origin{Origin: h, TLSVersion: h, Cipher: h, LegacyVersion: h, HSTS: h, Error: h,
		Certificate: &Certificate{Subject: h, Issuer: h, Problem: h, Error: h}})
	r.Finish()
	return r
}

// htmlAttrValues joins the attribute values, where data-page carries the page URL.
func htmlAttrValues(tags []htmlToken) string {
	var sb strings.Builder
	for _, tag := range tags {
		for _, v := range tag.attrs {
			sb.WriteString(v + "\n")
		}
	}
	return sb.String()
}

func TestHTMLCSP(t *testing.T) {
	t.Parallel()
	for _, r := range []*Report{fixtureReport(), emptyReport(), hostileEverywhere()} {
		doc := renderHTML(t, r)
		tags, _ := tokenize(t, doc)
		var csp string
		var styles, scripts []string
		for i, tag := range tags {
			if tag.tag == "meta" && strings.EqualFold(tag.attrs["http-equiv"], "Content-Security-Policy") {
				if csp != "" {
					t.Fatal("two CSP meta tags")
				}
				if i > 2 { // <html>, <head>, then this
					t.Errorf("the CSP meta tag should come first in <head>, it is tag %d", i)
				}
				csp = tag.attrs["content"]
			}
			switch tag.tag {
			case "style":
				styles = append(styles, hashSource(tag.text))
			case "script":
				scripts = append(scripts, hashSource(tag.text))
			}
		}
		directives := map[string][]string{}
		for _, d := range strings.Split(csp, ";") {
			fields := strings.Fields(d)
			if len(fields) > 0 {
				directives[fields[0]] = fields[1:]
			}
		}
		if strings.Contains(csp, "unsafe") {
			t.Errorf("CSP %q allows unsafe sources", csp)
		}
		checks := []struct {
			directive string
			want      []string
		}{
			{"default-src", []string{"'none'"}},
			{"style-src", styles},
			{"script-src", scripts},
			{"img-src", []string{"data:"}},
			{"base-uri", []string{"'none'"}},
			{"form-action", []string{"'none'"}},
		}
		for _, c := range checks {
			got := append([]string(nil), directives[c.directive]...)
			want := append([]string(nil), c.want...)
			sort.Strings(got)
			sort.Strings(want)
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("%s = %v, want %v", c.directive, got, want)
			}
		}
	}
}

func hashSource(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// TestHTMLNoExternalResources checks that the report loads nothing: no src attribute, no
// resource link, no url() or @import in its CSS, no URL in its script. Plain <a href> links
// are navigations the reader chooses, not loads.
func TestHTMLNoExternalResources(t *testing.T) {
	t.Parallel()
	for _, r := range []*Report{fixtureReport(), emptyReport(), hostileEverywhere()} {
		tags, _ := tokenize(t, renderHTML(t, r))
		for _, tag := range tags {
			for _, attr := range []string{"src", "srcset", "poster", "data", "background", "action", "formaction", "ping", "manifest", "xlink:href"} {
				if v, ok := tag.attrs[attr]; ok && !strings.HasPrefix(v, "data:") {
					t.Errorf("<%s %s=%q>: loads a resource", tag.tag, attr, v)
				}
			}
			if v, ok := tag.attrs["href"]; ok && tag.tag != "a" && !strings.HasPrefix(v, "data:") {
				t.Errorf("<%s href=%q>: loads a resource", tag.tag, v)
			}
			switch tag.tag {
			case "style":
				low := strings.ToLower(tag.text)
				if strings.Contains(low, "@import") || strings.Contains(low, "http") ||
					(strings.Contains(low, "url(") && !strings.Contains(low, "url(data:")) {
					t.Errorf("the stylesheet references an external resource")
				}
			case "script":
				for _, s := range []string{"http", "fetch(", "XMLHttpRequest", "import(", "innerHTML", "insertAdjacentHTML", "document.write", "eval("} {
					if strings.Contains(tag.text, s) {
						t.Errorf("the script uses %q", s)
					}
				}
			}
		}
	}
}

func TestHTMLSections(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		r       *Report
		want    []string
		notWant []string
	}{
		{"fixture", fixtureReport(), []string{
			`id="stat-pages">6<`, `id="stat-findings">9<`, `id="stat-error">5<`, `id="stat-warning">2<`, `id="stat-info">2<`,
			`id="rule-mixed-content-blockable"`, "How to fix", `id="fixed"`, "timeout after 15s", "Suppressed",
			"legacy PSP until the migration", `class="finding suppressed"`, "csp-upgrade-insecure-requests", "HTTPS copy available",
			"Top offending hosts", "cdn.other.test", `data-rule="insecure-link"`,
			`id="stat-scripts">3<`, "2 third-party", "SRI mismatch", "on 1 payment page", "and 2 more", "allowed by https://js.payments.test",
			"https://legacy.other.test", "accepted (TLS 1.0)", "untrusted", "max-age=63072000; includeSubDomains", "expires 2027-02-27",
		}, []string{`id="interrupted"`}},
		{"interrupted", interruptedReport(), []string{`id="interrupted"`, "interrupted before it finished"}, nil},
		{"empty", emptyReport(), []string{"No findings.", `id="stat-findings">0<`, "clean", "No script recorded.", "No HTTPS origin recorded."},
			[]string{`id="fixed"`, `class="finding`, `id="filters"`, `id="stat-scripts"`}},
		{"zero", &Report{}, []string{"No page was crawled.", "Crawl report"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := string(renderHTML(t, tt.r))
			for _, s := range tt.want {
				if !strings.Contains(doc, s) {
					t.Errorf("missing %q", s)
				}
			}
			for _, s := range tt.notWant {
				if strings.Contains(doc, s) {
					t.Errorf("unexpected %q", s)
				}
			}
			if got := strings.Count(doc, `<tr class="finding`); got != len(tt.r.Findings) {
				t.Errorf("%d finding rows for %d findings", got, len(tt.r.Findings))
			}
		})
	}
}

func TestLinkFor(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, href string }{
		{"https://www.shop.test/a?b=1&c=2", "https://www.shop.test/a?b=1&c=2"},
		{"HTTP://www.shop.test/", "HTTP://www.shop.test/"},
		{"javascript:alert(1)", ""},
		{"JavaScript:alert(1)", ""},
		{" javascript:alert(1)", ""},
		{"java\tscript:alert(1)", ""},
		{"data:text/html,<script>alert(1)</script>", ""},
		{"vbscript:x", ""},
		{"//evil.test/x", ""},
		{"/relative", ""},
		{"https://x/\n", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			if got := linkFor(tt.in); got.Href != tt.href {
				t.Errorf("linkFor(%q).Href = %q, want %q", tt.in, got.Href, tt.href)
			}
		})
	}
}

func TestHTMLListsAtMostMaxPerRule(t *testing.T) {
	t.Parallel()
	r := &Report{Version: Version, StartURLs: []string{"https://s.test/"}}
	const n = htmlMaxPerRule + 123
	for i := 0; i < n; i++ {
		r.Findings = append(r.Findings, Finding{Rule: "mixed-content-upgradeable", Severity: rules.Warning,
			Page: fmt.Sprintf("https://s.test/p/%04d", i), URL: "http://img.test/a.png", Line: 3, Message: "image over http"})
	}
	r.Finish()
	out := string(renderHTML(t, r))
	if got := strings.Count(out, `<tr class="finding`); got != htmlMaxPerRule {
		t.Errorf("%d finding rows, want %d", got, htmlMaxPerRule)
	}
	if !strings.Contains(out, "123 more findings of this rule are not listed here") {
		t.Error("the page must say how many findings it left to the JSON report")
	}
	if !strings.Contains(out, fmt.Sprintf(`id="stat-findings">%d<`, n)) {
		t.Error("the summary must count every finding")
	}
}

func TestHTMLNamesRulesNotRun(t *testing.T) {
	t.Parallel()
	out := string(renderHTML(t, rulesOffReport()))
	if !strings.Contains(out, "rules not run: <code>hsts-missing</code>, <code>tls-legacy</code>") {
		t.Errorf("the settings must name the rules that did not run")
	}
	if strings.Contains(string(renderHTML(t, fixtureReport())), "rules not run") {
		t.Errorf("a run of every rule must not mention rules not run")
	}
}

func TestHTMLShowsWarnings(t *testing.T) {
	t.Parallel()
	r := fixtureReport()
	r.Warnings = []string{"3 baseline findings are on pages or origins this crawl did not check", `ignore entry "<img src=x onerror=alert(1)>" expired`}
	out := string(renderHTML(t, r))
	if !strings.Contains(out, `id="warnings"`) || !strings.Contains(out, "<li>3 baseline findings are on pages or origins this crawl did not check</li>") {
		t.Errorf("warnings missing from the HTML report")
	}
	if strings.Contains(out, "<img src=x") || !strings.Contains(out, "&lt;img src=x onerror=alert(1)&gt;") {
		t.Errorf("a warning must be escaped")
	}
}

func TestHTMLPaymentPageHeaders(t *testing.T) {
	t.Parallel()
	r := fixtureReport()
	found := false
	for i := range r.Pages {
		if r.Pages[i].Payment {
			r.Pages[i].SecurityHeaders = map[string]string{"X-Frame-Options": "DENY", "Permissions-Policy": `payment=("<script>")`, "Cross-Origin-Opener-Policy": ""}
			found = true
		}
	}
	if !found {
		t.Fatal("the fixture has no payment page")
	}
	out := string(renderHTML(t, r))
	for _, want := range []string{
		"<dt><code>X-Frame-Options</code></dt><dd class=\"wrap-any\">DENY</dd>",
		"<dt><code>Permissions-Policy</code></dt><dd class=\"wrap-any\">payment=(&#34;&lt;script&gt;&#34;)</dd>",
		"<dt><code>Referrer-Policy</code></dt><dd class=\"wrap-any\"><span class=\"where\">absent</span></dd>",
		"<dt><code>Cross-Origin-Opener-Policy</code></dt><dd class=\"wrap-any\"><span class=\"where\">sent empty</span></dd>",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s", want)
		}
	}
}

// The by-rule table and the rule cards count the findings by their own severity: a warning rule
// escalated on a payment page shows its errors, and sorts among the errors.
func TestHTMLRuleSeverityIsTheFindings(t *testing.T) {
	t.Parallel()
	r := &Report{Version: Version, StartURLs: []string{"https://s.test/"}, Findings: []Finding{
		{Rule: "third-party-script", Severity: rules.Error, Page: "https://s.test/pay", URL: "https://cdn.test/x.js"},
		{Rule: "third-party-script", Severity: rules.Warning, Page: "https://s.test/", URL: "https://cdn.test/x.js"},
		{Rule: "third-party-script", Severity: rules.Warning, Page: "https://s.test/b", URL: "https://cdn.test/x.js"},
		{Rule: "mixed-content-upgradeable", Severity: rules.Warning, Page: "https://s.test/", URL: "http://img.test/a.png"},
	}}
	r.Finish()
	out := string(renderHTML(t, r))
	badges := `<span class="badge sev-error">1 error</span> <span class="badge sev-warning">2 warning</span>`
	table := out[strings.Index(out, `id="by-rule"`):]
	table = table[:strings.Index(table, "</table>")]
	if !strings.Contains(table, badges) {
		t.Errorf("the by-rule table must count third-party-script by the findings' severity:\n%s", table)
	}
	if strings.Index(table, "third-party-script") > strings.Index(table, "mixed-content-upgradeable") {
		t.Error("a rule with error findings must come before a rule with only warnings")
	}
	card := out[strings.Index(out, `id="rule-third-party-script"`):]
	card = card[:strings.Index(card, "</header>")]
	if !strings.Contains(card, badges) {
		t.Errorf("the rule card's badges must count by the findings' severity:\n%s", card)
	}
}
