package crawler

import "testing"

func TestPotentiallyTrustworthy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw  string
		want bool
		ip   bool
	}{
		{"https://shop.test/", true, false},
		{"wss://live.test/", true, false},
		{"http://shop.test/", false, false},
		{"ftp://files.test/", false, false},
		{"ws://live.test/", false, false},
		{"http://localhost:8080/", true, false},
		{"http://a.b.localhost./x", true, false},
		{"http://localhost.example.com/", false, false},
		{"http://127.0.0.2/", true, true},
		{"http://0x7f.1/", true, true},
		{"http://2130706433/", true, true},
		{"http://[::1]:3000/", true, true},
		{"http://[::ffff:127.0.0.1]/", false, true},
		{"http://203.0.113.7/", false, true},
		{"http://[2001:db8::1]/", false, true},
		{"javascript:alert(1)", false, false},
	}
	for _, tc := range tests {
		u, ok := Resolve(nil, tc.raw)
		if !ok {
			t.Fatalf("Resolve(%q) failed", tc.raw)
		}
		if got := PotentiallyTrustworthy(u); got != tc.want {
			t.Errorf("PotentiallyTrustworthy(%q) = %v, want %v", tc.raw, got, tc.want)
		}
		if got := IPLiteral(u.Hostname()); got != tc.ip {
			t.Errorf("IPLiteral(%q) = %v, want %v", u.Hostname(), got, tc.ip)
		}
	}
}
