package report

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/internal/livemem"
	"github.com/padlock-scan/padlock/rules"
)

// siteReport makes a report of a made-up site crawled at seed: pages that load, fail, redirect
// (http: to https:, and elsewhere), payment pages with headers, CSPs, findings of page and
// origin rules, and scripts. Two seeds give two crawls with a bit of everything changed.
func siteReport(seed uint64, n int) *Report {
	rng := rand.New(rand.NewPCG(seed, 7))
	r := &Report{Version: Version, StartURLs: []string{"https://s.test/"}, StartedAt: time.Date(2026, 12, 1, 0, 0, int(seed), 0, time.UTC),
		Origins: []Origin{{Origin: "https://s.test", TLSVersion: "TLS 1.3", HSTS: []string{"", "max-age=1"}[rng.IntN(2)]}}}
	for i := range n {
		if rng.IntN(10) == 0 {
			continue // not in this crawl
		}
		u := fmt.Sprintf("https://s.test/p/%d", i)
		p := Page{URL: u, FinalURL: u, Status: 200, Depth: 1, ContentType: "text/html", Resources: []Resource{}}
		switch rng.IntN(12) {
		case 0:
			p.Status, p.Error = 503, "HTTP 503 Service Unavailable"
		case 1:
			p.FinalURL = fmt.Sprintf("https://s.test/p/%d", (i+1)%n)
			p.Redirects = []Redirect{{From: u, To: p.FinalURL, Status: 301, Via: "http"}}
		case 2:
			p.URL = fmt.Sprintf("http://s.test/p/%d", i)
			p.Redirects = []Redirect{{From: p.URL, To: u, Status: 301, Via: "http"}}
		case 3:
			p.Truncated = true
		}
		if rng.IntN(3) == 0 {
			p.CSP = []string{fmt.Sprintf("script-src 'self' https://cdn%d.test", rng.IntN(2))}
		}
		if i%17 == 0 {
			p.Payment = true
			p.SecurityHeaders = map[string]string{"Content-Security-Policy": fmt.Sprint(rng.IntN(2)), "X-Frame-Options": "DENY"}
		}
		r.Pages = append(r.Pages, p)
		for k := range rng.IntN(4) {
			r.Findings = append(r.Findings, Finding{Rule: []string{"sri-missing", "third-party-script", "mixed-content-passive"}[k%3],
				Severity: rules.Warning, Page: p.FinalURL, URL: fmt.Sprintf("https://cdn%d.test/%d.js", rng.IntN(2), k), Element: "script", Attribute: "src", Source: "html"})
		}
	}
	if rng.IntN(2) == 0 {
		r.Findings = append(r.Findings, Finding{Rule: "hsts-missing", Severity: rules.Warning, Page: "https://s.test/p/1", URL: "https://s.test", Source: "header"})
	}
	for i := range 30 { // scripts added, removed (where a page of theirs loaded), changed
		if rng.IntN(4) == 0 {
			continue
		}
		page := fmt.Sprintf("https://s.test/p/%d", rng.IntN(n))
		r.Scripts = append(r.Scripts, Script{Kind: "external", Party: "third", URL: fmt.Sprintf("https://cdn0.test/%d.js", i),
			SHA256: strings.Repeat(fmt.Sprint(rng.IntN(2)), 64), PageCount: 1, Pages: []string{page}},
			Script{Kind: "inline", Party: "first", SHA256: strings.Repeat(fmt.Sprintf("%x", rng.IntN(16)), 64), PageCount: 1, Pages: []string{page}})
	}
	slices.SortFunc(r.Scripts, func(a, b Script) int {
		return cmp.Or(strings.Compare(a.Kind, b.Kind), strings.Compare(a.URL, b.URL), strings.Compare(a.SHA256, b.SHA256))
	})
	r.Finish()
	return r
}

