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
func writeGitHub(w io.Writer, r *Report) error {
	r, err := r.inMemory()
	if err != nil {
		return err
	}
	var (
		byKind = map[string][]annotation{}
		known  = map[string]int{}
		nKnown int
		nSupp  int
	)
	fs := sortedFindings(r.Findings)
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].Severity > fs[j].Severity })
	for _, f := range fs {
		switch {
		case f.Suppressed != nil:
			nSupp++
		case !f.CanFail():
			nKnown++
			known[f.Rule]++
		default:
			kind := githubCommand(f.Severity)
			byKind[kind] = append(byKind[kind], annotation{kind, f.Rule, findingText(f) + " (" + f.where() + ")"})
		}
	}
	if r.Interrupted {
		byKind["warning"] = append(byKind["warning"], annotation{"warning", "padlock", "the crawl was interrupted before it finished; results are partial"})
	}
	for _, m := range r.Warnings {
		byKind["warning"] = append(byKind["warning"], annotation{"warning", "padlock", m})
	}
	for _, e := range r.Errors {
		byKind["warning"] = append(byKind["warning"], annotation{"warning", "crawl error", e.URL + ": " + e.Error})
	}
	var summary []annotation
	if nKnown+nSupp > 0 {
		summary = append(summary, annotation{"notice", "padlock", knownNotice(known, nKnown, nSupp)})
	}

	bw := bufio.NewWriter(w)
	var rest []annotation
	for _, kind := range []string{"error", "warning", "notice"} {
		list := byKind[kind]
		reserved := 0
		if kind == "notice" {
			reserved = len(summary)
		}
		if room := annotationsPerKind - reserved; len(list) > room {
			shown := room - 1 // the last one says how many more there are
			rest = append(rest, list[shown:]...)
			list = append(list[:shown:shown], annotation{kind, "padlock",
				fmt.Sprintf("%d more %ss not annotated (GitHub shows %d of a kind per step): they follow in this log, and every report lists them", len(byKind[kind])-shown, kind, annotationsPerKind)})
		}
		if kind == "notice" {
			list = append(list, summary...)
		}
		for _, a := range list {
			bw.WriteString("::" + a.kind + " title=" + escapeProperty(a.title) + "::" + escapeData(a.msg) + "\n")
		}
	}
	for _, a := range rest {
		// A plain line, never a command: the runner reads a line that starts with :: as one.
		bw.WriteString("padlock: " + a.kind + ": " + a.title + ": " + strings.NewReplacer("\r", " ", "\n", " ").Replace(stripControls(a.msg)) + "\n")
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
