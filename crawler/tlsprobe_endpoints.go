package crawler

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// Endpoints (Config.Endpoints: padlock tls, endpoints: in padlock.yml) are URLs that are not
// pages: a webhook receiver, an API. Their https origins get the probe set like any origin the
// crawl touched, and their findings are filed under the endpoint's URL; an http endpoint is
// recorded under its http:// origin, unprobed, for insecure-endpoint.

// endpoints records the endpoints before the crawl starts.
func (og *origins) endpoints(ctx context.Context, eps []*url.URL) {
	for _, u := range eps {
		raw := u.String()
		if u.Scheme == "https" {
			og.touch(ctx, raw, raw)
			og.mu.Lock()
			st := og.m[OriginKey(u)]
			st.o.Endpoint, st.endpoint = true, raw
			og.mu.Unlock()
			continue
		}
		key := "http://" + strings.TrimSuffix(strings.ToLower(u.Host), ":80")
		og.mu.Lock()
		if og.m == nil {
			og.m = map[string]*originState{}
		}
		if _, ok := og.m[key]; !ok {
			og.m[key] = &originState{o: Origin{Origin: key, FirstPage: raw, InScope: og.cr.cfg.InScope(u), Endpoint: true}, endpoint: raw}
		}
		og.mu.Unlock()
	}
}

// endpointsAnswered adds an error for each https endpoint that could not be reached, and
// returns ErrNoEndpoint when none was (an http endpoint is reported, not reached).
func (og *origins) endpointsAnswered(res *Result) error {
	og.mu.Lock()
	defer og.mu.Unlock()
	reached, named := false, false
	var failed []Error
	for _, st := range og.m {
		if st.endpoint == "" {
			continue
		}
		named = true
		if strings.HasPrefix(st.endpoint, "https:") && st.o.ProbeErr != "" {
			failed = append(failed, Error{URL: st.endpoint, Err: "TLS probe: " + st.o.ProbeErr})
		} else {
			reached = true
		}
	}
	sort.Slice(failed, func(i, j int) bool { return failed[i].URL < failed[j].URL })
	res.Errors = append(res.Errors, failed...)
	if named && !reached {
		why := make([]string, len(failed))
		for i, e := range failed {
			why[i] = e.URL + ": " + e.Err
		}
		return fmt.Errorf("%w: %s", ErrNoEndpoint, strings.Join(why, "; "))
	}
	return nil
}