// Diff of two spooled reports (and of two reports read with OpenFile, each record through the
// disk) is the Diff of the same reports in memory, field for field.
func TestDiffOfSpooledReportsMatchesInMemory(t *testing.T) {
	old, cur := siteReport(1, 400), siteReport(2, 400)
	want := Diff(old, cur)
	if len(want.NewFindings) == 0 || len(want.Fixed) == 0 || len(want.PagesAdded) == 0 || len(want.PagesRemoved) == 0 ||
		len(want.PagesFailed) == 0 || len(want.CSPChanged) == 0 || len(want.HeadersChanged) == 0 ||
		len(want.ScriptsAdded) == 0 || len(want.ScriptsRemoved) == 0 || len(want.ScriptsChanged) == 0 {
		t.Fatalf("the made-up crawls should differ in every way: %+v", want)
	}
	wantJSON, _ := json.Marshal(want)
	check := func(name string, c *Changes) {
		t.Helper()
		if got, _ := json.Marshal(c); !bytes.Equal(got, wantJSON) {
			t.Errorf("%s: diff differs from the in-memory one:\n got %s\nwant %s", name, got, wantJSON)
		}
	}
	spooled := func(r *Report) *Report {
		c := spooledCopy(t, r, 1)
		t.Cleanup(func() { c.Close() })
		return c
	}
	check("spooled", Diff(spooled(old), spooled(cur)))
	check("one spooled", Diff(old, spooled(cur)))

	dir := t.TempDir()
	open := func(r *Report, name string) *Report {
		path := filepath.Join(dir, name)
		var b bytes.Buffer
		if err := writeJSON(&b, r); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		rep, err := OpenFile(path, false)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { rep.Close() })
		if rep.spool == nil || len(rep.Pages) != 0 || rep.NumPages() != len(r.Pages) || rep.NumFindings() != len(r.Findings) {
			t.Fatalf("OpenFile: %d pages in memory, %d in all (want %d, spooled)", len(rep.Pages), rep.NumPages(), len(r.Pages))
		}
		return rep
	}
	old2, cur2 := open(old, "old.json"), open(cur, "new.json")
	if old2.spool.pages.len() < 2 || len(old2.spool.pages.runs) == 0 {
		t.Fatalf("the spool did not spill (%d runs)", len(old2.spool.pages.runs))
	}
	check("OpenFile", Diff(old2, cur2))
}

func init() {
	if testing.Testing() {
		spillBytes = 1 << 10 // OpenFile in tests: a run every few records
	}
}

// diffOutputs is the text and the JSON of c.
func diffOutputs(t *testing.T, c *Changes) (text, js []byte) {
	t.Helper()
	var a, b bytes.Buffer
	if err := c.WriteText(&a); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	return a.Bytes(), b.Bytes()
}

// A DiffSpooled whose every list spilled (a run every record) writes the bytes of the Diff
// made in memory, in text and JSON, from reports in memory and spooled.
func TestDiffSpooledWritesWhatDiffWrites(t *testing.T) {
	old, cur := siteReport(1, 400), siteReport(2, 400)
	want := Diff(old, cur)
	wantText, wantJSON := diffOutputs(t, want)
	for name, pair := range map[string][2]*Report{
		"in memory": {old, cur},
		"spooled":   {spooledCopy(t, old, 1), spooledCopy(t, cur, 1)},
	} {
		c := diff(pair[0], pair[1], 1)
		l := c.lists
		for list, runs := range map[string]int{"new findings": len(l.newFindings.runs), "fixed": len(l.fixed.runs),
			"pages added": len(l.added.runs), "pages removed": len(l.removed.runs), "pages failing": len(l.failed.runs),
			"csp": len(l.csp.runs), "headers": len(l.headers.runs), "scripts added": len(l.scriptsAdded.runs), "scripts removed": len(l.scriptsRemoved.runs),
			"scripts changed": len(l.scriptsChanged.runs)} {
			if runs == 0 {
				t.Errorf("%s: %s did not spill", name, list)
			}
		}
		if len(c.NewFindings)+len(c.Fixed)+len(c.PagesAdded)+len(c.CSPChanged)+len(c.HeadersChanged)+len(c.ScriptsAdded) != 0 {
			t.Errorf("%s: spooled lists are in the fields too", name)
		}
		if c.Empty() {
			t.Errorf("%s: Empty", name)
		}
		text, js := diffOutputs(t, c)
		if !bytes.Equal(text, wantText) {
			t.Errorf("%s: text differs:\n got %s\nwant %s", name, text, wantText)
		}
		if !bytes.Equal(js, wantJSON) {
			t.Errorf("%s: JSON differs:\n got %s\nwant %s", name, js, wantJSON)
		}
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		for _, r := range pair {
			if r != old && r != cur {
				r.Close()
			}
		}
	}
	// No change at all: "no changes", and the same JSON.
	same := diff(old, old, 1)
	defer same.Close()
	text, js := diffOutputs(t, same)
	wantText, wantJSON = diffOutputs(t, Diff(old, old))
	if !same.Empty() || !bytes.Equal(text, wantText) || !bytes.Equal(js, wantJSON) {
		t.Errorf("no change: Empty %v, text %s (want %s), JSON equal %v", same.Empty(), text, wantText, bytes.Equal(js, wantJSON))
	}
}

