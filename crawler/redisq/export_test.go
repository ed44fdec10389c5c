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
	f := newFrontier(c, id, "test", rec)
	return f, nil
}

// SetMaxBacklog sets how many parts the stream holds before workers wait, for tests.
func SetMaxBacklog(n int64) (restore func()) {
	old := maxBacklog
	maxBacklog = n
	return func() { maxBacklog = old }
}
