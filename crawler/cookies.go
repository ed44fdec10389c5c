package crawler

// The user's cookies and basic-auth credentials, and the cookie jar of --keep-cookies. They
// follow the rule the user's headers follow (Config.mayCarryCredentials, asked at every hop by
// redirect.go): only to the start URLs' origins and https origins of first-party domains, never
// to a third party, never again once a redirect chain has left them, never over http: to a host
// given as https:.

import (
	"bufio"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/publicsuffix"
)

// Cookie is a cookie the user gives the crawl (--cookie, --cookies).
type Cookie struct {
	Name, Value string
	// Domain is the host (HostOnly) or the domain with its subdomains the cookie goes to; "" for
	// a cookie given without one (--cookie): it goes to every start URL's host.
	Domain   string
	HostOnly bool
	Path     string // "" is /
	Secure   bool   // https only (always, for a start URL given as https:)
	HTTPOnly bool
	Expires  time.Time // zero for a session cookie
}

// ParseCookie reads a cookie given as NAME=VALUE (--cookie). It has no domain: it goes to every
// start URL's host. The error never holds the value.
func ParseCookie(s string) (Cookie, error) {
	name, val, ok := strings.Cut(s, "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		return Cookie{}, errors.New("want NAME=VALUE")
	}
	c := Cookie{Name: name, Value: strings.TrimSpace(val)}
	if !c.valid() {
		return Cookie{}, errors.New("not a valid cookie name or value (a value with spaces, commas or semicolons must be encoded)")
	}
	return c, nil
}

// valid reports whether the name and value can be sent in a Cookie header.
func (c *Cookie) valid() bool {
	return (&http.Cookie{Name: c.Name, Value: c.Value}).Valid() == nil
}

// CookieFileError is a line of a cookies.txt file padlock cannot read. It never holds the
// cookie's value.
type CookieFileError struct {
	File string
	Line int
	Err  error
}

func (e *CookieFileError) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }

func (e *CookieFileError) Unwrap() error { return e.Err }

// ReadCookieFile reads a Netscape cookies.txt file (--cookies): see ParseCookieFile.
func ReadCookieFile(name string) ([]Cookie, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseCookieFile(f, name)
}

// httpOnlyPrefix marks an HttpOnly cookie in curl's and browsers' exports.
const httpOnlyPrefix = "#HttpOnly_"

