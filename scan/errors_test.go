package scan_test

import (
	"errors"
	"testing"

	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/internal/sitetest"
	"github.com/padlock-scan/padlock/internal/sitetest/testnet"
)

// TestOneErrorPerCause: a site whose handshake fails is one crawl error (the start page), not
// also one for its robots.txt; the failed start page is in pages[] and counted as the README
// says stats.pages counts.
func TestOneErrorPerCause(t *testing.T) {
	t.Parallel()
	ca := testnet.NewCA(t, "padlock test root CA")
	other := testnet.NewCA(t, "a CA nobody trusts")
	v := sitetest.NewVHosts()
	v.Add("www.shop.test/", sitetest.HTML(`<!doctype html><title>home</title>`))
	srv := testnet.TLSServer(t, v, other.ValidLeaf(t, "www.shop.test"))
	www := "https://www.shop.test:" + testnet.Port(srv)
	opt := sitetest.CAOptions(ca, testnet.NewGuard(t), []string{www + "/"}, testnet.Resolve(testnet.Port(srv), "www.shop.test"))
	opt.Crawl.IgnoreRobots = false
	rep, err := sitetest.Scan(t, opt)
	if !errors.Is(err, crawler.ErrNoStart) {
		t.Errorf("scan.Run: %v, want crawler.ErrNoStart", err)
	}
	if len(rep.Errors) != 1 || rep.Errors[0].URL != www+"/" {
		for _, e := range rep.Errors {
			t.Logf("error %s: %s", e.URL, e.Error)
		}
		t.Errorf("want one error, for the start page, got %d", len(rep.Errors))
	}
	if len(rep.Pages) != 1 || rep.Stats.Pages != len(rep.Pages) {
		t.Errorf("pages[] %d, stats.pages %d: want the failed start page in both", len(rep.Pages), rep.Stats.Pages)
	}
}
