package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/gate"
	"github.com/padlock-scan/padlock/report"
	"github.com/padlock-scan/padlock/rules"
	"github.com/padlock-scan/padlock/scan"
)

func crawlFlags() []cli.Flag {
	return []cli.Flag{
		&cli.IntFlag{Name: "max-pages", Value: crawler.DefaultMaxPages, Usage: "stop after `N` HTML pages"},
		&cli.IntFlag{Name: "max-depth", Value: 0, Usage: "link depth `N` from a start URL (0: unlimited)"},
		&cli.BoolFlag{Name: "no-follow", Usage: "check only the start URLs and their sub-resources; follow no links, sitemaps or frames"},
		&cli.StringFlag{Name: "check-resources", Value: crawler.CheckAll, Usage: "which sub-resources padlock requests itself, each URL once (`LEVEL`): all (redirects, https copies, scripts and stylesheets), scripts (scripts and stylesheets), none (stylesheets only)"},
		&cli.IntFlag{Name: "concurrency", Aliases: []string{"c"}, Value: crawler.DefaultConcurrency, Usage: "`N` parallel requests"},
		&cli.DurationFlag{Name: "timeout", Value: crawler.DefaultTimeout, Usage: "per-request timeout (Go `DURATION`: 15s, 1m)"},
		&cli.DurationFlag{Name: "delay", Usage: "least time between two page requests to one host (`DURATION`; robots.txt's Crawl-delay may ask more), for production sites"},
		&cli.StringSliceFlag{Name: "resolve", Usage: "connect to ADDR for HOST:PORT, as curl's --resolve (`HOST:PORT:ADDR`, HOST may be *; repeatable)"},
		&cli.StringFlag{Name: "ca-file", Usage: "extra trusted root certificates (`PEM` file), for a preview deployment with its own CA"},
		&cli.StringSliceFlag{Name: "header", Aliases: []string{"H"}, Usage: "`\"K: V\"` header sent only to the start URLs' origins, never to third parties or after a redirect off them (repeatable)"},
		&cli.StringSliceFlag{Name: "first-party", Usage: "registrable `DOMAIN` that counts as the site's own besides the start URLs' (repeatable)"},
		&cli.StringSliceFlag{Name: "allow-script", Usage: "approved third-party script `ORIGIN` or host pattern such as *.provider.test: inventoried, not flagged (repeatable)"},
		&cli.StringSliceFlag{Name: "format", Aliases: []string{"f"}, Usage: "report `FORMAT`: " + strings.Join(report.Formats(), ", ") + " (repeatable; default json)"},
		&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "where reports go: a file for one format, a folder for several, - for standard output (`PATH`; default padlock-report.<format>)"},
		&cli.StringFlag{Name: "fail-on", Value: "error", Usage: "lowest severity that makes exit 1 (`LEVEL`): error, warning, info or never"},
		&cli.StringFlag{Name: "config", Usage: "YAML `FILE` with the same settings (default: padlock.yml in the working folder, if present); flags override it"},
		&cli.StringFlag{Name: "user-agent", Value: crawler.DefaultUserAgent, Usage: "User-Agent `STRING` (robots.txt groups are matched against it)"},
		&cli.StringSliceFlag{Name: "exclude", Usage: "do not crawl pages whose URL matches `REGEX` (repeatable)"},
		&cli.StringSliceFlag{Name: "include", Usage: "crawl only pages whose URL matches one `REGEX` (repeatable; start URLs always)"},
		&cli.BoolFlag{Name: "ignore-robots", Usage: "ignore robots.txt (respected by default, with its Crawl-delay)"},
		&cli.StringSliceFlag{Name: "sitemap", Usage: "sitemap `URL` to read besides /sitemap.xml and robots.txt's Sitemap: lines (repeatable)"},
		&cli.StringFlag{Name: "max-body", Value: "10MB", Usage: "bytes of a page or stylesheet that are read (`SIZE`: 10MB, 512KB); longer ones are cut and reported"},
		&cli.BoolFlag{Name: "insecure", Usage: "go on past an invalid certificate on the site's own hosts (it is still reported)"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print nothing on standard error but errors"},
		&cli.StringFlag{Name: "baseline", Usage: "a previous JSON `REPORT`: findings are marked new or known, fixed ones listed, and only new ones fail the gate"},
		&cli.StringSliceFlag{Name: "rule", Usage: "run only this `RULE` (repeatable; padlock rules lists them)"},
		&cli.StringSliceFlag{Name: "disable", Usage: "do not run this `RULE` (repeatable), e.g. hsts-missing on a preview host"},
	}
}

