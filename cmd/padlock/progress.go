package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/padlock-scan/padlock/internal/termsafe"
	"github.com/padlock-scan/padlock/scan"
)

// progressLineEvery is how often a progress line is printed when stderr is not a terminal.
var progressLineEvery = 5 * time.Second

// newProgress returns the progress callback for stderr: a live bar on a terminal, a line every
// few seconds otherwise (CI logs), nothing with --quiet. finish clears the bar.
func newProgress(stderr io.Writer, quiet bool) (update func(scan.Progress), finish func()) {
	if quiet {
		return nil, func() {}
	}
	describe := func(p scan.Progress) string {
		rate := 0.0
		if s := p.Elapsed.Seconds(); s > 0 {
			rate = float64(p.Pages) / s
		}
		return fmt.Sprintf("%d pages, %d queued, %d findings, %d errors, %.0f pages/s", p.Pages, p.Queued, p.Findings, p.Errors, rate)
	}
	// The bar draws with its own escapes on the terminal itself; its text is padlock's counts.
	if f, ok := termsafe.Raw(stderr).(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar := progressbar.NewOptions(-1,
			progressbar.OptionSetWriter(f),
			progressbar.OptionSpinnerType(14),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionSetDescription("padlock: starting"),
		)
		var mu sync.Mutex
		return func(p scan.Progress) {
				mu.Lock()
				defer mu.Unlock()
				bar.Describe("padlock: " + describe(p))
				_ = bar.Set(p.Pages)
			}, func() {
				mu.Lock()
				defer mu.Unlock()
				_ = bar.Finish()
			}
	}
	var mu sync.Mutex
	var last time.Time
	return func(p scan.Progress) {
		mu.Lock()
		defer mu.Unlock()
		if time.Since(last) < progressLineEvery {
			return
		}
		if !last.IsZero() {
			fmt.Fprintln(stderr, "padlock:", describe(p))
		}
		last = time.Now()
	}, func() {}
}
