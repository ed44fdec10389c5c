package crawler

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/padlock-scan/padlock/internal/pause"
)

// Retries of a request the server asks to make later.
const (
	maxRetries    = 2
	maxRetryAfter = time.Minute
)

// retrying makes one request of a fetch, through the throttle, and, when the caller asks for
// retries, makes it again after a 429 or 503 whose Retry-After the crawl can afford.
func (f *fetcher) retrying(ctx context.Context, send sender, u *url.URL, h http.Header, rq *fetchReq) answer {
	for try := 0; ; try++ {
		if err := f.throttle.wait(ctx, u, rq.delay); err != nil {
			return answer{err: err}
		}
		a := send(ctx, rq.method, u, h, rq.limit)
		if !rq.retry || a.err != nil {
			return a
		}
		wait, ok := retryAfter(a.status, a.header, try)
		if !ok || sleep(ctx, wait) != nil {
			return a
		}
		a.release() // the first answer is done with
	}
}

// retryAfter says whether to ask again for a request answered 429 (Too Many Requests) or 503
// (Service Unavailable) with a Retry-After the crawl can afford, and after how long. Without
// the header a 429 waits a second, then two.
func retryAfter(status int, h http.Header, try int) (time.Duration, bool) {
	if try >= maxRetries || (status != http.StatusTooManyRequests && status != http.StatusServiceUnavailable) {
		return 0, false
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		if status == http.StatusServiceUnavailable {
			return 0, false // a plain 503 is an outage, not a request to slow down
		}
		return time.Duration(try+1) * time.Second, true
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		d := time.Duration(secs) * time.Second
		return d, d <= maxRetryAfter
	}
	if t, err := http.ParseTime(v); err == nil {
		d := time.Until(t)
		return max(d, 0), d <= maxRetryAfter
	}
	return 0, false
}

// sleep waits for d or until ctx ends.
var sleep = pause.For
