package scan_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/internal/sitetest"
)

// seen is one request a shop fixture got.
type seen struct {
	scheme, host, path  string
	cookie, auth, token string
	browser             bool // Chromium made it (it sends Sec-Fetch-Dest)
}

// shop is a fixture shop: the card form of /checkout shows only with a cart cookie (set by
// /cart/add for the static crawl, by the "Add to cart" button's script in a browser), else
// /checkout redirects to /cart; /account needs a session cookie (a sign-in form sets it). The
// third-party host (sitetest.CDNHost) serves a script that sets a tracker cookie. Every request
// to every host and scheme is recorded.
type shop struct {
	mu       sync.Mutex
	reqs     []seen
	needAuth string // when set, the shop's pages answer 401 without this basic auth (USER:PASS)
}

func (sh *shop) requests() []seen {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return append([]seen(nil), sh.reqs...)
}

func (sh *shop) serve(s *sitetest.Site, w http.ResponseWriter, r *http.Request) {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host, _, _ := strings.Cut(r.Host, ":")
	sh.mu.Lock()
	sh.reqs = append(sh.reqs, seen{scheme, host, r.URL.Path, r.Header.Get("Cookie"), r.Header.Get("Authorization"), r.Header.Get("X-Token"), r.Header.Get("Sec-Fetch-Dest") != ""})
	sh.mu.Unlock()
	if user, pass, _ := r.BasicAuth(); sh.needAuth != "" && host == sitetest.SiteHost && user+":"+pass != sh.needAuth {
		w.Header().Set("WWW-Authenticate", `Basic realm="preview"`)
		http.Error(w, "sign in", http.StatusUnauthorized)
		return
	}
	page := func(body string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, s.Expand(`<!doctype html><html><head><title>shop</title></head><body>`+body+`</body></html>`))
	}
	cookie := func(name string) string {
		if c, err := r.Cookie(name); err == nil {
			return c.Value
		}
		return ""
	}
	if host == sitetest.CDNHost {
		http.SetCookie(w, &http.Cookie{Name: "tracker", Value: "t1", Path: "/"})
		switch r.URL.Path {
		case "/lib.js":
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprint(w, "window.lib = 1;")
		default:
			page(`<p>a third party</p>`)
		}
		return
	}
	switch r.URL.Path {
	case "/":
		page(`<a href="/cart">cart</a> <a href="/signin">sign in</a> <a href="/account">account</a>
<a href="/go-cdn">partner</a> <a href="/to-http">old</a> <a href="{{http}}/plain">plain</a>
<script src="{{cdn}}/lib.js"></script>`)
	case "/cart":
		page(`<h1>Cart</h1><button id="add" type="button">Add to cart</button> <a href="/cart/add">add (no script)</a>
<script>document.getElementById('add').addEventListener('click', function () {
  document.cookie = 'cart=1; path=/'; location.href = '/checkout';
});</script>`)
	case "/cart/add":
		http.SetCookie(w, &http.Cookie{Name: "cart", Value: "1", Path: "/"})
		page(`<p>added</p> <a href="/checkout">checkout</a>`)
	case "/checkout":
		if cookie("cart") == "" {
			http.Redirect(w, r, "/cart", http.StatusFound)
			return
		}
		page(`<h1>Pay</h1><form action="/pay" method="post"><input name="card" autocomplete="cc-number">
<button id="pay">Pay</button></form><script src="{{cdn}}/lib.js"></script>`)
	case "/signin":
		if r.Method == http.MethodPost {
			if r.FormValue("user") == "ann" && r.FormValue("pass") == "pw-of-ann" {
				http.SetCookie(w, &http.Cookie{Name: "session", Value: "ann-session", Path: "/"})
				http.Redirect(w, r, "/account", http.StatusSeeOther)
				return
			}
			http.Redirect(w, r, "/signin?failed=1", http.StatusSeeOther)
			return
		}
		page(`<form method="post" action="/signin"><input id="user" name="user"> <input id="pass" name="pass" type="password">
<button id="go" type="submit">Sign in</button></form>`)
	case "/account":
		if cookie("session") == "" {
			http.Redirect(w, r, "/signin", http.StatusFound)
			return
		}
		page(`<h1>Your account</h1><a href="/orders">orders</a>`)
	case "/go-cdn":
		http.Redirect(w, r, s.Vars["cdn"]+"/landing", http.StatusFound)
	case "/to-http":
		http.Redirect(w, r, s.Vars["http"]+"/after", http.StatusFound)
	default:
		page(`<p>` + r.URL.Path + `</p>`)
	}
}

