package report

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/padlock-scan/padlock/internal/livemem"
)

// Every field of Finding survives the spool: the test fills each by reflection, so a field added
// to Finding and not to findingCodec fails here.
func TestFindingCodecRoundTrip(t *testing.T) {
	t.Parallel()
	var f Finding
	v := reflect.ValueOf(&f).Elem()
	for i := 0; i < v.NumField(); i++ {
		fv := v.Field(i)
		switch fv.Kind() {
		case reflect.String:
			fv.SetString(fmt.Sprintf("s%d \"é\"\x00", i))
		case reflect.Int:
			fv.SetInt(int64(-7 - i))
		case reflect.Pointer:
			fv.Set(reflect.New(fv.Type().Elem()))
			el := fv.Elem()
			if el.Kind() == reflect.Struct {
				for j := 0; j < el.NumField(); j++ {
					el.Field(j).SetString(fmt.Sprintf("p%d", j))
				}
			}
		default:
			t.Fatalf("field %s: kind %s not filled by the test", v.Type().Field(i).Name, fv.Kind())
		}
		if fv.IsZero() {
			t.Fatalf("field %s left empty", v.Type().Field(i).Name)
		}
	}
	yes := true
	for _, in := range []Finding{f, {}, {HTTPSAvailable: &yes}} {
		var out Finding
		if err := findingCodec.dec(findingCodec.enc(nil, &in), &out); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(in, out) {
			t.Errorf("round trip:\n got %+v\nwant %+v", out, in)
		}
	}
}

// The external sort gives the order of a stable in-memory sort whatever the spill threshold,
// across many runs (runs are merged fanIn at a time on the way), and may be read
// again.
func TestSorterMatchesStableSort(t *testing.T) {
	t.Parallel()
	type rec struct{ k, seq int }
	c := codec[rec]{
		enc:  func(dst []byte, v *rec) []byte { return fmt.Appendf(dst, "%d %d", v.k, v.seq) },
		dec:  func(b []byte, v *rec) error { _, err := fmt.Sscanf(string(b), "%d %d", &v.k, &v.seq); return err },
		size: func(*rec) int { return 16 },
	}
	rng := rand.New(rand.NewPCG(3, 4))
	var in []rec
	for i := range 5000 {
		in = append(in, rec{rng.IntN(300), i})
	}
	want := slices.Clone(in)
	slices.SortStableFunc(want, func(a, b rec) int { return a.k - b.k })
	for _, limit := range []int{16, 16 * 50, 1 << 30} {
		var sf spoolFile
		s := newSorter(&sf, limit, func(a, b *rec) bool { return a.k < b.k }, c)
		for _, r := range in {
			if err := s.add(r); err != nil {
				t.Fatal(err)
			}
		}
		for pass := range 2 {
			var got []rec
			if err := s.each(func(r *rec) error { got = append(got, *r); return nil }); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("limit %d, pass %d: order differs from a stable sort (%d records, %d runs)", limit, pass, len(got), len(s.runs))
			}
		}
		if limit == 16 {
			// Runs are merged fanIn at a time, a tier at a time: fewer than fanIn wait at each
			// level, and each record was written once per level, not again at every merge.
			perLevel := map[int]int{}
			for _, r := range s.runs {
				perLevel[r.level]++
			}
			for level, n := range perLevel {
				if n >= fanIn {
					t.Errorf("%d runs of level %d kept, want fewer than %d", n, level, fanIn)
				}
			}
			var once int64
			for _, r := range in {
				once += int64(len(c.enc(nil, &r)) + 1)
			}
			if levels := int64(len(perLevel)); sf.off > (levels+1)*once {
				t.Errorf("the sort wrote %d bytes, %.1f times the records' %d (want at most once per level, %d)", sf.off, float64(sf.off)/float64(once), once, levels+1)
			}
		}
		if err := sf.close(); err != nil {
			t.Fatal(err)
		}
	}
}

