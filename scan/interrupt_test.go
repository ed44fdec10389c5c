package scan_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/padlock-scan/padlock/internal/sitetest"
	"github.com/padlock-scan/padlock/scan"
)

// TestInterruptedCrawlCountsQueuedURLs: a crawl interrupted while pages wait in the queue (and
// two are in flight) reports every URL it did not crawl in stats.not_crawled, in flight ones
// too; none of them is a page failure.
func TestInterruptedCrawlCountsQueuedURLs(t *testing.T) {
	t.Parallel()
	const links = 30
	arrived := make(chan struct{}, links)
	s := sitetest.StartHandler(t, func(s *sitetest.Site, w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			var b strings.Builder
			b.WriteString("<!doctype html><title>home</title>\n")
			for i := range links {
				fmt.Fprintf(&b, "<a href=\"/p%d.html\">%d</a>\n", i, i)
			}
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte(b.String()))
			return
		}
		arrived <- struct{}{}
		<-r.Context().Done() // a page that answers only when the crawl gives up on it
	})
	opt := s.Options()
	opt.Crawl.Concurrency = 2
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-arrived
		<-arrived // both workers wait on a page: interrupt, as Ctrl-C would
		cancel()
	}()
	rep, err := scan.Run(ctx, opt)
	if !errors.Is(err, context.Canceled) || rep == nil {
		t.Fatalf("scan.Run: %v, report %v; want context.Canceled and a report", err, rep != nil)
	}
	if !rep.Interrupted || rep.Stats.Pages != 1 {
		t.Errorf("interrupted %v, %d pages; want true, the home page", rep.Interrupted, rep.Stats.Pages)
	}
	if rep.Stats.NotCrawled != links {
		t.Errorf("stats.not_crawled %d, want the %d linked pages that were queued or in flight", rep.Stats.NotCrawled, links)
	}
	for _, e := range rep.Errors {
		t.Errorf("an interruption is not a crawl error: %s: %s", e.URL, e.Error)
	}
}
