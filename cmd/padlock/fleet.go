package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/crawler/redisq"
	"github.com/padlock-scan/padlock/gate"
	"github.com/padlock-scan/padlock/internal/termsafe"
	"github.com/padlock-scan/padlock/report"
	"github.com/padlock-scan/padlock/scan"
)

// siteLine is one line of a --sites file: a start URL and the settings given after it.
type siteLine struct {
	line int
	url  string
	sets []siteSet
}

// siteSet is one key=value after a site's URL (a bare key is key=true).
type siteSet struct{ key, val string }

// parseSites reads a --sites file: one start URL a line, optional key=value settings after it
// (a value with spaces in Go double quotes: header="X-Token: a"); blank lines and lines starting
// with # are skipped. Errors say which line.
func parseSites(name string, data []byte) ([]siteLine, error) {
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%s: not UTF-8 text", name)
	}
	var out []siteLine
	for i, text := range strings.Split(string(data), "\n") {
		n := i + 1
		text = strings.TrimSpace(strings.TrimSuffix(text, "\r"))
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields, err := splitFields(text)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", name, n, err)
		}
		sl := siteLine{line: n, url: fields[0]}
		if strings.Contains(sl.url, "=") && !strings.Contains(sl.url, "://") {
			return nil, fmt.Errorf("%s:%d: the line starts with %s: want the start URL first", name, n, strconv.Quote(sl.url))
		}
		for _, f := range fields[1:] {
			k, v, ok := strings.Cut(f, "=")
			if !isSettingName(k) {
				return nil, fmt.Errorf("%s:%d: %s: want key=value, the key a setting's name", name, n, strconv.Quote(f))
			}
			if !ok {
				v = "true"
			} else if strings.HasPrefix(v, `"`) {
				if v, err = strconv.Unquote(v); err != nil {
					return nil, fmt.Errorf("%s:%d: %s: bad quoted value", name, n, strconv.Quote(f))
				}
			}
			sl.sets = append(sl.sets, siteSet{k, v})
		}
		out = append(out, sl)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no site in it", name)
	}
	return out, nil
}

