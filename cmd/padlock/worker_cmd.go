package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/crawler/redisq"
	"github.com/padlock-scan/padlock/render"
	"github.com/padlock-scan/padlock/scan"
)

// shareCrawl makes opt's crawl one shared over Redis (--frontier): this process records it,
// takes part and merges the pages every worker streams. It returns what closes the connection.
func shareCrawl(opt *scan.Options, out output, stderr io.Writer) (func(), error) {
	c, err := redisq.Open(out.frontier)
	if err != nil {
		return nil, err
	}
	opt.Crawler = c.Crawler(out.crawlID, func(id string) {
		if !out.quiet {
			fmt.Fprintf(stderr, "padlock: crawl %s on %s; join it with: padlock worker --frontier %s --crawl-id %s\n", id, out.frontier, out.frontier, id)
		}
	}, scan.SharedRender(opt))
	return func() { c.Close() }, nil
}

// unlessEmpty is a setting's check that lets the empty value (not set) pass.
func unlessEmpty(check func(string) error) func(value) error {
	return func(v value) error {
		if v.s == "" {
			return nil
		}
		return check(v.s)
	}
}

const workerHelp = `A worker reads every setting from the crawl's record in Redis, fetches pages from the shared
frontier and streams them to the process that started the crawl, which writes the report.
Without --crawl-id it joins the open crawls, oldest first, up to --crawls-at-once at a time (a
fleet's small sites), until none opens for --wait.
In a crawl with --render, it renders the pages it fetches in its own Chromium (--chrome).`

func workerCommand() *cli.Command {
	return &cli.Command{
		Name:        "worker",
		Usage:       "take part in crawls shared over Redis (padlock crawl --frontier)",
		Description: workerHelp,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "frontier", Usage: "the Redis `URL` of the crawl (redis://HOST:PORT/DB)", Required: true},
			&cli.StringFlag{Name: "crawl-id", Usage: "the crawl's `ID` (default: the open crawls, oldest first)"},
			&cli.IntFlag{Name: "concurrency", Aliases: []string{"c"}, Value: crawler.DefaultConcurrency, Usage: "`N` parallel requests"},
			&cli.DurationFlag{Name: "wait", Value: time.Minute, Usage: "without --crawl-id: how long to wait for a crawl to open (`DURATION`)"},
			&cli.IntFlag{Name: "crawls-at-once", Value: 4, Usage: "without --crawl-id: take part in up to `N` open crawls at a time, each with -c requests"},
			&cli.StringFlag{Name: "chrome", Usage: "the Chromium `PATH` for crawls with --render (default: chromium, chromium-browser, google-chrome or chrome-headless-shell on PATH)"},
			&cli.IntFlag{Name: "render-concurrency", Value: render.DefaultConcurrency, Usage: "`N` browser tabs at once in crawls with --render"},
			&cli.DurationFlag{Name: "render-timeout", Value: render.DefaultTimeout, Usage: "how long a page may take to settle in crawls with --render (`DURATION`)"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no messages on standard error"},
		},
		Action: func(c *cli.Context) error {
			if n := c.Int("concurrency"); n < 1 || n > 256 {
				return usageErr("--concurrency: must be between 1 and 256")
			}
			if n := c.Int("render-concurrency"); n < 1 || n > 64 {
				return usageErr("--render-concurrency: must be between 1 and 64")
			}
			if n := c.Int("crawls-at-once"); n < 1 || n > 64 {
				return usageErr("--crawls-at-once: must be between 1 and 64")
			}
			if c.Duration("render-timeout") <= 0 {
				return usageErr("--render-timeout: must be positive")
			}
			if id := c.String("crawl-id"); id != "" {
				if err := redisq.CheckID(id); err != nil {
					return usageErr("--crawl-id: %v", err)
				}
			}
			cl, err := redisq.Open(c.String("frontier"))
			if err != nil {
				return usageErr("--frontier: %v", err)
			}
			defer cl.Close()
			browser := render.Options{Chrome: c.String("chrome"), Concurrency: c.Int("render-concurrency"), Timeout: c.Duration("render-timeout")}
			return runWorker(c.Context, cl, c.String("crawl-id"), workerOptions{concurrency: c.Int("concurrency"), atOnce: c.Int("crawls-at-once"),
				browser: browser, wait: c.Duration("wait"), quiet: c.Bool("quiet")}, c.App.ErrWriter)
		},
	}
}

