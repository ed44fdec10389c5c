package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/padlock-scan/padlock/rules"
)

// MarkdownWriter writes a job summary in GitHub-flavoured Markdown (-f markdown; GitHub Actions
// shows it on the run's page when it goes to $GITHUB_STEP_SUMMARY): the counts by severity, the
// findings that can fail the gate, the payment pages, the fix list, crawl errors and warnings.
// Every text from a crawled site is escaped: no HTML, link or table syntax of a page gets
// through. FailOn says which findings the summary counts as failing the gate.
type MarkdownWriter struct {
	FailOn FailOn
}

// markdownRows is how many rows a section of the summary lists; the report has the rest. GitHub
// takes at most 1 MiB of summary per step, far more than this.
const markdownRows = 50

// markdownCell is the longest text a table cell shows, in characters.
const markdownCell = 300

// Write writes r's job summary. It shows at most markdownRows rows a table, so it keeps no
// more than that of the findings, pages and fixes it reads (a spooled report streams).
func (mw MarkdownWriter) Write(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	compared := len(r.Fixed) > 0
	type counts struct{ all, fresh, known, suppressed int }
	bySev := map[rules.Severity]*counts{}
	firstOpen := map[rules.Severity][]Finding{} // the first rows of each severity
	for _, s := range severities {
		bySev[s] = &counts{}
	}
	nOpen := 0 // the findings that can fail the gate
	failing := 0
	err := r.EachFinding(func(f *Finding) error {
		if f.Baseline != BaselineNone {
			compared = true
		}
		c := bySev[f.Severity]
		if c == nil {
			return nil
		}
		c.all++
		switch {
		case f.Suppressed != nil:
			c.suppressed++
		case f.Baseline == BaselineKnown:
			c.known++
		default:
			c.fresh++
			nOpen++
			if len(firstOpen[f.Severity]) < markdownRows {
				firstOpen[f.Severity] = append(firstOpen[f.Severity], *f)
			}
		}
		if Fails(f, mw.FailOn) {
			failing++
		}
		return nil
	})
	if err != nil {
		return err
	}
	var open []Finding // the first rows of the open findings, most severe first
	for _, s := range severities {
		open = append(open, firstOpen[s]...)
	}

	var head []string
	for _, s := range severities {
		n := bySev[s].all
		if s == rules.Info {
			head = append(head, fmt.Sprintf("%d info", n)) // no plural
		} else {
			head = append(head, plural(n, s.String()))
		}
	}
	fmt.Fprintf(bw, "### padlock: %s\n\n", strings.Join(head, ", "))
	gate := fmt.Sprintf("%s at or above --fail-on %s", plural(failing, "finding"), mw.FailOn)
	if mw.FailOn == FailNever {
		gate = "--fail-on never: no finding fails the gate"
	}
	fmt.Fprintf(bw, "%s: %s, %s, %s. %s.\n\n", md(strings.Join(r.StartURLs, " ")), plural(r.Stats.Pages, "page"),
		plural(int(r.Stats.Requests), "request"), plural(r.NumErrors(), "crawl error"), gate)
	if r.Interrupted {
		fmt.Fprintf(bw, "**The crawl was interrupted: the results are partial.**\n\n")
	}
	if r.Stats.NotCrawled > 0 {
		fmt.Fprintf(bw, "%s queued were not crawled.\n\n", plural(r.Stats.NotCrawled, "URL"))
	}

	if compared {
		fmt.Fprintf(bw, "| Severity | Findings | New | Known to the baseline | Suppressed |\n|---|--:|--:|--:|--:|\n")
	} else {
		fmt.Fprintf(bw, "| Severity | Findings | Suppressed |\n|---|--:|--:|\n")
	}
	for _, s := range severities {
		c := bySev[s]
		if compared {
			fmt.Fprintf(bw, "| %s | %d | %d | %d | %d |\n", s, c.all, c.fresh, c.known, c.suppressed)
		} else {
			fmt.Fprintf(bw, "| %s | %d | %d |\n", s, c.all, c.suppressed)
		}
	}
	if compared {
		fmt.Fprintf(bw, "\n%s of the baseline no longer found.\n", plural(len(r.Fixed), "finding"))
	}

	title := "Findings"
	if compared {
		title = "New findings"
	}
	if nOpen > 0 {
		fmt.Fprintf(bw, "\n#### %s (%d)\n\n| Severity | Rule | Page | Finding |\n|---|---|---|---|\n", title, nOpen)
		for _, f := range head50(open) {
			fmt.Fprintf(bw, "| %s | %s | %s | %s |\n", f.Severity, md(f.Rule), mdCell(f.where()), mdCell(findingText(f)))
		}
		more(bw, nOpen)
	}

	payment, nPayment, err := firstRows(r.EachPage, func(p *Page) bool { return p.Payment })
	if err != nil {
		return err
	}
	if nPayment > 0 {
		onPage := map[string]int{}
		for _, p := range payment {
			onPage[p.URL] = 0
		}
		if err := r.EachFinding(func(f *Finding) error {
			if n, ok := onPage[f.Page]; ok && f.Suppressed == nil && f.Baseline != BaselineKnown {
				onPage[f.Page] = n + 1
			}
			return nil
		}); err != nil {
			return err
		}
		fmt.Fprintf(bw, "\n#### Payment pages (%d)\n\n| Page | Why | %s |\n|---|---|--:|\n", nPayment, title)
		for _, p := range payment {
			fmt.Fprintf(bw, "| %s | %s | %d |\n", mdCell(p.URL), mdCell(strings.Join(p.PaymentSignals, "; ")), onPage[p.URL])
		}
		more(bw, nPayment)
	}

	fixes, nFixes, err := firstRows(r.EachFix, func(*Fix) bool { return true })
	if err != nil {
		return err
	}
	if nFixes > 0 {
		fmt.Fprintf(bw, "\n#### Fix list (%s)\n\n| Insecure URL | What to do | Pages |\n|---|---|--:|\n", plural(nFixes, "URL"))
		for _, f := range fixes {
			fmt.Fprintf(bw, "| %s | %s | %d |\n", mdCell(f.URL), mdCell(fixAction(f)), f.Pages)
		}
		more(bw, nFixes)
	}

	if nErrs := r.NumErrors(); nErrs > 0 {
		errs, _, err := firstRows(r.EachError, func(*Error) bool { return true })
		if err != nil {
			return err
		}
		fmt.Fprintf(bw, "\n#### Crawl errors (%d)\n\n", nErrs)
		for _, e := range errs {
			fmt.Fprintf(bw, "- %s: %s\n", mdCell(e.URL), mdCell(e.Error))
		}
		more(bw, nErrs)
	}
	if len(r.Warnings) > 0 {
		fmt.Fprintf(bw, "\n#### Warnings\n\n")
		for _, m := range head50(r.Warnings) {
			fmt.Fprintf(bw, "- %s\n", mdCell(m))
		}
		more(bw, len(r.Warnings))
	}
	return bw.Flush()
}