// changedEverywhere is a spooled report of n pages, every one of which a crawl at another seed
// sees differently: its findings, its CSP (a nonce), its inline script; and half its URLs
// (those pages' findings and scripts are not counted as fixed and removed: the new crawl did not see them).
func changedEverywhere(t *testing.T, seed, n int) *Report {
	t.Helper()
	r := &Report{Version: Version, StartURLs: []string{"https://s.test/"}, StartedAt: time.Date(2026, 12, 1, 0, 0, seed, 0, time.UTC)}
	r.UseSpool(NewSpoolSize(64 << 10))
	t.Cleanup(func() { r.Close() })
	for i := range n {
		u := fmt.Sprintf("https://s.test/p/%d", i)
		if i%2 == 1 {
			u = fmt.Sprintf("https://s.test/p/%d-%d", i, seed)
		}
		p := Page{URL: u, FinalURL: u, Status: 200, ContentType: "text/html", Resources: []Resource{},
			CSP: []string{fmt.Sprintf("script-src 'nonce-%d-%d'", seed, i)}}
		if err := r.AddPage(p); err != nil {
			t.Fatal(err)
		}
		for k := range 4 {
			f := Finding{Rule: "sri-missing", Severity: rules.Warning, Page: u, URL: fmt.Sprintf("https://cdn.test/%d/%d/%d.js", seed, i, k),
				Element: "script", Attribute: "src", Source: "html", Message: "a script from another host without integrity"}
			if err := r.AddFinding(f); err != nil {
				t.Fatal(err)
			}
		}
		sha := fmt.Sprintf("%064x", seed*1_000_000+i)
		if err := r.addScript(Script{Kind: "inline", Party: "first", SHA256: sha, PageCount: 1, Pages: []string{u}}); err != nil {
			t.Fatal(err)
		}
	}
	r.Finish()
	return r
}

// DiffSpooled of two reports that differ on every page keeps the changes on disk: what it holds
// once made is a small fraction of what Diff holds (every new and fixed finding, every page
// added and removed, every script and CSP change).
func TestDiffSpooledMemoryFlatWhenEverythingChanged(t *testing.T) {
	const n = 4000
	old, cur := changedEverywhere(t, 1, n), changedEverywhere(t, 2, n)
	held := func(diff func(old, cur *Report) *Changes) (*Changes, uint64) {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		c := diff(old, cur)
		runtime.GC()
		runtime.ReadMemStats(&after)
		return c, after.HeapAlloc - min(after.HeapAlloc, before.HeapAlloc)
	}
	inMemory, inMemoryBytes := held(Diff)
	spooled, spooledBytes := held(DiffSpooled)
	defer spooled.Close()
	for name, want := range map[string]int{"new_findings": 4 * n, "fixed_findings": 2 * n, "pages_added": n / 2, "pages_removed": n / 2,
		"csp_changed": n / 2, "scripts_added": n, "scripts_removed": n / 2} {
		if got := countOf(spooled, name); got != want {
			t.Errorf("%s: %d, want %d", name, got, want)
		}
	}
	t.Logf("held after the diff: Diff %d KB, DiffSpooled %d KB", inMemoryBytes>>10, spooledBytes>>10)
	if inMemoryBytes < 4<<20 {
		t.Fatalf("Diff held only %d KB: the test's changes are too small to tell", inMemoryBytes>>10)
	}
	if spooledBytes > 1<<20 {
		t.Errorf("DiffSpooled held %d KB, Diff %d KB: want under 1 MB", spooledBytes>>10, inMemoryBytes>>10)
	}
	runtime.KeepAlive(inMemory)
	a, b := diffOutputs(t, inMemory)
	c, d := diffOutputs(t, spooled)
	if !bytes.Equal(a, c) || !bytes.Equal(b, d) {
		t.Error("DiffSpooled writes other bytes than Diff")
	}
}

// countOf is the length of c's list name (its key in the JSON).
func countOf(c *Changes, name string) int {
	for _, cl := range changeTable {
		if cl.name == name {
			return cl.len(c)
		}
	}
	panic("no list " + name)
}