// isSettingName: a key is a setting's name (letters, digits, '-', '_', '.'), so a quote or a
// space never ends up in a key, where writing the line back could not keep it.
func isSettingName(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// splitFields cuts a line at spaces outside double quotes.
func splitFields(line string) ([]string, error) {
	var out []string
	var cur strings.Builder
	quoted, escaped := false, false
	for _, r := range line {
		switch {
		case escaped:
			escaped = false
		case quoted && r == '\\':
			escaped = true
		case r == '"':
			quoted = !quoted
		case !quoted && unicode.IsSpace(r):
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
			continue
		}
		cur.WriteRune(r)
	}
	if quoted {
		return nil, errors.New("a quote is not closed")
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out, nil
}

// format writes the line back as parseSites reads it.
func (sl siteLine) format() string {
	var b strings.Builder
	b.WriteString(sl.url)
	for _, s := range sl.sets {
		b.WriteString(" " + s.key + "=" + strconv.Quote(s.val))
	}
	return b.String()
}

// notPerSite are the settings a --sites line cannot set: they are the fleet's.
var notPerSite = map[string]bool{"urls": true, "format": true, "output": true, "sites": true, "sites-at-once": true,
	"frontier": true, "crawl-id": true, "quiet": true, "concurrency": true, "chrome": true, "render-concurrency": true}

// siteRun is one site of a fleet, with its options.
type siteRun struct {
	line int
	url  string
	opt  scan.Options
	out  output
}

// fleetOptions reads the --sites file and makes each site's options: the command line's and
// padlock.yml's, with the line's settings over them.
func fleetOptions(m *merged) (scan.Options, output, error) {
	if len(m.vals["urls"].list) > 0 {
		return scan.Options{}, output{}, usageErr("give start URLs or --sites, not both")
	}
	cfg := crawlConfig{scan: scan.Options{Settings: &report.Settings{}}}
	for _, s := range settingsTable() {
		s.set(&cfg, m.vals[s.name])
	}
	out := cfg.out
	if out.path == "" || out.path == "-" {
		return scan.Options{}, out, usageErr("--sites: give -o FOLDER for the reports and the index")
	}
	name := m.vals["sites"].s
	data, err := os.ReadFile(name)
	if err != nil {
		return scan.Options{}, out, usageErr("--sites: %v", err)
	}
	lines, err := parseSites(name, data)
	if err != nil {
		return scan.Options{}, out, usageErr("%v", err)
	}
	for _, sl := range lines {
		site := &merged{vals: maps.Clone(m.vals), from: maps.Clone(m.from), file: m.file}
		site.vals["urls"], site.from["urls"] = value{list: []string{sl.url}}, fromArgs
		given := map[string]bool{}
		for _, kv := range sl.sets {
			s := settingByName(kv.key)
			if s == nil || notPerSite[kv.key] || s.fileOnly || s.kind == kindEntries {
				return scan.Options{}, out, usageErr("%s:%d: %s is not a setting a site can have", name, sl.line, strconv.Quote(kv.key))
			}
			v, err := parseSiteValue(s, kv.val)
			if err == nil {
				for _, one := range s.each(v) {
					if err = s.checkOne(one); err != nil {
						break
					}
				}
			}
			if err != nil {
				_, err = reason(err, "")
				return scan.Options{}, out, usageErr("%s:%d: %s=%s: %v", name, sl.line, kv.key, strconv.Quote(kv.val), err)
			}
			if s.kind == kindList && given[kv.key] {
				v.list = append(site.vals[kv.key].list, v.list...) // repeated: include=a include=b
			}
			given[kv.key] = true
			site.vals[kv.key], site.from[kv.key] = v, fromFlag
		}
		if key, err := checkTogether(site.vals); err != nil {
			return scan.Options{}, out, usageErr("%s:%d: %s: %v", name, sl.line, key, err)
		}
		siteCfg, err := site.options()
		opt, siteOut := siteCfg.scan, siteCfg.out
		if err != nil {
			return scan.Options{}, out, usageErr("%s:%d: %v", name, sl.line, errors.Unwrap(err))
		}
		out.sites = append(out.sites, siteRun{line: sl.line, url: sl.url, opt: opt, out: siteOut})
	}
	return scan.Options{}, out, nil
}

// parseSiteValue reads a value of a --sites line by the setting's kind.
func parseSiteValue(s *setting, text string) (value, error) {
	switch s.kind {
	case kindInt:
		return parseAs(text, strconv.Atoi, "a whole number", func(n int) value { return value{n: n} })
	case kindBool:
		return parseAs(text, strconv.ParseBool, "true or false", func(b bool) value { return value{b: b} })
	case kindDuration:
		return parseAs(text, time.ParseDuration, "a duration such as 15s or 1m", func(d time.Duration) value { return value{d: d} })
	case kindList:
		return value{list: []string{text}}, nil
	}
	return value{s: text}, nil
}

// parseAs reads text with parse and puts the result in a value; want says what text must be.
func parseAs[T any](text string, parse func(string) (T, error), want string, put func(T) value) (value, error) {
	x, err := parse(text)
	if err != nil {
		return value{}, errors.New("want " + want)
	}
	return put(x), nil
}

// fleetEntry is one site in the fleet's index.
type fleetEntry struct {
	Site         string         `json:"site"`
	Line         int            `json:"line"`
	Report       string         `json:"report,omitempty"` // relative to the index
	Pages        int            `json:"pages"`
	Errors       int            `json:"errors"`
	Findings     map[string]int `json:"findings"` // by severity
	PaymentPages int            `json:"payment_pages"`
	Failed       string         `json:"failed,omitempty"` // why the audit did not complete
	Gate         string         `json:"gate"`             // pass, fail, or error
	Seconds      float64        `json:"seconds"`
}

// fleetIndex is index.json.
type fleetIndex struct {
	Tool     string       `json:"tool"`
	Started  time.Time    `json:"started_at"`
	Finished time.Time    `json:"finished_at"`
	Sites    []fleetEntry `json:"sites"`
}

// runFleet crawls the sites sitesAtOnce at a time (each its own audit, each bounded by its own
// timeouts, so a slow or broken site holds one slot and never the others), writes each site's
// reports in a folder of its own under -o, then index.json and index.html.
func runFleet(ctx context.Context, out output, stderr io.Writer) error {
	if err := os.MkdirAll(out.path, 0o755); err != nil {
		return &exitError{code: exitTrouble, err: err}
	}
	var client *redisq.Client
	if out.frontier != "" {
		var err error
		if client, err = redisq.Open(out.frontier); err != nil {
			return &exitError{code: exitTrouble, err: err}
		}
		defer client.Close()
	}
	baseID := out.crawlID
	if baseID == "" {
		baseID = redisq.NewID()
	}
	say := func(format string, a ...any) {
		if !out.quiet {
			fmt.Fprintf(stderr, "padlock: "+format+"\n", a...)
		}
	}
	say("crawling %d sites, %d at once", len(out.sites), out.sitesAtOnce)
	idx := fleetIndex{Tool: "padlock", Started: time.Now().UTC().Truncate(time.Second), Sites: make([]fleetEntry, len(out.sites))}
	var wg sync.WaitGroup
	slots := make(chan struct{}, max(out.sitesAtOnce, 1))
	var sayMu sync.Mutex
	for i := range out.sites {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				idx.Sites[i] = fleetEntry{Site: out.sites[i].url, Line: out.sites[i].line, Failed: "interrupted before it started", Gate: "error", Findings: map[string]int{}}
				return
			}
			defer func() { <-slots }()
			var id string
			if client != nil {
				id = fmt.Sprintf("%s-%d", baseID, i+1)
			}
			e := runSite(ctx, out.sites[i], i, out.path, client, id)
			idx.Sites[i] = e
			sayMu.Lock()
			defer sayMu.Unlock()
			if e.Failed != "" {
				say("%s: %s", termsafe.Line(e.Site), termsafe.Line(e.Failed))
			} else {
				say("%s: %d pages, %d errors, %d findings (gate %s)", termsafe.Line(e.Site), e.Pages, e.Errors, e.Findings["error"]+e.Findings["warning"]+e.Findings["info"], e.Gate)
			}
		}()
	}
	wg.Wait()
	idx.Finished = time.Now().UTC().Truncate(time.Second)
	if err := writeIndex(out.path, &idx); err != nil {
		return &exitError{code: exitTrouble, err: err}
	}
	say("index: %s", filepath.Join(out.path, "index.html"))
	code := exitOK
	for _, e := range idx.Sites {
		switch {
		case e.Gate == "error":
			code = exitTrouble
		case e.Gate == "fail" && code == exitOK:
			code = exitFindings
		}
	}
	if ctx.Err() != nil {
		return &exitError{code: exitTrouble, err: errors.New("interrupted: the index holds the sites crawled so far")}
	}
	if code != exitOK {
		return &exitError{code: code}
	}
	return nil
}

