package inventory

import (
	"errors"
	"strings"
	"testing"
)

func TestParseProblems(t *testing.T) {
	t.Parallel()
	ok := "  justification: j\n  owner: o\n  approved: 2026-11-01\n"
	tests := []struct {
		name, yml string
		want      []string // FILE:LINE: substrings, in order
	}{
		{"syntax", "- url: [", []string{"inv.yml:1: "}},
		{"not a list", "url: x\n", []string{"inv.yml:1: no scripts: key"}},
		{"scripts not a list", "scripts: 3\n", []string{"inv.yml:1: want a list of entries"}},
		{"entry not a mapping", "- https://a.test/a.js\n", []string{"inv.yml:1: want an entry"}},
		{"no identity", "- content: any\n" + ok, []string{"inv.yml:1: an entry needs one of url"}},
		{"two identities", "- url: https://a.test/a.js\n  origin: https://a.test\n  content: any\n" + ok, []string{"inv.yml:1: an entry has one of"}},
		{"bad url", "- url: /a.js\n  content: any\n" + ok, []string{`inv.yml:1: url "/a.js": want an absolute http or https URL`}},
		{"pattern without star", "- url-pattern: https://a.test/a.js\n  content: any\n" + ok, []string{"has no *"}},
		{"bad origin", "- origin: https://a.test/path\n  content: any\n" + ok, []string{`origin "https://a.test/path"`}},
		{"bad hash", "- url: https://a.test/a.js\n  sha256: [abc]\n" + ok, []string{`inv.yml:2: sha256 "abc": want 64 hex digits`}},
		{"no authorization", "- url: https://a.test/a.js\n" + ok, []string{"say what content is authorized"}},
		{"content other than any", "- url: https://a.test/a.js\n  content: some\n" + ok, []string{`content "some"`}},
		{"any and hashes", "- url: https://a.test/a.js\n  content: any\n  sha256: [" + hashA + "]\n" + ok, []string{"content: any authorizes every content"}},
		{"inline with hashes", "- inline-sha256: " + hashA + "\n  sha256: [" + hashA + "]\n" + ok, []string{"takes no sha256"}},
		{"approval missing", "- url: https://a.test/a.js\n  content: any\n  justification: ''\n", []string{
			"inv.yml:1: owner is empty", "inv.yml:1: approved is empty", "inv.yml:3: justification is empty"}},
		{"bad dates", "- url: https://a.test/a.js\n  content: any\n  justification: j\n  owner: o\n  approved: 2026-13-01\n  expires: soon\n", []string{
			`approved "2026-13-01"`, `expires "soon"`}},
		{"expires before approved", "- url: https://a.test/a.js\n  content: any\n" + ok + "  expires: 2026-01-01\n", []string{"expires 2026-01-01 is before approved 2026-11-01"}},
		{"unknown key", "- url: https://a.test/a.js\n  content: any\n  reason: x\n" + ok, []string{`inv.yml:3: unknown key "reason" in an entry`}},
		{"key twice", "- url: https://a.test/a.js\n  content: any\n  content: any\n" + ok, []string{`inv.yml:3: key "content" given twice`}},
		{"required not a bool", "- url: https://a.test/a.js\n  content: any\n  required: maybe\n" + ok, []string{"inv.yml:3: required: want true or false"}},
		{"list of lists", "- url: https://a.test/a.js\n  sha256: [[x]]\n" + ok, []string{"inv.yml:2: sha256: want a list of single values"}},
		{"duplicate", "- url: https://a.test/a.js\n  content: any\n" + ok + "- url: https://a.test/a.js\n  content: any\n" + ok, []string{"inv.yml:6: the same script and pages as the entry at line 1"}},
		{"every problem, in line order", "- url: /x\n  content: any\n" + ok + "- content: any\n" + ok, []string{"inv.yml:1: url", "inv.yml:6: an entry needs"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse("inv.yml", []byte(tt.yml))
			if err == nil {
				t.Fatalf("Parse(%q) = nil error", tt.yml)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v is not ErrInvalid", err)
			}
			rest := err.Error()
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("error\n%s\nlacks %q (in this order)", err, w)
				}
				rest = rest[i+len(w):]
			}
		})
	}
}

func TestParseForms(t *testing.T) {
	t.Parallel()
	entry := "- url: https://a.test/a.js\n  content: any\n  justification: j\n  owner: o\n  approved: 2026-11-01\n"
	for name, yml := range map[string]string{
		"a list":           entry,
		"scripts: mapping": "scripts:\n" + indent(entry),
		"padlock.yml":      "max-pages: 3\nscripts:\n" + indent(entry),
	} {
		inv, err := Parse("inv.yml", []byte(yml))
		if err != nil || len(inv.Entries) != 1 || inv.Entries[0].URL != "https://a.test/a.js" {
			t.Errorf("%s: %+v, %v", name, inv, err)
		}
	}
	for _, empty := range []string{"", "# nothing\n", "scripts:\n", "[]\n"} {
		if inv, err := Parse("inv.yml", []byte(empty)); err != nil || len(inv.Entries) != 0 {
			t.Errorf("Parse(%q) = %+v, %v; want an empty inventory", empty, inv, err)
		}
	}
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n  ") + "\n"
}

// FuzzParse: any input either parses, every entry then identifying its scripts in one way
// with an approval, or fails with problems that each name the file and a line in it.
func FuzzParse(f *testing.F) {
	f.Add([]byte("- url: https://a.test/a.js\n  content: any\n  justification: j\n  owner: o\n  approved: 2026-11-01\n"))
	f.Add([]byte("scripts:\n  - inline-sha256: " + hashA + "\n    justification: j\n    owner: o\n    approved: 2026-11-01\n    expires: 2027-01-01\n    pages: ['*']\n    required: true\n"))
	f.Add([]byte("- origin: '*.a.test'\n  normalized-sha256: " + hashB + "\n  sha256: [" + hashA + "]\n"))
	f.Add([]byte("- url-pattern: https://a.test/*\n  content: any\n  name: &n x\n  owner: *n\n"))
	f.Add([]byte("- [\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, err := Parse("inv.yml", data)
		if err != nil {
			var ps Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("error %v is not Problems", err)
			}
			// YAML breaks lines at \n, \r\n and \r (and, in YAML 1.1, at NEL, LS and PS)
			text := strings.ReplaceAll(string(data), "\r\n", "\n")
			lines := 1 + strings.Count(text, "\n") + strings.Count(text, "\r") +
				strings.Count(text, "\u0085") + strings.Count(text, "\u2028") + strings.Count(text, "\u2029")
			for _, p := range ps {
				if p.File != "inv.yml" || p.Line < 1 || p.Line > lines {
					t.Fatalf("problem %v is not at a line of the %d-line file", p, lines)
				}
			}
			return
		}
		for _, e := range inv.Entries {
			if e.Identity() == "" || e.Justification == "" || e.Owner == "" || e.Approved == "" {
				t.Fatalf("accepted an entry without identity or approval: %+v", e)
			}
		}
	})
}
