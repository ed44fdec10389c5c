package rules

import (
	"errors"
	"net/url"
	"strings"
)

// ValidateOriginPattern checks an --allow-script value: an origin ("https://js.provider.test",
// port allowed), a host ("js.provider.test") or a host pattern with one leading wildcard label
// ("*.provider.test").
func ValidateOriginPattern(p string) error {
	p = strings.TrimSpace(p)
	if p == "" {
		return errors.New("empty pattern")
	}
	host := p
	if strings.Contains(p, "://") {
		u, err := url.Parse(p)
		if err != nil || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
			return errors.New("want an origin such as https://js.provider.test, without a path")
		}
		if u.Scheme != "https" && u.Scheme != "http" {
			return errors.New("want an http or https origin")
		}
		host = u.Hostname()
	}
	host = strings.TrimPrefix(host, "*.")
	if host == "" || strings.ContainsAny(host, "*/ ?#@") {
		return errors.New("want a host such as js.provider.test or a pattern such as *.provider.test")
	}
	return nil
}

// MatchOriginPattern reports whether the URL u matches pattern p (see ValidateOriginPattern):
// an origin pattern matches scheme, host and port exactly; a host pattern matches the host on
// any scheme and port; "*.d" matches every subdomain of d, not d itself.
func MatchOriginPattern(p string, u *url.URL) bool {
	p = strings.ToLower(strings.TrimSpace(p))
	host := strings.ToLower(u.Hostname())
	if strings.Contains(p, "://") {
		pu, err := url.Parse(p)
		if err != nil {
			return false
		}
		if pu.Scheme != strings.ToLower(u.Scheme) || portOf(pu) != portOf(u) {
			return false
		}
		p = pu.Hostname()
	}
	if strings.HasPrefix(p, "*.") {
		return strings.HasSuffix(host, p[1:])
	}
	return host == p
}

func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if strings.EqualFold(u.Scheme, "https") {
		return "443"
	}
	return "80"
}
