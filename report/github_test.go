package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/padlock-scan/padlock/rules"
)

func TestGitHubEscape(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, data, prop string
	}{
		{"plain", "mixed content", "mixed content", "mixed content"},
		{"percent first", "100%\n", "100%25%0A", "100%25%0A"},
		{"crlf", "a\r\nb", "a%0D%0Ab", "a%0D%0Ab"},
		{"colon and comma", "a:b,c", "a:b,c", "a%3Ab%2Cc"},
		{"already escaped stays literal", "%0A", "%250A", "%250A"},
		{"controls dropped", "a\x00b\x1b[31mc\x7f", "ab[31mc", "ab[31mc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := escapeData(tt.in); got != tt.data {
				t.Errorf("escapeData(%q) = %q, want %q", tt.in, got, tt.data)
			}
			if got := escapeProperty(tt.in); got != tt.prop {
				t.Errorf("escapeProperty(%q) = %q, want %q", tt.in, got, tt.prop)
			}
		})
	}
}

func TestGitHubAnnotations(t *testing.T) {
	t.Parallel()
	r := fixtureReport()
	w, err := New("github")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := w.Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	unsuppressed := 0
	for _, f := range r.Findings {
		if f.Suppressed == nil {
			unsuppressed++
		}
	}
	if want := unsuppressed + len(r.Errors); len(lines) != want {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), want, buf.String())
	}
	tests := []struct {
		name, want string
	}{
		{"known to the baseline is a notice, with page and line", "::notice title=mixed-content-blockable (known)::script loaded over plain HTTP on an HTTPS page; browsers block it: http://cdn.other.test/a.js (https://www.shop.test/ line 14)"},
		{"warning", "::warning title=mixed-content-upgradeable::image loaded over plain HTTP; browsers upgrade it: " + ampersandURL + " (https://www.shop.test/ line 20)"},
		{"info is notice", "::notice title=insecure-link::link to an http: URL: " + hostileLinkURL + " (https://www.shop.test/ line 31)"},
		{"no line when unknown", "::error title=insecure-page::page served over plain HTTP: http://www.shop.test/legacy (http://www.shop.test/legacy)"},
		{"newlines escaped", "::error title=https-downgrade::meta refresh%0D%0Ato http:%0A::error::injected: http://blog.shop.test/post?ref=a,b:c (https://blog.shop.test/post line 5)"},
		{"crawl error", "::warning title=crawl error::https://www.shop.test/broken: timeout after 15s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, l := range lines {
				if l == tt.want {
					return
				}
			}
			t.Errorf("missing line %q in\n%s", tt.want, buf.String())
		})
	}
	for _, l := range lines {
		if strings.Contains(l, "form submits over plain HTTP") {
			t.Errorf("suppressed finding annotated: %s", l)
		}
		if !strings.HasPrefix(l, "::error ") && !strings.HasPrefix(l, "::warning ") && !strings.HasPrefix(l, "::notice ") {
			t.Errorf("not a workflow command: %q", l)
		}
		if strings.Contains(l, "file=") {
			t.Errorf("file= is meaningless for URLs: %s", l)
		}
		if strings.ContainsAny(l, "\r\x00\x1b") {
			t.Errorf("raw control character in %q", l)
		}
	}
}

func TestGitHubKnownFindingsAndWarnings(t *testing.T) {
	t.Parallel()
	r := &Report{
		Findings: []Finding{
			{Rule: "mixed-content-blockable", Severity: rules.Error, Page: "https://s.test/", URL: "http://cdn.test/old.js", Baseline: BaselineKnown, Message: "m"},
			{Rule: "mixed-content-blockable", Severity: rules.Error, Page: "https://s.test/", URL: "http://cdn.test/new.js", Baseline: BaselineNew, Message: "m"},
		},
		Warnings: []string{"2 baseline findings are on pages or origins this crawl did not check"},
	}
	var buf bytes.Buffer
	w, _ := New("github")
	if err := w.Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"::notice title=mixed-content-blockable (known)::",
		"::error title=mixed-content-blockable::",
		"::warning title=padlock::2 baseline findings are on pages or origins this crawl did not check\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if strings.Count(out, "::error ") != 1 {
		t.Errorf("only the new finding is an error:\n%s", out)
	}
}
