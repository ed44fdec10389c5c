package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"
	"unicode/utf8"
)

// JUnitWriter writes the report as JUnit XML: one test suite per page, one test case per rule
// evaluated on it. A case fails when the rule has an unsuppressed finding on the page at or
// above FailOn; findings below it, and suppressed ones, are listed in the case's system-out.
type JUnitWriter struct {
	// FailOn is the threshold that fails a test case (the zero value: error), as the gate's.
	FailOn FailOn
}

// Write implements Writer.
func (j JUnitWriter) Write(w io.Writer, r *Report) error {
	threshold := j.FailOn
	plan, err := planJUnit(r)
	if err != nil {
		return err
	}
	defer plan.close()
	// Two passes over the suites: the first only counts (the root element carries the totals),
	// the second writes each suite as it is built, so a 10,000-page report never holds its
	// 170,000 test cases in memory at once.
	totals, err := buildJUnit(plan, threshold, func(junitSuite) error { return nil })
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	root := xml.StartElement{Name: xml.Name{Local: "testsuites"}, Attr: []xml.Attr{
		{Name: xml.Name{Local: "name"}, Value: totals.Name},
		{Name: xml.Name{Local: "tests"}, Value: strconv.Itoa(totals.Tests)},
		{Name: xml.Name{Local: "failures"}, Value: strconv.Itoa(totals.Failures)},
		{Name: xml.Name{Local: "errors"}, Value: strconv.Itoa(totals.Errors)},
		{Name: xml.Name{Local: "skipped"}, Value: strconv.Itoa(totals.Skipped)},
		{Name: xml.Name{Local: "time"}, Value: totals.Time},
	}}
	if err := enc.EncodeToken(root); err != nil {
		return err
	}
	suite := xml.StartElement{Name: xml.Name{Local: "testsuite"}}
	if _, err := buildJUnit(plan, threshold, func(s junitSuite) error { return enc.EncodeElement(s, suite) }); err != nil {
		return err
	}
	if err := enc.EncodeToken(root.End()); err != nil {
		return err
	}
	if err := enc.Flush(); err != nil {
		return err
	}
	_, err = io.WriteString(w, "\n")
	return err
}

type (
	junitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Errors   int          `xml:"errors,attr"`
		Skipped  int          `xml:"skipped,attr"`
		Time     string       `xml:"time,attr"`
		Suites   []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name      string      `xml:"name,attr"`
		Tests     int         `xml:"tests,attr"`
		Failures  int         `xml:"failures,attr"`
		Errors    int         `xml:"errors,attr"`
		Skipped   int         `xml:"skipped,attr"`
		Time      string      `xml:"time,attr"`
		Timestamp string      `xml:"timestamp,attr,omitempty"`
		Cases     []junitCase `xml:"testcase"`
	}
	junitCase struct {
		ClassName string        `xml:"classname,attr"`
		Name      string        `xml:"name,attr"`
		Time      string        `xml:"time,attr"`
		Failure   *junitOutcome `xml:"failure,omitempty"`
		Error     *junitOutcome `xml:"error,omitempty"`
		Skipped   *junitSkipped `xml:"skipped,omitempty"`
		SystemOut string        `xml:"system-out,omitempty"`
	}
	junitOutcome struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	}
	junitSkipped struct {
		Message string `xml:"message,attr"`
	}
)

// buildJUnit lays out the suites, handing each to emit, and returns the totals (Suites left
// empty). Everything iterates in report order (pages sorted by URL, rules by ID), never maps,
// so the output is deterministic. It holds one page's findings at a time.
func buildJUnit(plan *junitPlan, threshold FailOn, emit func(junitSuite) error) (junitSuites, error) {
	r, infos := plan.r, plan.infos
	errs := map[string]string{}
	var errURLs []string
	if err := r.EachError(func(e *Error) error {
		if _, ok := errs[e.URL]; !ok {
			errURLs = append(errURLs, e.URL)
		}
		errs[e.URL] = joinNonEmpty(errs[e.URL], e.Error)
		return nil
	}); err != nil {
		return junitSuites{}, err
	}
	used := map[string]bool{}

	timestamp := ""
	if !r.StartedAt.IsZero() {
		timestamp = r.StartedAt.UTC().Format("2006-01-02T15:04:05")
	}
	out := junitSuites{Name: "padlock", Time: "0"}
	if !r.StartedAt.IsZero() && r.FinishedAt.After(r.StartedAt) {
		out.Time = strconv.FormatFloat(r.FinishedAt.Sub(r.StartedAt).Seconds(), 'f', 3, 64)
	}
	add := func(s junitSuite) {
		s.Timestamp = timestamp
		s.Time = "0"
		for _, c := range s.Cases {
			s.Tests++
			switch {
			case c.Failure != nil:
				s.Failures++
			case c.Error != nil:
				s.Errors++
			case c.Skipped != nil:
				s.Skipped++
			}
		}
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Errors += s.Errors
		out.Skipped += s.Skipped
		_ = emit(s) // a write error surfaces at the encoder's Flush
	}

	next, stop := iter.Pull2(plan.byPage.all())
	defer stop()
	pending, perr, more := next()
	// findingsOf returns the findings filed under page index i (they come in that order).
	var fs []Finding
	findingsOf := func(i int) ([]Finding, error) {
		clear(fs)
		fs = fs[:0]
		for more && perr == nil && pending.seq == i {
			fs = append(fs, pending.f)
			pending, perr, more = next()
		}
		return fs, perr
	}
	i := 0
	err := r.EachPage(func(p *Page) error {
		fetchErr := p.Error
		for _, u := range []string{p.URL, p.FinalURL} {
			if e, ok := errs[u]; ok && !used[u] {
				used[u] = true
				if fetchErr == "" {
					fetchErr = e
				}
			}
		}
		suite := junitSuite{Name: xmlText(p.URL)}
		if fetchErr != "" {
			suite.Cases = append(suite.Cases, junitCase{
				ClassName: "padlock", Name: "fetch", Time: "0",
				Error: &junitOutcome{Message: xmlText(fetchErr), Type: "crawl-error", Text: xmlText(fetchErr)},
			})
		}
		fs, err := findingsOf(i)
		if err != nil {
			return err
		}
		i++
		suite.Cases = append(suite.Cases, ruleCases(r, infos, fs, threshold, fetchErr != "")...)
		add(suite)
		return nil
	})
	if err != nil {
		return out, err
	}
	// Findings of pages that are not in Pages, each page's together, in sorted order.
	for more && perr == nil {
		fs, err := findingsOf(pending.seq)
		if err != nil {
			return out, err
		}
		suite := junitSuite{Name: xmlText(fs[0].Page)}
		suite.Cases = ruleCases(r, infos, fs, threshold, false)
		add(suite)
	}
	if perr != nil {
		return out, perr
	}
	// Crawl errors that belong to no page (a sitemap, robots.txt, a start URL that never
	// answered) get a suite of their own so CI shows them.
	var rest junitSuite
	rest.Name = "crawl errors"
	for _, u := range errURLs {
		if used[u] {
			continue
		}
		rest.Cases = append(rest.Cases, junitCase{
			ClassName: "padlock", Name: xmlText("fetch " + u), Time: "0",
			Error: &junitOutcome{Message: xmlText(errs[u]), Type: "crawl-error", Text: xmlText(errs[u])},
		})
	}
	if len(rest.Cases) > 0 {
		add(rest)
	}
	if r.Interrupted {
		add(junitSuite{Name: "crawl", Cases: []junitCase{{
			ClassName: "padlock", Name: "complete", Time: "0",
			Error: &junitOutcome{
				Message: "the crawl was interrupted before it finished",
				Type:    "interrupted",
				Text:    "the crawl was interrupted before it finished; results are partial",
			},
		}}})
	}
	return out, nil
}

