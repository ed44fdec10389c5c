// Package pause waits for a while unless a context ends first: the crawler's retries and
// request spacing, the watcher between runs and the alert retries share it.
package pause

import (
	"context"
	"time"
)

// For waits for d or until ctx ends (then it returns ctx's error); d <= 0 does not wait.
func For(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