func crawlCommand() *cli.Command {
	return &cli.Command{
		Name:      "crawl",
		Usage:     "crawl from the start URLs and report",
		ArgsUsage: "URL...",
		Flags:     crawlFlags(),
		Action: func(c *cli.Context) error {
			opt, out, err := crawlOptions(c)
			if err != nil {
				return err
			}
			return runCrawl(c.Context, opt, out, c.App.Writer, c.App.ErrWriter)
		},
	}
}

// output says which reports to write where, and what fails the gate.
type output struct {
	formats  []string
	path     string // "" default, "-" stdout, a file or a folder
	failOn   report.FailOn
	quiet    bool
	baseline *report.Report
	ignores  []gate.Ignore
}

// crawlOptions turns flags (and the config file) into typed options; every problem is a usage
// error naming the flag or key.
func crawlOptions(c *cli.Context) (scan.Options, output, error) {
	var opt scan.Options
	var out output
	file, err := loadConfig(c)
	if err != nil {
		return opt, out, err
	}
	s := mergeSettings(c, file)

	urls := c.Args().Slice()
	if len(urls) == 0 {
		urls = s.URLs
	}
	if len(urls) == 0 {
		return opt, out, usageErr("crawl needs at least one start URL (padlock crawl https://shop.example/)")
	}
	cc := crawler.Config{
		StartURLs:      urls,
		MaxPages:       s.MaxPages,
		MaxDepth:       s.MaxDepth,
		NoFollow:       s.NoFollow,
		CheckResources: s.CheckResources,
		Concurrency:    s.Concurrency,
		Timeout:        s.Timeout,
		Resolve:        s.Resolve,
		CAFile:         s.CAFile,
		FirstParty:     s.FirstParty,
		UserAgent:      s.UserAgent,
		IgnoreRobots:   s.IgnoreRobots,
		Sitemaps:       s.Sitemaps,
		Insecure:       s.Insecure,
		Delay:          s.Delay,
	}
	// the bounds the config file is checked with (checkInt, checkDuration)
	for _, n := range []struct {
		flag string
		v    int
	}{{"max-pages", s.MaxPages}, {"concurrency", s.Concurrency}} {
		if msg := checkInt(n.flag, n.v); msg != "" {
			return opt, out, usageErr("--%s %d: %s", n.flag, n.v, msg)
		}
	}
	if msg := checkDuration("timeout", s.Timeout); msg != "" {
		return opt, out, usageErr("--timeout %s: %s", s.Timeout, msg)
	}
	if cc.MaxBody, err = parseSize(s.MaxBody); err != nil {
		return opt, out, usageErr("--max-body %q: %v", s.MaxBody, err)
	}
	if cc.Headers, err = parseHeaders(s.Headers); err != nil {
		return opt, out, err
	}
	if cc.Include, err = compileAll("include", s.Include); err != nil {
		return opt, out, err
	}
	if cc.Exclude, err = compileAll("exclude", s.Exclude); err != nil {
		return opt, out, err
	}
	for _, a := range s.AllowScript {
		if err := rules.ValidateOriginPattern(a); err != nil {
			return opt, out, usageErr("--allow-script %q: %v", a, err)
		}
	}
	if err := cc.Validate(); err != nil {
		return opt, out, usageErr("%v", err)
	}
	failOn, err := report.ParseFailOn(s.FailOn)
	if err != nil {
		return opt, out, usageErr("--fail-on %q: want error, warning, info or never", s.FailOn)
	}
	formats := s.Formats
	if len(formats) == 0 {
		formats = []string{"json"}
	}
	seen := map[string]bool{}
	for _, f := range formats {
		if _, err := report.New(f); err != nil {
			return opt, out, usageErr("--format: %v", err)
		}
		if seen[f] {
			return opt, out, usageErr("--format %s given twice", f)
		}
		seen[f] = true
	}
	if s.Output == "-" && len(formats) > 1 {
		return opt, out, usageErr("--output -: standard output takes one format, %d were asked for", len(formats))
	}
	if len(s.Rules) > 0 || len(s.Disable) > 0 {
		if opt.Selected, err = rules.Select(s.Rules, s.Disable); err != nil {
			return opt, out, usageErr("--rule/--disable: %v", err)
		}
	}
	opt.Crawl = cc
	opt.Rules = rules.Config{FirstParty: s.FirstParty, AllowScript: s.AllowScript, ScriptJustifications: s.ScriptReasons}
	opt.Settings = &report.Settings{
		MaxPages: s.MaxPages, MaxDepth: s.MaxDepth, CheckResources: s.CheckResources,
		FailOn: s.FailOn, FirstParty: s.FirstParty, AllowScript: s.AllowScript,
		NoFollow: s.NoFollow, Include: s.Include, Exclude: s.Exclude, IgnoreRobots: s.IgnoreRobots,
	}
	if opt.Selected != nil {
		on := map[string]bool{}
		for _, r := range opt.Selected {
			on[r.ID] = true
		}
		for _, id := range rules.IDs() {
			if !on[id] {
				opt.Settings.RulesDisabled = append(opt.Settings.RulesDisabled, id)
			}
		}
	}
	out = output{formats: formats, path: s.Output, failOn: failOn, quiet: s.Quiet, ignores: s.Ignore}
	if s.Baseline != "" {
		// read first: a bad baseline must fail before a long crawl, not after it
		if out.baseline, err = report.ReadFileWithoutResources(s.Baseline); err != nil {
			return opt, out, usageErr("--baseline %s: %v", s.Baseline, err)
		}
	}
	return opt, out, nil
}

