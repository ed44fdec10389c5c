package crawler

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Wait is one start URL that did not answer yet while the crawl waits for it (Config.WaitFor).
type Wait struct {
	URL    string
	Waited time.Duration // since the crawl began waiting
	Limit  time.Duration // Config.WaitFor
	Last   string        // why the last try failed: an error, or "HTTP 503"
}

// WaitForStarts waits for the start URLs as Crawl does before it begins (Config.WaitFor), for a
// caller that needs the site up before the crawl (a recorded flow replayed first): it returns an
// error for each start URL that did not answer. Crawl with the same cfg then does not wait again
// and ends at once with ErrNoStart and these errors when there were any.
func WaitForStarts(ctx context.Context, cfg *Config) ([]Error, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cr := &crawl{cfg: cfg}
	cr.tr = newTransport(cfg)
	cr.tr.allowLocal.Store(siteIsLocal(ctx, cfg.starts, cfg.resolver))
	cr.fetch = newFetcher(cfg, cr.tr)
	defer cr.tr.base.CloseIdleConnections()
	errs := cr.waitForStarts(ctx)
	cfg.waited = &waited{errs: errs}
	return errs, nil
}

// waited is the outcome of WaitForStarts, kept for Crawl.
type waited struct{ errs []Error }

// waitPause is the pause after the first miss; it doubles up to waitPauseMax.
var waitPause, waitPauseMax = 250 * time.Millisecond, 2 * time.Second

// waitForStarts asks each start URL, as a page is asked (the user's headers, cookies and basic
// auth; a redirect counts as an answer and is not followed), until it answers 2xx or 3xx, for
// previews that come up after the CI job starts. It returns an error for each start URL that did
// not answer before cfg.WaitFor passed, nil when all did or there is no WaitFor.
func (cr *crawl) waitForStarts(ctx context.Context) []Error {
	cfg := cr.cfg
	if cfg.waited != nil {
		return cfg.waited.errs // WaitForStarts did
	}
	if cfg.WaitFor <= 0 {
		return nil
	}
	begin := time.Now()
	deadline := begin.Add(cfg.WaitFor)
	var errs []Error
	for _, u := range cfg.starts {
		pause := waitPause
		var last string
		var kind ErrorKind
		for {
			why, k := cr.tryStart(ctx, u, deadline)
			if why == "" {
				break
			}
			if why != errCutShort || last == "" {
				last, kind = why, k // a try the wait's end cut short says less than the one before
			}
			if ctx.Err() != nil {
				return nil // interrupted: the crawl reports it
			}
			if !time.Now().Add(pause).Before(deadline) {
				errs = append(errs, Error{URL: u.String(), Kind: kind,
					Err: fmt.Sprintf("did not answer within --wait-for %s (last try: %s)", cfg.WaitFor, last)})
				break
			}
			if cfg.Waiting != nil {
				cfg.Waiting(Wait{URL: u.String(), Waited: time.Since(begin), Limit: cfg.WaitFor, Last: last})
			}
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(pause):
			}
			pause = min(2*pause, waitPauseMax)
		}
	}
	return errs
}

// errCutShort is why a try failed when the wait's end cut it short.
const errCutShort = "no answer before --wait-for ended"

// tryStart asks u once, by deadline at the latest: "" when it answered 2xx or 3xx, else why not.
func (cr *crawl) tryStart(ctx context.Context, u *url.URL, deadline time.Time) (string, ErrorKind) {
	tctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	stop := func(_, _ *url.URL) error { return errStop }
	r := cr.fetch.fetch(tctx, u, &fetchReq{method: http.MethodGet, policy: stop})
	r.release()
	switch {
	case r.err != nil && ctx.Err() == nil && tctx.Err() != nil:
		return errCutShort, ErrorTimeout
	case r.err != nil:
		return describeErr(r.err, cr.cfg.Timeout), errorKind(r.err)
	case r.status >= 400 || r.status < 200:
		return fmt.Sprintf("HTTP %d", r.status), ErrorStatus
	}
	return "", ""
}
