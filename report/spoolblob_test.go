package report

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/padlock-scan/padlock/crawler"
)

// TestSpoolPageBytesCompressed: the pages' bytes go to the spool's file compressed (a large
// site's 1.9 GB of page JSON was written to the file and read back whole), and come back whole,
// in URL order. (The goldens and the spill tests pin the bytes themselves.)
func TestSpoolPageBytesCompressed(t *testing.T) {
	rs := make([]crawler.Resource, 60)
	for j := range rs {
		rs[j] = crawler.Resource{URL: fmt.Sprintf("https://static.shop.test/img/product-%d.webp", j), Element: "img",
			Attribute: "src", Kind: crawler.KindImage, Line: 20 + j, Source: crawler.SourceHTML}
	}
	for _, limit := range []int{1, DefaultSpillBytes} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			r := &Report{Version: Version}
			r.UseSpool(NewSpoolSize(limit))
			defer r.Close()
			const pages = 400
			for i := range pages {
				u := fmt.Sprintf("https://www.shop.test/p/%03d", pages-1-i) // not in report order
				if err := r.AddCrawledPage(Page{URL: u, FinalURL: u, Status: 200, TLS: &TLS{Version: "TLS 1.3"}}, rs); err != nil {
					t.Fatal(err)
				}
			}
			n, total := 0, 0
			err := r.spool.eachPageJSON(func(b []byte) error {
				var p Page
				if err := json.Unmarshal(b, &p); err != nil {
					return fmt.Errorf("page %d: %w", n, err)
				}
				if want := fmt.Sprintf("https://www.shop.test/p/%03d", n); p.URL != want || len(p.Resources) != len(rs) {
					return fmt.Errorf("page %d is %s with %d resources, want %s with %d", n, p.URL, len(p.Resources), want, len(rs))
				}
				n++
				total += len(b)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if n != pages {
				t.Fatalf("read back %d pages, want %d", n, pages)
			}
			stored := r.spool.blobs.off + int64(len(r.spool.pageBytes))
			if stored*4 > int64(total) {
				t.Errorf("%d bytes of page JSON stored as %d; want a quarter or less", total, stored)
			}
		})
	}
}
