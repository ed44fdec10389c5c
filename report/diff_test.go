package report

import (
	"testing"
	"time"
)

func TestDiffScriptsHeadersOriginsFindings(t *testing.T) {
	t.Parallel()
	old := &Report{
		StartedAt: time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC),
		Pages:     []Page{{URL: "https://s/pay", CSP: []string{"script-src 'self'"}}, {URL: "https://s/old"}},
		Scripts: []Script{
			{Kind: "external", URL: "https://cdn/a.js", SHA256: "aaa"},
			{Kind: "external", URL: "https://cdn/gone.js", SHA256: "ggg"},
			{Kind: "inline", SHA256: "i1"},
		},
		Origins:  []Origin{{Origin: "https://s", TLSVersion: "TLS 1.3", HSTS: "max-age=31536000"}},
		Findings: []Finding{{Rule: "sri-missing", Page: "https://s/pay", URL: "https://cdn/a.js"}},
	}
	cur := &Report{
		StartedAt: time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC),
		Pages:     []Page{{URL: "https://s/pay", CSP: []string{"script-src 'self' https://evil"}}, {URL: "https://s/new"}},
		Scripts: []Script{
			{Kind: "external", URL: "https://cdn/a.js", SHA256: "bbb", PaymentPages: []string{"https://s/pay"}},
			{Kind: "external", URL: "https://skimmer/x.js", SHA256: "xxx"},
			{Kind: "inline", SHA256: "i2"},
		},
		Origins:  []Origin{{Origin: "https://s", TLSVersion: "TLS 1.2", HSTS: ""}},
		Findings: []Finding{{Rule: "third-party-script", Page: "https://s/pay", URL: "https://skimmer/x.js"}},
	}
	c := Diff(old, cur)
	if c.Empty() {
		t.Fatal("changes reported as empty")
	}
	if len(c.ScriptsChanged) != 1 || c.ScriptsChanged[0].URL != "https://cdn/a.js" || c.ScriptsChanged[0].NewSHA256 != "bbb" || len(c.ScriptsChanged[0].PaymentPages) != 1 {
		t.Errorf("changed: %+v", c.ScriptsChanged)
	}
	if len(c.ScriptsAdded) != 2 || len(c.ScriptsRemoved) != 2 {
		t.Errorf("added %+v removed %+v (want skimmer + inline i2, gone.js + inline i1)", c.ScriptsAdded, c.ScriptsRemoved)
	}
	if len(c.CSPChanged) != 1 || c.CSPChanged[0].Page != "https://s/pay" {
		t.Errorf("csp: %+v", c.CSPChanged)
	}
	if len(c.OriginsChanged) != 2 {
		t.Errorf("origins: %+v (want tls_version and hsts)", c.OriginsChanged)
	}
	if len(c.NewFindings) != 1 || len(c.Fixed) != 1 || len(c.PagesAdded) != 1 || len(c.PagesRemoved) != 1 {
		t.Errorf("findings/pages: %+v", c)
	}
	if !Diff(cur, cur).Empty() {
		t.Errorf("a report compared with itself must have no changes: %+v", Diff(cur, cur))
	}
}

func TestDiffLeavesOutRulesThatWereOff(t *testing.T) {
	t.Parallel()
	f := func(rule, url string) Finding {
		return Finding{Rule: rule, Severity: "error", Page: "https://s.test/", URL: url}
	}
	old := &Report{
		Config:   &Settings{RulesDisabled: []string{"insecure-form"}},
		Findings: []Finding{f("insecure-link", "http://a/"), f("mixed-content-blockable", "http://a/x.js")},
	}
	cur := &Report{
		Config:   &Settings{RulesDisabled: []string{"insecure-link"}},
		Findings: []Finding{f("insecure-form", "http://s/pay"), f("mixed-content-blockable", "http://a/y.js")},
	}
	for _, tc := range []struct {
		name     string
		old, cur *Report
	}{{"off in the new run", old, cur}, {"off in the old run", cur, old}} {
		c := Diff(tc.old, tc.cur)
		if len(c.NotCompared) != 2 || c.NotCompared[0] != "insecure-form" || c.NotCompared[1] != "insecure-link" {
			t.Errorf("%s: not compared %v", tc.name, c.NotCompared)
		}
		if len(c.NewFindings) != 1 || len(c.Fixed) != 1 ||
			c.NewFindings[0].Rule != "mixed-content-blockable" || c.Fixed[0].Rule != "mixed-content-blockable" {
			t.Errorf("%s: only the rule both runs ran may differ: new %+v fixed %+v", tc.name, c.NewFindings, c.Fixed)
		}
	}
}