// runSite audits one site of the fleet and writes its reports into its folder.
func runSite(ctx context.Context, s siteRun, i int, dir string, client *redisq.Client, id string) fleetEntry {
	start := time.Now()
	e := fleetEntry{Site: s.url, Line: s.line, Findings: map[string]int{"error": 0, "warning": 0, "info": 0}, Gate: "error"}
	opt := s.opt // not spooled: the index counts the report's findings and payment pages
	if client != nil {
		opt.Crawler = client.Crawler(id, nil, scan.SharedRender(&opt))
	}
	rep, err := scan.Run(ctx, opt)
	e.Seconds = time.Since(start).Round(time.Millisecond).Seconds()
	if rep == nil {
		e.Failed = err.Error()
		return e
	}
	defer rep.Close()
	gate.Apply(rep, s.out.baseline, s.out.ignores, time.Now())
	folder := fmt.Sprintf("%03d-%s", i+1, slug(s.url))
	siteOut := s.out
	siteOut.path = filepath.Join(dir, folder) + string(os.PathSeparator)
	siteOut.summary = ""
	if err := os.MkdirAll(siteOut.path, 0o755); err != nil {
		e.Failed = err.Error()
		return e
	}
	paths, werr := writeReports(rep, siteOut, io.Discard)
	if werr != nil {
		e.Failed = werr.Error()
		return e
	}
	if len(paths) > 0 {
		e.Report, _ = filepath.Rel(dir, paths[0])
		e.Report = filepath.ToSlash(e.Report)
	}
	e.Pages, e.Errors = rep.Stats.Pages, rep.Stats.Errors
	for _, f := range rep.Findings {
		if f.Suppressed == nil {
			e.Findings[f.Severity.String()]++
		}
	}
	for _, p := range rep.Pages {
		if p.Payment {
			e.PaymentPages++
		}
	}
	switch {
	case errors.Is(err, crawler.ErrNoStart):
		e.Failed = fmt.Sprintf("%v: %s", err, startProblem(rep))
	case err != nil:
		e.Failed = err.Error()
	default:
		e.Gate = "pass"
		fails := len(report.PageFailures(rep, s.out.baseline, s.out.failOn, s.out.failOnCrawlErrors)) > 0
		for _, f := range rep.Findings {
			fails = fails || report.Fails(&f, s.out.failOn)
		}
		if fails {
			e.Gate = "fail"
		}
	}
	return e
}

