package redisq

import (
	"context"

	"github.com/padlock-scan/padlock/crawler"
)

// TestFrontier records crawl id for cfg and returns its frontier, for tests.
func (c *Client) TestFrontier(ctx context.Context, id string, cfg *crawler.Config) (*Frontier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	rec, err := recordOf(cfg, c.opt.Lease, id, c.key)
	if err != nil {
		return nil, err
	}
	if err := c.rdb.Set(ctx, prefix(id)+"rec", "{}", 0).Err(); err != nil {
		return nil, err
	}
	f := newFrontier(c, id, "test", rec, 1)
	return f, nil
}

// SetMaxBacklog sets how many parts the stream holds before workers wait, for tests.
func SetMaxBacklog(n int64) (restore func()) {
	old := maxBacklog
	maxBacklog = n
	return func() { maxBacklog = old }
}

// Sync sends what the frontier holds for Redis (the links queued, the leases done) now.
func (f *Frontier) Sync() { f.flush() }

// Halt stops every commit from now on: what the frontier holds never reaches Redis.
func (f *Frontier) Halt() {
	f.commitMu.Lock()
	f.halted.Store(true)
	f.commitMu.Unlock()
}

// Crash stops the frontier as a process killed would: nothing more reaches Redis, not even
// what it holds (its leases lapse).
func (f *Frontier) Crash() {
	f.Halt()
	f.Close()
	<-f.pumpDone
	close(f.stopBeat)
	<-f.beatDone
}

// Stop ends the frontier's part as a worker that is stopped does.
func (f *Frontier) Stop() { f.stop() }

// Ahead is how many jobs the frontier holds taken ahead.
func (f *Frontier) Ahead() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.pending)
}

// TestJoin is another process's frontier on crawl id (recorded with TestFrontier), fetching
// concurrency pages at once, robots.txt not read.
func (c *Client) TestJoin(id string, concurrency int) *Frontier {
	return newFrontier(c, id, workerID(), &Record{Lease: c.opt.Lease, IgnoreRobots: true}, concurrency)
}
