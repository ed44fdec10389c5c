package crawler

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestParseCookieFile(t *testing.T) {
	future := time.Now().Add(24 * time.Hour).Unix()
	file := strings.Join([]string{
		"# Netscape HTTP Cookie File",
		"",
		fmt.Sprintf(".shop.test\tTRUE\t/\tTRUE\t%d\tsession\ts3cret", future),
		"#HttpOnly_www.shop.test\tFALSE\t/cart\tFALSE\t0\tcart\t42",
		"old.shop.test\tFALSE\t/\tFALSE\t1000\tgone\tx\r",
	}, "\n")
	got, err := ParseCookieFile(strings.NewReader(file), "c.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := []Cookie{
		{Name: "session", Value: "s3cret", Domain: "shop.test", Path: "/", Secure: true, Expires: time.Unix(future, 0)},
		{Name: "cart", Value: "42", Domain: "www.shop.test", HostOnly: true, Path: "/cart", HTTPOnly: true},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}

	for _, tc := range []struct{ file, want string }{
		{"# c\nshop.test\tTRUE\t/\tFALSE\t0\tname", "c.txt:2: want 7 fields"},
		{"shop.test\tyes\t/\tFALSE\t0\ta\tb", "c.txt:1: bad include-subdomains flag"},
		{"shop.test\tTRUE\tcart\tFALSE\t0\ta\tb", "c.txt:1: bad path"},
		{"shop.test\tTRUE\t/\tFALSE\tsoon\ta\tb", "c.txt:1: bad expiry"},
		{"shop.test\tTRUE\t/\tmaybe\t0\ta\tb", "c.txt:1: bad secure flag"},
		{"https://shop.test\tTRUE\t/\tFALSE\t0\ta\tb", "c.txt:1: bad domain"},
		{"shop.test\tTRUE\t/\tFALSE\t0\ta b\ttopsecret", "c.txt:1: cookie \"a b\": not a valid"},
		{"shop.test\tTRUE\t/\tFALSE\t0\ta\ttop;secret", "c.txt:1: cookie \"a\": not a valid"},
	} {
		_, err := ParseCookieFile(strings.NewReader(tc.file), "c.txt")
		var fe *CookieFileError
		if err == nil || !errors.As(err, &fe) || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %s...", tc.file, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("%q: the error shows the value: %v", tc.file, err)
		}
	}
}

func TestParseCookie(t *testing.T) {
	if c, err := ParseCookie(" cart = 42 "); err != nil || c.Name != "cart" || c.Value != "42" || c.Domain != "" {
		t.Errorf("got %+v, %v", c, err)
	}
	for _, bad := range []string{"cart", "=42", "a b=1", "a=x;y"} {
		if _, err := ParseCookie(bad); err == nil {
			t.Errorf("%q: accepted", bad)
		} else if strings.Contains(err.Error(), "x;y") {
			t.Errorf("%q: the error shows the value: %v", bad, err)
		}
	}
}

// TestCredentialsFollowTheHeaderRule: the user's cookies and basic auth go where the user's
// headers go, cookies.txt entries by their domain, path, secure flag and expiry.
func TestCredentialsFollowTheHeaderRule(t *testing.T) {
	cfg := &Config{
		StartURLs: []string{"https://www.shop.test/"},
		BasicAuth: "preview:pw",
		Cookies: []Cookie{
			{Name: "given", Value: "1"},
			{Name: "domain", Value: "2", Domain: "shop.test", Path: "/"},
			{Name: "host", Value: "3", Domain: "www.shop.test", HostOnly: true, Path: "/cart"},
			{Name: "plain", Value: "4", Domain: "shop.test", Path: "/"},
			{Name: "third", Value: "5", Domain: "tracker.test", Path: "/"},
		},
		FirstParty: []string{"shop.test"},
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	f := newFetcher(cfg, nil)
	for _, tc := range []struct{ url, cookie, auth string }{
		{"https://www.shop.test/", "given=1; domain=2; plain=4", "Basic cHJldmlldzpwdw=="},
		{"https://www.shop.test/cart/add", "host=3; given=1; domain=2; plain=4", "Basic cHJldmlldzpwdw=="},
		{"https://static.shop.test/a.js", "domain=2; plain=4", "Basic cHJldmlldzpwdw=="}, // first-party https
		{"http://www.shop.test/", "", ""},       // given as https: never over http:
		{"https://www.shop.test:8443/", "", ""}, // another origin
		{"https://tracker.test/", "", ""},       // a third party, even with a cookie for it
	} {
		u, _ := url.Parse(tc.url)
		h := f.header(&fetchReq{}, u, cfg.mayCarryCredentials(u))
		if h.Get("Cookie") != tc.cookie || h.Get("Authorization") != tc.auth {
			t.Errorf("%s: Cookie %q, Authorization %q; want %q, %q", tc.url, h.Get("Cookie"), h.Get("Authorization"), tc.cookie, tc.auth)
		}
	}
	// The user's own Authorization and Cookie headers win and join.
	cfg.Headers = http.Header{"Authorization": {"Bearer t"}, "Cookie": {"mine=0"}}
	u, _ := url.Parse("https://www.shop.test/")
	h := f.header(&fetchReq{}, u, true)
	if h.Get("Authorization") != "Bearer t" || h.Get("Cookie") != "mine=0; given=1; domain=2; plain=4" {
		t.Errorf("with the user's headers: %v", h)
	}
}

func TestBasicAuthErrorsHideTheValue(t *testing.T) {
	cfg := &Config{StartURLs: []string{"https://www.shop.test/"}, BasicAuth: "nocolonsecret"}
	err := cfg.Validate()
	if err == nil || strings.Contains(err.Error(), "nocolonsecret") || !strings.Contains(err.Error(), "USER:PASS") {
		t.Errorf("got %v", err)
	}
}

// FuzzCookieFile: any cookies.txt is read without a panic; every cookie kept can be sent (a valid
// name and value, a domain, a path from /), and every error is a *CookieFileError naming a line
// of the file.
func FuzzCookieFile(f *testing.F) {
	for _, s := range []string{
		"# Netscape HTTP Cookie File\n.shop.test\tTRUE\t/\tTRUE\t0\tsession\tabc\n",
		"#HttpOnly_www.shop.test\tFALSE\t/cart\tFALSE\t4102444800\tcart\t42\r\n\n",
		"shop.test\tTRUE\t/\tFALSE\t1\told\tx\nshop.test\tTRUE\t/\tFALSE\tx\ta\tb\n",
		".\tTRUE\t/\tFALSE\t0\ta\tb\n#HttpOnly_\n#HttpOnly_#x\tTRUE\t/\tFALSE\t0\ta\tb",
		"shop.test\tTRUE\t/\tFALSE\t0\ta\t\"quoted\"\nshop.test\tTRUE\t/\tFALSE\t-1\ta\tb",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cs, err := ParseCookieFile(strings.NewReader(string(data)), "c.txt")
		if err != nil {
			var fe *CookieFileError
			lines := strings.Count(string(data), "\n") + 1
			if errors.As(err, &fe) && (fe.File != "c.txt" || fe.Line < 1 || fe.Line > lines) {
				t.Fatalf("error at line %d of %d: %v", fe.Line, lines, err)
			}
			return
		}
		for _, c := range cs {
			if !c.valid() || c.Domain == "" || strings.ContainsAny(c.Domain, "/: ") || !strings.HasPrefix(c.Path, "/") {
				t.Fatalf("kept a cookie that cannot be sent: %+v", c)
			}
		}
	})
}
