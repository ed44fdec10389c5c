package crawler

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"testing"
)

// The frame pages held to the end of a crawl (they inherited upgrade-insecure-requests) come
// back in the order held, each equal to the page held, and cost a few bytes of memory each
// meanwhile: a site whose every page embeds such a frame held every frame page in memory, some
// 20 KB each here. The temporary file is gone once they are back. Not parallel: it measures
// the heap and sets TMPDIR.
func TestHeldPagesOnDisk(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	const n = 2000
	mk := func(i int) *Page {
		p := &Page{URL: fmt.Sprintf("https://shop.test/frame/%d", i), FinalURL: fmt.Sprintf("https://shop.test/frame/%d", i), Status: 200,
			Frame: true, InheritsUIR: true, Parent: "https://shop.test/", Depth: 2, ContentType: "text/html",
			Header: http.Header{"Content-Security-Policy": {"upgrade-insecure-requests"}}}
		for k := range 50 {
			p.Resources = append(p.Resources, Resource{URL: fmt.Sprintf("http://shop.test/img/%d-%d.png", i, k), Raw: fmt.Sprintf("http://shop.test/img/%d-%d.png", i, k),
				Element: "img", Attribute: "src", Kind: KindImage, Line: k + 1, Source: SourceHTML, UpgradedByCSP: true, UpgradeInherited: true})
		}
		return p
	}
	want := func(i int) string {
		b, _ := json.Marshal(mk(i))
		return string(b)
	}
	var h heldPages
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range n {
		h.hold(mk(i))
	}
	runtime.GC()
	runtime.GC() // the second empties the pools (the reference lists given back, JSON's buffers)
	runtime.ReadMemStats(&after)
	per := (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / n
	t.Logf("%.0f bytes of heap per page held", per)
	if per > 500 {
		t.Errorf("%.0f bytes of heap per page held, want at most 500", per)
	}
	file := h.file.file
	got := 0
	h.each(func(p *Page) {
		if b, _ := json.Marshal(p); string(b) != want(got) {
			t.Fatalf("page %d came back as\n%s\nwant\n%s", got, b, want(got))
		}
		got++
	}, func(e Error) { t.Errorf("read back: %v", e) })
	if got != n {
		t.Errorf("%d pages came back, want %d", got, n)
	}
	if _, err := file.Stat(); err == nil {
		t.Errorf("the held pages' file is still open after each")
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("left in the temporary folder: %v", left)
	}
}

// A shared crawl's merge holds its frame pages on disk until Finish; one that fails before
// (Redis lost, the crawl cancelled) closes the merge, which drops them and their file.
func TestMergeCloseDropsHeldPages(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	cfg := &Config{StartURLs: []string{"https://shop.test/"}}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	visited := 0
	m := NewMerge(cfg, func(*Page) { visited++ })
	m.Add(Part{Page: &Page{URL: "https://shop.test/frame", FinalURL: "https://shop.test/frame", Status: 200, Frame: true, InheritsUIR: true}})
	file := m.uir.file.file
	if file == nil || m.uir.n != 1 {
		t.Fatalf("the frame page is not held on disk (file %v, %d held)", file, m.uir.n)
	}
	m.Close()
	if _, err := file.Stat(); err == nil {
		t.Error("the held pages' file is still open after Close")
	}
	if visited != 0 {
		t.Errorf("%d pages visited by Close, want none", visited)
	}
}
