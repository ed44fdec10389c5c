package report

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/padlock-scan/padlock/rules"
)

// annotationsPerKind is how many annotations of one kind (error, warning, notice) GitHub shows
// for a step; it drops the rest silently. A job shows 50 in all. Source: actions/toolkit
// docs/problem-matchers.md, "Limitations" (10 warning, 10 error and 10 notice annotations per
// step, 50 per job).
const annotationsPerKind = 10

// annotation is one workflow command: ::kind title=title::msg.
type annotation struct{ kind, title, msg string }

// writeGitHub writes GitHub Actions workflow commands, within the annotations GitHub shows per
// step: the findings that can fail the gate first (errors, then warnings, then notices for info),
// then the run's warnings and crawl errors, and one notice that sums up the findings the
// baseline knows and those an ignore entry suppressed. When a kind has more than GitHub shows,
// its last annotation says how many more there are, and those are printed after the commands
// as plain log lines, so the step's log still lists every one. No file= property: findings
// point at URLs, not at files of the repository.
//
// The findings are read a few times over (counted, then each kind's annotations, then the log
// lines of those not annotated) rather than held: a spooled report streams from its runs.
func writeGitHub(w io.Writer, r *Report) error {
	var (
		count  = map[string]int{} // annotations of each kind
		known  = map[string]int{}
		nKnown int
		nSupp  int
	)
	err := r.EachFinding(func(f *Finding) error {
		switch {
		case f.Suppressed != nil:
			nSupp++
		case !f.CanFail():
			nKnown++
			known[f.Rule]++
		default:
			count[githubCommand(f.Severity)]++
		}
		return nil
	})
	if err != nil {
		return err
	}
	var runWarnings []annotation
	if r.Interrupted {
		runWarnings = append(runWarnings, annotation{"warning", "padlock", "the crawl was interrupted before it finished; results are partial"})
	}
	for _, m := range r.Warnings {
		runWarnings = append(runWarnings, annotation{"warning", "padlock", m})
	}
	if err := r.EachError(func(e *Error) error {
		runWarnings = append(runWarnings, annotation{"warning", "crawl error", e.URL + ": " + e.Error})
		return nil
	}); err != nil {
		return err
	}
	count["warning"] += len(runWarnings)
	var summary []annotation
	if nKnown+nSupp > 0 {
		summary = append(summary, annotation{"notice", "padlock", knownNotice(known, nKnown, nSupp)})
	}
	// each calls fn with the annotations of one kind in order: the findings that can fail, most
	// severe first and in report order, then the run's warnings.
	each := func(kind string, fn func(i int, a annotation)) error {
		i := 0
		err := r.EachFinding(func(f *Finding) error {
			if f.Suppressed == nil && f.CanFail() && githubCommand(f.Severity) == kind {
				fn(i, annotation{kind, f.Rule, findingText(*f) + " (" + f.where() + ")"})
				i++
			}
			return nil
		})
		if kind == "warning" {
			for _, a := range runWarnings {
				fn(i, a)
				i++
			}
		}
		return err
	}

	bw := bufio.NewWriter(w)
	command := func(a annotation) {
		bw.WriteString("::" + a.kind + " title=" + escapeProperty(a.title) + "::" + escapeData(a.msg) + "\n")
	}
	kinds := []string{"error", "warning", "notice"}
	shown := map[string]int{}
	for _, kind := range kinds {
		reserved := 0
		if kind == "notice" {
			reserved = len(summary)
		}
		n := count[kind]
		shown[kind] = n
		room := annotationsPerKind - reserved
		if n > room {
			shown[kind] = room - 1 // the last one says how many more there are
		}
		if err := each(kind, func(i int, a annotation) {
			if i < shown[kind] {
				command(a)
			}
		}); err != nil {
			return err
		}
		if n > room {
			command(annotation{kind, "padlock",
				fmt.Sprintf("%d more %ss not annotated (GitHub shows %d of a kind per step): they follow in this log, and every report lists them", n-shown[kind], kind, annotationsPerKind)})
		}
		if kind == "notice" {
			for _, a := range summary {
				command(a)
			}
		}
	}
	for _, kind := range kinds {
		if err := each(kind, func(i int, a annotation) {
			if i >= shown[kind] {
				// A plain line, never a command: the runner reads a line that starts with :: as one.
				bw.WriteString("padlock: " + a.kind + ": " + a.title + ": " + strings.NewReplacer("\r", " ", "\n", " ").Replace(stripControls(a.msg)) + "\n")
			}
		}); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// knownNotice sums up the findings that cannot fail the gate: known to the baseline, by rule,
// and suppressed by ignore entries.
func knownNotice(known map[string]int, nKnown, nSupp int) string {
	var parts []string
	if nKnown > 0 {
		ids := make([]string, 0, len(known))
		for id := range known {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		var each []string
		for _, id := range ids {
			each = append(each, fmt.Sprintf("%d %s", known[id], id))
		}
		parts = append(parts, fmt.Sprintf("%s known to the baseline (%s)", plural(nKnown, "finding"), strings.Join(each, ", ")))
	}
	if nSupp > 0 {
		parts = append(parts, fmt.Sprintf("%s suppressed by ignore entries", plural(nSupp, "finding")))
	}
	return strings.Join(parts, "; ") + ": they do not fail the gate"
}

// plural is "1 finding", "2 findings".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func githubCommand(sev rules.Severity) string {
	return rules.Pick(sev, "error", "warning", "notice")
}

// escapeData escapes a workflow command's message as the Actions runner unescapes it, after
// dropping the other control characters (a crawled ESC sequence would colour the log).
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(stripControls(s))
}

// escapeProperty escapes a workflow command property value; ":" and "," delimit properties.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(stripControls(s))
}

// stripControls removes C0 and C1 control characters and DEL, except CR and LF, which the
// escapes above encode.
func stripControls(s string) string {
	return strings.Map(func(r rune) rune {
		if (r < 0x20 && r != '\r' && r != '\n') || (r >= 0x7f && r <= 0x9f) {
			return -1
		}
		return r
	}, s)
}
