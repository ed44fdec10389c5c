package crawler

import (
	"math/rand/v2"
	"net/url"
	"testing"
)

// The quick path for root-relative references must give exactly what the full resolution
// gives, or step aside.
func TestQuickRootRelativeAgreesWithResolve(t *testing.T) {
	t.Parallel()
	refs := []string{"/", "/a", "/img/p1-0.jpg", "/a?b=c&d=e", "/a?", "/a/./b", "/a/../b", "/a/.", "/..", "/a?x=/./y",
		"/~user/x.png", "/a:b@c;d=e,f+g$h", "/a#frag", "/a%20b", "/a b", "//cdn/x", "/\\\\x", "/é", "/a?q=1#f", "/a/.b/..c",
		"/A/B.JPG", "/-_.~", "/a?b?c"}
	rng := rand.New(rand.NewPCG(3, 4))
	const alphabet = "/ab.?=&%#-_~:@;,+$ \\\\é"
	for i := 0; i < 3000; i++ {
		b := []byte{'/'}
		for j := rng.IntN(10); j > 0; j-- {
			b = append(b, alphabet[rng.IntN(len(alphabet))])
		}
		refs = append(refs, string(b))
	}
	for _, base := range []string{"https://www.shop.test/dir/page.html", "http://127.0.0.1:8080/x", "https://[::1]:3000/", "HTTPS://Shop.TEST/", "https://shop.test:443/", "https://u@shop.test/"} {
		bu, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		e := &extractor{}
		e.setBase(bu)
		for _, raw := range refs {
			quick, ok := e.quickRootRelative(raw)
			if !ok {
				continue
			}
			u, fullOK := Resolve(bu, raw)
			if !fullOK || NormalizeURL(u) != quick {
				t.Errorf("base %s, ref %q: quick %q, full %v %q", base, raw, quick, fullOK, NormalizeURL(u))
			}
		}
	}
}

func TestQuickAbsoluteAgreesWithResolve(t *testing.T) {
	t.Parallel()
	raws := []string{"https://www.shop.test/a.js", "http://cdn.test:8080/x?y=1", "https://cdn.test:443/x", "http://cdn.test:80/x",
		"https://cdn.test:0443/x", "https://Cdn.test/x", "https://cdn.test./x", "https://127.0.0.1/x", "https://0x7f.1/x",
		"https://cdn.test", "https://cdn.test?x", "https://cdn.test/a/../b", "https://cdn.test/a#f", "https://cdn.test/%41",
		"https://user@cdn.test/", "https://cdn.test:99999/", "HTTPS://cdn.test/", "https://cdn-1.test/a_b~c", "https://xn--bcher-kva.test/",
		"https://cdn.test/a b", "https://[::1]/x", "https://cdn.test:/x", "https://cdn.123/x", "http://a.b.c.d.test/x/y/z.png?w=1&h=2",
		"https://127.0.0.2:18444/lib/x.js", "http://10.0.0.255/x", "http://0.0.0.0/x", "http://255.255.255.255/x", "http://256.0.0.1/x",
		"http://127.0.0.01/x", "http://127.00.0.1/x", "http://127.0.1/x", "http://127.0.0.1.2/x", "http://127.0.0.1./x", "http://1.2.3.04/x",
		"http://0x7f.0.0.1/x", "http://1.2.3.4a/x", "http://a.1.2.3/x", "http://1.2.3.4:80/x", "http://1.2.3.4:8080/x", "https://1.2.3.4:443/x",
		"http://1234.0.0.1/x", "http://1..2.3/x", "http://4294967295/x", "http://1.2.3.1000/x"}
	rng := rand.New(rand.NewPCG(5, 6))
	const alphabet = "abcXYZ019-._~:@/?#%&=+ .\\"
	for i := 0; i < 3000; i++ {
		b := []byte("https://")
		for j := rng.IntN(20); j > 0; j-- {
			b = append(b, alphabet[rng.IntN(len(alphabet))])
		}
		raws = append(raws, string(b))
	}
	const digits = "0123456789.x"
	for i := 0; i < 3000; i++ { // hosts of digits and dots: IPv4 addresses in every form, and not
		b := []byte("http://")
		for j := 1 + rng.IntN(16); j > 0; j-- {
			b = append(b, digits[rng.IntN(len(digits))])
		}
		raws = append(raws, string(b)+"/p.html")
	}
	quickIPs := 0
	for _, raw := range raws {
		if host, ok := checkQuickAbsolute(t, raw); ok && canonicalIPv4(host) {
			quickIPs++
		}
	}
	if quickIPs < 5 {
		t.Errorf("only %d IPv4 hosts took the quick path: the test no longer exercises it", quickIPs)
	}
}

// FuzzQuickAbsolute: whatever the input, the quick path for absolute URLs gives what the full
// resolution gives, or steps aside.
func FuzzQuickAbsolute(f *testing.F) {
	for _, s := range []string{"https://127.0.0.2:18444/lib/x.js", "http://shop.test/a?b=c", "http://1.2.3.4:8080/x", "https://0x7f.1/x", "http://256.1.1.1/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) { checkQuickAbsolute(t, raw) })
}

// checkQuickAbsolute fails t when the quick path takes raw and gives another URL than the full
// resolution; it returns the host of raw and whether the quick path took it.
func checkQuickAbsolute(t *testing.T, raw string) (string, bool) {
	t.Helper()
	quick, ok := quickAbsolute(raw)
	if !ok {
		return "", false
	}
	u, fullOK := Resolve(nil, raw)
	if !fullOK {
		t.Errorf("%q: quick %q, the full resolution refuses it", raw, quick)
		return "", true
	}
	if NormalizeURL(u) != quick {
		t.Errorf("%q: quick %q, full %q", raw, quick, NormalizeURL(u))
	}
	return u.Hostname(), true
}
