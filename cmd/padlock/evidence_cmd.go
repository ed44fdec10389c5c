package main

import (
	"bytes"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	"go.yaml.in/yaml/v3"

	"github.com/padlock-scan/padlock/alert"
	"github.com/padlock-scan/padlock/history"
	"github.com/padlock-scan/padlock/internal/version"
)

// evidence is what an assessor asks of PCI DSS 6.4.3 and 11.6.1 for a period: every run and its
// outcome, each change and its alert with the deliveries, each payment page's scripts and
// headers with when they were first and last seen, and the script inventory with its approvals.
type evidence struct {
	GeneratedAt  time.Time              `json:"generated_at"`
	Tool         string                 `json:"tool"`
	Store        string                 `json:"store"`
	Since        time.Time              `json:"since"`
	Summary      evidenceSummary        `json:"summary"`
	Runs         []*history.Run         `json:"runs"`
	Alerts       []history.StoredAlert  `json:"alerts"`
	PaymentPages []evidencePage         `json:"payment_pages"`
	Inventory    *evidenceInventory     `json:"inventory,omitempty"`
	alertsByRun  map[int64]evidenceSent // for the HTML page
}

type evidenceSummary struct {
	Runs        int            `json:"runs"`
	ByOutcome   map[string]int `json:"by_outcome"`
	First       *time.Time     `json:"first_run,omitempty"`
	Last        *time.Time     `json:"last_run,omitempty"`
	LongestGap  string         `json:"longest_gap,omitempty"` // between two runs' starts
	Alerts      int            `json:"alerts"`
	Undelivered int            `json:"undelivered"`
}

type evidencePage struct {
	URL     string         `json:"url"`
	Scripts []history.Seen `json:"scripts"`
	Headers []history.Seen `json:"headers"`
}

// evidenceInventory is the script inventory file as given (--inventory), its entries as written:
// what each authorizes, the justification, the owner, the approval date.
type evidenceInventory struct {
	File    string           `json:"file"`
	Entries []map[string]any `json:"entries"`
}

// evidenceSent is how a run's alert went out, for the HTML page.
type evidenceSent struct {
	Deliveries []history.Delivery
}

func evidenceCommand() *cli.Command {
	return &cli.Command{
		Name:  "evidence",
		Usage: "write what an assessor asks for (PCI DSS 6.4.3, 11.6.1): runs, outcomes, changes and alerts, payment-page scripts, the inventory; JSON and HTML",
		Flags: []cli.Flag{
			storeFlag(),
			&cli.StringFlag{Name: "since", Usage: "the first day of the period (`DATE` as 2026-01-01; default: every run)"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "padlock-evidence", Usage: "the `FOLDER` for evidence.json and evidence.html"},
			&cli.StringFlag{Name: "inventory", Usage: "the script inventory `FILE` (YAML) whose entries and approvals go into the evidence"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageErr("evidence takes no arguments (padlock evidence --since 2026-01-01 -o DIR)")
			}
			var since time.Time
			if v := c.String("since"); v != "" {
				var err error
				if since, err = time.Parse("2006-01-02", v); err != nil {
					return usageErr("--since %q: want a date such as 2026-01-01", v)
				}
			}
			var inv *evidenceInventory
			if f := c.String("inventory"); f != "" {
				var err error
				if inv, err = readInventoryFile(f); err != nil {
					return usageErr("--inventory %s: %v", f, err)
				}
			}
			s, err := openHistory(c.String("store"))
			if err != nil {
				return err
			}
			defer s.Close()
			ev, err := gatherEvidence(c, s, since)
			if err != nil {
				return &exitError{code: exitTrouble, err: err}
			}
			ev.Inventory = inv
			dir := c.String("output")
			if err := writeEvidence(dir, ev); err != nil {
				return &exitError{code: exitTrouble, err: err}
			}
			fmt.Fprintf(c.App.ErrWriter, "padlock: evidence of %d runs since %s written to %s and %s\n", len(ev.Runs), sinceText(since),
				filepath.Join(dir, "evidence.json"), filepath.Join(dir, "evidence.html"))
			return nil
		},
	}
}

func sinceText(t time.Time) string {
	if t.IsZero() {
		return "the first"
	}
	return t.Format("2006-01-02")
}

