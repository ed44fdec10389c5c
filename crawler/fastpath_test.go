package crawler

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// The quick paths that return their input (a canonical IPv4 host, a normal rel, a canonical
// authority) must give what the full paths build.

func TestCanonicalIPv4(t *testing.T) {
	for _, tc := range []struct {
		host string
		want bool
	}{
		{"127.0.0.1", true}, {"0.0.0.0", true}, {"255.255.255.255", true}, {"10.20.30.40", true},
		{"256.0.0.1", false}, {"1.2.3", false}, {"1.2.3.4.5", false}, {"01.2.3.4", false},
		{"1.2.3.04", false}, {"1..3.4", false}, {".1.2.3", false}, {"1.2.3.4.", false},
		{"0x7f.0.0.1", false}, {"1.2.3.1000", false}, {"", false}, {"a.b.c.d", false},
	} {
		if got := canonicalIPv4(tc.host); got != tc.want {
			t.Errorf("canonicalIPv4(%q) = %v, want %v", tc.host, got, tc.want)
		}
		if tc.want {
			// The full parser (without the quick path) writes the same host.
			if got, ok := parseIPv4Slow(tc.host); !ok || got != tc.host {
				t.Errorf("parseIPv4Slow(%q) = %q, %v; the quick path returns it unchanged", tc.host, got, ok)
			}
		}
	}
}

// parseIPv4Slow is parseIPv4 past its quick path: the host with a trailing dot defeats it and
// is the same address.
func parseIPv4Slow(host string) (string, bool) { return parseIPv4(host + ".") }

func TestNormalizeRelQuickPath(t *testing.T) {
	for _, rel := range []string{
		"stylesheet", "preload", "alternate stylesheet", "Stylesheet", " stylesheet", "stylesheet ",
		"alternate  stylesheet", "alternate\tstylesheet", "alternate\nstylesheet", "ICON", "",
		"shortcut icon", "a\vb", "a\fb", "a\rb", "\u00a0icon", "icon\u0085", "x-é",
	} {
		want := strings.Join(strings.Fields(strings.ToLower(rel)), " ")
		if got := normalizeRel(rel); got != want {
			t.Errorf("normalizeRel(%q) = %q, want %q", rel, got, want)
		}
	}
}

func TestAuthorityKeepsCanonicalString(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{"https://shop.test:8443/", "shop.test:8443"},
		{"https://shop.test:443/", "shop.test"},
		{"https://SHOP.test:8443/", "shop.test:8443"},
		{"http://shop.test:/", "shop.test"},
		{"http://[::1]:8080/", "[::1]:8080"},
		{"http://127.0.0.1:18080/", "127.0.0.1:18080"},
		{"http://shop.test/", "shop.test"},
	} {
		u, err := url.Parse(tc.raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := Authority(u); got != tc.want {
			t.Errorf("Authority(%s) = %q, want %q", tc.raw, got, tc.want)
		}
	}
	// A canonical authority is the URL's own string, not a copy.
	u, _ := url.Parse("https://shop.test:8443/")
	if n := testing.AllocsPerRun(100, func() { _ = Authority(u) }); n != 0 {
		t.Errorf("Authority of a canonical host:port allocates %v times, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = parseIPv4("127.0.0.1") }); n != 0 {
		t.Errorf("parseIPv4 of a dotted-decimal address allocates %v times, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { _ = normalizeRel("alternate stylesheet") }); n != 0 {
		t.Errorf("normalizeRel of a normal rel allocates %v times, want 0", n)
	}
}

// A page's reference index goes back empty for the next page, and a huge one is not kept.
func TestRefIndexReleasedEmpty(t *testing.T) {
	s := newRefSet(0, 4)
	for _, u := range []string{"https://a.test/1", "https://a.test/2", "https://a.test/1"} {
		s.add(Resource{URL: u, Kind: KindScript})
	}
	if len(s.list) != 2 || s.list[0].Count != 2 {
		t.Fatalf("list = %+v", s.list)
	}
	ix := s.refIndex
	s.release()
	if s.refIndex != nil || len(ix.byURL) != 0 || len(ix.prev) != 0 {
		t.Fatalf("released index keeps %d URLs, %d links", len(ix.byURL), len(ix.prev))
	}
	if len(s.list) != 2 {
		t.Fatal("release took the page's list")
	}
	// The next set (from the pool, most likely that index) knows none of the old URLs.
	s2 := newRefSet(0, 4)
	s2.add(Resource{URL: "https://a.test/1", Kind: KindScript})
	if len(s2.list) != 1 || s2.list[0].Count != 1 || len(s2.prev) != 1 {
		t.Fatalf("second set = %+v", s2.list)
	}
	s2.release()
	big := newRefSet(0, 0)
	for i := range maxPooledRefs + 1 {
		big.add(Resource{URL: "https://a.test/" + strconv.Itoa(i), Kind: KindImage})
	}
	bix := big.refIndex
	big.release()
	if len(bix.prev) != maxPooledRefs+1 || len(bix.byURL) != maxPooledRefs+1 {
		t.Fatalf("a huge index was cleared for reuse (%d links): it should be left to the collector", len(bix.prev))
	}
}

// TestPageReleaseReusesList: a page's reference list, released by the crawl's consumer, is the
// next page's (a quarter of a crawl's allocated bytes were these lists), emptied of the old
// page's references; a hostile page's long list is left to the collector.
func TestPageReleaseReusesList(t *testing.T) {
	u, _ := url.Parse("https://shop.test/")
	reused := 0
	for i := range 20 { // sync.Pool drops some of what it is given under the race detector
		p := &Page{}
		p.Resources = extractHTML(u, []byte(`<img src=/a.png><img src=/b.png><script src=/c.js></script>`), 0).Resources
		if len(p.Resources) != 3 {
			t.Fatalf("round %d: %d references, want 3", i, len(p.Resources))
		}
		first := &p.Resources[0]
		p.Release()
		if p.Resources != nil {
			t.Fatal("Release left the page its references")
		}
		next := extractHTML(u, []byte(`<img src=/x.png>`), 0).Resources
		if len(next) != 1 || next[0].URL != "https://shop.test/x.png" || next[0].Count != 1 {
			t.Fatalf("round %d: next page's references = %+v", i, next)
		}
		if &next[0] == first {
			reused++
			if rest := next[1:cap(next)]; len(rest) < 2 || rest[0] != (Resource{}) || rest[1] != (Resource{}) {
				t.Fatalf("round %d: the reused list keeps the old page's references past its end", i)
			}
		}
		release(next)
	}
	if reused == 0 {
		t.Fatal("no released list was used again for the next page")
	}
	big := make([]Resource, 0, maxPooledRefs+1)
	release(big)
	for range 20 {
		if l := extractHTML(u, []byte(`<img src=/x.png>`), 0).Resources; cap(l) > maxPooledRefs {
			t.Fatal("a hostile page's long list was kept for reuse")
		}
	}
}

func release(rs []Resource) {
	p := &Page{}
	p.Resources = rs
	p.Release()
}
