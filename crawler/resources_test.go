package crawler

import (
	"fmt"
	"hash/maphash"
	"net/http"
	"reflect"
	"runtime"
	"testing"
)

// The resource checks' cache costs a few tens of bytes per distinct URL, not the URL itself: a
// full check of a 100,000-page shop meets about a million of them (it used to keep each URL as
// its key, and its own verdict for every http: URL whose https copy was probed: 330 MB there).
func TestCheckCacheBytesPerURL(t *testing.T) {
	const n = 200_000
	rc := &resourceCache{seed: maphash.MakeSeed()}
	no := false
	fill := func(from int) {
		for i := from; i < from+n; i++ {
			key := fmt.Sprintf("http://img%d.cdn.example/catalog/products/%08d/front-large.jpg", i%7, i)
			e := entryFor(rc, &rc.checks, maphash.String(rc.seed, key))
			f := &Fetch{URL: key, FinalURL: key, Method: http.MethodHead, Status: 200, ContentType: rc.intern("image/jpeg"), HTTPSAvailable: &no}
			e.fetch = rc.compact(f, key)
		}
	}
	fill(0) // the map's growth happens once; measure the steady cost of the next n
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fill(n)
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := float64(after.HeapAlloc-before.HeapAlloc) / n
	t.Logf("%.0f bytes per distinct URL", per)
	if per > 100 {
		t.Errorf("%.0f bytes of heap per checked URL, want at most 100", per)
	}
	var shared *Fetch
	for _, e := range rc.checks {
		if shared == nil {
			shared = e.fetch
		}
		if e.fetch != shared {
			t.Fatalf("plain answers with the same status, type and https verdict must share one Fetch")
		}
	}
	if shared.HTTPSAvailable == nil || *shared.HTTPSAvailable {
		t.Errorf("the shared answer lost its https verdict: %+v", shared)
	}
	runtime.KeepAlive(rc)
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
}
