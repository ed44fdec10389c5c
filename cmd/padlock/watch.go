package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/urfave/cli/v2"

	"github.com/padlock-scan/padlock/alert"
	"github.com/padlock-scan/padlock/crawler/redisq"
	"github.com/padlock-scan/padlock/history"
	"github.com/padlock-scan/padlock/internal/pause"
	"github.com/padlock-scan/padlock/internal/version"
	"github.com/padlock-scan/padlock/report"
	"github.com/padlock-scan/padlock/scan"
)

// watchSettings are padlock watch's own settings (the table's entries of command "watch").
type watchSettings struct {
	every time.Duration
	cron  string
	once  bool
	store string
	// keepReports is how many runs keep their report in the store (0: all).
	keepReports int
	webhook     string
	secret      string
	slack       string
}

func watchCommand(getenv func(string) string) *cli.Command {
	return &cli.Command{
		Name:  "watch",
		Usage: "crawl on a schedule, keep the history, alert when payment pages' scripts or headers, findings or TLS change",
		Description: "Each run crawls as padlock crawl does (same flags, same padlock.yml), compares with the last good run\n" +
			"(the scripts and security headers of payment pages, the findings, TLS and certificates), records the run\n" +
			"in the history store and alerts (stderr, --alert-webhook, --alert-slack) when something changed or a\n" +
			"payment page could not be checked. padlock history and padlock evidence read the store.",
		ArgsUsage: "URL...",
		Flags:     watchFlags(),
		Action: func(c *cli.Context) error {
			w, err := newWatcher(c, getenv)
			if err != nil {
				return err
			}
			defer w.close()
			return w.main(c.Context)
		},
	}
}

// watchFlags are the crawl's flags and watch's own.
func watchFlags() []cli.Flag {
	flags := crawlFlags()
	for _, s := range settingsTable() {
		if f := s.flag(); f != nil && s.command == "watch" {
			flags = append(flags, f)
		}
	}
	return flags
}

func checkCron(v value) error {
	if _, err := cron.ParseStandard(v.s); err != nil {
		return fmt.Errorf("want a cron schedule of 5 fields such as \"0 3 * * 1\": %v", err)
	}
	return nil
}

// watcher runs the watch loop: crawl, compare with the baseline, record, alert, wait.
type watcher struct {
	opt        scan.Options
	out        output // reports are written after each run when --output is given
	site       string
	configHash string
	store      *history.Store
	channels   []alert.Channel
	stdout     io.Writer
	stderr     io.Writer
	quiet      bool
	once       bool
	// keepReports is how many runs keep their report in the store (0: every run).
	keepReports int
	// next is when the run after one started at t starts.
	next func(t time.Time) time.Time
	// now, sleep and scanRun are the clock, the wait and the crawl: tests inject their own.
	now     func() time.Time
	sleep   func(ctx context.Context, d time.Duration) error
	scanRun func(ctx context.Context, opt scan.Options) (*report.Report, error)
	// baseline is the report of run baselineRun, the last good one: this watcher's, or read back
	// from the store. It is spooled and stays open until another replaces it (close closes it).
	baseline    *report.Report
	baselineRun int64
	// frontier, with --frontier, shares each run's crawl over Redis as crawl crawlID-UNIXTIME
	// (crawlID: a new random one each run when not given); workers without --crawl-id serve them.
	frontier *redisq.Client
	crawlID  string
}

