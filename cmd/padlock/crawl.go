package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/gate"
	"github.com/padlock-scan/padlock/report"
	"github.com/padlock-scan/padlock/scan"
)

func crawlCommand(getenv func(string) string) *cli.Command {
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
			if out.sitesFile != "" {
				return runFleet(c.Context, out, c.App.ErrWriter)
			}
			// How much of each kind of record the report keeps in memory before writing a sorted
			// run to its temporary file: a knob for tests and measurements, not a setting.
			if n, err := strconv.Atoi(getenv("PADLOCK_SPILL_BYTES")); err == nil && n > 0 {
				opt.SpillBytes = n
			}
			if err := basicAuthFromEnv(&opt, getenv); err != nil {
				return err
			}
			opt.Flows.Env, opt.Flows.Shots = getenv, flowShots(out)
			if slices.Contains(out.formats, "markdown") {
				// Under GitHub Actions the job summary is the Markdown report's place.
				out.summary = getenv("GITHUB_STEP_SUMMARY")
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
	// failOnCrawlErrors: any page that fails to load fails the gate, not only start URLs and
	// the baseline's payment pages.
	failOnCrawlErrors bool
	// summary is the job summary file ($GITHUB_STEP_SUMMARY) the markdown report is appended
	// to; "" writes it where --output says, as the other formats.
	summary string
	// frontier, when set, shares the crawl over Redis under crawlID (worker_cmd.go).
	frontier, crawlID string
	// sitesFile, when set, is a fleet (fleet.go): sites, read from it, crawled sitesAtOnce at a
	// time.
	sitesFile   string
	sitesAtOnce int
	sites       []siteRun
}

// toStdout is the format written to standard output whatever --output says: GitHub reads
// workflow commands (annotations) from a step's log only.
const toStdout = "github"

// fileFormats are the formats that --output places: all but the annotations and a markdown
// report that goes to the job summary.
func (out output) fileFormats() []string {
	var fs []string
	for _, f := range out.formats {
		if f == toStdout || (f == "markdown" && out.summary != "") {
			continue
		}
		fs = append(fs, f)
	}
	return fs
}

// runCrawl runs the audit, writes every report (also after an interruption) and maps the outcome
// to an exit code.
func runCrawl(ctx context.Context, opt scan.Options, out output, stdout, stderr io.Writer) error {
	if err := checkWritable(out); err != nil {
		return &exitError{code: exitTrouble, err: err}
	}
	if !out.quiet {
		if len(opt.Crawl.StartURLs) == 0 {
			fmt.Fprintf(stderr, "padlock: checking the TLS of %s\n", strings.Join(opt.Crawl.Endpoints, " "))
		} else {
			fmt.Fprintf(stderr, "padlock: crawling %s\n", strings.Join(opt.Crawl.StartURLs, " "))
		}
	}
	if opt.Render.Browser.Warnf == nil {
		opt.Render.Browser.Warnf = func(format string, args ...any) { fmt.Fprintf(stderr, "padlock: "+format+"\n", args...) }
	}
	if opt.Crawl.Waiting == nil {
		opt.Crawl.Waiting = waitingNote(stderr, out.quiet)
	}
	if out.frontier != "" {
		closeFrontier, err := shareCrawl(&opt, out, stderr)
		if err != nil {
			return &exitError{code: exitTrouble, err: err}
		}
		defer closeFrontier()
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
		printSummary(stderr, rep, paths, out)
	}
	switch {
	case errors.Is(err, crawler.ErrNoStart):
		return &exitError{code: exitTrouble, err: fmt.Errorf("%w: %s", err, startProblem(rep))}
	case ctx.Err() != nil:
		return &exitError{code: exitTrouble, err: fmt.Errorf("interrupted: the report holds the %d pages crawled so far", rep.Stats.Pages)}
	case err != nil:
		return &exitError{code: exitTrouble, err: err}
	}
	pages := report.PageFailures(rep, out.baseline, out.failOn, out.failOnCrawlErrors)
	for _, p := range pages {
		fmt.Fprintf(stderr, "padlock: gate fails: %s %s did not load: %s\n", p.Why, p.URL, p.Error)
	}
	if len(pages) > 0 || rep.AnyFails(out.failOn) {
		return &exitError{code: exitFindings}
	}
	return nil
}

// startProblem says why the start URLs failed, from the report's errors.
func startProblem(rep *report.Report) string {
	var msgs []string
	var kinds []crawler.ErrorKind
	_ = rep.EachError(func(e *report.Error) error { // (spooled; a read error leaves the hint general)
		for _, s := range rep.StartURLs {
			if e.URL == s || strings.TrimSuffix(e.URL, "/") == strings.TrimSuffix(s, "/") {
				msgs = append(msgs, e.URL+": "+e.Error)
				kinds = append(kinds, e.Kind)
			}
		}
		return nil
	})
	if len(msgs) == 0 {
		return "see the report's errors"
	}
	return strings.Join(msgs, "; ") + fetchHint(kinds)
}

// fetchHint says what to try for the usual reasons a start URL cannot be fetched.
func fetchHint(kinds []crawler.ErrorKind) string {
	switch {
	case slices.Contains(kinds, crawler.ErrorUntrusted):
		return " (a private or staging CA? give its certificate with --ca-file FILE, or skip verification with --insecure)"
	case slices.Contains(kinds, crawler.ErrorDNS):
		return " (a host that only resolves elsewhere? map it with --resolve HOST:PORT:IP)"
	case slices.Contains(kinds, crawler.ErrorRefused):
		return " (nothing listens there: is the site up, and the port right?)"
	}
	return ""
}

// oneForStdout says what is wrong with writing these formats to standard output (-o -): it takes
// one, and the GitHub annotations always go there.
func oneForStdout(formats []string) error {
	others := slices.DeleteFunc(slices.Clone(formats), func(f string) bool { return f == toStdout })
	switch {
	case len(others) > 1:
		return fmt.Errorf("standard output takes one format, %d were asked for: give a folder instead", len(others))
	case len(others) == 1 && len(others) < len(formats):
		return fmt.Errorf("the github annotations go to standard output: give the %s report a file or folder instead", others[0])
	}
	return nil
}

// writeReports writes each format where it goes and returns the paths written: the file formats
// where --output says, the markdown report appended to the job summary when there is one, and
// the GitHub annotations to standard output, last.
func writeReports(rep *report.Report, out output, stdout io.Writer) ([]string, error) {
	opts := report.Options{FailOn: out.failOn}
	var paths []string
	if files := out.fileFormats(); out.path == "-" && len(files) > 0 {
		w, err := report.NewWithOptions(files[0], opts)
		if err != nil {
			return nil, err
		}
		if err := w.Write(stdout, rep); err != nil {
			return nil, err
		}
	}
	for _, t := range reportPaths(out) {
		if err := writeReportFile(t.path, t.format, rep, out.failOn); err != nil {
			return paths, err
		}
		paths = append(paths, t.path)
	}
	if out.summary != "" {
		if err := appendSummary(out.summary, rep, opts); err != nil {
			return paths, err
		}
		paths = append(paths, out.summary)
	}
	if slices.Contains(out.formats, toStdout) {
		w, _ := report.NewWithOptions(toStdout, opts)
		if err := w.Write(stdout, rep); err != nil {
			return paths, err
		}
	}
	return paths, nil
}

// appendSummary appends the markdown report to the job summary file: earlier steps' summaries
// stay.
func appendSummary(path string, rep *report.Report, opts report.Options) error {
	w, _ := report.NewWithOptions("markdown", opts)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("write the job summary: %w", err)
	}
	if err := w.Write(f, rep); err != nil {
		f.Close()
		return fmt.Errorf("write the job summary: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write the job summary: %w", err)
	}
	return nil
}