func gatherEvidence(c *cli.Context, s *history.Store, since time.Time) (*evidence, error) {
	ctx := c.Context
	ev := &evidence{GeneratedAt: time.Now().UTC().Truncate(time.Second), Tool: "padlock " + version.Get().Version, Store: s.Path(), Since: since,
		Runs: []*history.Run{}, Alerts: []history.StoredAlert{}, PaymentPages: []evidencePage{}, alertsByRun: map[int64]evidenceSent{}}
	runs, err := s.Runs(ctx, since)
	if err != nil {
		return nil, err
	}
	if runs != nil {
		ev.Runs = runs
	}
	alerts, err := s.Alerts(ctx, since)
	if err != nil {
		return nil, err
	}
	if alerts != nil {
		ev.Alerts = alerts
	}
	ev.Summary = evidenceSummary{Runs: len(runs), ByOutcome: map[string]int{}, Alerts: len(alerts)}
	var gap time.Duration
	for i, r := range runs {
		ev.Summary.ByOutcome[r.Outcome]++
		if i > 0 {
			gap = max(gap, r.StartedAt.Sub(runs[i-1].StartedAt))
		}
	}
	if len(runs) > 0 {
		first, last := runs[0].StartedAt, runs[len(runs)-1].StartedAt
		ev.Summary.First, ev.Summary.Last = &first, &last
	}
	if gap > 0 {
		ev.Summary.LongestGap = gap.String()
	}
	for _, a := range alerts {
		ev.alertsByRun[a.RunID] = evidenceSent{Deliveries: a.Deliveries}
		for _, d := range a.Deliveries {
			if d.Status != history.Delivered {
				ev.Summary.Undelivered++
			}
		}
	}
	scripts, err := s.Scripts(ctx, "")
	if err != nil {
		return nil, err
	}
	headers, err := s.Headers(ctx, "")
	if err != nil {
		return nil, err
	}
	pages := map[string]*evidencePage{}
	page := func(u string) *evidencePage {
		if pages[u] == nil {
			pages[u] = &evidencePage{URL: u, Scripts: []history.Seen{}, Headers: []history.Seen{}}
		}
		return pages[u]
	}
	for _, v := range scripts {
		if v.LastSeen.Before(since) {
			continue
		}
		p := page(v.Page)
		p.Scripts = append(p.Scripts, v)
	}
	for _, v := range headers {
		if v.LastSeen.Before(since) {
			continue
		}
		p := page(v.Page)
		p.Headers = append(p.Headers, v)
	}
	for _, p := range pages {
		ev.PaymentPages = append(ev.PaymentPages, *p)
	}
	sort.Slice(ev.PaymentPages, func(i, j int) bool { return ev.PaymentPages[i].URL < ev.PaymentPages[j].URL })
	return ev, nil
}

// readInventoryFile reads the entries of a script inventory: the file's scripts: list (a
// padlock.yml or an inventory file), or the file itself when it is a list.
func readInventoryFile(path string) (*evidenceInventory, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	list, ok := doc.([]any)
	if m, isMap := doc.(map[string]any); isMap {
		list, ok = m["scripts"].([]any)
	}
	if !ok {
		return nil, fmt.Errorf("want a list of entries, or a scripts: list")
	}
	inv := &evidenceInventory{File: path, Entries: []map[string]any{}}
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("entry %d: want a mapping (url:, justification:, owner:, approved: ...)", i+1)
		}
		inv.Entries = append(inv.Entries, m)
	}
	return inv, nil
}

// writeEvidence writes evidence.json and evidence.html into dir.
func writeEvidence(dir string, ev *evidence) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var js bytes.Buffer
	if err := writeJSON(&js, ev); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "evidence.json"), js.Bytes(), 0o644); err != nil {
		return err
	}
	var page bytes.Buffer
	if err := evidenceHTML.Execute(&page, ev); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "evidence.html"), page.Bytes(), 0o644)
}

// inventoryKeys orders an inventory entry's keys: what it matches, then the approval.
var inventoryKeys = []string{"url", "pattern", "origin", "sha256", "hashes", "normalized", "content", "pages", "required",
	"justification", "owner", "approved", "expires"}

var evidenceHTML = template.Must(template.New("evidence").Funcs(template.FuncMap{
	"date": func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format(dateFormat)
	},
	"datep": func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.UTC().Format(dateFormat)
	},
	"took":       func(r *history.Run) string { return r.FinishedAt.Sub(r.StartedAt).Round(time.Second).String() },
	"changeLine": alert.ChangeLine,
	"sent": func(ev *evidence, run int64) []history.Delivery {
		return ev.alertsByRun[run].Deliveries
	},
	"alerted": func(ev *evidence, run int64) bool { _, ok := ev.alertsByRun[run]; return ok },
	"cols": func(inv *evidenceInventory) []string {
		seen := map[string]bool{}
		var out []string
		for _, k := range inventoryKeys {
			for _, e := range inv.Entries {
				if _, ok := e[k]; ok && !seen[k] {
					seen[k] = true
					out = append(out, k)
				}
			}
		}
		var rest []string
		for _, e := range inv.Entries {
			for k := range e {
				if !seen[k] {
					seen[k] = true
					rest = append(rest, k)
				}
			}
		}
		sort.Strings(rest)
		return append(out, rest...)
	},
	"cell": func(e map[string]any, k string) string {
		v, ok := e[k]
		if !ok || v == nil {
			return ""
		}
		switch x := v.(type) {
		case []any:
			parts := make([]string, len(x))
			for i, p := range x {
				parts[i] = fmt.Sprint(p)
			}
			return strings.Join(parts, ", ")
		case time.Time:
			return x.Format("2006-01-02")
		}
		return fmt.Sprint(v)
	},
}).Parse(evidenceTemplate))