func newWatcher(c *cli.Context, getenv func(string) string) (*watcher, error) {
	cfg, m, err := configure(c)
	if err != nil {
		return nil, err
	}
	if err := basicAuthFromEnv(&cfg.scan, getenv); err != nil {
		return nil, err
	}
	cfg.scan.Flows.Env, cfg.scan.Flows.Shots = getenv, flowShots(cfg.out)
	ws := cfg.watch
	set := 0
	for _, b := range []bool{ws.every > 0, ws.cron != "", ws.once} {
		if b {
			set++
		}
	}
	if set != 1 {
		return nil, usageErr("watch needs one of --every DURATION, --cron SCHEDULE or --once")
	}
	if cfg.scan.Crawl.CheckResources == "none" {
		return nil, m.problem("check-resources", `"none"`, errors.New("watch compares the bytes of scripts: use all or scripts"))
	}
	if ws.secret == "" {
		ws.secret = getenv("PADLOCK_ALERT_SECRET")
	}
	if ws.secret != "" && ws.webhook == "" {
		return nil, usageErr("--alert-secret signs --alert-webhook's bodies: give --alert-webhook too")
	}
	w := &watcher{
		opt: cfg.scan, out: cfg.out, site: cfg.scan.Crawl.StartURLs[0], configHash: configHash(m),
		stdout: c.App.Writer, stderr: c.App.ErrWriter, quiet: cfg.out.quiet, once: ws.once, keepReports: ws.keepReports,
		now: time.Now, sleep: pause.For, scanRun: scan.Run,
	}
	if m.from["output"] == fromDefault {
		w.out.path = "" // reports are written only where --output says
		w.out.formats = nil
	}
	switch {
	case ws.every > 0:
		every := ws.every
		w.next = func(t time.Time) time.Time { return t.Add(every) }
	case ws.cron != "":
		sched, _ := cron.ParseStandard(ws.cron) // checked
		w.next = func(t time.Time) time.Time { return sched.Next(t) }
	}
	if ws.webhook != "" {
		w.channels = append(w.channels, &alert.Webhook{URL: ws.webhook, Secret: ws.secret})
	}
	if ws.slack != "" {
		w.channels = append(w.channels, &alert.Slack{URL: ws.slack})
	}
	if cfg.out.frontier != "" {
		if w.frontier, err = redisq.Open(cfg.out.frontier); err != nil {
			return nil, usageErr("--frontier: %v", err)
		}
		w.crawlID = cfg.out.crawlID
	}
	if w.store, err = history.Open(ws.store); err != nil {
		w.closeFrontier()
		return nil, &exitError{code: exitTrouble, err: err}
	}
	took, err := w.store.Lock(c.Context, time.Now())
	if err != nil {
		w.store.Close()
		w.closeFrontier()
		return nil, &exitError{code: exitTrouble, err: err}
	}
	if took != nil {
		fmt.Fprintf(w.stderr, "padlock: took over the store's lock from pid %d on %s (last heartbeat %s): that watcher is gone\n",
			took.PID, took.Host, took.Heartbeat.Format(time.RFC3339))
	}
	return w, nil
}

func (w *watcher) close() {
	w.keepBaseline(nil, 0)
	w.store.Unlock(context.Background())
	w.store.Close()
	w.closeFrontier()
}

func (w *watcher) closeFrontier() {
	if w.frontier != nil {
		w.frontier.Close()
	}
}

// configHash identifies the settings that shape a run's results (not where reports go, nor the
// schedule or the alerts): two runs with the same hash crawled alike.
func configHash(m *merged) string {
	h := sha256.New()
	for _, s := range settingsTable() {
		switch {
		case s.command != "", s.name == "quiet", s.name == "output", s.name == "format":
			continue
		}
		fmt.Fprintf(h, "%s=%#v\n", s.name, m.vals[s.name])
	}
	return fmt.Sprintf("%x", h.Sum(nil)[:8])
}

// main runs the loop until ctx ends (or once), keeping the store's lock alive.
func (w *watcher) main(ctx context.Context) error {
	beat, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		t := time.NewTicker(history.HeartbeatEvery)
		defer t.Stop()
		for {
			select {
			case <-beat.Done():
				return
			case <-t.C:
				if err := w.store.Heartbeat(beat, time.Now()); err != nil && beat.Err() == nil {
					fmt.Fprintln(w.stderr, "padlock: warning:", err)
				}
			}
		}
	}()
	return w.loop(ctx)
}

// loop runs, then waits for the next run, until ctx ends; with --once it returns after one run,
// exit 1 when the run alerted.
func (w *watcher) loop(ctx context.Context) error {
	for {
		run, err := w.runOnce(ctx)
		if err != nil {
			return &exitError{code: exitTrouble, err: err}
		}
		if w.once || w.next == nil {
			if run.Outcome == history.OutcomeChanged || run.Outcome == history.OutcomeDegraded {
				return &exitError{code: exitFindings}
			}
			if run.Outcome == history.OutcomeInterrupted {
				return &exitError{code: exitTrouble, err: errors.New("interrupted")}
			}
			return nil
		}
		if ctx.Err() != nil {
			return nil // stopped: the run was recorded as interrupted
		}
		at := w.next(run.StartedAt)
		if !w.quiet {
			fmt.Fprintf(w.stderr, "padlock: next run at %s\n", at.Format(time.RFC3339))
		}
		if err := w.sleep(ctx, at.Sub(w.now())); err != nil {
			return nil // stopped while waiting
		}
	}
}