// target is a report written to a file.
type target struct{ format, path string }

// reportPaths is the file each file format goes to (none for standard output).
func reportPaths(out output) []target {
	files := out.fileFormats()
	if out.path == "-" {
		return nil
	}
	folder := ""
	switch {
	case out.path == "" && len(files) > 1:
		folder = "."
	case out.path != "" && (len(files) > 1 || isDir(out.path) || strings.HasSuffix(out.path, string(os.PathSeparator)) || strings.HasSuffix(out.path, "/")):
		folder = out.path
	}
	targets := make([]target, len(files))
	for i, f := range files {
		targets[i].format = f
		switch {
		case folder != "":
			targets[i].path = filepath.Join(folder, "padlock."+report.Extension(f))
		case out.path != "":
			targets[i].path = out.path
		default:
			targets[i].path = "padlock-report." + report.Extension(f)
		}
	}
	return targets
}

// checkWritable makes sure every report can be written before a crawl that may take an hour:
// it creates the folders and a temporary file beside each report, then removes the file.
func checkWritable(out output) error {
	if out.summary != "" {
		f, err := os.OpenFile(out.summary, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return fmt.Errorf("cannot write the job summary to %s: %w", out.summary, err)
		}
		f.Close()
	}
	for _, t := range reportPaths(out) {
		path := t.path
		if special(path) {
			// A device or a pipe (-o /dev/null, a FIFO): opening it is the check.
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				return fmt.Errorf("cannot write the %s report to %s: %w", t.format, path, err)
			}
			f.Close()
			continue
		}
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return fmt.Errorf("cannot write the %s report to %s: %w", t.format, path, err)
			}
		}
		f, err := os.OpenFile(path+".tmp", os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return fmt.Errorf("cannot write the %s report to %s: %w", t.format, path, err)
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

// printSummary prints the report's summary, where the reports are and the peak memory.
func printSummary(w io.Writer, rep *report.Report, paths []string, out output) {
	_ = report.WriteSummary(w, rep, out.baseline != nil) // stderr: nowhere to report a failure to
	for _, p := range paths {
		if p == out.summary {
			fmt.Fprintf(w, "padlock: job summary appended to %s\n", p)
			continue
		}
		fmt.Fprintf(w, "padlock: report written to %s\n", p)
	}
	if b, ok := peakMemory(); ok {
		fmt.Fprintf(w, "padlock: peak memory %.0f MB\n", float64(b)/(1<<20))
	}
}