func startShop(t *testing.T) (*shop, *sitetest.Site) {
	sh := &shop{}
	return sh, sitetest.StartHandler(t, sh.serve)
}

// TestCredentialsStayInScope: the user's headers, cookies and basic auth reach the shop's own
// https origin only: never the third-party host, never http:, never after a redirect off scope;
// the cookies the site sets are kept with --keep-cookies (the cart reaches /checkout), only from
// the shop's origin (the third party's tracker cookie is never sent back).
func TestCredentialsStayInScope(t *testing.T) {
	sh, s := startShop(t)
	opt := s.Options()
	opt.Crawl.Headers = http.Header{"X-Token": {"SECRET-TOKEN"}}
	opt.Crawl.Cookies = []crawler.Cookie{{Name: "session", Value: "SECRET-COOKIE"}}
	opt.Crawl.BasicAuth = "preview:SECRET-PASS"
	opt.Crawl.KeepCookies = true
	rep := sitetest.MustScan(t, opt)

	if p := sitetest.PageOf(t, rep, s.Vars["tls"]+"/checkout"); !p.Payment {
		t.Errorf("/checkout is not the payment page: the cart cookie did not reach it (%+v)", p)
	}
	sitetest.PageOf(t, rep, s.Vars["tls"]+"/account") // the session cookie reached it
	own, reached := 0, map[string]bool{}
	for _, r := range sh.requests() {
		reached[r.scheme+"://"+r.host+r.path] = true
		if r.scheme == "https" && r.host == sitetest.SiteHost {
			own++
			if !strings.Contains(r.cookie, "session=SECRET-COOKIE") || r.auth == "" || r.token == "" {
				t.Errorf("%s %s: the credentials are missing: cookie %q auth %q token %q", r.scheme, r.path, r.cookie, r.auth, r.token)
			}
		} else {
			if r.cookie != "" || r.auth != "" || r.token != "" {
				t.Errorf("%s://%s%s got credentials: cookie %q auth %q token %q", r.scheme, r.host, r.path, r.cookie, r.auth, r.token)
			}
		}
		if strings.Contains(r.cookie, "tracker") {
			t.Errorf("%s://%s%s: the third party's cookie was sent back", r.scheme, r.host, r.path)
		}
		if r.path == "/checkout" && !strings.Contains(r.cookie, "cart=1") {
			t.Errorf("/checkout without the cart cookie: %q", r.cookie)
		}
	}
	for _, u := range []string{"https://" + sitetest.CDNHost + "/lib.js", "http://" + sitetest.SiteHost + "/plain", "http://" + sitetest.SiteHost + "/after"} {
		if !reached[u] {
			t.Errorf("the fixture was not crawled as meant: %s never requested (%d requests to the shop)", u, own)
		}
	}
}

// TestSiteCookiesAreNotKeptByDefault: without --keep-cookies the static crawl sends only the
// cookies the user gave: the cart never reaches /checkout.
func TestSiteCookiesAreNotKeptByDefault(t *testing.T) {
	sh, s := startShop(t)
	rep := sitetest.MustScan(t, s.Options())
	for _, p := range rep.Pages {
		if p.Payment {
			t.Errorf("%s is a payment page: a cookie the site set was sent back", p.URL)
		}
	}
	for _, r := range sh.requests() {
		if r.cookie != "" {
			t.Errorf("%s://%s%s: cookie %q sent", r.scheme, r.host, r.path, r.cookie)
		}
	}
}
