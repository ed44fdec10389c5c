package crawler

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

// hopPolicy is a caller's say over a redirect from cur to next, asked at every hop: nil follows
// it, errStop ends the fetch at the redirect without an error (the hop is recorded, its target
// is not requested), any other error fails the fetch.
type hopPolicy func(cur, next *url.URL) error

// errStop is the hop policy's answer for a redirect left unfollowed.
var errStop = errors.New("redirect not followed")

// redirectError is a redirect chain that cannot go on: a loop, too many hops, a Location that
// names nothing fetchable, a target the caller's policy refuses.
type redirectError struct{ msg string }

func (e *redirectError) Error() string { return e.msg }

func redirectErrorf(format string, a ...any) error {
	return &redirectError{msg: fmt.Sprintf(format, a...)}
}

// followWeb is the policy when the caller has none: any http(s) target is followed, and the
// chain ends quietly at a redirect to another scheme.
func followWeb(_, next *url.URL) error {
	if !webURL(next) {
		return errStop
	}
	return nil
}

func webURL(u *url.URL) bool { return u.Scheme == "http" || u.Scheme == "https" }

// reply is the outcome of a fetch.
type reply struct {
	answer            // the last request's (err: that request failed)
	final    *url.URL // the URL of the last request
	hops     []Hop    // the redirects followed, and the one the policy stopped at
	chainErr error    // the chain broke: loop, hop cap, unusable Location, refused by the policy
	stopped  bool     // the policy stopped the chain at a redirect: the last answer is that redirect
	// redirect holds the headers of the last redirect followed (they are the last response's
	// when the request after it failed without one).
	redirect http.Header
}

// failure is why the fetch failed, nil when it did not.
func (r *reply) failure() error {
	if r.err != nil {
		return r.err
	}
	return r.chainErr
}

// fetch requests u as rq says, following redirects one hop at a time: each hop goes through the
// retry, throttle and transport layers, with the user's headers only while the chain stays on
// origins that may carry them. The caller releases the reply's body.
func (f *fetcher) fetch(ctx context.Context, u *url.URL, rq *fetchReq) reply {
	send, policy := rq.send, rq.policy
	if send == nil {
		send = f.send
	}
	if policy == nil {
		policy = followWeb
	}
	r := reply{final: u}
	credentials := true       // the user's headers stop for good once a chain leaves their origins
	var chain map[string]bool // the URLs requested, kept once the first redirect comes
	for cur := u; ; {
		r.final = cur
		credentials = credentials && f.cfg.mayCarryCredentials(cur)
		r.answer = f.retrying(ctx, send, cur, f.header(rq, cur, credentials), rq)
		if credentials && r.header != nil {
			f.creds.keepFrom(cur, r.header)
		}
		if r.err != nil || r.status < 300 || r.status >= 400 {
			return r
		}
		loc := r.header.Get("Location")
		if loc == "" {
			return r // a 3xx without Location is the final answer
		}
		next, ok := Resolve(cur, loc)
		if !ok {
			r.chainErr = redirectErrorf("redirect to unusable Location %q", loc)
			return r
		}
		r.hops = append(r.hops, Hop{From: cur.String(), To: next.String(), Status: r.status, Via: "http"})
		if len(r.hops) >= f.cfg.MaxRedirects {
			r.chainErr = redirectErrorf("stopped after %d redirects", f.cfg.MaxRedirects)
			return r
		}
		if chain == nil {
			chain = map[string]bool{NormalizeURL(u): true}
		}
		key := NormalizeURL(next)
		if chain[key] {
			r.chainErr = redirectErrorf("redirect loop: %s", next)
			return r
		}
		chain[key] = true
		if err := policy(cur, next); err != nil {
			if err == errStop {
				r.stopped = true
			} else {
				r.chainErr = err
			}
			return r
		}
		r.redirect = r.header
		r.release()
		cur = next
	}
}