// runCrawl runs the audit, writes every report (also after an interruption) and maps the outcome
// to an exit code.
func runCrawl(ctx context.Context, opt scan.Options, out output, stdout, stderr io.Writer) error {
	if err := checkWritable(out); err != nil {
		return &exitError{code: exitTrouble, err: err}
	}
	if !out.quiet {
		fmt.Fprintf(stderr, "padlock: crawling %s\n", strings.Join(opt.Crawl.StartURLs, " "))
	}
	update, finish := newProgress(stderr, out.quiet)
	opt.Progress = update
	opt.Spool = true
	rep, err := scan.Run(ctx, opt)
	finish()
	if rep == nil {
		return &exitError{code: exitTrouble, err: err}
	}
	defer rep.Close()
	gate.Apply(rep, out.baseline, out.ignores, time.Now())
	for _, w := range rep.Warnings {
		fmt.Fprintln(stderr, "padlock: warning:", w)
	}
	paths, werr := writeReports(rep, out, stdout)
	if werr != nil {
		return &exitError{code: exitTrouble, err: werr}
	}
	if !out.quiet {
		printSummary(stderr, rep, paths, out.baseline != nil)
	}
	switch {
	case errors.Is(err, crawler.ErrNoStart):
		return &exitError{code: exitTrouble, err: fmt.Errorf("%w: %s", err, startProblem(rep))}
	case ctx.Err() != nil:
		return &exitError{code: exitTrouble, err: fmt.Errorf("interrupted: the report holds the %d pages crawled so far", rep.Stats.Pages)}
	case err != nil:
		return &exitError{code: exitTrouble, err: err}
	}
	if slices.ContainsFunc(rep.Findings, func(f report.Finding) bool { return report.Fails(&f, out.failOn) }) {
		return &exitError{code: exitFindings}
	}
	return nil
}

// startProblem says why the start URLs failed, from the report's errors.
func startProblem(rep *report.Report) string {
	var msgs []string
	for _, e := range rep.Errors {
		for _, s := range rep.StartURLs {
			if e.URL == s || strings.TrimSuffix(e.URL, "/") == strings.TrimSuffix(s, "/") {
				msgs = append(msgs, e.URL+": "+e.Error)
			}
		}
	}
	if len(msgs) == 0 {
		return "see the report's errors"
	}
	return strings.Join(msgs, "; ") + fetchHint(strings.Join(msgs, " "))
}