// The spool file is removed as soon as it is made: nothing is left in the temporary folder
// while it is in use, or after.
func TestSpoolLeavesNoFile(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	r := &Report{}
	r.UseSpool(NewSpoolSize(1))
	for i := range 100 {
		if err := r.AddFinding(Finding{Rule: "r", Page: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if r.spool.file.f == nil {
		t.Fatal("no run was written")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("files in the temporary folder during the crawl: %v", ents)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("files left in the temporary folder: %v", ents)
	}
}

// Every field of Script survives the spool's binary codec (as it survived the JSON one): the
// test fills each by reflection, so a field added to Script and not to scriptCodec fails here.
func TestScriptCodecRoundTrip(t *testing.T) {
	t.Parallel()
	var s Script
	v := reflect.ValueOf(&s).Elem()
	for i := 0; i < v.NumField(); i++ {
		fv := v.Field(i)
		switch fv.Kind() {
		case reflect.String:
			fv.SetString(fmt.Sprintf("s%d \"é\"\x00", i))
		case reflect.Int, reflect.Int64:
			fv.SetInt(int64(-7 - i))
		case reflect.Pointer:
			fv.Set(reflect.New(fv.Type().Elem()))
		case reflect.Slice:
			fv.Set(reflect.ValueOf([]string{fmt.Sprint("a", i), "", fmt.Sprint("b", i)}))
		default:
			t.Fatalf("field %s: kind %s not filled by the test", v.Type().Field(i).Name, fv.Kind())
		}
		if fv.IsZero() && fv.Kind() != reflect.Pointer {
			t.Fatalf("field %s left empty", v.Type().Field(i).Name)
		}
	}
	yes := true
	for _, in := range []Script{s, {}, {IntegrityValid: &yes, Pages: []string{}}} {
		var out Script
		if err := scriptCodec.dec(scriptCodec.enc(nil, &in), &out); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(in, out) {
			t.Errorf("round trip:\n got %+v\nwant %+v", out, in)
		}
	}
	if err := scriptCodec.dec(scriptCodec.enc(nil, &s)[:20], new(Script)); err == nil {
		t.Error("a record cut short decodes")
	}
}

// BenchmarkScriptUses records 40,000 uses of scripts of the inventory (four a page of a
// 10,000-page shop, one of them a tracker's URL unique to the page) and lists the inventory:
// the spool's part in the script inventory of a crawl.
func BenchmarkScriptUses(b *testing.B) {
	for range b.N {
		r := &Report{}
		r.UseSpool(NewSpoolSize(DefaultSpillBytes))
		for p := range 10000 {
			page := fmt.Sprintf("https://shop.test/p/%d.html", (p*7919)%10000)
			for k, u := range []string{"https://cdn.test/jquery.js", "https://shop.test/app.js", "https://t.test/track.js?pid=" + page[20:], ""} {
				s := Script{Kind: "external", URL: u, Party: "third"}
				if u == "" {
					s = Script{Kind: "inline", SHA256: fmt.Sprintf("%064x", k), Party: "first", Snippet: "window.dataLayer = window.dataLayer || [];"}
				}
				if err := r.AddScriptUse(s.Kind+s.URL+s.SHA256, s, page, p%100 == 0); err != nil {
					b.Fatal(err)
				}
			}
		}
		if err := r.ListScripts(20); err != nil {
			b.Fatal(err)
		}
		r.Close()
	}
}

// TestSpillLetsTheMemoryGo: a spooled report whose records are all still in memory writes them
// out on Spill and holds little of them after, and gives back the same report: the same JSON,
// byte for byte, and more pages added after it are kept too.
func TestSpillLetsTheMemoryGo(t *testing.T) {
	r := &Report{Version: Version, StartURLs: []string{"https://s.test/"}}
	r.UseSpool(NewSpoolSize(DefaultSpillBytes))
	defer r.Close()
	add := func(from, to int) {
		for i := from; i < to; i++ {
			u := fmt.Sprintf("https://s.test/p/%d", i)
			p := Page{URL: u, FinalURL: u, Status: 200, Resources: []Resource{{URL: u + ".jpg", Element: "img", Attribute: "src", Kind: "image", Line: 3}}}
			if err := r.AddPage(p); err != nil {
				t.Fatal(err)
			}
			if err := r.AddScriptUse("inline "+fmt.Sprint(i), Script{Kind: "inline", SHA256: fmt.Sprintf("%064x", i), Party: "first"}, u, false); err != nil {
				t.Fatal(err)
			}
			for k := range 3 {
				if err := r.AddFinding(Finding{Rule: "mixed-content-passive", Page: u, URL: fmt.Sprintf("http://s.test/%d/%d.jpg", i, k), Line: 9,
					Message: "an image over plain http on an https page"}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	add(0, 4000)
	if r.spool.file.f != nil {
		t.Fatal("the records spilled before Spill: make them fewer")
	}
	before := livemem.Bytes()
	if err := r.Spill(); err != nil {
		t.Fatal(err)
	}
	after := livemem.Bytes()
	t.Logf("Spill let %d KB of the live heap go", (int64(before)-int64(after))>>10)
	if before < after+4<<20 {
		t.Errorf("the live heap went from %d KB to %d KB on Spill: want at least 4 MB less", before>>10, after>>10)
	}
	add(4000, 4100) // a report spilled takes more records
	if err := r.ListScripts(20); err != nil {
		t.Fatal(err)
	}
	r.Finish()
	spilled := jsonBytes(t, r)

	want := &Report{Version: Version, StartURLs: []string{"https://s.test/"}}
	want.UseSpool(NewSpoolSize(DefaultSpillBytes))
	defer want.Close()
	r = want // add adds to r
	add(0, 4100)
	if err := want.ListScripts(20); err != nil {
		t.Fatal(err)
	}
	want.Finish()
	if !slices.Equal(spilled, jsonBytes(t, want)) {
		t.Error("the report spilled writes other bytes than the one that was not")
	}
}

// jsonBytes is r's JSON report.
func jsonBytes(t *testing.T, r *Report) []byte {
	t.Helper()
	w, err := New("json")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := w.Write(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// An inventory entry counts its page lists against the sorter's memory: entries of scripts on
// every payment page (5.6 MB each at 100,000 pages) are written out one by one, not kept
// together until a fixed count of entries is reached, and come back whole.
func TestScriptSorterCountsPageLists(t *testing.T) { // not parallel: it measures the live heap
	var f spoolFile
	defer f.close()
	s := newSorter(&f, DefaultSpillBytes, scriptLess, scriptCodec)
	pages := make([]string, 100000)
	for i := range pages {
		pages[i] = fmt.Sprintf("https://shop.test/p/%d.html", i)
	}
	kept := 0
	for i := range 5 {
		if err := s.add(Script{Kind: "external", URL: fmt.Sprintf("https://cdn.test/%d.js", i), PaymentPages: pages}); err != nil {
			t.Fatal(err)
		}
		kept = max(kept, len(s.mem))
	}
	if kept > 1 {
		t.Errorf("the sorter kept %d entries of 100,000 payment pages in memory at once, want 1", kept)
	}
	// Each entry is a run of its own: the merge reads them together, and must not hold them
	// all (28 MB) to order them.
	base := livemem.Bytes()
	var held uint64
	n := 0
	err := s.each(func(sc *Script) error {
		if n == 0 {
			held = livemem.Bytes() - min(base, livemem.Bytes())
		}
		if want := fmt.Sprintf("https://cdn.test/%d.js", n); sc.URL != want || len(sc.PaymentPages) != len(pages) || sc.PaymentPages[len(pages)-1] != pages[len(pages)-1] {
			t.Errorf("entry %d: %s with %d payment pages, want %s with %d", n, sc.URL, len(sc.PaymentPages), want, len(pages))
		}
		n++
		return nil
	})
	if err != nil || n != 5 {
		t.Fatalf("read back %d entries, %v", n, err)
	}
	if held > 12<<20 {
		t.Errorf("the merge held %.1f MB of entries of 5.6 MB each, want one entry's", float64(held)/(1<<20))
	}
	if cap(s.buf) > maxKeptBuf {
		t.Errorf("the sorter keeps a %d-byte buffer after writing large entries", cap(s.buf))
	}
}

// A large record whose order's fields do not fit in the cursor's look-ahead (a script URL of
// 40 KB) is read whole instead; large records are copied as they are when runs are merged; and
// large and small records still come back in order, whole.
func TestSorterLargeRecordsInOrder(t *testing.T) {
	t.Parallel()
	var f spoolFile
	defer f.close()
	s := newSorter(&f, 64<<10, scriptLess, scriptCodec)
	pages := make([]string, 3000) // about 130 KB: past maxKeptBuf and the sorter's limit
	for i := range pages {
		pages[i] = fmt.Sprintf("https://shop.test/p/%d.html", i)
	}
	long := "https://cdn.test/" + strings.Repeat("a", 40<<10) + ".js"
	var want []string
	for i := range 40 {
		sc := Script{Kind: "external", URL: fmt.Sprintf("https://cdn.test/%02d.js", (i*7)%40)}
		switch i % 4 {
		case 1:
			sc.PaymentPages = pages
		case 3:
			sc.URL, sc.PaymentPages = long+fmt.Sprint(i), pages
		}
		want = append(want, sc.URL)
		if err := s.add(sc); err != nil {
			t.Fatal(err)
		}
	}
	if merged := slices.ContainsFunc(s.runs, func(r run) bool { return r.level > 0 }); !merged || len(s.runs) < 3 {
		t.Fatalf("%d runs, merged %v: the test needs several, some of them merged runs", len(s.runs), merged)
	}
	slices.Sort(want)
	var got []string
	err := s.each(func(sc *Script) error {
		got = append(got, sc.URL)
		if big := strings.HasPrefix(sc.URL, long); (big || len(sc.PaymentPages) > 0) && len(sc.PaymentPages) != len(pages) {
			t.Errorf("%.40s: %d payment pages, want %d", sc.URL, len(sc.PaymentPages), len(pages))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("order:\n got %.60q\nwant %.60q", got, want)
	}
}

// The inventory lists every payment page of a script: a list past maxKeptBuf bytes is kept
// encoded while it is gathered and stored as it is, and reads back the same as a short one,
// with or without spills along the way.
func TestListScriptsLongPaymentList(t *testing.T) {
	t.Parallel()
	page := func(i int) string { return fmt.Sprintf("https://shop.test/p/%05d.html", i) }
	const n = 20000 // 29 bytes a page: 580 KB of payment pages, past maxKeptBuf
	for _, limit := range []int{1, 64 << 10, DefaultSpillBytes} {
		r := &Report{}
		r.UseSpool(NewSpoolSize(limit))
		for i := range n {
			for _, u := range []string{"https://cdn.test/a.js", "https://cdn.test/b.js", "https://cdn.test/c.js"} {
				payment := u != "https://cdn.test/b.js" || i%1000 == 0
				if u == "https://cdn.test/c.js" && i >= 50 {
					continue
				}
				if err := r.AddScriptUse(u, Script{Kind: "external", URL: u, Party: "third"}, page((i*7919)%n), payment); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := r.ListScripts(20); err != nil {
			t.Fatal(err)
		}
		var got []Script
		if err := r.EachScript(func(s *Script) error { got = append(got, *s); return nil }); err != nil {
			t.Fatal(err)
		}
		r.Close()
		all, every1000, first50 := []string{}, []string{}, []string{}
		for i := range n {
			all = append(all, page(i))
			if i%1000 == 0 {
				every1000 = append(every1000, page(i))
			}
		}
		for i := range 50 {
			first50 = append(first50, page((i*7919)%n))
		}
		slices.Sort(first50)
		want := []Script{
			{Kind: "external", URL: "https://cdn.test/a.js", Party: "third", PageCount: n, Pages: all[:20], PaymentPages: all},
			{Kind: "external", URL: "https://cdn.test/b.js", Party: "third", PageCount: n, Pages: all[:20], PaymentPages: every1000},
			{Kind: "external", URL: "https://cdn.test/c.js", Party: "third", PageCount: 50, Pages: first50[:20], PaymentPages: first50},
		}
		if !reflect.DeepEqual(got, want) {
			for i := range min(len(got), len(want)) {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Errorf("limit %d: entry %d: %s, %d pages, %d payment pages; want %s, %d, %d", limit, i, got[i].URL, got[i].PageCount, len(got[i].PaymentPages), want[i].URL, want[i].PageCount, len(want[i].PaymentPages))
				}
			}
			if len(got) != len(want) {
				t.Errorf("limit %d: %d entries, want %d", limit, len(got), len(want))
			}
		}
	}
}