// runOnce makes one run: first the deliveries earlier runs could not make, then the crawl, the
// comparison with the baseline, the record and the alert.
func (w *watcher) runOnce(ctx context.Context) (*history.Run, error) {
	w.redeliver(ctx)
	// The record of a run is written even when the watcher is being stopped.
	keep := context.WithoutCancel(ctx)
	run := &history.Run{Site: w.site, StartedAt: w.now().UTC(), ToolVersion: version.Get().Version, ConfigHash: w.configHash}
	baseRun, err := w.store.Baseline(keep, w.site)
	if err != nil {
		return nil, err
	}
	var base *report.Report
	if baseRun != nil {
		if base = w.baseline; w.baselineRun != baseRun.ID || base == nil {
			// the first run since the start: the baseline is read back from the store
			if base, err = w.store.Report(keep, baseRun.ID); err != nil {
				return nil, err
			}
			if base != nil {
				w.keepBaseline(base, baseRun.ID)
			}
		}
		run.BaselineRun = baseRun.ID
	}
	if !w.quiet {
		fmt.Fprintf(w.stderr, "padlock: run at %s: crawling %s\n", run.StartedAt.Format(time.RFC3339), strings.Join(w.opt.Crawl.StartURLs, " "))
	}
	opt := w.opt
	opt.Now = w.now
	// Spooled as padlock crawl's: the history compares and records it a page and a record at a
	// time, so a watch's memory stays flat in pages too.
	opt.Spool = true
	if opt.Render.Browser.Warnf == nil {
		opt.Render.Browser.Warnf = func(format string, args ...any) { fmt.Fprintf(w.stderr, "padlock: "+format+"\n", args...) }
	}
	if w.frontier != nil {
		id := w.crawlID
		if id == "" {
			id = redisq.NewID()
		}
		id = fmt.Sprintf("%s-%d", id, run.StartedAt.Unix())
		opt.Crawler = w.frontier.Crawler(id, func(id string) {
			if !w.quiet {
				fmt.Fprintf(w.stderr, "padlock: crawl %s shared over Redis: padlock worker --frontier URL serves it\n", id)
			}
		}, scan.SharedRender(&opt))
	}
	rep, scanErr := w.scanRun(ctx, opt)
	if rep != nil {
		// What the spool holds in memory goes to its file: the comparison, the record and the
		// next run (when it is the baseline) read it from there.
		if err := rep.Spill(); err != nil {
			fmt.Fprintln(w.stderr, "padlock: warning:", err)
		}
	}
	defer func() {
		if rep != nil && rep != w.baseline {
			rep.Close()
		}
	}()
	switch {
	case ctx.Err() != nil:
		run.Outcome = history.OutcomeInterrupted
	case rep == nil:
		run.Outcome, run.Reasons = history.OutcomeDegraded, []string{"the crawl did not run: " + scanErr.Error()}
	default:
		if scanErr != nil {
			run.Reasons = append(run.Reasons, "the crawl failed: "+scanErr.Error()+": "+startProblem(rep))
		}
		why, err := history.Degraded(base, rep)
		if err == nil && base != nil {
			run.Changes, err = history.Compare(base, rep)
		}
		if err != nil {
			why = append(why, "the run could not be compared with the baseline: "+err.Error())
		}
		run.Reasons = append(run.Reasons, why...)
		switch {
		case len(run.Reasons) > 0:
			run.Outcome = history.OutcomeDegraded
		case len(run.Changes) > 0:
			run.Outcome = history.OutcomeChanged
		default:
			run.Outcome = history.OutcomeOK
		}
	}
	if rep != nil {
		run.Pages, run.Findings = rep.NumPages(), rep.NumFindings()
		_ = rep.EachPage(func(p *report.Page) error { // (a read error: Compare's, a degraded run)
			if p.Payment {
				run.PaymentPages++
			}
			return nil
		})
	}
	run.FinishedAt = w.now().UTC()
	if _, err := w.store.Record(keep, run, rep); err != nil {
		return nil, err
	}
	if _, err := w.store.PruneReports(keep, w.site, w.keepReports); err != nil {
		fmt.Fprintln(w.stderr, "padlock: warning:", err)
	}
	if run.Good() {
		w.keepBaseline(rep, run.ID) // the next run's baseline, kept rather than read back
	}
	if rep != nil && w.out.path != "" {
		if _, err := writeReports(rep, w.out, w.stdout); err != nil {
			fmt.Fprintln(w.stderr, "padlock: warning:", err)
		}
	}
	w.tell(keep, run, baseRun)
	return run, nil
}

