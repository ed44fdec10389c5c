package rules

import (
	"errors"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// specIDs are the rule IDs that SPEC.md's rules table fixes. IDs are public forever: this list
// only grows.
var specIDs = []string{
	"hsts-missing",
	"hsts-short",
	"https-downgrade",
	"insecure-form",
	"insecure-link",
	"insecure-page",
	"insecure-refresh",
	"inventory-expired",
	"mixed-content-blockable",
	"mixed-content-upgradeable",
	"payment-csp-missing",
	"script-changed",
	"script-required-missing",
	"script-unauthorized",
	"sri-cors",
	"sri-mismatch",
	"sri-missing",
	"third-party-script",
	"tls-certificate",
	"tls-legacy",
	"tls-version",
	"tls-weak-cipher",
	"tls-no-forward-secrecy",
	"tls-1.3-missing",
	"insecure-endpoint",
}

// kebab is the schema's ruleID pattern: kebab-case, where a version number keeps its dot
// (tls-1.3-missing, as SPEC.md names it).
var kebab = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9.]+)*$`)

func TestAllMetadata(t *testing.T) {
	t.Parallel()
	all := All()
	if len(all) == 0 {
		t.Fatal("All() is empty")
	}
	seen := map[string]bool{}
	for i, r := range all {
		if seen[r.ID] {
			t.Errorf("ID %q is listed twice", r.ID)
		}
		seen[r.ID] = true
		if i > 0 && all[i-1].ID >= r.ID {
			t.Errorf("All() is not sorted by ID: %q comes after %q", r.ID, all[i-1].ID)
		}
	}
	for _, r := range all {
		t.Run(r.ID, func(t *testing.T) {
			t.Parallel()
			if !kebab.MatchString(r.ID) {
				t.Errorf("ID %q is not kebab-case", r.ID)
			}
			if r.Severity != Info && r.Severity != Warning && r.Severity != Error {
				t.Errorf("severity %v is not a known severity", r.Severity)
			}
			for field, v := range map[string]string{"Title": r.Title, "Doc": r.Doc, "Fix": r.Fix, "HelpURL": r.HelpURL} {
				if strings.TrimSpace(v) == "" {
					t.Errorf("%s is empty", field)
				}
			}
			if strings.HasSuffix(r.Title, ".") {
				t.Errorf("Title %q ends with a period", r.Title)
			}
			if u, err := url.Parse(r.HelpURL); err != nil || u.Scheme != "https" || u.Host == "" {
				t.Errorf("HelpURL %q is not an absolute https URL", r.HelpURL)
			}
			if r.Check == nil {
				t.Error("Check is nil")
			}
			if r.Scope != ScopePage && r.Scope != ScopeOrigin {
				t.Errorf("scope %v is neither page nor origin", r.Scope)
			}
			if r.CWE <= 0 {
				t.Error("CWE is not set")
			}
			if r.FixList && r.Scope != ScopePage {
				t.Error("only page rules name a sub-resource URL to fix")
			}
		})
	}
}

func TestAllHasSpecRules(t *testing.T) {
	t.Parallel()
	want := map[string]Severity{
		"mixed-content-blockable":   Error,
		"mixed-content-upgradeable": Warning,
		"insecure-form":             Error,
		"insecure-page":             Error,
		"https-downgrade":           Error,
		"insecure-refresh":          Warning,
		"insecure-link":             Info,
		"third-party-script":        Warning,
		"sri-missing":               Warning,
		"sri-mismatch":              Error,
		"sri-cors":                  Error,
		"tls-version":               Error,
		"tls-legacy":                Warning,
		"tls-certificate":           Error,
		"hsts-missing":              Warning,
		"hsts-short":                Info,
		"payment-csp-missing":       Warning,
		"tls-weak-cipher":           Error,
		"tls-no-forward-secrecy":    Warning,
		"tls-1.3-missing":           Info,
		"insecure-endpoint":         Error,
		"script-unauthorized":       Error,
		"script-changed":            Error,
		"script-required-missing":   Error,
		"inventory-expired":         Warning,
	}
	if len(want) != len(specIDs) {
		t.Fatalf("test tables disagree: %d severities for %d IDs", len(want), len(specIDs))
	}
	for _, id := range specIDs {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			r, ok := ByID(id)
			if !ok {
				t.Fatalf("SPEC rule %q is missing from All()", id)
			}
			if r.ID != id {
				t.Errorf("ByID(%q) returned %q", id, r.ID)
			}
			if r.Severity != want[id] {
				t.Errorf("severity = %v, SPEC says %v", r.Severity, want[id])
			}
		})
	}
}

func TestAllReturnsFreshValues(t *testing.T) {
	t.Parallel()
	a := All()
	a[0].Severity = Info
	a[0].ID = "changed"
	a[1] = nil
	b := All()
	if b[0].ID == "changed" || b[1] == nil {
		t.Fatal("All() returned shared rules: a caller's change leaked into the next call")
	}
	if r, _ := ByID(b[0].ID); r == b[0] {
		t.Error("ByID returned the same pointer as All()")
	}
}

func TestByIDUnknown(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"", "nope", "Mixed-Content-Blockable", " insecure-page"} {
		if r, ok := ByID(id); ok || r != nil {
			t.Errorf("ByID(%q) = %v, %v; want nil, false", id, r, ok)
		}
	}
}

func TestIDs(t *testing.T) {
	t.Parallel()
	ids := IDs()
	if !slices.IsSorted(ids) {
		t.Errorf("IDs() not sorted: %v", ids)
	}
	for _, id := range specIDs {
		if !slices.Contains(ids, id) {
			t.Errorf("IDs() lacks %q", id)
		}
	}
}

func TestSelect(t *testing.T) {
	t.Parallel()
	all := IDs()
	without := func(drop ...string) []string {
		return slices.DeleteFunc(slices.Clone(all), func(id string) bool { return slices.Contains(drop, id) })
	}
	tests := []struct {
		name      string
		enable    []string
		disable   []string
		want      []string
		wantErr   []string // substrings of the error
		wantIsErr error
	}{
		{name: "default is every rule", want: all},
		{name: "empty entries are errors", enable: []string{"insecure-form", " "}, wantErr: []string{`unknown rule ""`}, wantIsErr: ErrUnknownRule},
		{name: "enable one", enable: []string{"insecure-form"}, want: []string{"insecure-form"}},
		{name: "enable keeps ID order", enable: []string{"mixed-content-blockable", "insecure-form", "insecure-form"}, want: []string{"insecure-form", "mixed-content-blockable"}},
		{name: "enable trims spaces", enable: []string{" insecure-link "}, want: []string{"insecure-link"}},
		{name: "disable one", disable: []string{"insecure-link"}, want: without("insecure-link")},
		{name: "disable two", disable: []string{"insecure-link", "insecure-refresh"}, want: without("insecure-link", "insecure-refresh")},
		{name: "enable and disable others", enable: []string{"insecure-form", "insecure-page"}, disable: []string{"insecure-link"}, want: []string{"insecure-form", "insecure-page"}},
		{name: "disable all", disable: all, wantErr: []string{"no rule left to run"}},
		{
			name: "unknown enabled", enable: []string{"mixed-content"},
			wantErr: []string{`unknown rule "mixed-content"`, "valid rules:", "mixed-content-blockable", "insecure-link"}, wantIsErr: ErrUnknownRule,
		},
		{
			name: "unknown disabled", disable: []string{"insecure-link", "MC001", "tls-foo"},
			wantErr: []string{`"MC001"`, `"tls-foo"`, "https-downgrade"}, wantIsErr: ErrUnknownRule,
		},
		{name: "case matters", enable: []string{"Insecure-Form"}, wantErr: []string{`"Insecure-Form"`}, wantIsErr: ErrUnknownRule},
		{name: "both enabled and disabled", enable: []string{"insecure-form"}, disable: []string{"insecure-form"}, wantErr: []string{`"insecure-form"`, "both enabled and disabled"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Select(tc.enable, tc.disable)
			if tc.wantErr != nil {
				if err == nil {
					t.Fatalf("Select() = %d rules, want an error", len(got))
				}
				for _, s := range tc.wantErr {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not contain %q", err, s)
					}
				}
				if tc.wantIsErr != nil && !errors.Is(err, tc.wantIsErr) {
					t.Errorf("error %v is not %v", err, tc.wantIsErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Select() error: %v", err)
			}
			var ids []string
			for _, r := range got {
				ids = append(ids, r.ID)
			}
			if !slices.Equal(ids, tc.want) {
				t.Errorf("Select() = %v, want %v", ids, tc.want)
			}
		})
	}
}
