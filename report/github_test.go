package report

import (
	"bytes"
	"fmt"
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
	canFail := 0
	for _, f := range r.Findings {
		if f.CanFail() {
			canFail++
		}
	}
	// one line per finding that can fail the gate, per crawl error, and one notice for the rest
	if want := canFail + len(r.Errors) + 1; len(lines) != want {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), want, buf.String())
	}
	tests := []struct {
		name, want string
	}{
		{"known and suppressed summed up in one notice", "::notice title=padlock::1 finding known to the baseline (1 mixed-content-blockable); 1 finding suppressed by ignore entries: they do not fail the gate"},
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
		"::notice title=padlock::1 finding known to the baseline (1 mixed-content-blockable): they do not fail the gate\n",
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

// GitHub shows 10 annotations of a kind per step and drops the rest: padlock writes at most that
// many, the findings that fail the gate first, and says how many more there are; the rest follow
// as plain log lines.
func TestGitHubAnnotationLimits(t *testing.T) {
	t.Parallel()
	r := &Report{}
	add := func(n int, sev rules.Severity, state BaselineState, rule string) {
		for i := range n {
			r.Findings = append(r.Findings, Finding{Rule: rule, Severity: sev, Page: fmt.Sprintf("https://s.test/%s/%02d", rule, i),
				URL: "http://cdn.test/x.js", Message: "m", Baseline: state})
		}
	}
	add(3, rules.Info, BaselineNew, "insecure-link") // sorted first by page URL: errors must still lead
	add(25, rules.Error, BaselineNew, "mixed-content-blockable")
	add(3, rules.Warning, BaselineNew, "sri-missing")
	add(12, rules.Info, BaselineNew, "insecure-link")
	add(40, rules.Error, BaselineKnown, "third-party-script")
	for i := range 9 {
		r.Errors = append(r.Errors, Error{URL: fmt.Sprintf("https://s.test/broken/%d", i), Error: "HTTP 500"})
	}
	r.Finish()
	var buf bytes.Buffer
	if err := writeGitHub(&buf, r); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	count := map[string]int{}
	var commands, plain []string
	for _, l := range lines {
		if kind, _, ok := strings.Cut(strings.TrimPrefix(l, "::"), " "); ok && strings.HasPrefix(l, "::") {
			count[kind]++
			commands = append(commands, l)
			continue
		}
		plain = append(plain, l)
	}
	if count["error"] != 10 || count["warning"] != 10 || count["notice"] != 10 {
		t.Errorf("annotations per kind %v, want 10 of each (GitHub's per-step limit)", count)
	}
	if len(commands) > 50 {
		t.Errorf("%d annotations: more than a job shows", len(commands))
	}
	for i, want := range []string{"::error title=mixed-content-blockable::", "::error title=padlock::16 more errors not annotated"} {
		if i := []int{0, 9}[i]; !strings.HasPrefix(commands[i], want) {
			t.Errorf("annotation %d is %q, want %q...", i, commands[i], want)
		}
	}
	for _, want := range []string{
		"::warning title=padlock::3 more warnings not annotated",
		"::notice title=padlock::7 more notices not annotated",
		"::notice title=padlock::40 findings known to the baseline (40 third-party-script): they do not fail the gate",
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("missing %q in\n%s", want, buf.String())
		}
	}
	if strings.Contains(buf.String(), "title=third-party-script") {
		t.Error("a finding the baseline knows is annotated on its own")
	}
	// every finding and error not annotated is in the log: 16 errors, 3 warnings, 7 notices
	if len(plain) != 16+3+7 {
		t.Errorf("%d plain lines, want 26:\n%s", len(plain), strings.Join(plain, "\n"))
	}
	for _, l := range plain {
		if !strings.HasPrefix(l, "padlock: ") {
			t.Errorf("plain log line %q: the runner would read a line starting with :: as a command", l)
		}
	}
}
