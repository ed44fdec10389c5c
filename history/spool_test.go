package history

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/internal/livemem"
	"github.com/padlock-scan/padlock/report"
	"github.com/padlock-scan/padlock/rules"
)

// bigShop is a spooled report of n pages as a crawl makes it: ten resources and two findings a
// page, one page in payEvery a payment page (security headers, the payment provider's script and
// an inline script of its own). seed 2 is a week later: the payment script's bytes changed, the
// first page has a finding more, and the payment pages' X-Frame-Options is SAMEORIGIN.
func bigShop(t *testing.T, seed, n, payEvery int) *report.Report {
	t.Helper()
	at := t0.Add(time.Duration(seed) * 7 * 24 * time.Hour)
	r := &report.Report{Version: report.Version, Tool: report.Tool{Name: "padlock", Version: "test"},
		StartURLs: []string{"https://shop.test/"}, StartedAt: at, FinishedAt: at.Add(time.Hour)}
	r.UseSpool(report.NewSpoolSize(256 << 10))
	t.Cleanup(func() { r.Close() })
	payment, inline := []string{}, []report.Script{}
	for i := range n {
		u := fmt.Sprintf("https://shop.test/p/%06d.html", i)
		if i == 0 {
			u = "https://shop.test/"
		}
		p := report.Page{URL: u, FinalURL: u, Status: 200, ContentType: "text/html", Title: fmt.Sprintf("Product %d", i)}
		for k := range 10 {
			p.Resources = append(p.Resources, report.Resource{URL: fmt.Sprintf("https://cdn.shop.test/img/%d-%d.jpg?v=%x", i, k, i*k+seed), Element: "img", Attribute: "src", Kind: "image", Line: 10 + k})
		}
		if i%payEvery == payEvery/2 {
			p.Payment, p.PaymentSignals = true, []string{"a card number field"}
			p.CSP = []string{"script-src 'self' https://js.pay.test"}
			p.SecurityHeaders = map[string]string{"Content-Security-Policy": p.CSP[0], "Strict-Transport-Security": "max-age=31536000",
				"X-Frame-Options": []string{"", "DENY", "SAMEORIGIN"}[seed]}
			payment = append(payment, u)
			inline = append(inline, report.Script{Kind: "inline", SHA256: fmt.Sprintf("%064x", i), Party: "first",
				PageCount: 1, Pages: []string{u}, PaymentPages: []string{u}, Line: 12, Snippet: "window.checkout = {page: " + fmt.Sprint(i) + "}"})
		}
		if err := r.AddPage(p); err != nil {
			t.Fatal(err)
		}
		findings := 2
		if seed == 2 && i == 0 {
			findings = 3
		}
		for k := range findings {
			f := report.Finding{Rule: "mixed-content-passive", Severity: rules.Warning, Page: u, URL: fmt.Sprintf("http://img.shop.test/%d/%d.jpg", i, k),
				Element: "img", Attribute: "src", Line: 40 + k, Source: fmt.Sprintf(`<img src="http://img.shop.test/%d/%d.jpg" alt="a product photo">`, i, k),
				Message: "a passive sub-resource (an image) is loaded over plain http on an https page: the browser upgrades or blocks it, and a network attacker can replace it"}
			if err := r.AddFinding(f); err != nil {
				t.Fatal(err)
			}
		}
	}
	r.Scripts = []report.Script{{Kind: "external", URL: "https://js.pay.test/v3.js", SHA256: hash(fmt.Sprintf("%02d", seed)), Status: 200, Party: "third",
		PageCount: len(payment), Pages: payment, PaymentPages: payment}}
	r.Scripts = append(r.Scripts, inline...)
	r.Finish()
	return r
}