// workerOptions are a worker's own settings.
type workerOptions struct {
	concurrency int            // requests in flight, a crawl
	atOnce      int            // crawls at a time, without a crawl ID
	browser     render.Options // its browser, for the crawls that render
	wait        time.Duration  // without a crawl ID: how long no crawl may be open before it exits
	quiet       bool
}

// runWorker takes part in crawl id, or in the open crawls, up to opt.atOnce at a time (a fleet's
// crawls are small: one at a time, a worker would spend them waiting for each one's end).
func runWorker(ctx context.Context, cl *redisq.Client, id string, opt workerOptions, stderr io.Writer) error {
	var sayMu sync.Mutex
	say := func(format string, a ...any) {
		if !opt.quiet {
			sayMu.Lock()
			fmt.Fprintf(stderr, "padlock: "+format+"\n", a...)
			sayMu.Unlock()
		}
	}
	browser := opt.browser
	browser.Warnf = say
	// join takes part in one crawl until it is over.
	join := func(id string) error {
		say("joining crawl %s", id)
		var rendered atomic.Int64 // pages of the crawl rendered here
		renderer := func(rec json.RawMessage, cfg *crawler.Config) (func(context.Context, *crawler.Page) json.RawMessage, func(), error) {
			wr, err := scan.StartWorkerRenderer(rec, cfg, browser)
			if err != nil || wr == nil {
				return nil, nil, err
			}
			return func(ctx context.Context, p *crawler.Page) json.RawMessage {
				out := wr.Render(ctx, p)
				if out != nil {
					rendered.Add(1)
				}
				return out
			}, wr.Close, nil
		}
		if _, err := cl.Join(ctx, id, &crawler.Config{Concurrency: opt.concurrency}, renderer); err != nil {
			return err
		}
		if n := rendered.Load(); n > 0 {
			say("crawl %s is over (%d pages rendered here)", id, n)
		} else {
			say("crawl %s is over", id)
		}
		return nil
	}
	if id != "" {
		if err := join(id); err != nil {
			return workerErr(ctx, err)
		}
		return nil
	}
	served := map[string]bool{}
	ended := make(chan error)
	running := 0
	var failed error
	idleSince := time.Now()
	for {
		if running == 0 && (failed != nil || ctx.Err() != nil) {
			return workerErr(ctx, failed)
		}
		if running == 0 && time.Since(idleSince) >= opt.wait {
			say("no crawl open for %s: done", opt.wait)
			return nil
		}
		if running < opt.atOnce && failed == nil && ctx.Err() == nil {
			open, err := cl.Open(ctx)
			if err != nil && running == 0 {
				return workerErr(ctx, err)
			}
			for _, o := range open {
				if !served[o] && running < opt.atOnce {
					served[o] = true
					running++
					go func() { ended <- join(o) }()
				}
			}
		}
		// Look for new crawls while there is room; none once interrupted or failed, nor with
		// every slot taken: then wait for a crawl under way to end.
		var poll <-chan time.Time
		if running < opt.atOnce && failed == nil && ctx.Err() == nil {
			poll = time.After(50 * time.Millisecond)
		}
		select {
		case err := <-ended:
			running--
			if err != nil && failed == nil {
				failed = err
			}
			if running == 0 {
				idleSince = time.Now()
			}
		case <-poll:
		}
	}
}

func workerErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return &exitError{code: exitTrouble, err: errors.New("interrupted")}
	}
	return &exitError{code: exitTrouble, err: err}
}
