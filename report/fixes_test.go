package report

import (
	"strings"
	"testing"

	"github.com/padlock-scan/padlock/rules"
)

func TestFixListGroupsByURL(t *testing.T) {
	t.Parallel()
	yes, no := true, false
	var fs []Finding
	// One http font written in a shared stylesheet, loaded by 12 pages.
	for i := 0; i < 12; i++ {
		fs = append(fs, Finding{Rule: "mixed-content-blockable", Severity: rules.Error, Page: "https://s.test/p" + string(rune('a'+i)),
			URL: "http://cdn.test:80/font.woff2", Source: "css", Stylesheet: "https://s.test/site.css", HTTPSAvailable: &yes})
	}
	fs = append(fs,
		Finding{Rule: "mixed-content-upgradeable", Severity: rules.Warning, Page: "https://s.test/", URL: "http://img.test/a.png", HTTPSAvailable: &no},
		Finding{Rule: "mixed-content-upgradeable", Severity: rules.Warning, Page: "https://s.test/", URL: "http://img.test/b.png"},
		Finding{Rule: "mixed-content-upgradeable", Severity: rules.Warning, Page: "https://s.test/", URL: "http://img.test/c.png", Suppressed: &Suppression{Reason: "accepted"}},
		Finding{Rule: "insecure-link", Severity: rules.Info, Page: "https://s.test/", URL: "http://elsewhere.test/"},
	)
	got := buildFixes(fs)
	if len(got) != 3 {
		t.Fatalf("want 3 fixes (font, a.png, b.png), got %d: %+v", len(got), got)
	}
	font := got[0]
	if font.URL != "http://cdn.test:80/font.woff2" || font.Action != "use-https" || font.HTTPSURL != "https://cdn.test/font.woff2" ||
		font.Pages != 12 || font.Findings != 12 || len(font.Examples) != maxFixExamples || len(font.Stylesheets) != 1 {
		t.Errorf("font fix: %+v", font)
	}
	actions := map[string]string{}
	for _, f := range got {
		actions[f.URL] = f.Action
	}
	if actions["http://img.test/a.png"] != "self-host-or-remove" || actions["http://img.test/b.png"] != "check" {
		t.Errorf("actions: %v", actions)
	}
}

func TestHTMLShowsTheFixList(t *testing.T) {
	t.Parallel()
	yes := true
	r := &Report{Version: Version, StartURLs: []string{"https://s.test/"}, Findings: []Finding{
		{Rule: "mixed-content-blockable", Severity: rules.Error, Page: "https://s.test/", URL: "http://cdn.test/a.js", HTTPSAvailable: &yes},
	}}
	r.Finish()
	out := string(renderHTML(t, r))
	for _, want := range []string{`id="fixes"`, "use HTTPS", "https://cdn.test/a.js"} {
		if !strings.Contains(out, want) {
			t.Errorf("HTML fix list lacks %q", want)
		}
	}
}
