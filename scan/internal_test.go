package scan

import (
	"fmt"
	"testing"
	"unsafe"

	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/report"
)

// A rendered page's errors go through the sink's err, as the crawl's own errors do (spooled with
// them, unreachable origins noted), never straight into the report's in-memory list.
func TestRenderErrorsGoThroughTheSink(t *testing.T) {
	rep := &report.Report{}
	var errs []report.Error
	pages := 0
	rd := &renderer{sink: renderSink{rep: rep, inv: &inventory{},
		page:    func(report.Page, *crawler.Page) { pages++ },
		finding: func(report.Finding) {},
		err:     func(e report.Error) { errs = append(errs, e) },
	}}
	want := report.Error{URL: "https://shop.test/pay", Error: "render: page did not load in 30s"}
	rd.finish(&heldPage{page: &crawler.Page{FinalURL: want.URL}, meta: report.Page{URL: want.URL},
		out: &rendered{page: want.URL, errs: []report.Error{want}}})
	if pages != 1 || len(errs) != 1 || errs[0] != want {
		t.Fatalf("pages %d, errors through the sink %+v; want the page and %+v", pages, errs, want)
	}
	if len(rep.Errors) != 0 {
		t.Errorf("the renderer wrote %d errors into the report directly: %+v", len(rep.Errors), rep.Errors)
	}
}

// The interner keeps one copy of each value up to its bound: a site that varies a value on every
// page (its Content-Type, say) does not grow it with its pages.
func TestInternerBounded(t *testing.T) {
	in := interner{}
	a := in.get(string([]byte("text/html")))
	if b := in.get(string([]byte("text/html"))); unsafe.StringData(a) != unsafe.StringData(b) {
		t.Error("an equal value is a second copy, want the first")
	}
	for i := range 3 * maxInterned {
		if got, want := in.get(fmt.Sprintf("text/html; x=%d", i)), fmt.Sprintf("text/html; x=%d", i); got != want {
			t.Fatalf("get = %q, want %q", got, want)
		}
	}
	if len(in) > maxInterned {
		t.Errorf("%d values kept, want at most %d", len(in), maxInterned)
	}
	if in.get("") != "" {
		t.Error("empty value")
	}
}
