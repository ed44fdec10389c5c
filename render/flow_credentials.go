package render

// The user's credentials in the browser: cookies set in each page's context for the site's own
// origins only, and basic auth given only to the origins InScope accepts. (The user's headers
// are added per request by capture.go's Fetch interception, which the auth challenges share.)

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
)

// answerTime bounds the answer to a paused request or an auth challenge (the tab may close
// meanwhile, and the answer then never comes).
const answerTime = 10 * time.Second

// SiteCookie is a cookie for one origin of the site: set for URL's host only (never its
// subdomains), secure when URL is https:, on Cookie.Path ("/" when empty).
type SiteCookie struct {
	URL    string
	Cookie *http.Cookie
}

// AddCookies adds cookies to those each page's context gets (Options.Cookies): a flow's cookies
// for the pages audited after it. Call it before the pages that need them are rendered.
func (b *Browser) AddCookies(cs []SiteCookie) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.opts.Cookies = append(b.opts.Cookies, cs...)
}

// setSiteCookies sets the cookies of o in the browser context of the tab of s.
func setSiteCookies(ctx context.Context, s cdp.Session, o *Options) error {
	var ps []*network.CookieParam
	for _, sc := range o.Cookies {
		u, err := url.Parse(sc.URL)
		if err != nil || u.Host == "" {
			continue
		}
		c := sc.Cookie
		p := &network.CookieParam{Name: c.Name, Value: c.Value, URL: u.Scheme + "://" + u.Host + "/",
			Path: c.Path, Secure: u.Scheme == "https", HTTPOnly: c.HttpOnly}
		if p.Path == "" {
			p.Path = "/"
		}
		if !c.Expires.IsZero() {
			p.Expires = cdp.TimeSinceEpoch(float64(c.Expires.Unix()))
		}
		ps = append(ps, p)
	}
	if len(ps) == 0 {
		return nil
	}
	_, err := cdp.Call(ctx, s, network.SetCookies, network.SetCookiesParams{Cookies: ps})
	return err
}

// answerAuth answers an HTTP auth challenge: with Options.BasicAuth for a server of an origin
// InScope accepts, else by cancelling (a headless browser has no one to ask).
func answerAuth(s cdp.Session, o *Options, ev *fetch.EventAuthRequired) {
	resp := &fetch.AuthChallengeResponse{Response: fetch.AuthChallengeResponseResponseCancelAuth}
	if o.BasicAuth != "" && o.InScope != nil && ev.Request != nil && ev.AuthChallenge != nil &&
		ev.AuthChallenge.Source != fetch.AuthChallengeSourceProxy && o.InScope(ev.Request.URL) {
		user, pass, _ := strings.Cut(o.BasicAuth, ":")
		resp = &fetch.AuthChallengeResponse{Response: fetch.AuthChallengeResponseResponseProvideCredentials, Username: user, Password: pass}
	}
	ctx, cancel := context.WithTimeout(context.Background(), answerTime)
	defer cancel()
	_, _ = cdp.Call(ctx, s, fetch.ContinueWithAuth, fetch.ContinueWithAuthParams{RequestID: ev.RequestID, AuthChallengeResponse: resp})
}

// credentialEvent handles the Fetch events of a tab: a paused request goes on, with the user's
// headers where they may go (continueWithHeaders), an auth challenge is answered (answerAuth).
// It reports whether ev was one of them. s is the tab's session.
func credentialEvent(s cdp.Session, o *Options, ev any) bool {
	switch ev := ev.(type) {
	case *fetch.EventRequestPaused:
		go continueWithHeaders(s, o, ev)
	case *fetch.EventAuthRequired:
		go answerAuth(s, o, ev)
	default:
		return false
	}
	return true
}

// enableCredentials sets the tab's cookies and pauses the requests that may carry the user's
// headers or meet an auth challenge (headerPatterns), for credentialEvent.
func enableCredentials(ctx context.Context, s cdp.Session, o *Options) error {
	if err := setSiteCookies(ctx, s, o); err != nil {
		return err
	}
	return enableFetch(ctx, s, o)
}

// enableFetch pauses the requests of s that may carry the user's headers or meet an auth
// challenge (headerPatterns), for credentialEvent: a tab's, and each of its out-of-process
// frames' (a frame's requests pause only in its own session).
func enableFetch(ctx context.Context, s cdp.Session, o *Options) error {
	patterns := headerPatterns(o)
	if len(patterns) == 0 {
		return nil
	}
	auth := o.BasicAuth != ""
	_, err := cdp.Call(ctx, s, fetch.Enable, fetch.EnableParams{Patterns: patterns, HandleAuthRequests: &auth})
	return err
}
