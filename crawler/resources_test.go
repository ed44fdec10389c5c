package crawler

import (
	"fmt"
	"hash/maphash"
	"net/http"
	"reflect"
	"runtime"
	"testing"
	"unsafe"
)

// The resource checks' cache costs at most ~21 bytes per distinct URL (a 12-byte slot of an open
// table at least 58% full), not the URL itself: a full check of a 100,000-page shop meets about
// a million of them (it used to keep each URL as its key and its own verdict for every http: URL
// whose https copy was probed, 330 MB there; then a map entry and a sync.Once per URL, 48 bytes).
func TestCheckCacheBytesPerURL(t *testing.T) {
	const n = 300_000
	no := false
	var before, after runtime.MemStats
	rc := &resourceCache{seed: maphash.MakeSeed()}
	keys := make([]uint64, 0, n) // made before the measure
	runtime.GC()
	runtime.ReadMemStats(&before)
	mapped := mappedBytes.Load() // the table's slots, outside the heap where the system maps memory
	for i := range n {
		key := fmt.Sprintf("http://img%d.cdn.example/catalog/products/%08d/front-large.jpg", i%7, i)
		h := maphash.String(rc.seed, key) | 1
		f := &Fetch{URL: key, FinalURL: key, Method: http.MethodHead, Status: 200, ContentType: "image/jpeg", HTTPSAvailable: &no}
		rc.record(h, f, key)
		keys = append(keys, h)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := (float64(after.HeapAlloc) - float64(before.HeapAlloc) + float64(mappedBytes.Load()-mapped)) / n
	t.Logf("%.1f bytes per distinct URL", per)
	if per > 21 {
		t.Errorf("%.1f bytes of heap and mapped memory per checked URL, want at most 21", per)
	}
	var shared *Fetch
	for _, h := range keys {
		sh := rc.checks.shard(h)
		num, ok := sh.get(h)
		if !ok {
			t.Fatalf("hash %x lost", h)
		}
		f := rc.answers.get(num)
		if shared == nil {
			shared = f
		}
		if f != shared {
			t.Fatalf("plain answers with the same status, type and https verdict must share one Fetch")
		}
	}
	if shared.HTTPSAvailable == nil || *shared.HTTPSAvailable || shared.URL != "" {
		t.Errorf("the shared answer lost its https verdict or kept a URL: %+v", shared)
	}
	runtime.KeepAlive(rc)
	runtime.KeepAlive(keys)
}

// keepHeaders copies the values it keeps (the response's value slices share one array with all
// its headers) and shares equal sets, but never one with a Location (a redirect's own target).
func TestKeepHeadersSharesEqualSets(t *testing.T) {
	rc := &resourceCache{}
	resp := func(extra ...string) http.Header {
		h := http.Header{"Content-Type": {"text/javascript"}, "Access-Control-Allow-Origin": {"*"}, "Server": {"x"}}
		for i := 0; i+1 < len(extra); i += 2 {
			h.Add(extra[i], extra[i+1])
		}
		return h
	}
	r1, r2 := resp(), resp()
	a, b := rc.keepHeaders(r1), rc.keepHeaders(r2)
	if reflect.ValueOf(a).UnsafePointer() != reflect.ValueOf(b).UnsafePointer() {
		t.Errorf("equal kept headers are two maps, want one shared")
	}
	if a.Get("Server") != "" || a.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("kept %v", a)
	}
	r1["Content-Type"][0] = "changed"
	if a.Get("Content-Type") != "text/javascript" {
		t.Errorf("the kept value aliases the response's slice")
	}
	c := rc.keepHeaders(resp("Access-Control-Allow-Credentials", "true"))
	if reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(c).UnsafePointer() || c.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("different kept headers must not be shared: %v", c)
	}
	l1, l2 := rc.keepHeaders(resp("Location", "/x")), rc.keepHeaders(resp("Location", "/x"))
	if reflect.ValueOf(l1).UnsafePointer() == reflect.ValueOf(l2).UnsafePointer() {
		t.Errorf("headers with a Location are not shared (they are one per redirect)")
	}
	if l1.Get("Location") != "/x" || l1.Get("Content-Type") != "text/javascript" {
		t.Errorf("kept %v", l1)
	}
	// A site answering every file with other headers (a hostile one) fills the shared sets up
	// to their bound, not beyond; its sets are still kept, each with its answer.
	for i := range 3 * maxShared {
		h := rc.keepHeaders(resp("Content-Type", fmt.Sprintf("text/javascript; v=%d", i)))
		if len(h.Values("Content-Type")) != 2 {
			t.Fatalf("kept %v", h)
		}
	}
	stored := 0
	rc.headers.m.Range(func(any, any) bool { stored++; return true })
	if stored > maxShared {
		t.Errorf("%d shared header sets after a site varied them per file, want at most %d", stored, maxShared)
	}
	if again := rc.keepHeaders(resp()); reflect.ValueOf(again).UnsafePointer() != reflect.ValueOf(a).UnsafePointer() {
		t.Errorf("a set shared before the bound is no longer shared")
	}
}

// Content-Type values are interned up to the same bound: a site varying them per file does
// not grow the table, and every value comes back as it was.
func TestInternBounded(t *testing.T) {
	rc := &resourceCache{}
	first := rc.intern(string([]byte("text/css")))
	for i := range 3 * maxShared {
		if v := fmt.Sprintf("text/css; v=%d", i); rc.intern(v) != v {
			t.Fatalf("intern(%q) changed the value", v)
		}
	}
	stored := 0
	rc.types.m.Range(func(any, any) bool { stored++; return true })
	if stored > maxShared {
		t.Errorf("%d Content-Types interned, want at most %d", stored, maxShared)
	}
	if again := rc.intern(string([]byte("text/css"))); unsafe.StringData(again) != unsafe.StringData(first) {
		t.Error("a value interned before the bound is no longer shared")
	}
}