// slug is a site's URL as a folder name: its host and path, letters, digits, dots and dashes.
func slug(raw string) string {
	raw = strings.TrimPrefix(strings.TrimPrefix(raw, "https://"), "http://")
	var b strings.Builder
	for _, r := range raw {
		switch {
		case r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '-'):
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "_"):
			b.WriteByte('_')
		}
		if b.Len() >= 60 {
			break
		}
	}
	return strings.Trim(b.String(), "_.")
}

// writeIndex writes index.json and index.html.
func writeIndex(dir string, idx *fleetIndex) error {
	b, err := json.MarshalIndent(idx, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "index.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	var h bytes.Buffer
	if err := indexHTML.Execute(&h, idx); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "index.html"), h.Bytes(), 0o644)
}

// indexHTML is the fleet's index page: self-contained (no script, no remote style), every value
// escaped by html/template.
var indexHTML = template.Must(template.New("index").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>padlock: {{len .Sites}} sites</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{padding:.3em .6em;border-bottom:1px solid #ddd;text-align:left}td.n{text-align:right}.fail{color:#b00}.error{color:#b00;font-weight:bold}.pass{color:#070}</style>
</head><body>
<h1>padlock: {{len .Sites}} sites</h1>
<p>Started {{.Started.Format "2006-01-02 15:04:05"}} UTC, finished {{.Finished.Format "2006-01-02 15:04:05"}} UTC.</p>
<table><thead><tr><th>site</th><th>gate</th><th>pages</th><th>errors</th><th>error</th><th>warning</th><th>info</th><th>payment pages</th><th>report</th></tr></thead><tbody>
{{range .Sites}}<tr><td>{{.Site}}</td><td class="{{.Gate}}">{{.Gate}}{{if .Failed}}: {{.Failed}}{{end}}</td><td class="n">{{.Pages}}</td><td class="n">{{.Errors}}</td><td class="n">{{index .Findings "error"}}</td><td class="n">{{index .Findings "warning"}}</td><td class="n">{{index .Findings "info"}}</td><td class="n">{{.PaymentPages}}</td><td>{{if .Report}}<a href="{{.Report}}">{{.Report}}</a>{{end}}</td></tr>
{{end}}</tbody></table>
</body></html>
`))
