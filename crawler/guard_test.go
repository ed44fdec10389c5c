package crawler

import (
	"fmt"
	"net"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/padlock-scan/padlock/internal/sitetest/testnet"
)

// A public site that names loopback or link-local addresses must not make padlock connect to
// them; a local site may.
func TestNonPublicAddressesOnlyForLocalSites(t *testing.T) {
	t.Parallel()
	var h hits
	internal := httptest.NewServer(serve(routes{"/secret.png": html("png")}, &h))
	defer internal.Close()
	site := httptest.NewServer(nil)
	defer site.Close()
	sitePort := site.Listener.Addr().(*net.TCPAddr).Port
	body := fmt.Sprintf(`<img src="%s/secret.png"><img src="http://169.254.169.254/latest/meta-data/x.png">`, internal.URL)
	site.Config.Handler = serve(routes{"/": html(body)}, &h)

	// The public address 203.0.113.10 (TEST-NET-3) is this test's name for the site: the dialer
	// maps it to the loopback server and refuses everything else, so nothing leaves the machine.
	public := fmt.Sprintf("203.0.113.10:%d", sitePort)
	guard := &testnet.Guard{}
	guard.Map(public, site.Listener.Addr().String())
	dial := guard.Dial
	pages, _ := crawlAll(t, &Config{StartURLs: []string{"http://" + public + "/"}, DialContext: dial, IgnoreRobots: true})
	if len(pages) != 1 {
		t.Fatalf("want the start page, got %d pages", len(pages))
	}
	internalHost := strings.TrimPrefix(internal.URL, "http://")
	if n := h.count("HEAD", internalHost+"/secret.png") + h.count("GET", internalHost+"/secret.png"); n != 0 {
		t.Errorf("padlock connected to a loopback address named by a public site (%d requests)", n)
	}
	for _, r := range pages[0].Resources {
		if r.Fetch == nil || !strings.Contains(r.Fetch.Err, "non-public address") {
			t.Errorf("%s: want the guard's refusal, got %+v", r.URL, r.Fetch)
		}
	}

	// Crawled as a local site, the same page may reach the loopback server, but never the
	// link-local metadata address.
	pages, _ = crawlAll(t, &Config{StartURLs: []string{site.URL + "/"}, DialContext: dial, IgnoreRobots: true})
	if len(pages) != 1 || h.count("HEAD", internalHost+"/secret.png") != 1 {
		t.Errorf("a local site's loopback resources should be checked: %d HEADs", h.count("HEAD", internalHost+"/secret.png"))
	}
	for _, r := range pages[0].Resources {
		if strings.Contains(r.URL, "169.254.169.254") && (r.Fetch == nil || !strings.Contains(r.Fetch.Err, "non-public address")) {
			t.Errorf("link-local must never be dialed: %+v", r.Fetch)
		}
	}
}

func TestGuardClassifiesAddresses(t *testing.T) {
	t.Parallel()
	checkRefused(t, []refusalCase{
		{"93.184.215.14", false, false},
		{"127.0.0.1", true, false},
		{"10.1.2.3", true, false},
		{"192.168.0.1", true, false},
		{"172.16.5.4", true, false},
		{"100.64.0.1", true, false},
		{"::1", true, false},
		{"fd00::1", true, false},
		{"169.254.169.254", true, true},
		{"fe80::1", true, true},
		{"0.0.0.0", true, true},
		{"224.0.0.1", true, true},
		{"::ffff:169.254.169.254", true, true},
	})
}

// refusalCase is an address and whether the guard refuses it when the site is public and when
// it is local.
type refusalCase struct {
	addr       string
	publicSite bool // refused when the site is public
	localSite  bool // refused when the site is local
}

func checkRefused(t *testing.T, tests []refusalCase) {
	t.Helper()
	for _, tc := range tests {
		a := netip.MustParseAddr(tc.addr)
		if got := refused(a, false); got != tc.publicSite {
			t.Errorf("%s on a public site: refused=%v, want %v", tc.addr, got, tc.publicSite)
		}
		if got := refused(a, true); got != tc.localSite {
			t.Errorf("%s on a local site: refused=%v, want %v", tc.addr, got, tc.localSite)
		}
	}
}

// DialAddr answers as the crawl's dialer does, validated or not: an exact HOST:PORT entry wins
// over *:PORT whatever their order, other ports and hosts go where they name.
func TestDialAddr(t *testing.T) {
	for _, order := range [][]string{
		{"*:443:10.0.0.9", "Shop.test:443:10.0.0.1", "bad entry"},
		{"shop.test:443:10.0.0.1", "*:443:10.0.0.9"},
	} {
		for _, validated := range []bool{false, true} {
			c := &Config{StartURLs: []string{"https://shop.test/"}, Resolve: order}
			if validated {
				c.Resolve = slices.DeleteFunc(slices.Clone(order), func(s string) bool { return s == "bad entry" })
				if err := c.Validate(); err != nil {
					t.Fatal(err)
				}
			}
			for _, tc := range []struct{ host, port, want string }{
				{"shop.test", "443", "10.0.0.1:443"},
				{"SHOP.test", "443", "10.0.0.1:443"},
				{"cdn.test", "443", "10.0.0.9:443"},
				{"shop.test", "8443", "shop.test:8443"},
			} {
				if got := c.DialAddr(tc.host, tc.port); got != tc.want {
					t.Errorf("%v (validated %v): DialAddr(%s, %s) = %s, want %s", order, validated, tc.host, tc.port, got, tc.want)
				}
			}
		}
	}
}
