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
