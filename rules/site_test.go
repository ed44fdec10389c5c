package rules

import (
	"fmt"
	"testing"

	"github.com/padlock-scan/padlock/crawler"
)

func TestSite(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"https://www.shop.test/checkout", "https://shop.test"},
		{"https://shop.test/", "https://shop.test"},
		{"https://static.shop.test:8443/a.js", "https://shop.test"}, // port ignored
		{"http://www.shop.test/", "http://shop.test"},               // scheme kept
		{"HTTPS://WWW.Shop.TEST./x", "https://shop.test"},           // case, trailing dot
		{"https://www.shop.co.uk/", "https://shop.co.uk"},           // ICANN public suffix co.uk
		{"https://shop.co.uk/", "https://shop.co.uk"},
		{"https://a.github.io/x.js", "https://a.github.io"}, // private PSL section
		{"https://x.a.github.io/", "https://a.github.io"},
		{"https://github.io/", "https://github.io"}, // a public suffix is its own site
		{"https://co.uk/", "https://co.uk"},
		{"http://localhost:3000/", "http://localhost"},
		{"http://app.localhost/", "http://app.localhost"}, // localhost is a public suffix
		{"https://127.0.0.1:8443/", "https://127.0.0.1"},
		{"https://10.0.0.1/", "https://10.0.0.1"},
		{"https://[::1]:8443/", "https://[::1]"},
		{"https://[2001:DB8::1]/", "https://[2001:db8::1]"},
		{"https://bücher.example/", "https://xn--bcher-kva.example"},
		{"https://www.xn--bcher-kva.example/", "https://xn--bcher-kva.example"},
		{"data:text/javascript,alert(1)", ""},
		{"blob:https://shop.test/0b7d", ""},
		{"/relative/path.js", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			if got := Site(mustURL(t, tc.in)); got != tc.want {
				t.Errorf("Site(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	if got := Site(nil); got != "" {
		t.Errorf("Site(nil) = %q, want empty", got)
	}
}

func TestThirdParty(t *testing.T) {
	t.Parallel()
	fp := &Config{FirstParty: []string{"shop-cdn.test", " *.Assets.Example ", "https://img.partner.test/"}}
	tests := []struct {
		name      string
		page, res string
		cfg       *Config
		want      bool
	}{
		{"same host", "https://www.shop.test/", "https://www.shop.test/a.js", nil, false},
		{"subdomain is same site", "https://www.shop.test/", "https://static.shop.test/a.js", nil, false},
		{"registrable domain itself", "https://www.shop.test/", "https://shop.test/a.js", nil, false},
		{"other port same site", "https://www.shop.test/", "https://static.shop.test:8443/a.js", nil, false},
		{"other domain", "https://www.shop.test/", "https://cdn.vendor.test/a.js", nil, true},
		{"lookalike domain", "https://www.shop.test/", "https://shop.test.evil.test/a.js", nil, true},
		{"github.io siblings differ", "https://a.github.io/", "https://b.github.io/x.js", nil, true},
		{"github.io same user", "https://a.github.io/p/", "https://a.github.io/x.js", nil, false},
		{"co.uk siblings differ", "https://www.shop.co.uk/", "https://cdn.other.co.uk/x.js", nil, true},
		{"co.uk same registrable", "https://www.shop.co.uk/", "https://static.shop.co.uk/x.js", nil, false},
		{"http script on https page is the same site", "https://www.shop.test/", "http://static.shop.test/a.js", nil, false},
		{"https script on http page is the same site", "http://www.shop.test/", "https://static.shop.test/a.js", nil, false},
		{"http on http same site", "http://www.shop.test/", "http://static.shop.test/a.js", nil, false},
		{"IP host exact", "https://10.0.0.1/", "https://10.0.0.1:8443/a.js", nil, false},
		{"other IP", "https://10.0.0.1/", "https://10.0.0.2/a.js", nil, true},
		{"IDN spellings agree", "https://www.bücher.example/", "https://cdn.xn--bcher-kva.example/a.js", nil, false},
		{"data URL never third-party", "https://www.shop.test/", "data:text/javascript,alert(1)", nil, false},
		{"blob URL never third-party", "https://www.shop.test/", "blob:https://evil.test/x", nil, false},
		{"first-party domain", "https://www.shop.test/", "https://shop-cdn.test/a.js", fp, false},
		{"first-party subdomain", "https://www.shop.test/", "https://eu.static.shop-cdn.test/a.js", fp, false},
		{"first-party on an http page", "http://www.shop.test/", "http://shop-cdn.test/a.js", fp, false},
		{"first-party over http on an https page", "https://www.shop.test/", "http://shop-cdn.test/a.js", fp, false},
		{"first-party suffix boundary", "https://www.shop.test/", "https://notshop-cdn.test/a.js", fp, true},
		{"first-party written as *.d", "https://www.shop.test/", "https://x.assets.example/a.js", fp, false},
		{"first-party *.d covers d", "https://www.shop.test/", "https://assets.example/a.js", fp, false},
		{"first-party written as URL", "https://www.shop.test/", "https://img.partner.test/a.js", fp, false},
		{"first-party URL entry is a domain", "https://www.shop.test/", "https://cdn.img.partner.test/a.js", fp, false},
		{"first-party does not cover parent", "https://www.shop.test/", "https://partner.test/a.js", fp, true},
		{"allow-script does not make first-party", "https://www.shop.test/", "https://cdn.vendor.test/a.js",
			&Config{AllowScript: []string{"https://cdn.vendor.test"}}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := ThirdParty(mustURL(t, tc.page), mustURL(t, tc.res), tc.cfg); got != tc.want {
				t.Errorf("ThirdParty(%s, %s) = %v, want %v", tc.page, tc.res, got, tc.want)
			}
		})
	}
	t.Run("nil page counts only first-party domains", func(t *testing.T) {
		t.Parallel()
		if ThirdParty(nil, mustURL(t, "https://shop-cdn.test/a.js"), fp) {
			t.Error("first-party domain is third-party with a nil page")
		}
		if !ThirdParty(nil, mustURL(t, "https://cdn.vendor.test/a.js"), fp) {
			t.Error("other domain is not third-party with a nil page")
		}
	})
}