// TestWatchRunMemoryFlat: the work a watch's run does beyond the crawl (recording a spooled
// report, reading the baseline back, Degraded and Compare) holds neither report in memory. With
// the reports in memory (the baseline read back whole, the compressed report in one buffer) the
// live heap grew by 39 MB for these 20,000 pages.
func TestWatchRunMemoryFlat(t *testing.T) {
	const n = 20000
	base, cur := bigShop(t, 1, n, 1000), bigShop(t, 2, n, 1000)
	ctx := context.Background()
	s, _ := openTemp(t)

	before := livemem.Bytes()
	heap := &livemem.Sampler{}
	heap.Start()
	run1 := &Run{Site: "https://shop.test/", StartedAt: base.StartedAt, FinishedAt: base.FinishedAt, Outcome: OutcomeOK, Pages: base.NumPages()}
	if _, err := s.Record(ctx, run1, base); err != nil {
		t.Fatal(err)
	}
	stored, err := s.Report(ctx, run1.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer stored.Close()
	why, err := Degraded(stored, cur)
	if err != nil {
		t.Fatal(err)
	}
	changes, err := Compare(stored, cur)
	if err != nil {
		t.Fatal(err)
	}
	run2 := &Run{Site: "https://shop.test/", StartedAt: cur.StartedAt, FinishedAt: cur.FinishedAt, Outcome: OutcomeChanged, BaselineRun: run1.ID, Changes: changes}
	if _, err := s.Record(ctx, run2, cur); err != nil {
		t.Fatal(err)
	}
	peak := heap.Stop()

	const bound = 12 << 20 // 39 MB with the baseline read back whole (7 MB now: spools and buffers of a fixed size)
	t.Logf("the live heap grew by %d KB during the run's record, read-back and comparison", (max(peak, before)-before)>>10)
	if peak > before+bound {
		t.Errorf("the live heap grew by %d MB (at most %d MB): a report is held whole", (peak-before)>>20, bound>>20)
	}
	if len(why) != 0 {
		t.Errorf("degraded: %q", why)
	}
	var got []string
	for _, c := range changes {
		got = append(got, fmt.Sprintf("%s %s %d", c.Kind, c.Subject, max(c.PageCount, len(c.Pages))))
	}
	want := []string{"script-changed https://js.pay.test/v3.js 20", "header-changed X-Frame-Options 20", "finding-new mixed-content-passive http://img.shop.test/0/2.jpg 1"}
	if !slices.Equal(got, want) {
		t.Errorf("changes:\n got %q\nwant %q", got, want)
	}
	if stored.NumPages() != n || stored.NumFindings() != 2*n {
		t.Errorf("the stored report reads back with %d pages and %d findings, want %d and %d", stored.NumPages(), stored.NumFindings(), n, 2*n)
	}
	var chunks int
	if err := s.db.QueryRow(`SELECT COUNT(*) FROM report_chunks WHERE run_id = ?`, run1.ID).Scan(&chunks); err != nil || chunks < 2 {
		t.Errorf("the report is in %d chunks (%v): want several of %d bytes", chunks, err, chunkSize)
	}
	seen, err := s.Scripts(ctx, "")
	if err != nil || len(seen) != 60 { // 20 payment pages, the script's two hashes and an inline script each
		t.Errorf("scripts seen on payment pages: %d (%v), want 60", len(seen), err)
	}
}

// TestWatchRunMemoryFlatWhenEveryPageIsAPaymentPage: a site whose every page is a payment page
// (--payment-page matching every product page) is compared without keeping its pages, and its
// payment pages' scripts as a few bytes a pair: one header change on every page is one change
// counting them all.
func TestWatchRunMemoryFlatWhenEveryPageIsAPaymentPage(t *testing.T) {
	const n = 12000
	base, cur := bigShop(t, 1, n, 1), bigShop(t, 2, n, 1)
	before := livemem.Bytes()
	heap := &livemem.Sampler{}
	heap.Start()
	why, err := Degraded(base, cur)
	if err != nil {
		t.Fatal(err)
	}
	changes, err := Compare(base, cur)
	if err != nil {
		t.Fatal(err)
	}
	peak := heap.Stop()
	// 29 MB when Compare and Degraded kept the payment pages (2.4 KB each); 5.6 MB now, of which
	// about 330 bytes a page are the hashes of the pages, findings and script pairs they and
	// report.DiffSpooled keep.
	const bound = 12 << 20
	t.Logf("the live heap grew by %d KB during Degraded and Compare", (max(peak, before)-before)>>10)
	if peak > before+bound {
		t.Errorf("the live heap grew by %d MB (at most %d MB): the payment pages are held", (peak-before)>>20, bound>>20)
	}
	if len(why) != 0 {
		t.Errorf("degraded: %q", why)
	}
	var got []string
	for _, c := range changes {
		got = append(got, fmt.Sprintf("%s %s %d %d", c.Kind, c.Subject, len(c.Pages), c.PageCount))
	}
	want := []string{fmt.Sprintf("script-changed https://js.pay.test/v3.js %d %d", maxPages, n), fmt.Sprintf("header-changed X-Frame-Options %d %d", maxPages, n),
		"finding-new mixed-content-passive http://img.shop.test/0/2.jpg 1 0"}
	if !slices.Equal(got, want) {
		t.Errorf("changes:\n got %q\nwant %q", got, want)
	}
}

// jsonOf is r as padlock writes its JSON report.
func jsonOf(t *testing.T, r *report.Report) []byte {
	t.Helper()
	w, err := report.New("json")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := w.Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestReportStoredInChunksReadsBackTheSameBytes: a report cut into many chunks reads back as the
// report that was recorded, byte for byte (without resources: a baseline needs none); a run
// without a report reads back as none.
func TestReportStoredInChunksReadsBackTheSameBytes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openTemp(t)
	s.chunk = 300
	r := bigShop(t, 1, 300, 1000)
	want := jsonOf(t, stripResources(t, r))
	if _, err := s.Record(ctx, &Run{Site: "https://shop.test/", StartedAt: t0, Outcome: OutcomeOK}, r); err != nil {
		t.Fatal(err)
	}
	none := &Run{Site: "https://shop.test/", StartedAt: t0.Add(time.Hour), Outcome: OutcomeDegraded}
	if _, err := s.Record(ctx, none, nil); err != nil {
		t.Fatal(err)
	}
	var chunks, short int
	if err := s.db.QueryRow(`SELECT COUNT(*), SUM(length(data) < 300) FROM report_chunks`).Scan(&chunks, &short); err != nil {
		t.Fatal(err)
	}
	if chunks < 10 || short != 1 {
		t.Errorf("%d chunks, %d shorter than 300 bytes: want many, only the last one short", chunks, short)
	}
	got, err := s.Report(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	if b := jsonOf(t, got); !bytes.Equal(b, want) {
		t.Errorf("the stored report reads back as other bytes (%d, want %d)", len(b), len(want))
	}
	if r, err := s.Report(ctx, none.ID); r != nil || err != nil {
		t.Errorf("a run without a report reads back as %v, %v", r, err)
	}
	// WriteReport gives the report as it was recorded, resources and all
	var buf bytes.Buffer
	if ok, err := s.WriteReport(ctx, 1, &buf); !ok || err != nil || !bytes.Equal(buf.Bytes(), jsonOf(t, r)) {
		t.Errorf("WriteReport: %v, %v, %d bytes (want %d, the same)", ok, err, buf.Len(), len(jsonOf(t, r)))
	}
	if ok, err := s.WriteReport(ctx, none.ID, &buf); ok || err != nil {
		t.Errorf("WriteReport of a run without a report: %v, %v", ok, err)
	}
}

// stripResources is r read back without its pages' resources, as a stored baseline is.
func stripResources(t *testing.T, r *report.Report) *report.Report {
	t.Helper()
	out, err := report.Open(bytes.NewReader(jsonOf(t, r)), false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { out.Close() })
	return out
}

// TestSchemaVersion1StoreUpgraded: a store of schema version 1 (each run's report in runs.report)
// opens as version 2 and its runs' reports still read back.
func TestSchemaVersion1StoreUpgraded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, path := openTemp(t)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(jsonOf(t, shop(t0)))
	zw.Close()
	for _, q := range []string{`DROP TABLE report_chunks`, `UPDATE schema_version SET version = 1`} {
		if _, err := s.db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.db.Exec(`INSERT INTO runs (site, started_at, finished_at, tool_version, config_hash, outcome, report)
		VALUES ('https://shop.test/', ?, ?, 'v1', 'x', 'ok', ?)`, fmtTime(t0), fmtTime(t0), gz.Bytes()); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var v int
	if err := s.db.QueryRow(`SELECT version FROM schema_version`).Scan(&v); err != nil || v != SchemaVersion {
		t.Fatalf("schema version %d (%v), want %d", v, err, SchemaVersion)
	}
	r, err := s.Report(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if sha256.Sum256(jsonOf(t, r)) != sha256.Sum256(jsonOf(t, stripResources(t, shop(t0)))) {
		t.Error("the version 1 run's report reads back as other bytes")
	}
	// and a new run goes to the chunks
	if _, err := s.Record(ctx, &Run{Site: "https://shop.test/", StartedAt: t0.Add(time.Hour), Outcome: OutcomeOK}, shop(t0)); err != nil {
		t.Fatal(err)
	}
	if r2, err := s.Report(ctx, 2); err != nil || r2 == nil || r2.NumPages() != 2 {
		t.Fatalf("the new run's report: %v, %v", r2, err)
	} else {
		r2.Close()
	}
	// the version 1 run's report is pruned like the others
	if n, err := s.PruneReports(ctx, "https://shop.test/", 1); n != 1 || err != nil {
		t.Fatalf("pruned %d reports (%v), want 1", n, err)
	}
	if r, err := s.Report(ctx, 1); r != nil || err != nil {
		t.Errorf("the pruned version 1 report reads back as %v, %v", r, err)
	}
}
