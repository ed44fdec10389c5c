package scan

import (
	"testing"

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
