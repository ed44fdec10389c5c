package report

import (
	"bufio"
	"io"
	"strings"

	"github.com/padlock-scan/padlock/rules"
)

// writeGitHub writes GitHub Actions workflow commands: one annotation per unsuppressed finding,
// in report order (a finding the baseline knows is a notice), then one warning per warning of
// the run and per crawl error. No file= property: findings point at
// URLs, not at files of the repository.
func writeGitHub(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	for _, f := range sortedFindings(r.Findings) {
		if f.Suppressed != nil {
			continue
		}
		cmd, title := githubCommand(f.Severity), f.Rule
		if !f.CanFail() {
			// known to the baseline: it does not fail the gate, so it does not shout either
			cmd, title = "notice", f.Rule+" (known)"
		}
		writeCommand(bw, cmd, title, findingText(f)+" ("+f.where()+")")
	}
	for _, m := range r.Warnings {
		writeCommand(bw, "warning", "padlock", m)
	}
	for _, e := range r.Errors {
		writeCommand(bw, "warning", "crawl error", e.URL+": "+e.Error)
	}
	if r.Interrupted {
		writeCommand(bw, "warning", "padlock", "the crawl was interrupted before it finished; results are partial")
	}
	return bw.Flush()
}

func githubCommand(sev rules.Severity) string {
	switch sev {
	case rules.Error:
		return "error"
	case rules.Warning:
		return "warning"
	}
	return "notice"
}

func writeCommand(w *bufio.Writer, cmd, title, msg string) {
	w.WriteString("::" + cmd + " title=" + escapeProperty(title) + "::" + escapeData(msg) + "\n")
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
