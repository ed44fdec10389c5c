package rules

import (
	"testing"

	"github.com/padlock-scan/padlock/crawler"
)

// Shared fixtures for the rule tests: pages are built by hand, no network.

const (
	testHTTPSPage = "https://www.shop.test/checkout"
	testHTTPPage  = "http://www.shop.test/checkout"
)

// page returns a page at finalURL (also its requested URL) holding res.
func page(finalURL string, res ...crawler.Resource) *crawler.Page {
	p := &crawler.Page{URL: finalURL, FinalURL: finalURL, Status: 200, ContentType: "text/html"}
	p.Resources = res
	return p
}

// runOne runs a single rule over p.
func runOne(t *testing.T, r *Rule, p *crawler.Page) []Finding {
	t.Helper()
	fs := Run([]*Rule{r}, p, nil)
	for _, f := range fs {
		if f.Rule != r.ID {
			t.Errorf("finding has rule %q, want %q", f.Rule, r.ID)
		}
		if f.Severity != r.Severity {
			t.Errorf("finding has severity %v, want the rule's %v", f.Severity, r.Severity)
		}
		if f.Message == "" {
			t.Errorf("finding for %s has no message", f.URL)
		}
	}
	return fs
}

func boolPtr(b bool) *bool { return &b }
