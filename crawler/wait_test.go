package crawler

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestWaitForAPreviewThatComesUpLate: the start URL answers 503 to its first tries (a preview
// still deploying), then the page; the crawl waits, saying so, and crawls it.
func TestWaitForAPreviewThatComesUpLate(t *testing.T) {
	var h hits
	var tries atomic.Int32
	srv := serveSite(t, &h, func(string) routes {
		return routes{"/": func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") == "" {
				http.Error(w, "who are you", http.StatusUnauthorized)
				return
			}
			if tries.Add(1) <= 3 {
				http.Error(w, "deploying", http.StatusServiceUnavailable)
				return
			}
			html(`<p>up</p>`)(w, r)
		}}
	})
	var mu sync.Mutex
	var waits []Wait
	cfg := &Config{StartURLs: []string{srv.URL + "/"}, IgnoreRobots: true, BasicAuth: "u:p", WaitFor: time.Minute,
		Waiting: func(w Wait) { mu.Lock(); waits = append(waits, w); mu.Unlock() }}
	pages, _ := crawlAll(t, cfg)
	if len(pages) != 1 || pages[0].Status != 200 {
		t.Fatalf("got %d pages: %+v", len(pages), pages)
	}
	if len(waits) != 3 || waits[0].Last != "HTTP 503" || waits[0].URL != srv.URL+"/" {
		t.Errorf("waiting notes: %+v", waits)
	}
}

// TestWaitForGivesUp: a start URL that never answers ends the crawl with ErrNoStart and an error
// that says it waited.
func TestWaitForGivesUp(t *testing.T) {
	var h hits
	srv := serveSite(t, &h, func(string) routes {
		return routes{"/": func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusBadGateway) }}
	})
	cfg := &Config{StartURLs: []string{srv.URL + "/"}, IgnoreRobots: true, WaitFor: 600 * time.Millisecond}
	res, err := Crawl(context.Background(), cfg, func(*Page) { t.Error("no page may be visited") })
	if !errors.Is(err, ErrNoStart) || res == nil || len(res.Errors) != 1 {
		t.Fatalf("got %v, %+v", err, res)
	}
	if e := res.Errors[0]; e.URL != srv.URL+"/" || !strings.Contains(e.Err, "did not answer within --wait-for 600ms (last try: HTTP 502)") {
		t.Errorf("error: %+v", e)
	}
}

// TestWaitForStartsBeforeTheCrawl: a caller that waits first (flows) makes the crawl report that
// wait, without waiting again.
func TestWaitForStartsBeforeTheCrawl(t *testing.T) {
	var h hits
	srv := serveSite(t, &h, func(string) routes {
		return routes{"/": func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusServiceUnavailable) }}
	})
	cfg := &Config{StartURLs: []string{srv.URL + "/"}, IgnoreRobots: true, WaitFor: 300 * time.Millisecond}
	errs, err := WaitForStarts(context.Background(), cfg)
	if err != nil || len(errs) != 1 {
		t.Fatalf("got %v, %v", errs, err)
	}
	asked := h.count("GET", strings.TrimPrefix(srv.URL, "http://")+"/")
	res, err := Crawl(context.Background(), cfg, func(*Page) { t.Error("no page may be visited") })
	if !errors.Is(err, ErrNoStart) || len(res.Errors) != 1 || res.Errors[0] != errs[0] {
		t.Errorf("crawl: %v, %+v", err, res)
	}
	if again := h.count("GET", strings.TrimPrefix(srv.URL, "http://")+"/"); again != asked || asked == 0 {
		t.Errorf("the start URL was asked %d times by the wait, %d after the crawl", asked, again)
	}
}

// TestEntriesAreCrawledDespiteRobots: pages a flow reached (Config.Entries) are crawled as start
// URLs are, even where robots.txt disallows them; their links still obey it.
func TestEntriesAreCrawledDespiteRobots(t *testing.T) {
	var h hits
	srv := serveSite(t, &h, func(string) routes {
		return routes{
			"/":              html(`<p>home</p>`),
			"/robots.txt":    typed("text/plain", "User-agent: *\nDisallow: /checkout\n"),
			"/checkout":      html(`<a href="/checkout/done">done</a>`),
			"/checkout/done": html(`done`),
			"/elsewhere":     html(`<p>off scope</p>`),
		}
	})
	cfg := &Config{StartURLs: []string{srv.URL + "/"}, Entries: []string{srv.URL + "/checkout", "https://other.test/elsewhere"}}
	pages, res := crawlAll(t, cfg)
	var got []string
	for _, p := range pages {
		got = append(got, strings.TrimPrefix(p.URL, srv.URL))
	}
	if strings.Join(got, " ") != "/ /checkout" || res.Skipped != 1 {
		t.Errorf("pages %v, skipped %d", got, res.Skipped)
	}
}