// evidenceTemplate is a self-contained page: no script, no request, a policy that allows none,
// every value escaped by html/template.
const evidenceTemplate = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>padlock evidence: payment-page scripts and headers</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: .5em 0 1em; width: 100%; }
th, td { border: 1px solid #ddd; padding: .3em .5em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } code { font-size: 12px; word-break: break-all; }
.ok { color: #176f2c; } .changed { color: #8a5a00; } .degraded { color: #b00020; font-weight: bold; } .interrupted { color: #666; }
ul { margin: .2em 0; padding-left: 1.2em; }
</style>
</head>
<body>
<h1>padlock evidence</h1>
<p>Generated {{date .GeneratedAt}} by {{.Tool}} from <code>{{.Store}}</code>, runs since {{if .Since.IsZero}}the first{{else}}{{.Since.Format "2006-01-02"}}{{end}}.</p>
<table id="summary">
<tr><th>Runs</th><td id="sum-runs">{{.Summary.Runs}}</td></tr>
<tr><th>Outcomes</th><td>{{range $k, $v := .Summary.ByOutcome}}<span class="{{$k}}">{{$k}}: {{$v}}</span> {{end}}</td></tr>
<tr><th>First run</th><td>{{datep .Summary.First}}</td></tr>
<tr><th>Last run</th><td>{{datep .Summary.Last}}</td></tr>
<tr><th>Longest gap between runs</th><td>{{if .Summary.LongestGap}}{{.Summary.LongestGap}}{{else}}-{{end}}</td></tr>
<tr><th>Alerts</th><td id="sum-alerts">{{.Summary.Alerts}} ({{.Summary.Undelivered}} deliveries not made)</td></tr>
</table>

<h2>Runs</h2>
<table id="runs">
<tr><th>Run</th><th>Started</th><th>Took</th><th>Site</th><th>Outcome</th><th>Baseline</th><th>Payment pages</th><th>Findings</th><th>Tool / config</th><th>Problems and changes</th><th>Alert</th></tr>
{{range .Runs}}<tr class="run" data-outcome="{{.Outcome}}">
<td>{{.ID}}</td><td>{{date .StartedAt}}</td><td>{{took .}}</td><td><code>{{.Site}}</code></td><td class="{{.Outcome}}">{{.Outcome}}</td>
<td>{{if .BaselineRun}}{{.BaselineRun}}{{else}}-{{end}}</td><td>{{.PaymentPages}}</td><td>{{.Findings}}</td><td>{{.ToolVersion}} <code>{{.ConfigHash}}</code></td>
<td>{{if or .Reasons .Changes}}<ul>{{range .Reasons}}<li class="degraded">{{.}}</li>{{end}}{{range .Changes}}<li class="change">{{changeLine .}}</li>{{end}}</ul>{{end}}</td>
<td>{{if alerted $ .ID}}{{range sent $ .ID}}{{.Channel}}: {{.Status}}{{if .LastError}} ({{.LastError}}){{end}}<br>{{end}}{{else}}-{{end}}</td>
</tr>
{{end}}</table>

<h2>Scripts and headers of payment pages</h2>
{{range .PaymentPages}}<h3><code>{{.URL}}</code></h3>
<table class="scripts">
<tr><th>Script</th><th>SHA-256</th><th>Integrity</th><th>First seen (run)</th><th>Last seen (run)</th></tr>
{{range .Scripts}}<tr class="script"><td><code>{{.Script}}</code></td><td><code>{{.SHA256}}</code></td><td><code>{{.Integrity}}</code></td><td>{{date .FirstSeen}} ({{.FirstRun}})</td><td>{{date .LastSeen}} ({{.LastRun}})</td></tr>
{{end}}</table>
<table class="headers">
<tr><th>Header</th><th>Value</th><th>First seen (run)</th><th>Last seen (run)</th></tr>
{{range .Headers}}<tr class="header"><td>{{.Header}}</td><td><code>{{.Value}}</code></td><td>{{date .FirstSeen}} ({{.FirstRun}})</td><td>{{date .LastSeen}} ({{.LastRun}})</td></tr>
{{end}}</table>
{{else}}<p>No payment page was seen in this period.</p>
{{end}}

<h2>Script inventory</h2>
{{with .Inventory}}<p>From <code>{{.File}}</code>: {{len .Entries}} entries.</p>
{{$cols := cols .}}<table id="inventory">
<tr>{{range $cols}}<th>{{.}}</th>{{end}}</tr>
{{range $e := .Entries}}<tr class="entry">{{range $cols}}<td>{{cell $e .}}</td>{{end}}</tr>
{{end}}</table>
{{else}}<p>No inventory was given (padlock evidence --inventory FILE).</p>
{{end}}
</body>
</html>
`