// TestDiffSpooledTextKeepsSpoolError: a list that could not be spooled is an error from
// WriteText (as from WriteJSON), not "no changes" and exit 0.
func TestDiffSpooledTextKeepsSpoolError(t *testing.T) {
	old, cur := siteReport(1, 40), siteReport(1, 40)
	c := diff(old, cur, 1)
	defer c.Close()
	c.lists.err = errors.New("spool: no space left on device")
	var text, js bytes.Buffer
	if err := c.WriteText(&text); err == nil || strings.Contains(text.String(), "no changes") {
		t.Errorf("WriteText = %v, wrote %q; want the spool's error", err, text.String())
	}
	if err := c.WriteJSON(&js); err == nil {
		t.Errorf("WriteJSON = nil; want the spool's error")
	}
}

// TestJSONCodecCountsRecordBytes: records stored as JSON count their length against the
// sorter's memory, so CSP changes (two policies of kilobytes each) spill at the threshold,
// not after thousands of them.
func TestJSONCodecCountsRecordBytes(t *testing.T) {
	var f spoolFile
	defer f.close()
	s := newSorter(&f, 16<<10, func(a, b *HeaderChange) bool { return a.Page < b.Page }, jsonCodec[HeaderChange]())
	policy := strings.Repeat("script-src 'self' https://cdn.example.test; ", 100) // 4.4 KB
	for i := range 10 {
		if err := s.add(HeaderChange{Page: fmt.Sprintf("https://shop.test/%d", i), Header: "Content-Security-Policy", Old: []string{policy}, New: []string{policy + "x"}}); err != nil {
			t.Fatal(err)
		}
	}
	if len(s.runs) == 0 {
		t.Error("90 KB of CSP changes stayed in a sorter of 16 KB")
	}
}

// paymentPagesChanged is a spooled report of n payment pages (--payment-page matching every
// product page) whose security headers, two kilobytes each, a crawl at another seed sees
// changed: X-Frame-Options and Permissions-Policy, Referrer-Policy added or dropped.
func paymentPagesChanged(t *testing.T, seed, n int) *Report {
	t.Helper()
	r := &Report{Version: Version, StartURLs: []string{"https://s.test/"}, StartedAt: time.Date(2026, 12, 1, 0, 0, seed, 0, time.UTC)}
	r.UseSpool(NewSpoolSize(64 << 10))
	t.Cleanup(func() { r.Close() })
	policy := strings.Repeat("default-src 'self'; script-src 'self' https://cdn.example.test; ", 24)
	permissions := strings.Repeat("camera=(), microphone=(), geolocation=(), ", 8)
	for i := range n {
		u := fmt.Sprintf("https://s.test/p/%d", i)
		h := map[string]string{"Content-Security-Policy": "script-src 'self'", "X-Frame-Options": []string{"", "DENY", "SAMEORIGIN"}[seed],
			"Content-Security-Policy-Report-Only": policy, "Permissions-Policy": permissions + fmt.Sprint(seed)}
		if seed == 2 {
			h["Referrer-Policy"] = "no-referrer"
		}
		p := Page{URL: u, FinalURL: u, Status: 200, ContentType: "text/html", Resources: []Resource{}, Payment: true,
			PaymentSignals: []string{`URL matches --payment-page "https://s.test/p/*"`}, CSP: []string{"script-src 'self'"}, SecurityHeaders: h}
		if err := r.AddPage(p); err != nil {
			t.Fatal(err)
		}
	}
	r.Finish()
	return r
}