// keepBaseline makes rep (run id's report) the baseline, closing the one it replaces.
func (w *watcher) keepBaseline(rep *report.Report, id int64) {
	if w.baseline != nil && w.baseline != rep {
		w.baseline.Close()
	}
	w.baseline, w.baselineRun = rep, id
}

// tell prints the run's outcome and, when it changed something or is degraded, alerts: stderr
// always, then each channel, each delivery recorded.
func (w *watcher) tell(ctx context.Context, run *history.Run, baseRun *history.Run) {
	if run.PaymentPages == 0 && (run.Outcome == history.OutcomeOK || run.Outcome == history.OutcomeChanged) {
		fmt.Fprintln(w.stderr, "padlock: warning: no payment page was found, so no payment page's scripts and headers are watched "+
			"(is the checkout behind a login? -H and the config's headers reach it; or start at the checkout's URL)")
	}
	switch run.Outcome {
	case history.OutcomeOK:
		if !w.quiet {
			if baseRun == nil {
				fmt.Fprintf(w.stderr, "padlock: run %d: the first good run, now the baseline (%d payment pages)\n", run.ID, run.PaymentPages)
			} else {
				fmt.Fprintf(w.stderr, "padlock: run %d: no change since run %d\n", run.ID, baseRun.ID)
			}
		}
		return
	case history.OutcomeInterrupted:
		fmt.Fprintf(w.stderr, "padlock: run %d interrupted: recorded, not a baseline\n", run.ID)
		return
	}
	a := alert.New(run, baseRun)
	alert.WriteText(w.stderr, a)
	body, err := json.Marshal(a)
	if err != nil {
		fmt.Fprintln(w.stderr, "padlock: warning:", err)
		return
	}
	names := []string{"stderr"}
	for _, ch := range w.channels {
		names = append(names, ch.Name())
	}
	id, err := w.store.AddAlert(ctx, run.ID, w.now().UTC(), body, names)
	if err != nil {
		fmt.Fprintln(w.stderr, "padlock: warning: record the alert:", err)
		return
	}
	w.store.SetDelivery(ctx, id, "stderr", w.now().UTC(), nil)
	for _, ch := range w.channels {
		err := ch.Deliver(ctx, a)
		if err != nil {
			fmt.Fprintf(w.stderr, "padlock: warning: the %s alert was not delivered (tried again next run): %v\n", ch.Name(), err)
		}
		if serr := w.store.SetDelivery(ctx, id, ch.Name(), w.now().UTC(), err); serr != nil {
			fmt.Fprintln(w.stderr, "padlock: warning: record the delivery:", serr)
		}
	}
}

// redeliver tries again the alerts earlier runs could not deliver, each to its channel.
func (w *watcher) redeliver(ctx context.Context) {
	pending, err := w.store.Undelivered(ctx)
	if err != nil {
		fmt.Fprintln(w.stderr, "padlock: warning: read undelivered alerts:", err)
		return
	}
	for _, d := range pending {
		var ch alert.Channel
		for _, c := range w.channels {
			if c.Name() == d.Channel {
				ch = c
			}
		}
		if ch == nil {
			continue // a channel no longer configured: stays undelivered in the record
		}
		var a alert.Alert
		if err := json.Unmarshal(d.Body, &a); err != nil {
			continue
		}
		err := ch.Deliver(ctx, &a)
		if err == nil && !w.quiet {
			fmt.Fprintf(w.stderr, "padlock: delivered run %d's alert to the %s now\n", d.RunID, d.Channel)
		}
		if serr := w.store.SetDelivery(ctx, d.AlertID, d.Channel, w.now().UTC(), err); serr != nil {
			fmt.Fprintln(w.stderr, "padlock: warning: record the delivery:", serr)
		}
	}
}
