package sitetest

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/padlock-scan/padlock/report"
)

// FID identifies a finding in a test: {rule, severity, page, URL}.
type FID [4]string

func (f FID) String() string {
	return f[0] + "/" + f[1] + " page=" + f[2] + " url=" + f[3]
}

// Findings returns the findings of the named rules, sorted.
func Findings(rep *report.Report, ruleIDs ...string) []FID {
	var out []FID
	for _, f := range rep.Findings {
		if slices.Contains(ruleIDs, f.Rule) {
			out = append(out, FID{f.Rule, fmt.Sprint(f.Severity), f.Page, f.URL})
		}
	}
	sortFIDs(out)
	return out
}

func sortFIDs(fs []FID) {
	slices.SortFunc(fs, func(a, b FID) int { return strings.Compare(a.String(), b.String()) })
}

// Same fails the test unless got (from Findings) and want hold the same findings.
func Same(t testing.TB, what string, got, want []FID) {
	t.Helper()
	want = slices.Clone(want)
	sortFIDs(want)
	if slices.Equal(got, want) {
		return
	}
	var b strings.Builder
	for _, w := range want {
		if !slices.Contains(got, w) {
			fmt.Fprintf(&b, "\n\tmissing    %s", w)
		}
	}
	for _, g := range got {
		if !slices.Contains(want, g) {
			fmt.Fprintf(&b, "\n\tunexpected %s", g)
		}
	}
	if b.Len() == 0 {
		fmt.Fprintf(&b, "\n\tgot %v\n\twant %v", got, want)
	}
	t.Errorf("%s:%s", what, b.String())
}

// FindingOf returns the one finding of rule on url and page (any page if page is ""),
// failing the test when there is not exactly one.
func FindingOf(t testing.TB, rep *report.Report, rule, page, url string) report.Finding {
	t.Helper()
	var out []report.Finding
	for _, f := range rep.Findings {
		if f.Rule == rule && f.URL == url && (page == "" || f.Page == page) {
			out = append(out, f)
		}
	}
	if len(out) != 1 {
		t.Fatalf("want exactly one %s finding for %s on %s, got %d: %+v", rule, url, page, len(out), out)
	}
	return out[0]
}

// Contains fails the test for each of subs that s does not contain.
func Contains(t testing.TB, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s: %q\n\tdoes not contain %q", what, s, sub)
		}
	}
}

// PageOf returns the report's page at url, failing the test if there is none.
func PageOf(t testing.TB, rep *report.Report, url string) report.Page {
	t.Helper()
	for _, p := range rep.Pages {
		if p.URL == url {
			return p
		}
	}
	var urls []string
	for _, p := range rep.Pages {
		urls = append(urls, p.URL)
	}
	t.Fatalf("page %s not in the report (pages: %v)", url, urls)
	return report.Page{}
}

// ScriptOf returns the inventory's external script at url, failing the test if there is none.
func ScriptOf(t testing.TB, rep *report.Report, url string) report.Script {
	t.Helper()
	for _, s := range rep.Scripts {
		if s.Kind == "external" && s.URL == url {
			return s
		}
	}
	t.Fatalf("script %s not in the inventory", url)
	return report.Script{}
}

// OriginOf returns the report's origin, failing the test if there is none.
func OriginOf(t testing.TB, rep *report.Report, origin string) report.Origin {
	t.Helper()
	for _, o := range rep.Origins {
		if o.Origin == origin {
			return o
		}
	}
	t.Fatalf("origin %s not in the report", origin)
	return report.Origin{}
}

// Bool shows an optional report boolean: "true", "false" or "absent".
func Bool(b *bool) string {
	if b == nil {
		return "absent"
	}
	return strconv.FormatBool(*b)
}

// LineOf returns the 1-based line of the first occurrence of needle in text.
func LineOf(t testing.TB, text, needle string) int {
	t.Helper()
	i := strings.Index(text, needle)
	if i < 0 {
		t.Fatalf("LineOf: %q not in the page", needle)
	}
	return strings.Count(text[:i], "\n") + 1
}

// Hex returns the hex SHA-256 of body, as the script inventory records it.
func Hex(body string) string {
	h := sha256.Sum256([]byte(body))
	return fmt.Sprintf("%x", h[:])
}
