package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/crawler/redisq"
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
	})
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
Without --crawl-id it joins the oldest open crawl, then the next, until none opens for --wait.`

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
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no messages on standard error"},
		},
		Action: func(c *cli.Context) error {
			if n := c.Int("concurrency"); n < 1 || n > 256 {
				return usageErr("--concurrency: must be between 1 and 256")
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
			return runWorker(c.Context, cl, c.String("crawl-id"), c.Int("concurrency"), c.Duration("wait"), c.Bool("quiet"), c.App.ErrWriter)
		},
	}
}

// runWorker takes part in crawl id, or in the open crawls one after the other.
func runWorker(ctx context.Context, cl *redisq.Client, id string, concurrency int, wait time.Duration, quiet bool, stderr io.Writer) error {
	say := func(format string, a ...any) {
		if !quiet {
			fmt.Fprintf(stderr, "padlock: "+format+"\n", a...)
		}
	}
	local := &crawler.Config{Concurrency: concurrency}
	if id != "" {
		say("joining crawl %s", id)
		if _, err := cl.Join(ctx, id, local); err != nil {
			return workerErr(ctx, err)
		}
		say("crawl %s is over", id)
		return nil
	}
	served := map[string]bool{}
	for {
		wctx, cancel := context.WithTimeout(ctx, wait)
		open, err := cl.WaitOpen(wctx, served)
		cancel()
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
				say("no crawl open for %s: done", wait)
				return nil
			}
			return workerErr(ctx, err)
		}
		served[open] = true
		say("joining crawl %s", open)
		if _, err := cl.Join(ctx, open, local); err != nil {
			return workerErr(ctx, err)
		}
		say("crawl %s is over", open)
	}
}

func workerErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return &exitError{code: exitTrouble, err: errors.New("interrupted")}
	}
	return &exitError{code: exitTrouble, err: err}
}