// ParseCookieFile reads the Netscape cookies.txt format, as curl and browser extensions write
// it: one cookie a line, seven fields separated by tabs (domain, include-subdomains TRUE or
// FALSE, path, secure TRUE or FALSE, expiry in Unix seconds with 0 for a session cookie, name,
// value); a domain prefixed #HttpOnly_ is an HttpOnly cookie; other lines starting with # and
// blank lines are ignored. A cookie that expired is dropped. Errors are *CookieFileError
// naming the file (name) and line.
func ParseCookieFile(r io.Reader, name string) ([]Cookie, error) {
	var out []Cookie
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	now := time.Now()
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		httpOnly := false
		if rest, ok := strings.CutPrefix(line, httpOnlyPrefix); ok {
			line, httpOnly = rest, true
		}
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		c, err := cookieLine(line)
		if err != nil {
			return nil, &CookieFileError{File: name, Line: n, Err: err}
		}
		c.HTTPOnly = httpOnly
		if !c.Expires.IsZero() && !c.Expires.After(now) {
			continue
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

// cookieLine reads the seven fields of one cookies.txt line (HttpOnly prefix removed).
func cookieLine(line string) (Cookie, error) {
	f := strings.Split(line, "\t")
	if len(f) != 7 {
		return Cookie{}, fmt.Errorf("want 7 fields separated by tabs (domain, subdomains, path, secure, expiry, name, value), got %d", len(f))
	}
	domain := strings.ToLower(strings.TrimSpace(f[0]))
	if strings.TrimPrefix(domain, ".") == "" || strings.ContainsAny(domain, "/: ") {
		return Cookie{}, fmt.Errorf("bad domain %q", f[0])
	}
	sub, err := boolField(f[1], "include-subdomains")
	if err != nil {
		return Cookie{}, err
	}
	path := f[2]
	if !strings.HasPrefix(path, "/") {
		return Cookie{}, fmt.Errorf("bad path %q: want one starting with /", path)
	}
	secure, err := boolField(f[3], "secure")
	if err != nil {
		return Cookie{}, err
	}
	exp, err := strconv.ParseInt(strings.TrimSpace(f[4]), 10, 64)
	if err != nil || exp < 0 {
		return Cookie{}, fmt.Errorf("bad expiry %q: want Unix seconds, 0 for a session cookie", f[4])
	}
	c := Cookie{Name: f[5], Value: f[6], Domain: strings.TrimPrefix(domain, "."), HostOnly: !sub, Path: path, Secure: secure}
	if exp > 0 {
		c.Expires = time.Unix(exp, 0)
	}
	if !c.valid() {
		return Cookie{}, fmt.Errorf("cookie %q: not a valid cookie name or value", c.Name)
	}
	return c, nil
}

// boolField reads a TRUE/FALSE field of cookies.txt.
func boolField(s, what string) (bool, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "TRUE":
		return true, nil
	case "FALSE":
		return false, nil
	}
	return false, fmt.Errorf("bad %s flag %q: want TRUE or FALSE", what, s)
}

// credentials are the cookies and basic auth a crawl sends where the user's headers may go, and
// the jar of the cookies the site sets when Config.KeepCookies.
type credentials struct {
	jar  http.CookieJar // the user's cookies, and the site's with KeepCookies; nil when neither
	keep bool
	auth string // the Authorization header of BasicAuth; "" without
}

// newCredentials fills a jar with the user's cookies: one given without a domain is set for
// each start URL's host (secure on https), a cookies.txt one for its domain as the file says.
func newCredentials(cfg *Config) *credentials {
	cr := &credentials{keep: cfg.KeepCookies}
	if cfg.BasicAuth != "" {
		cr.auth = "Basic " + base64.StdEncoding.EncodeToString([]byte(cfg.BasicAuth))
	}
	if len(cfg.Cookies) == 0 && !cfg.KeepCookies {
		return cr
	}
	jar, _ := cookiejar.New(&cookiejar.Options{PublicSuffixList: publicsuffix.List}) // never fails
	cr.jar = jar
	for _, c := range cfg.Cookies {
		hc := &http.Cookie{Name: c.Name, Value: c.Value, Path: c.Path, Secure: c.Secure, HttpOnly: c.HTTPOnly, Expires: c.Expires}
		if hc.Path == "" {
			hc.Path = "/"
		}
		if c.Domain == "" { // --cookie: host-only, for every start URL
			for _, s := range cfg.starts {
				hc := *hc
				hc.Secure = hc.Secure || s.Scheme == "https"
				jar.SetCookies(&url.URL{Scheme: s.Scheme, Host: s.Host, Path: "/"}, []*http.Cookie{&hc})
			}
			continue
		}
		scheme := "http"
		if c.Secure {
			scheme = "https"
		}
		if !c.HostOnly {
			hc.Domain = c.Domain // the jar reads a domain cookie from its Domain attribute
		}
		jar.SetCookies(&url.URL{Scheme: scheme, Host: c.Domain, Path: hc.Path}, []*http.Cookie{hc})
	}
	return cr
}

// add puts the credentials for u on a request's header h: the jar's cookies for u (after a Cookie
// header of the user's own) and basic auth unless the user's headers hold an Authorization.
func (cr *credentials) add(h http.Header, u *url.URL) {
	if cr.auth != "" && h.Get("Authorization") == "" {
		h.Set("Authorization", cr.auth)
	}
	if cr.jar == nil {
		return
	}
	var parts []string
	if v := h.Get("Cookie"); v != "" {
		parts = append(parts, v)
	}
	for _, c := range cr.jar.Cookies(u) {
		parts = append(parts, c.Name+"="+c.Value)
	}
	if len(parts) > 0 {
		h.Set("Cookie", strings.Join(parts, "; "))
	}
}

// keepFrom stores the cookies an answer from u sets, with KeepCookies (the caller asks only for
// answers from origins that may carry the user's headers).
func (cr *credentials) keepFrom(u *url.URL, h http.Header) {
	if !cr.keep || cr.jar == nil || len(h.Values("Set-Cookie")) == 0 {
		return
	}
	cr.jar.SetCookies(u, (&http.Response{Header: h}).Cookies())
}

// checkCredentials checks the cookies and basic auth of a Config. Errors name no value.
func (c *Config) checkCredentials() error {
	for _, ck := range c.Cookies {
		if !ck.valid() {
			return &ConfigError{Field: "Cookies", Value: ck.Name, Err: errors.New("not a valid cookie name or value")}
		}
	}
	if c.BasicAuth != "" {
		if err := CheckValue("BasicAuth", c.BasicAuth); err != nil {
			return err
		}
	}
	return nil
}

// checkBasicAuth checks USER:PASS.
func checkBasicAuth(s string) error {
	user, _, ok := strings.Cut(s, ":")
	if !ok || user == "" {
		return errors.New("want USER:PASS")
	}
	if strings.ContainsAny(s, "\r\n") {
		return errors.New("a line break cannot be sent")
	}
	return nil
}

// MayCarryCredentials reports whether the user's headers, cookies and basic auth may be sent to
// u: the rule of -H, for a caller that sends requests of its own (render mode's browser). Config
// must be validated.
func (c *Config) MayCarryCredentials(u *url.URL) bool { return c.mayCarryCredentials(u) }
