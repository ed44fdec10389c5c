package crawler

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/padlock-scan/padlock/internal/sitetest/testnet"
)

// Endpoints are probed, never fetched; with no start URL that is the whole crawl.
func TestEndpointsOnly(t *testing.T) {
	t.Parallel()
	ca := testnet.NewCA(t, "endpoint CA")
	var requests atomic.Int32
	count := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { requests.Add(1) })
	hook := testnet.TLSServer(t, count, ca.ValidLeaf(t, "127.0.0.1"))
	plain := testnet.HTTPServer(t, count)
	var pages int
	res, err := Crawl(context.Background(), &Config{Endpoints: []string{hook.URL + "/stripe", plain.URL + "/paypal"}, RootCAs: ca.Pool},
		func(*Page) { pages++ })
	if err != nil || res == nil || len(res.Origins) != 2 {
		t.Fatalf("crawl: %v %+v", err, res)
	}
	if pages != 0 || requests.Load() != 0 {
		t.Errorf("%d pages visited, %d HTTP requests served; an endpoint is only probed", pages, requests.Load())
	}
	byScheme := map[string]Origin{}
	for _, o := range res.Origins {
		byScheme[o.Origin[:strings.Index(o.Origin, ":")]] = o
	}
	if o := byScheme["https"]; !o.Endpoint || !o.Probed || o.Version != "TLS 1.3" || o.FirstPage != hook.URL+"/stripe" || o.Handshakes != 4 {
		t.Errorf("https endpoint: %+v", o)
	}
	if o := byScheme["http"]; !o.Endpoint || o.Probed || o.Origin != plain.URL || o.FirstPage != plain.URL+"/paypal" {
		t.Errorf("http endpoint: %+v", o)
	}
}

func TestEndpointUnreachable(t *testing.T) {
	t.Parallel()
	srv := testnet.TLSServer(t, html(`x`), testnet.NewCA(t, "CA").ValidLeaf(t, "127.0.0.1"))
	url := srv.URL + "/hook"
	srv.Close()
	res, err := Crawl(context.Background(), &Config{Endpoints: []string{url}}, func(*Page) {})
	if !errors.Is(err, ErrNoEndpoint) || res == nil || len(res.Errors) != 1 || res.Errors[0].URL != url {
		t.Fatalf("want ErrNoEndpoint and the endpoint's error, got %v %+v", err, res)
	}
}

// An endpoint beside a crawl is probed too, and keeps its own URL as where its findings go
// when no page of the crawl touched its origin.
func TestEndpointsBesideCrawl(t *testing.T) {
	t.Parallel()
	ca := testnet.NewCA(t, "CA")
	site := testnet.TLSServer(t, html(`<p>shop</p>`), ca.ValidLeaf(t, "127.0.0.1"))
	hook := testnet.TLSServer(t, html(`x`), ca.ValidLeaf(t, "localhost"))
	hookURL := "https://localhost:" + testnet.Port(hook) + "/webhook"
	res, err := Crawl(context.Background(), &Config{StartURLs: []string{site.URL + "/"}, Endpoints: []string{hookURL}, RootCAs: ca.Pool, IgnoreRobots: true},
		func(*Page) {})
	if err != nil || len(res.Origins) != 2 {
		t.Fatalf("crawl: %v %+v", err, res)
	}
	for _, o := range res.Origins {
		if o.Endpoint != (o.FirstPage == hookURL) || o.Version == "" {
			t.Errorf("origin %s: endpoint %v, first page %s, version %q", o.Origin, o.Endpoint, o.FirstPage, o.Version)
		}
	}
}
