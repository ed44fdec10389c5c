package crawler

import (
	"context"
	"net/url"
	"sync"
	"time"
)

// throttle spaces the requests to one origin by at least the caller's delay: --delay, or the
// origin's robots.txt Crawl-delay when that is longer (pages).
type throttle struct {
	origins sync.Map // origin -> *spacing
}

// wait blocks until a request to u's origin may go out, d after the one before it.
func (t *throttle) wait(ctx context.Context, u *url.URL, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	key := origin(u)
	v, ok := t.origins.Load(key)
	if !ok {
		v, _ = t.origins.LoadOrStore(key, &spacing{})
	}
	at := v.(*spacing).reserve(time.Now(), d)
	return sleep(ctx, time.Until(at))
}

// spacing is the schedule of one origin.
type spacing struct {
	mu   sync.Mutex
	next time.Time // the earliest time of the next request
}

// reserve books the first time from now on when a request may go out, d after the previous
// booking, and returns it.
func (s *spacing) reserve(now time.Time, d time.Duration) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	at := s.next
	if at.Before(now) {
		at = now
	}
	s.next = at.Add(d)
	return at
}