// ruleCases makes one test case per rule for one page's findings. A rule that did not run
// (--rule, --disable), and on a page that did not load a rule without findings, is skipped
// rather than passed: nothing was checked.
func ruleCases(r *Report, infos []ruleInfo, fs []Finding, threshold FailOn, pageFailed bool) []junitCase {
	byRule := map[string][]Finding{}
	for _, f := range fs {
		byRule[f.Rule] = append(byRule[f.Rule], f)
	}
	cases := make([]junitCase, 0, len(infos))
	for _, ri := range infos {
		c := junitCase{ClassName: xmlText(ri.ID), Name: xmlText(ri.Title), Time: "0"}
		var failing, other []Finding
		for _, f := range byRule[ri.ID] {
			if Fails(&f, threshold) {
				failing = append(failing, f)
			} else {
				other = append(other, f)
			}
		}
		if len(failing) > 0 {
			top := failing[0].Severity
			for _, f := range failing {
				top = max(top, f.Severity)
			}
			c.Failure = &junitOutcome{
				Message: xmlText(failureMessage(failing)),
				Type:    top.String(),
				Text:    xmlText(junitList(failing)),
			}
		}
		if len(other) > 0 {
			c.SystemOut = xmlText(junitList(other))
		}
		switch {
		case !r.Checked(ri.ID):
			c.Skipped = &junitSkipped{Message: "rule not run (--rule, --disable)"}
		case pageFailed && len(byRule[ri.ID]) == 0:
			c.Skipped = &junitSkipped{Message: "the page did not load"}
		}
		cases = append(cases, c)
	}
	return cases
}

// junitList is one line per finding.
func junitList(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "[%s] %s", f.Severity, findingText(f))
		var where []string
		if f.Element != "" {
			el := "<" + f.Element
			if f.Attribute != "" {
				el += " " + f.Attribute
			}
			where = append(where, el+">")
		}
		if f.Line > 0 {
			where = append(where, "line "+strconv.Itoa(f.Line))
		}
		if f.Stylesheet != "" {
			where = append(where, "in "+f.Stylesheet)
		}
		if len(where) > 0 {
			b.WriteString(" (" + strings.Join(where, ", ") + ")")
		}
		if f.Baseline != "" {
			b.WriteString(" [baseline: " + string(f.Baseline) + "]")
		}
		if f.Suppressed != nil {
			b.WriteString(" [suppressed: " + f.Suppressed.Reason + "]")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// xmlText drops the characters XML 1.0 does not allow (C0 controls other than tab, LF and CR,
// lone surrogates, U+FFFE and U+FFFF) and invalid UTF-8; encoding/xml escapes the rest.
func xmlText(s string) string {
	ok := true
	for _, r := range s {
		if !xmlChar(r) {
			ok = false
			break
		}
	}
	if ok && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size <= 1 {
				continue
			}
		}
		if xmlChar(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func xmlChar(r rune) bool {
	return r == 0x9 || r == 0xA || r == 0xD ||
		(r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}

// failureMessage is the one-line summary CI tools show: the first finding, and how many more.
func failureMessage(fs []Finding) string {
	msg := strings.Join(strings.Fields(findingText(fs[0])), " ")
	if n := len(fs) - 1; n > 0 {
		msg += fmt.Sprintf(" (and %d more)", n)
	}
	return msg
}

func joinNonEmpty(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}
