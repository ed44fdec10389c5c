package report

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
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