func TestAllowedBy(t *testing.T) {
	t.Parallel()
	cfg := &Config{AllowScript: []string{
		"",                       // invalid: skipped
		"https://bad.test/path",  // invalid: skipped
		"https://js.vendor.test", // origin
		"*.cdn.test",             // host pattern
		"pay.provider.test",      // host, any scheme
		"http://legacy.test:8080",
	}}
	tests := []struct{ res, want string }{
		{"https://js.vendor.test/v3/a.js", "https://js.vendor.test"},
		{"https://js.vendor.test:443/a.js", "https://js.vendor.test"},
		{"http://js.vendor.test/a.js", ""},       // origin pattern: scheme must match
		{"https://js.vendor.test:8443/a.js", ""}, // and port
		{"https://x.js.vendor.test/a.js", ""},    // and host exactly
		{"https://a.cdn.test/x.js", "*.cdn.test"},
		{"https://a.b.cdn.test/x.js", "*.cdn.test"},
		{"https://cdn.test/x.js", ""}, // *.d does not match d itself
		{"https://evilcdn.test/x.js", ""},
		{"https://pay.provider.test/x.js", "pay.provider.test"},
		{"http://pay.provider.test:81/x.js", "pay.provider.test"},
		{"http://legacy.test:8080/x.js", "http://legacy.test:8080"},
		{"http://legacy.test/x.js", ""},
		{"https://bad.test/path/a.js", ""},
	}
	for _, tc := range tests {
		t.Run(tc.res, func(t *testing.T) {
			t.Parallel()
			if got := AllowedBy(mustURL(t, tc.res), cfg); got != tc.want {
				t.Errorf("AllowedBy(%s) = %q, want %q", tc.res, got, tc.want)
			}
		})
	}
	t.Run("nil config", func(t *testing.T) {
		t.Parallel()
		if got := AllowedBy(mustURL(t, "https://js.vendor.test/a.js"), nil); got != "" {
			t.Errorf("AllowedBy with nil config = %q", got)
		}
	})
}

// Facts.thirdParty remembers verdicts by host: every answer, the first and the repeated ones,
// past the bound too, is ThirdParty's.
func TestFactsThirdPartyPerHost(t *testing.T) {
	page := mustURL(t, "https://www.shop.test/")
	cfg := &Config{FirstParty: []string{"shop-cdn.test"}}
	f := NewFacts(&crawler.Page{URL: page.String(), FinalURL: page.String()}, cfg)
	var hosts []string
	for i := range maxHostVerdicts + 8 {
		hosts = append(hosts, fmt.Sprintf("h%d.vendor.test", i), fmt.Sprintf("s%d.shop.test", i))
	}
	hosts = append(hosts, "shop-cdn.test", "10.0.0.1", "10.0.0.1:8443", "static.shop.test:8443")
	for round := range 2 {
		for _, h := range hosts {
			u := mustURL(t, "https://"+h+"/a.js")
			if got, want := f.thirdParty(page, u), ThirdParty(page, u, cfg); got != want {
				t.Errorf("round %d: thirdParty(%s) = %v, ThirdParty says %v", round, h, got, want)
			}
		}
	}
	if len(f.hosts) != maxHostVerdicts {
		t.Errorf("%d hosts remembered, want the bound %d", len(f.hosts), maxHostVerdicts)
	}
	ip := "127.0.0.1"
	if n := testing.AllocsPerRun(100, func() { _ = normalizeHost(ip) }); n != 0 {
		t.Errorf("normalizeHost of a dotted-decimal address allocates %v times, want 0", n)
	}
}
