package scan

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/render"
)

// browserCredentials gives the browser the crawl's cookies and basic auth, under the rule the
// crawl follows (crawler.Config.MayCarryCredentials): each cookie is set for the start URLs'
// origins it belongs to, host-only (a domain cookie never reaches the domain's other hosts), and
// basic auth answers only those origins' challenges. With flows, the scope is set even without
// credentials: a flow's cookies are kept for those origins only.
func browserCredentials(bo *render.Options, cfg *crawler.Config, flows bool) {
	if len(cfg.Cookies) == 0 && cfg.BasicAuth == "" && !flows || cfg.Validate() != nil {
		return // (the crawl reports a Config it cannot run with)
	}
	if bo.InScope == nil {
		bo.ScopeHosts = startHosts(cfg.StartURLs)
		bo.InScope = credentialScope(cfg)
	}
	if bo.BasicAuth == "" {
		bo.BasicAuth = cfg.BasicAuth
	}
	if bo.Cookies != nil {
		return
	}
	for _, s := range cfg.StartURLs {
		u, err := url.Parse(s)
		if err != nil || !cfg.MayCarryCredentials(u) {
			continue
		}
		origin := u.Scheme + "://" + u.Host
		host := strings.ToLower(u.Hostname())
		for _, c := range cfg.Cookies {
			if !cookieFor(c, host, u.Scheme == "https") {
				continue
			}
			bo.Cookies = append(bo.Cookies, render.SiteCookie{URL: origin, Cookie: &http.Cookie{
				Name: c.Name, Value: c.Value, Path: c.Path, HttpOnly: c.HTTPOnly, Expires: c.Expires}})
		}
	}
}

// credentialScope is the browser's InScope: the origins that may carry the user's credentials.
// cfg is validated by the crawl before any page renders.
func credentialScope(cfg *crawler.Config) func(string) bool {
	return func(raw string) bool {
		u, err := url.Parse(raw)
		return err == nil && cfg.MayCarryCredentials(u)
	}
}

// cookieFor reports whether the user's cookie c goes to host, over https or not.
func cookieFor(c crawler.Cookie, host string, https bool) bool {
	switch {
	case c.Secure && !https:
		return false
	case c.Domain == "":
		return true
	case c.HostOnly:
		return host == c.Domain
	}
	return host == c.Domain || strings.HasSuffix(host, "."+c.Domain)
}
