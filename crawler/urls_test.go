package crawler

import (
	"net/url"
	"testing"
)

func mustParse(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return u
}

func TestResolve(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		base string // "" for a nil base
		raw  string
		want string // "" when ok must be false
	}{
		{"relative path", "https://shop.test/a/b.html", "c.png", "https://shop.test/a/c.png"},
		{"absolute path", "https://shop.test/a/b.html", "/c.png", "https://shop.test/c.png"},
		{"dot segments", "https://shop.test/a/b/c.html", "../../x.js", "https://shop.test/x.js"},
		{"protocol-relative takes https", "https://shop.test/", "//cdn.test/y.js", "https://cdn.test/y.js"},
		{"protocol-relative takes http", "http://shop.test/", "//cdn.test/y.js", "http://cdn.test/y.js"},
		{"protocol-relative extra slashes", "https://shop.test/", "///cdn.test/y.js", "https://cdn.test/y.js"},
		{"absolute http", "https://shop.test/", "http://cdn.test/a.js", "http://cdn.test/a.js"},
		{"upper-case scheme", "https://shop.test/", "HTTP://CDN.test/A.js", "http://cdn.test/A.js"},
		{"leading and trailing spaces", "https://shop.test/", "  http://cdn.test/a.js \n", "http://cdn.test/a.js"},
		{"leading C0 controls", "https://shop.test/", "\x01\x1fhttp://cdn.test/a.js", "http://cdn.test/a.js"},
		{"newline inside scheme", "https://shop.test/", "ht\ntp://cdn.test/a.js", "http://cdn.test/a.js"},
		{"tab and CR inside", "https://shop.test/", "http://cdn.\ttest/a\r.js", "http://cdn.test/a.js"},
		{"backslashes as slashes", "https://shop.test/", `http:\\cdn.test\a\b.js`, "http://cdn.test/a/b.js"},
		{"backslash relative", "https://shop.test/x/y", `\\cdn.test\a.js`, "https://cdn.test/a.js"},
		{"backslash kept in query", "https://shop.test/", `http://cdn.test/a?x=\y`, `http://cdn.test/a?x=\y`},
		{"no slashes after other special scheme", "https://shop.test/", "http:cdn.test/a.js", "http://cdn.test/a.js"},
		{"same scheme without slashes is relative", "http://shop.test/d/p", "http:img.png", "http://shop.test/d/img.png"},
		{"same scheme one slash is path", "http://shop.test/d/p", "http:/img.png", "http://shop.test/img.png"},
		{"default port dropped", "https://shop.test/", "http://cdn.test:80/a", "http://cdn.test/a"},
		{"https default port dropped", "http://shop.test/", "https://cdn.test:443/a", "https://cdn.test/a"},
		{"other port kept", "https://shop.test/", "http://cdn.test:8080/a", "http://cdn.test:8080/a"},
		{"empty port", "https://shop.test/", "http://cdn.test:/a", "http://cdn.test/a"},
		{"ipv4 shorthand hex", "https://shop.test/", "http://0x7f.1/", "http://127.0.0.1/"},
		{"ipv4 single number", "https://shop.test/", "http://2130706433/", "http://127.0.0.1/"},
		{"ipv4 octal", "https://shop.test/", "http://0300.0250.0.1/", "http://192.168.0.1/"},
		{"ipv4 out of range", "https://shop.test/", "http://256.256.256.256/", ""},
		{"host ending in number is not a domain", "https://shop.test/", "http://foo.123/", ""},
		{"ipv6 canonical", "https://shop.test/", "http://[0:0::1]/", "http://[::1]/"},
		{"bad ipv6", "https://shop.test/", "http://[::1/", ""},
		{"idna", "https://shop.test/", "http://bücher.test/", "http://xn--bcher-kva.test/"},
		{"stray percent", "https://shop.test/", "/a%zz", "https://shop.test/a%25zz"},
		{"colon in first relative segment", "https://shop.test/d/", "1a:b", "https://shop.test/d/1a:b"},
		{"fragment kept by Resolve", "https://shop.test/p", "#top", "https://shop.test/p#top"},
		{"query only", "https://shop.test/p?a=1", "?b=2", "https://shop.test/p?b=2"},
		{"data URL", "https://shop.test/", "data:image/png;base64,AAAA", "data:image/png;base64,AAAA"},
		{"javascript URL", "https://shop.test/", "JavaScript:alert(1)", "javascript:alert(1)"},
		{"mailto", "https://shop.test/", "mailto:a@b.test", "mailto:a@b.test"},
		{"empty", "https://shop.test/", "", ""},
		{"only spaces", "https://shop.test/", " \t\n ", ""},
		{"no host", "https://shop.test/", "http://", ""},
		{"bad port", "https://shop.test/", "http://a:b/", ""},
		{"nil base absolute", "", "https://x.test/a", "https://x.test/a"},
		{"nil base relative", "", "a.png", ""},
		{"opaque base relative", "mailto:a@b.test", "a.png", ""},
		{"ws", "https://shop.test/", "ws://chat.test:80/s", "ws://chat.test/s"},
		{"ws without slashes gets a path", "https://shop.test/", "ws:chat.test", "ws://chat.test/"},
		{"port with leading zeros", "https://shop.test/", "http://x.test:0080/a", "http://x.test/a"},
		{"port out of range", "https://shop.test/", "http://x.test:65536/", ""},
		{"dot segments in absolute URL", "https://shop.test/", "http://x.test/a/../../b/./c", "http://x.test/b/c"},
		{"empty credentials dropped", "https://shop.test/", "http://@x.test/", "http://x.test/"},
		{"credentials kept", "https://shop.test/", "http://u:p@x.test/", "http://u:p@x.test/"},
		{"percent-encoded host decoded", "https://shop.test/", "http://ex%41mple.test/", "http://example.test/"},
		{"percent-encoded slash in host fails", "https://shop.test/", "http://a%2Fb.test/", ""},
		{"space in host after IDNA mapping fails", "https://shop.test/", "http://a\u00a0b.test/", ""},
		{"backslash before at sign ends the host", "https://shop.test/", `http://x.test\@y.test/`, "http://x.test/@y.test/"},
		{"ftp", "https://shop.test/", "FTP://files.test/a.zip", "ftp://files.test/a.zip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var base *url.URL
			if tt.base != "" {
				base = mustParse(t, tt.base)
			}
			u, ok := Resolve(base, tt.raw)
			if tt.want == "" {
				if ok {
					t.Fatalf("Resolve(%q, %q) = %q, want failure", tt.base, tt.raw, u)
				}
				return
			}
			if !ok {
				t.Fatalf("Resolve(%q, %q) failed, want %q", tt.base, tt.raw, tt.want)
			}
			if got := u.String(); got != tt.want {
				t.Errorf("Resolve(%q, %q) = %q, want %q", tt.base, tt.raw, got, tt.want)
			}
		})
	}
}

func TestNormalizeURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"fragment dropped", "https://shop.test/a#b", "https://shop.test/a"},
		{"scheme and host lower-cased", "HTTPS://Shop.TEST/A", "https://shop.test/A"},
		{"http default port", "http://shop.test:80/", "http://shop.test/"},
		{"https default port", "https://shop.test:443/x", "https://shop.test/x"},
		{"port 443 on http kept", "http://shop.test:443/", "http://shop.test:443/"},
		{"port 80 on https kept", "https://shop.test:80/", "https://shop.test:80/"},
		{"empty path", "https://shop.test", "https://shop.test/"},
		{"empty path with query", "https://shop.test?q=1", "https://shop.test/?q=1"},
		{"ipv6", "http://[::1]:80", "http://[::1]/"},
		{"ipv6 port kept", "http://[::1]:8080/a", "http://[::1]:8080/a"},
		{"opaque untouched", "mailto:A@B.test", "mailto:A@B.test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := NormalizeURL(mustParse(t, tt.in)); got != tt.want {
				t.Errorf("NormalizeURL(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	if got := NormalizeURL(nil); got != "" {
		t.Errorf("NormalizeURL(nil) = %q, want empty", got)
	}
}

func TestFetchable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want bool
	}{
		{"http://a.test/", true},
		{"https://a.test/", true},
		{"HTTPS://a.test/", true},
		{"ws://a.test/", true},
		{"wss://a.test/", true},
		{"ftp://a.test/", true},
		{"data:text/plain,hi", false},
		{"blob:https://a.test/1234", false},
		{"about:blank", false},
		{"about:srcdoc", false},
		{"javascript:void(0)", false},
		{"mailto:a@b.test", false},
		{"tel:+123", false},
		{"file:///etc/passwd", false},
		{"/relative", false},
		{"http:opaque", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			if got := Fetchable(mustParse(t, tt.in)); got != tt.want {
				t.Errorf("Fetchable(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
	if Fetchable(nil) {
		t.Error("Fetchable(nil) = true")
	}
}

// The quick path must read every URL exactly as the full WHATWG reader does, or refuse it.
func TestParseCanonicalAgreesWithResolve(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{
		"https://www.shop.test/a?b=c#d", "http://127.0.0.1:8080/x", "http://[::1]:3000/", "http://0x7f.1/",
		"http://127.1/", "HTTP://Shop.TEST/", "http://shop.test./", "http://shop.test:0080/", "http://shop.test:80/",
		"ws://live.test/s", "ftp://files.test/a", "http://a\\b.test/", "http://local%68ost/", "http://user@shop.test/",
		"https://xn--bcher-kva.test/", "http://10.0.0.1a/", "http://1.2.3.4.5/", "http://[0:0:0:0:0:0:0:1]/",
		"http://shop.test/%7Efoo", "https://shop.test/a b", "http://0x10.test/",
	} {
		full, fullOK := Resolve(nil, raw)
		quick, quickOK := parseCanonical(raw)
		if !quickOK {
			continue // refused: the full reader handles it
		}
		if !fullOK || quick.Scheme != full.Scheme || quick.Hostname() != full.Hostname() || portOrDefault(quick) != portOrDefault(full) {
			t.Errorf("%q: quick path read %v, full reader %v (%v)", raw, quick, full, fullOK)
		}
	}
}

func portOrDefault(u *url.URL) string {
	if p := u.Port(); p != "" && !(p == "80" && u.Scheme == "http") && !(p == "443" && u.Scheme == "https") {
		return p
	}
	return ""
}

// Resource.Parsed is the reference's URL parsed, whether the extractor kept the URL it
// resolved or passed the reference through as written.
func TestResourceParsed(t *testing.T) {
	t.Parallel()
	base, _ := url.Parse("https://www.shop.test/dir/page")
	doc := ExtractHTML(base, []byte(`<img src="/quick.png"><img src="HTTP://CDN.Test:80/a.png#x">`+
		`<script src="https://cdn.test/b.js"></script><img src="../up.png"><div style="background:url(//img.test/c.png)">`))
	if len(doc.Resources) != 5 {
		t.Fatalf("got %d resources, want 5", len(doc.Resources))
	}
	for i := range doc.Resources {
		r := &doc.Resources[i]
		u := r.Parsed()
		if u == nil || NormalizeURL(u) != r.URL {
			t.Errorf("%s: Parsed() = %v, want the URL parsed", r.URL, u)
		}
		if r.Parsed() != u {
			t.Errorf("%s: a second Parsed() parsed again", r.URL)
		}
	}
	bad := Resource{URL: "http://[::1/"}
	if u := bad.Parsed(); u != nil || bad.Parsed() != nil {
		t.Errorf("Parsed() of %q = %v, want nil", bad.URL, u)
	}
}
