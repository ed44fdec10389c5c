package crawler

import (
	"reflect"
	"testing"
)

func TestParseCSP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []Policy
	}{
		{"empty", "", nil},
		{"only separators", " ; ;, ", nil},
		{"one directive", "default-src 'self'", []Policy{{Directives: []Directive{{Name: "default-src", Values: []string{"'self'"}}}}}},
		{"names lower-cased, values kept", "Script-SRC 'Self' HTTPS://CDN.test;  UPGRADE-insecure-requests ",
			[]Policy{{Directives: []Directive{
				{Name: "script-src", Values: []string{"'Self'", "HTTPS://CDN.test"}},
				{Name: "upgrade-insecure-requests", Values: []string{}},
			}}}},
		{"first occurrence wins", "script-src a; script-src b; SCRIPT-SRC c",
			[]Policy{{Directives: []Directive{{Name: "script-src", Values: []string{"a"}}}}}},
		{"several policies", "default-src 'self', upgrade-insecure-requests",
			[]Policy{
				{Directives: []Directive{{Name: "default-src", Values: []string{"'self'"}}}},
				{Directives: []Directive{{Name: "upgrade-insecure-requests", Values: []string{}}}},
			}},
		{"tabs and newlines separate values", "img-src\ta\nb",
			[]Policy{{Directives: []Directive{{Name: "img-src", Values: []string{"a", "b"}}}}}},
		{"non-ASCII directive skipped", "script-src ☃; img-src a",
			[]Policy{{Directives: []Directive{{Name: "img-src", Values: []string{"a"}}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := ParseCSP(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseCSP(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestPolicyChecks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		policy       string
		wantUpgrade  bool
		wantRestrict bool
	}{
		{"upgrade-insecure-requests", true, false},
		{"default-src 'self'; Upgrade-Insecure-Requests", true, true},
		{"block-all-mixed-content", false, false},
		{"script-src 'self' https://cdn.test", false, true},
		{"script-src 'none'", false, true},
		{"script-src", false, true},
		{"script-src 'self' 'unsafe-inline'", false, true},
		{"script-src *", false, false},
		{"script-src 'self' https:", false, false},
		{"script-src HTTP:", false, false},
		{"script-src 'nonce-abc' 'strict-dynamic'", false, true},
		{"default-src *", false, false},
		{"default-src 'self'", false, true},
		{"default-src *; script-src 'self'", false, true},
		{"default-src 'self'; script-src *", false, false},
		{"img-src 'self'", false, false},
		{"script-src-elem 'self'", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.policy, func(t *testing.T) {
			t.Parallel()
			ps := ParseCSP(tt.policy)
			if len(ps) != 1 {
				t.Fatalf("ParseCSP(%q) gave %d policies, want 1", tt.policy, len(ps))
			}
			if got := ps[0].UpgradesInsecureRequests(); got != tt.wantUpgrade {
				t.Errorf("UpgradesInsecureRequests() = %v, want %v", got, tt.wantUpgrade)
			}
			if got := ps[0].RestrictsScripts(); got != tt.wantRestrict {
				t.Errorf("RestrictsScripts() = %v, want %v", got, tt.wantRestrict)
			}
		})
	}
}

func TestPolicyDirective(t *testing.T) {
	t.Parallel()
	p := ParseCSP("default-src 'self'; report-uri /r")[0]
	if v, ok := p.Directive("REPORT-URI"); !ok || !reflect.DeepEqual(v, []string{"/r"}) {
		t.Errorf("Directive(REPORT-URI) = %q, %v", v, ok)
	}
	if v, ok := p.Directive("script-src"); ok || v != nil {
		t.Errorf("Directive(script-src) = %q, %v, want nil, false", v, ok)
	}
}
