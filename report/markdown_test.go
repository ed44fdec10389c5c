package report

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/padlock-scan/padlock/rules"
)

func TestMarkdownGolden(t *testing.T) {
	t.Parallel()
	w, err := NewWithOptions("markdown", Options{FailOn: FailOnError})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := w.Write(&buf, fixtureReport()); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "summary.md.golden")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./report -run Golden -update)", err)
	}
	if buf.String() != string(want) {
		t.Errorf("Markdown differs from %s (go test ./report -run Golden -update):\n%s", golden, buf.String())
	}
}

// unescapedPipe is a table cell separator: a | without a backslash before it.
var unescapedPipe = regexp.MustCompile(`(^|[^\\])\|`)

// Text from crawled pages cannot add HTML, links, mentions, emphasis or table cells to the job
// summary.
func TestMarkdownEscapesCrawledText(t *testing.T) {
	t.Parallel()
	hostile := []string{
		"a|b||c", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[click](javascript:alert(1))",
		"![img](https://evil.test/x.png)", "`code`", "**bold** _em_ ~~strike~~", "@org/team", "line\nbreak\r\n| x | y |",
		`back\|slash`, "&lt;already&gt;", "\x1b[31mred\x07",
	}
	for _, h := range hostile {
		t.Run(h, func(t *testing.T) {
			t.Parallel()
			r := &Report{
				StartURLs: []string{"https://s.test/" + h},
				Pages:     []Page{{URL: "https://s.test/pay" + h, Payment: true, PaymentSignals: []string{h}}},
				Findings:  []Finding{{Rule: "insecure-link", Severity: rules.Info, Page: "https://s.test/" + h, URL: "http://x.test/" + h, Message: h, Line: 3}},
				Errors:    []Error{{URL: "https://s.test/" + h, Error: h}},
				Warnings:  []string{h},
			}
			r.Finish()
			var buf bytes.Buffer
			if err := (MarkdownWriter{}).Write(&buf, r); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			for _, l := range strings.Split(out, "\n") {
				if strings.HasPrefix(l, "|") {
					if n, want := len(unescapedPipe.FindAllString(l, -1)), cells(out, l); n != want {
						t.Errorf("row %q has %d cell separators, its table %d", l, n, want)
					}
				}
			}
			if m := unescapedSyntax.FindString(out); m != "" {
				t.Errorf("Markdown syntax %q from the site reached the summary:\n%s", m, out)
			}
			if strings.ContainsAny(out, "<\x1b\x07\r") {
				t.Errorf("raw HTML or control character in\n%s", out)
			}
		})
	}
}

// unescapedSyntax is Markdown syntax without the backslash that makes it text.
var unescapedSyntax = regexp.MustCompile(`(^|[^\\])(\]\(|!\[|` + "`" + `|\*\*|~~|@|_em)`)

// cells is the number of | separators of the table that row belongs to, from its header.
func cells(out, row string) int {
	var header string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "|") && header == "" {
			header = l
		}
		if !strings.HasPrefix(l, "|") {
			header = ""
		}
		if l == row {
			return strings.Count(header, "|")
		}
	}
	return -1
}

// A section lists markdownRows rows and says how many more the report has.
func TestMarkdownCapsSections(t *testing.T) {
	t.Parallel()
	r := &Report{}
	for i := range markdownRows + 10 {
		r.Findings = append(r.Findings, Finding{Rule: "insecure-link", Severity: rules.Info, Page: fmt.Sprintf("https://s.test/%03d", i), URL: "http://x.test/", Message: "m"})
	}
	r.Finish()
	var buf bytes.Buffer
	if err := (MarkdownWriter{}).Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), "| info | insecure-link |"); n != markdownRows || !strings.Contains(buf.String(), "… and 10 more in the report.") {
		t.Errorf("%d rows:\n%s", n, buf.String())
	}
}
