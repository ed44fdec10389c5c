package report

import (
	"bytes"
	"strings"
	"testing"
)

func TestHTMLOfSpooledReportMatchesInMemory(t *testing.T) {
	t.Parallel()
	r := junitSpoolReport()
	var want bytes.Buffer
	if err := writeHTML(&want, r); err != nil {
		t.Fatal(err)
	}
	for _, limit := range []int{1, 300, DefaultSpillBytes} {
		spooled := spooledCopy(t, r, limit)
		var got bytes.Buffer
		err := writeHTML(&got, spooled)
		spooled.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("spill at %d bytes: the spooled report's HTML differs:\n%s\nwant:\n%s", limit, got.String(), want.String())
		}
	}
	// The counts of a page are those filed under its URL and its final URL.
	for _, row := range []string{"https://s.test/a", "https://s.test/m", "https://s.test/e"} {
		if !strings.Contains(want.String(), `<tr class="page"><td class="url"><a href="`+row+`"`) {
			t.Errorf("no row for %s", row)
		}
	}
}

// TestHTMLInlineBlocksAreFixed: the CSP is computed from a report of nothing; a full report's
// inline blocks must be the same ones.
func TestHTMLInlineBlocksAreFixed(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := writeHTML(&out, junitSpoolReport()); err != nil {
		t.Fatal(err)
	}
	csp, err := htmlCSP()
	if err != nil {
		t.Fatal(err)
	}
	styles, err := inlineBlocks(out.String(), "style")
	if err != nil {
		t.Fatal(err)
	}
	scripts, err := inlineBlocks(out.String(), "script")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"style-src " + cspHashes(styles) + ";", "script-src " + cspHashes(scripts) + ";"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if !strings.Contains(out.String(), `content="`+csp+`"`) {
		t.Errorf("the report does not carry the CSP %q", csp)
	}
}

// TestHTMLStreamsSpooledReport fails if the writer reads a spooled report's findings or pages
// into memory (20,000 pages with 8 findings each): it holds htmlMaxPerRule findings a rule and
// one page's row.
func TestHTMLStreamsSpooledReport(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 20,000-page report")
	}
	writesStreaming(t, 5<<20, writeHTML)
}
