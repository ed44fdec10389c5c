package crawler

import (
	"fmt"
	"hash/maphash"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"testing"
)

// fullFetch is a Fetch with every field set (and every field of its hops), so a field added
// to Fetch or Hop that appendFetch does not carry fails TestAnswerCodecCarriesEveryField.
func fullFetch(t *testing.T) *Fetch {
	yes := true
	f := &Fetch{
		URL: "http://a.example/x.js", Method: "GET", Status: 200, ContentType: "text/javascript\xff",
		FinalURL:  "https://b.example/x.js",
		Redirects: []Hop{{From: "http://a.example/x.js", To: "https://b.example/x.js", Status: 301, Via: "http", Delay: 2, Line: 9}},
		Header:    http.Header{"Access-Control-Allow-Origin": {"*"}, "Content-Type": {"text/javascript", ""}, "Location": nil},
		Err:       "some error", Size: 1234, SHA256: "aa", NormSHA256: "bb", SHA384: "cc", SHA512: "dd",
		Truncated: true, HTTPSAvailable: &yes,
	}
	for _, v := range []reflect.Value{reflect.ValueOf(f).Elem(), reflect.ValueOf(f.Redirects[0])} {
		for i := range v.NumField() {
			if v.Field(i).IsZero() {
				t.Fatalf("fullFetch leaves %s.%s zero: set it (and carry it in appendFetch)", v.Type().Name(), v.Type().Field(i).Name)
			}
		}
	}
	return f
}

// An answer written to the answers' file reads back equal: every field, invalid UTF-8 kept,
// nil and empty lists and maps told apart.
func TestAnswerCodecCarriesEveryField(t *testing.T) {
	no := false
	for _, f := range []*Fetch{
		fullFetch(t),
		{},
		{Redirects: []Hop{}, Header: http.Header{}, HTTPSAvailable: &no},
	} {
		b := appendFetch(nil, f)
		got, ok := readFetch(b)
		if !ok || !reflect.DeepEqual(got, f) {
			t.Errorf("round trip of %+v gave %+v (%v)", f, got, ok)
		}
		for i := range len(b) {
			if _, ok := readFetch(b[:i]); ok {
				t.Fatalf("a record cut at %d of %d bytes reads as whole", i, len(b))
			}
		}
	}
}

// Answers other than the plain ones (a script's hashes and CORS headers, redirects, errors) go
// to a temporary file that is removed at once; each costs 8 bytes of memory, and reads back
// equal after the few kept decoded have moved on.
func TestAnswersOnDisk(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	rc := &resourceCache{seed: maphash.MakeSeed()}
	hash := func(i int) uint64 { return maphash.Comparable(rc.seed, i) | 1 }
	const n = 50_000
	want := func(i int) *Fetch {
		key := fmt.Sprintf("https://cdn.example/js/%d.js", i)
		return &Fetch{URL: key, FinalURL: key, Method: http.MethodGet, Status: 200, ContentType: "text/javascript",
			Header: http.Header{"Access-Control-Allow-Origin": {"*"}}, Size: int64(i),
			SHA256: fmt.Sprintf("%064d", i), SHA384: fmt.Sprintf("%064d", i), SHA512: fmt.Sprintf("%088d", i)}
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range n {
		f := want(i)
		rc.record(hash(i), f, f.URL)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := float64(after.HeapAlloc-before.HeapAlloc) / n
	t.Logf("%.1f bytes per script answer in memory", per)
	if per > 40 {
		t.Errorf("%.1f bytes of heap per script answer, want at most 40 (table, offset and the few kept decoded)", per)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) != 0 {
		t.Errorf("the answers' file is visible while in use: %v", left)
	}
	for _, i := range []int{0, 1, n / 2, n - 1} {
		sh := rc.checks.shard(hash(i))
		num, ok := sh.get(hash(i))
		if !ok {
			t.Fatalf("answer %d lost", i)
		}
		if got := rc.answers.get(num); !reflect.DeepEqual(got, want(i)) {
			t.Errorf("answer %d read back as %+v, want %+v", i, got, want(i))
		}
	}
	f := rc.answers.file.file
	rc.answers.release()
	if _, err := f.Stat(); err == nil {
		t.Errorf("the answers' file is still open after release")
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}

// What a full check keeps for each distinct sub-resource URL with a plain answer is a slot of
// the checks' table: 9 bytes, 10-16 with its slack, and where the system allows it outside the
// Go heap (mappedSlots), so the collector's headroom (the live heap's size again) does not
// double it. Before, the slot was 12 bytes (17.6 a URL here) on the heap, doubled by the
// headroom.
func TestChecksTableBytesPerURL(t *testing.T) {
	rc := &resourceCache{seed: maphash.MakeSeed()}
	const n = 300_000
	key := func(i int) string { return "https://shop.example/img/p/" + strconv.Itoa(i) + "-320.jpg" }
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	mapped := mappedBytes.Load()
	for i := range n {
		k := key(i)
		rc.record(maphash.String(rc.seed, k)|1, &Fetch{URL: k, FinalURL: k, Method: http.MethodHead, Status: 200, ContentType: "image/jpeg"}, k)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / n
	all := heap + float64(mappedBytes.Load()-mapped)/n
	t.Logf("%.1f bytes a URL on the heap, %.1f in all", heap, all)
	if all > 15 {
		t.Errorf("%.1f bytes a URL in all, want at most 15 (a 9-byte slot and the table's slack)", all)
	}
	if checksOffHeap && heap > 4 {
		t.Errorf("%.1f bytes a URL on the Go heap, want at most 4: the slots belong outside it", heap)
	}
	for _, i := range []int{0, 1, n / 2, n - 1} {
		h := maphash.String(rc.seed, key(i)) | 1
		sh := rc.checks.shard(h)
		num, ok := sh.get(h)
		if !ok {
			t.Fatalf("answer %d lost", i)
		}
		if got := rc.answers.get(num); got.Status != 200 || got.ContentType != "image/jpeg" {
			t.Errorf("answer %d read back as %+v", i, got)
		}
	}
	rc.release()
	if left := mappedBytes.Load() - mapped; left != 0 {
		t.Errorf("%d bytes still mapped after release", left)
	}
	if h := maphash.String(rc.seed, key(0)) | 1; func() bool { _, ok := rc.checks.shard(h).get(h); return ok }() {
		t.Error("a released table still answers")
	}
}