// TestDiffSpooledHeadersOfManyPaymentPages: a diff of reports whose every page is a payment
// page with its security headers changed keeps neither the old report's payment pages nor the
// header changes in memory (both grew with the site), and writes the bytes of the diff made in
// memory, also when every list spills at each record.
func TestDiffSpooledHeadersOfManyPaymentPages(t *testing.T) {
	const n = 8000
	old, cur := paymentPagesChanged(t, 1, n), paymentPagesChanged(t, 2, n)
	want := Diff(old, cur)
	if len(want.HeadersChanged) != 3*n || len(want.CSPChanged) != 0 {
		t.Fatalf("%d header changes, %d CSP changes; want %d, 0", len(want.HeadersChanged), len(want.CSPChanged), 3*n)
	}
	wantText, wantJSON := diffOutputs(t, want)
	want = nil

	defer func(b int) { spillBytes = b }(spillBytes)
	spillBytes = 64 << 10 // not a run every record: a merge of thousands of runs holds a buffer for each
	before := livemem.Bytes()
	heap := &livemem.Sampler{}
	heap.Start()
	c := DiffSpooled(old, cur)
	textSum, jsonSum := sha256.New(), sha256.New()
	if err := c.WriteText(textSum); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteJSON(jsonSum); err != nil {
		t.Fatal(err)
	}
	peak := heap.Stop()
	defer c.Close()
	const bound = 6 << 20 // 14-19 MB when the old payment pages and the header changes were in memory
	t.Logf("the live heap grew by %d KB during DiffSpooled and its writers", (max(peak, before)-before)>>10)
	if peak > before+bound {
		t.Errorf("the live heap grew by %d MB (at most %d MB): the diff holds payment pages or header changes", (peak-before)>>20, bound>>20)
	}
	if a, b := sha256.Sum256(wantText), sha256.Sum256(wantJSON); !bytes.Equal(textSum.Sum(nil), a[:]) || !bytes.Equal(jsonSum.Sum(nil), b[:]) {
		t.Error("DiffSpooled writes other bytes than Diff")
	}

	// Spilling at each record (fewer pages: a run each) changes nothing either.
	old, cur = paymentPagesChanged(t, 1, 300), paymentPagesChanged(t, 2, 300)
	wantText, wantJSON = diffOutputs(t, Diff(old, cur))
	every := diff(old, cur, 1)
	defer every.Close()
	if len(every.lists.headers.runs) == 0 {
		t.Fatal("the header changes did not spill")
	}
	text, js := diffOutputs(t, every)
	if !bytes.Equal(text, wantText) || !bytes.Equal(js, wantJSON) {
		t.Error("a diff spilling at each record writes other bytes than Diff")
	}
}

// marshalCounted counts its MarshalJSON calls.
type marshalCounted struct{ N int }

var marshalCalls int

func (m marshalCounted) MarshalJSON() ([]byte, error) {
	marshalCalls++
	return []byte(strconv.Itoa(m.N)), nil
}

func (m *marshalCounted) UnmarshalJSON(b []byte) (err error) {
	m.N, err = strconv.Atoi(string(b))
	return err
}

// TestJSONCodecMarshalsOnce: a record stored as JSON is marshalled once, for its size and its
// run alike (it was marshalled a second time to count its bytes), and written as it was.
func TestJSONCodecMarshalsOnce(t *testing.T) {
	var f spoolFile
	defer f.close()
	s := newSorter(&f, 200, func(a, b *marshalCounted) bool { return a.N < b.N }, jsonCodec[marshalCounted]())
	marshalCalls = 0
	const n = 30 // ten runs: fewer than fanIn, so none is merged (a merge writes its records again)
	for i := range n {
		if err := s.add(marshalCounted{N: (i * 7) % n}); err != nil {
			t.Fatal(err)
		}
	}
	if len(s.runs) == 0 {
		t.Fatal("nothing spilled")
	}
	if marshalCalls != n {
		t.Errorf("%d records marshalled %d times", n, marshalCalls)
	}
	var got []int
	if err := s.each(func(m *marshalCounted) error { got = append(got, m.N); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != n || !slices.IsSorted(got) || got[0] != 0 || got[n-1] != n-1 {
		t.Errorf("read back %v", got)
	}
}

// TestHeaderChangeCodecRoundTrip: header changes and their groups come back from the spool as
// they went, nil lists apart from empty ones (JSON writes null and []), and every field of
// HeaderChange is written (a new one must be added to the codec).
func TestHeaderChangeCodecRoundTrip(t *testing.T) {
	if n := reflect.TypeFor[HeaderChange]().NumField(); n != 4 {
		t.Fatalf("HeaderChange has %d fields: write the new ones in headerChangeCodec and here", n)
	}
	changes := []HeaderChange{
		{Page: "https://s.test/é", Header: "Content-Security-Policy", Old: []string{"a\x00b", "\xff"}, New: []string{}},
		{Page: "", Old: nil, New: []string{""}},
		{},
	}
	for _, in := range changes {
		var out HeaderChange
		if err := headerChangeCodec.dec(headerChangeCodec.enc(nil, &in), &out); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(in, out) {
			t.Errorf("round trip:\n got %#v\nwant %#v", out, in)
		}
		for _, g := range []groupRec{{Key: "k\x00v", Seq: 7, N: 3, Pages: []string{"a", ""}, Change: in}, {Change: in}} {
			var back groupRec
			if err := groupRecCodec.dec(groupRecCodec.enc(nil, &g), &back); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(g, back) {
				t.Errorf("group round trip:\n got %#v\nwant %#v", back, g)
			}
		}
	}
	if err := headerChangeCodec.dec([]byte{5, 'a'}, new(HeaderChange)); err == nil {
		t.Error("a cut record decoded")
	}
}