// fetchHint says what to try for the usual reasons a start URL cannot be fetched.
func fetchHint(msg string) string {
	switch {
	case strings.Contains(msg, "unknown authority") || strings.Contains(msg, "certificate is not trusted"):
		return " (a private or staging CA? give its certificate with --ca-file FILE, or skip verification with --insecure)"
	case strings.Contains(msg, "no such host"):
		return " (a host that only resolves elsewhere? map it with --resolve HOST:PORT:IP)"
	case strings.Contains(msg, "connection refused"):
		return " (nothing listens there: is the site up, and the port right?)"
	}
	return ""
}

// writeReports writes each format where --output says and returns the paths written.
func writeReports(rep *report.Report, out output, stdout io.Writer) ([]string, error) {
	if out.path == "-" {
		w, err := report.NewWithOptions(out.formats[0], report.Options{FailOn: out.failOn})
		if err != nil {
			return nil, err
		}
		return nil, w.Write(stdout, rep)
	}
	var paths []string
	for i, path := range reportPaths(out) {
		if err := writeReportFile(path, out.formats[i], rep, out.failOn); err != nil {
			return paths, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// reportPaths is the file each format goes to (none for standard output).
func reportPaths(out output) []string {
	if out.path == "-" {
		return nil
	}
	folder := ""
	switch {
	case out.path == "" && len(out.formats) > 1:
		folder = "."
	case out.path != "" && (len(out.formats) > 1 || isDir(out.path) || strings.HasSuffix(out.path, string(os.PathSeparator)) || strings.HasSuffix(out.path, "/")):
		folder = out.path
	}
	paths := make([]string, len(out.formats))
	for i, f := range out.formats {
		switch {
		case folder != "":
			paths[i] = filepath.Join(folder, "padlock."+report.Extension(f))
		case out.path != "":
			paths[i] = out.path
		default:
			paths[i] = "padlock-report." + report.Extension(f)
		}
	}
	return paths
}

// checkWritable makes sure every report can be written before a crawl that may take an hour:
// it creates the folders and a temporary file beside each report, then removes the file.
func checkWritable(out output) error {
	for i, path := range reportPaths(out) {
		if special(path) {
			// A device or a pipe (-o /dev/null, a FIFO): opening it is the check.
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				return fmt.Errorf("cannot write the %s report to %s: %w", out.formats[i], path, err)
			}
			f.Close()
			continue
		}
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return fmt.Errorf("cannot write the %s report to %s: %w", out.formats[i], path, err)
			}
		}
		f, err := os.OpenFile(path+".tmp", os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return fmt.Errorf("cannot write the %s report to %s: %w", out.formats[i], path, err)
		}
		f.Close()
		os.Remove(path + ".tmp")
	}
	return nil
}

func writeReportFile(path, format string, rep *report.Report, failOn report.FailOn) error {
	w, err := report.NewWithOptions(format, report.Options{FailOn: failOn})
	if err != nil {
		return err
	}
	if special(path) {
		// Never replace a device or a pipe with a file (as root, renaming over /dev/null would
		// destroy it): write into it as it is.
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return fmt.Errorf("write %s report: %w", format, err)
		}
		if err := w.Write(f, rep); err != nil {
			f.Close()
			return fmt.Errorf("write %s report: %w", format, err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("write %s report: %w", format, err)
		}
		return nil
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("write %s report: %w", format, err)
		}
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("write %s report: %w", format, err)
	}
	if err := w.Write(f, rep); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("write %s report: %w", format, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s report: %w", format, err)
	}
	return os.Rename(tmp, path)
}