// fixAction says what to do about an insecure URL of the fix list.
func fixAction(f Fix) string {
	switch f.Action {
	case "use-https":
		if f.HTTPSURL != "" {
			return "use " + f.HTTPSURL
		}
		return "switch to https://"
	case "self-host-or-remove":
		return "self-host or remove: no https:// copy answered"
	}
	return "check whether an https:// copy works (--check-resources all tells)"
}

// head50 is the first markdownRows items of a list.
func head50[T any](list []T) []T {
	return list[:min(len(list), markdownRows)]
}

// firstRows reads what each gives and keeps the first markdownRows that want takes, with how
// many it took in all.
func firstRows[T any](each func(func(*T) error) error, want func(*T) bool) (rows []T, n int, err error) {
	err = each(func(v *T) error {
		if want(v) {
			n++
			if len(rows) < markdownRows {
				rows = append(rows, *v)
			}
		}
		return nil
	})
	return rows, n, err
}

// more says how many rows a section left out.
func more(w *bufio.Writer, n int) {
	if n > markdownRows {
		fmt.Fprintf(w, "\n… and %d more in the report.\n", n-markdownRows)
	}
}

// mdCell is md(s) for a table cell or list item, cut to markdownCell characters.
func mdCell(s string) string {
	if utf8.RuneCountInString(s) > markdownCell {
		s = string([]rune(s)[:markdownCell-1]) + "…"
	}
	return md(s)
}

// mdEscaper escapes what GitHub-flavoured Markdown would read as syntax: HTML (< > &, as
// entities), emphasis, code, links and images, table cells (|), strike-through, mentions and
// the backslash itself. Line breaks become spaces: a cell or list item is one line.
var mdEscaper = strings.NewReplacer(
	"&", "&amp;", "<", "&lt;", ">", "&gt;",
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "|", `\|`, "~", `\~`, "@", `\@`, "!", `\!`,
	"\r\n", " ", "\r", " ", "\n", " ",
)

// md escapes text from a crawled site (or any text) for Markdown, after dropping control
// characters.
func md(s string) string { return mdEscaper.Replace(stripControls(s)) }
