package report

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"github.com/padlock-scan/padlock/rules"
)

// The decoding side of the JUnit format, independent of the writer's structs.
type (
	xSuites struct {
		XMLName  xml.Name `xml:"testsuites"`
		Name     string   `xml:"name,attr"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Errors   int      `xml:"errors,attr"`
		Skipped  int      `xml:"skipped,attr"`
		Time     string   `xml:"time,attr"`
		Suites   []xSuite `xml:"testsuite"`
	}
	xSuite struct {
		Name      string  `xml:"name,attr"`
		Tests     int     `xml:"tests,attr"`
		Failures  int     `xml:"failures,attr"`
		Errors    int     `xml:"errors,attr"`
		Skipped   int     `xml:"skipped,attr"`
		Timestamp string  `xml:"timestamp,attr"`
		Cases     []xCase `xml:"testcase"`
	}
	xCase struct {
		ClassName string    `xml:"classname,attr"`
		Name      string    `xml:"name,attr"`
		Failure   *xOutcome `xml:"failure"`
		Error     *xOutcome `xml:"error"`
		Skipped   *xOutcome `xml:"skipped"`
		SystemOut string    `xml:"system-out"`
	}
	xOutcome struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	}
)

// renderJUnit writes r as JUnit with the --fail-on level failOn ("" for the default).
func renderJUnit(t *testing.T, r *Report, failOn string) []byte {
	t.Helper()
	var threshold FailOn
	if failOn != "" {
		var err error
		if threshold, err = ParseFailOn(failOn); err != nil {
			t.Fatal(err)
		}
	}
	w, err := NewWithOptions("junit", Options{FailOn: threshold})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := w.Write(&buf, r); err != nil {
		t.Fatalf("write junit: %v", err)
	}
	return buf.Bytes()
}

func parseJUnit(t *testing.T, b []byte) xSuites {
	t.Helper()
	// A strict token pass first: any invalid character or entity fails here.
	dec := xml.NewDecoder(bytes.NewReader(b))
	for {
		if _, err := dec.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("junit is not well-formed XML: %v\n%s", err, b)
		}
	}
	var s xSuites
	if err := xml.Unmarshal(b, &s); err != nil {
		t.Fatalf("decode junit: %v", err)
	}
	return s
}

func TestJUnitCounts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		r      *Report
		failOn string
	}{
		{"fixture", fixtureReport(), ""},
		{"fixture info", fixtureReport(), "info"},
		{"empty", emptyReport(), ""},
		{"interrupted", interruptedReport(), "warning"},
		{"zero report", &Report{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := parseJUnit(t, renderJUnit(t, tt.r, tt.failOn))
			if s.Name != "padlock" {
				t.Errorf("testsuites name %q", s.Name)
			}
			var tests, failures, errors, skipped int
			for _, suite := range s.Suites {
				var f, e, sk int
				for _, c := range suite.Cases {
					outcomes := 0
					if c.Failure != nil {
						f++
						outcomes++
					}
					if c.Error != nil {
						e++
						outcomes++
					}
					if c.Skipped != nil {
						sk++
						outcomes++
					}
					if outcomes > 1 {
						t.Errorf("%s / %s: more than one outcome", suite.Name, c.ClassName)
					}
				}
				if suite.Tests != len(suite.Cases) || suite.Failures != f || suite.Errors != e || suite.Skipped != sk {
					t.Errorf("suite %q says tests=%d failures=%d errors=%d skipped=%d; children: %d %d %d %d",
						suite.Name, suite.Tests, suite.Failures, suite.Errors, suite.Skipped, len(suite.Cases), f, e, sk)
				}
				tests += len(suite.Cases)
				failures += f
				errors += e
				skipped += sk
			}
			if s.Tests != tests || s.Failures != failures || s.Errors != errors || s.Skipped != skipped {
				t.Errorf("testsuites says %d/%d/%d/%d; suites add up to %d/%d/%d/%d",
					s.Tests, s.Failures, s.Errors, s.Skipped, tests, failures, errors, skipped)
			}
		})
	}
}

func TestJUnitOneCasePerRule(t *testing.T) {
	t.Parallel()
	r := fixtureReport()
	s := parseJUnit(t, renderJUnit(t, r, ""))
	byName := map[string]xSuite{}
	for _, suite := range s.Suites {
		byName[suite.Name] = suite
	}
	for _, p := range r.Pages {
		suite, ok := byName[p.URL]
		if !ok {
			t.Errorf("no suite for page %q", p.URL)
			continue
		}
		classes := map[string]int{}
		for _, c := range suite.Cases {
			classes[c.ClassName]++
		}
		for _, rule := range rules.All() {
			if classes[rule.ID] != 1 {
				t.Errorf("page %q: %d cases for rule %s, want 1", p.URL, classes[rule.ID], rule.ID)
			}
		}
		if p.Error != "" {
			var fetch *xCase
			for i := range suite.Cases {
				if suite.Cases[i].Name == "fetch" {
					fetch = &suite.Cases[i]
				}
			}
			if fetch == nil || fetch.Error == nil || !strings.Contains(fetch.Error.Message, p.Error) {
				t.Errorf("page %q failed to load but has no fetch error case", p.URL)
			}
		}
	}
	if _, ok := byName["crawl errors"]; !ok {
		t.Errorf("the sitemap error belongs to no page and should have a suite")
	}
}

// TestJUnitThreshold checks which (page, rule) cases fail for each --fail-on level.
func TestJUnitThreshold(t *testing.T) {
	t.Parallel()
	const (
		root   = "https://www.shop.test/"
		blog   = "https://blog.shop.test/post"
		legacy = "http://www.shop.test/legacy"
	)
	// root's mixed-content-blockable finding is known to the baseline: like the gate, JUnit does
	// not fail on it.
	errorCases := []string{
		legacy + " insecure-page", blog + " https-downgrade",
		hostileScriptURL + " mixed-content-blockable",
	}
	warningCases := append(append([]string{}, errorCases...), root+" mixed-content-upgradeable", root+" future-rule")
	infoCases := append(append([]string{}, warningCases...), root+" insecure-link")
	tests := []struct {
		failOn string
		want   []string
	}{
		{"", errorCases},
		{"error", errorCases},
		{"warning", warningCases},
		{"info", infoCases},
		{"never", nil},
	}
	for _, tt := range tests {
		t.Run("fail-on "+tt.failOn, func(t *testing.T) {
			t.Parallel()
			s := parseJUnit(t, renderJUnit(t, fixtureReport(), tt.failOn))
			got := map[string]bool{}
			for _, suite := range s.Suites {
				for _, c := range suite.Cases {
					if c.Failure != nil {
						got[suite.Name+" "+c.ClassName] = true
						if c.Failure.Type == "" || c.Failure.Message == "" || c.Failure.Text == "" {
							t.Errorf("%s %s: failure needs type, message and text", suite.Name, c.ClassName)
						}
					}
				}
			}
			for _, w := range tt.want {
				if !got[w] {
					t.Errorf("want failure %q", w)
				}
				delete(got, w)
			}
			for g := range got {
				t.Errorf("unexpected failure %q", g)
			}
		})
	}
}

func TestJUnitSuppressedNeverFails(t *testing.T) {
	t.Parallel()
	for _, failOn := range []string{"error", "warning", "info"} {
		t.Run(failOn, func(t *testing.T) {
			t.Parallel()
			r := fixtureReport()
			for i := range r.Findings {
				r.Findings[i].Suppressed = &Suppression{Reason: "accepted"}
			}
			s := parseJUnit(t, renderJUnit(t, r, failOn))
			if s.Failures != 0 {
				t.Errorf("%d failures with every finding suppressed", s.Failures)
			}
			found := false
			for _, suite := range s.Suites {
				for _, c := range suite.Cases {
					if strings.Contains(c.SystemOut, "suppressed: accepted") {
						found = true
					}
				}
			}
			if !found {
				t.Errorf("suppressed findings should be listed in system-out")
			}
		})
	}
}

func TestJUnitEscaping(t *testing.T) {
	t.Parallel()
	out := renderJUnit(t, fixtureReport(), "info")
	s := parseJUnit(t, out)
	for _, b := range out {
		if b < 0x20 && b != '\n' && b != '\r' && b != '\t' {
			t.Fatalf("control character %#x in the XML", b)
		}
	}
	names := map[string]bool{}
	text := ""
	for _, suite := range s.Suites {
		names[suite.Name] = true
		for _, c := range suite.Cases {
			if c.Failure != nil {
				text += c.Failure.Text
			}
		}
	}
	if !names[hostileScriptURL] || !names["https://www.shop.test/checkout?step=2&x=1"] {
		t.Errorf("hostile and & page URLs should round-trip as suite names: %v", names)
	}
	if !strings.Contains(text, "</style><b>bold</b> over HTTP[31m & more") {
		t.Errorf("message should round-trip without its control characters: %q", text)
	}
}

func TestNewWithOptions(t *testing.T) {
	t.Parallel()
	// A bad level is ParseFailOn's to refuse (TestParseFailOn): Options holds a typed one.
	tests := []struct {
		name, format string
		failOn       FailOn
		wantErr      bool
	}{
		{"junit default", "junit", FailOnError, false},
		{"junit warning", "junit", FailOnWarning, false},
		{"junit never", "junit", FailNever, false},
		{"other format ignores", "sarif", FailOnInfo, false},
		{"unknown format", "pdf", FailOnError, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w, err := NewWithOptions(tt.format, Options{FailOn: tt.failOn})
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if jw, ok := w.(JUnitWriter); ok && jw.FailOn != tt.failOn {
				t.Errorf("FailOn = %v, want %v", jw.FailOn, tt.failOn)
			}
		})
	}
}

func TestFormatsRegistered(t *testing.T) {
	t.Parallel()
	want := map[string]string{"json": "json", "html": "html", "sarif": "sarif", "junit": "xml", "github": "txt", "markdown": "md"}
	got := map[string]bool{}
	for _, f := range Formats() {
		got[f] = true
	}
	for name, ext := range want {
		if !got[name] {
			t.Errorf("format %q not registered", name)
			continue
		}
		if _, err := New(name); err != nil {
			t.Errorf("New(%q): %v", name, err)
		}
		if e := Extension(name); e != ext {
			t.Errorf("Extension(%q) = %q, want %q", name, e, ext)
		}
	}
}

func TestJUnitKnownFindingDoesNotFail(t *testing.T) {
	t.Parallel()
	r := &Report{Pages: []Page{{URL: "https://s.test/", FinalURL: "https://s.test/"}},
		Findings: []Finding{{Rule: "mixed-content-blockable", Severity: rules.Error, Page: "https://s.test/", URL: "http://x/a.js", Baseline: BaselineKnown, Message: "m"}}}
	out := string(renderJUnit(t, r, "error"))
	if strings.Contains(out, "<failure") || !strings.Contains(out, "[baseline: known]") {
		t.Errorf("a finding known to the baseline must be listed, not failed:\n%s", out)
	}
}

func TestJUnitRulesOffAreSkipped(t *testing.T) {
	t.Parallel()
	r := &Report{
		Pages:  []Page{{URL: "https://s.test/", FinalURL: "https://s.test/"}},
		Config: &Settings{RulesDisabled: []string{"hsts-missing", "sri-missing"}},
	}
	s := parseJUnit(t, renderJUnit(t, r, "error"))
	if len(s.Suites) != 1 {
		t.Fatalf("%d suites", len(s.Suites))
	}
	skipped := map[string]string{}
	for _, c := range s.Suites[0].Cases {
		if c.Skipped != nil {
			skipped[c.ClassName] = c.Skipped.Message
		}
	}
	if len(skipped) != 2 || skipped["hsts-missing"] == "" || skipped["sri-missing"] == "" ||
		!strings.Contains(skipped["sri-missing"], "rule not run") {
		t.Errorf("want exactly the two rules that were off skipped, got %v", skipped)
	}
	if s.Skipped != 2 || s.Tests != len(rules.All()) {
		t.Errorf("totals: %d tests, %d skipped", s.Tests, s.Skipped)
	}
}