// special tells whether path already exists as something other than a regular file or a
// folder: a device such as /dev/null, a named pipe or a socket. Reports are written into such a
// path directly, not through a temporary file renamed over it.
func special(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.Mode().IsRegular() && !st.IsDir()
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// printSummary prints a table of findings per rule and severity, the gate's view (suppressed,
// and with a baseline new and fixed) and where the reports are.
func printSummary(w io.Writer, rep *report.Report, paths []string, baseline bool) {
	fmt.Fprintf(w, "padlock: %d pages, %d resources, %d requests, %d findings, %d crawl errors\n",
		rep.Stats.Pages, rep.Stats.Resources, rep.Stats.Requests, rep.Stats.Findings, rep.Stats.Errors)
	type row struct{ total, suppressed, newer int }
	rows, newer := map[string]*row{}, 0
	for _, f := range rep.Findings {
		r := rows[f.Rule]
		if r == nil {
			r = &row{}
			rows[f.Rule] = r
		}
		r.total++
		if f.Suppressed != nil {
			r.suppressed++
		}
		if f.Baseline == report.BaselineNew {
			r.newer++
			newer++
		}
	}
	if len(rows) > 0 {
		head := fmt.Sprintf("  %-26s %-8s %7s %10s", "rule", "severity", "count", "suppressed")
		if baseline {
			head += fmt.Sprintf(" %5s", "new")
		}
		fmt.Fprintln(w, head)
		for _, r := range rules.All() {
			if x := rows[r.ID]; x != nil {
				line := fmt.Sprintf("  %-26s %-8s %7d %10d", r.ID, r.Severity, x.total, x.suppressed)
				if baseline {
					line += fmt.Sprintf(" %5d", x.newer)
				}
				fmt.Fprintln(w, line)
			}
		}
	}
	if n := len(rep.Fixes); n > 0 {
		easy, unknown := 0, 0
		for _, f := range rep.Fixes {
			switch f.Action {
			case "use-https":
				easy++
			case "check":
				unknown++
			}
		}
		switch {
		case unknown == n:
			fmt.Fprintf(w, "padlock: %d insecure URLs to fix (see the report's fix list; --check-resources all tells which only need https://)\n", n)
		default:
			fmt.Fprintf(w, "padlock: %d insecure URLs to fix, %d of them by switching to https:// (see the report's fix list)\n", n, easy)
		}
	}
	if baseline {
		fmt.Fprintf(w, "padlock: against the baseline: %d new, %d fixed\n", newer, len(rep.Fixed))
	}
	if rep.Stats.NotCrawled > 0 {
		why := "--max-pages reached"
		if rep.Interrupted {
			why = "interrupted"
		}
		fmt.Fprintf(w, "padlock: %s; %d queued URLs were not crawled\n", why, rep.Stats.NotCrawled)
	}
	for _, p := range paths {
		fmt.Fprintf(w, "padlock: report written to %s\n", p)
	}
	if b, ok := peakMemory(); ok {
		fmt.Fprintf(w, "padlock: peak memory %.0f MB\n", float64(b)/(1<<20))
	}
}

func parseHeaders(hs []string) (http.Header, error) {
	out := http.Header{}
	for _, h := range hs {
		k, v, ok := strings.Cut(h, ":")
		k = strings.TrimSpace(k)
		if !ok || k == "" || strings.ContainsAny(k, " \t\r\n") {
			return nil, usageErr("--header %q: want \"Name: value\"", h)
		}
		if strings.ContainsAny(v, "\r\n") {
			return nil, usageErr("--header %q: a value cannot contain a line break", h)
		}
		out.Add(k, strings.TrimSpace(v))
	}
	return out, nil
}

func compileAll(flag string, exprs []string) ([]*regexp.Regexp, error) {
	var out []*regexp.Regexp
	for _, e := range exprs {
		re, err := regexp.Compile(e)
		if err != nil {
			return nil, usageErr("--%s %q: %v", flag, e, err)
		}
		out = append(out, re)
	}
	return out, nil
}

// parseSize reads 10MB, 512KB, 1GB or a plain number of bytes.
func parseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	var n int64
	if _, err := fmt.Sscanf(t, "%d", &n); err != nil || n <= 0 || fmt.Sprint(n) != t {
		return 0, errors.New("want a size such as 10MB, 512KB or 1048576")
	}
	return n * mult, nil
}
