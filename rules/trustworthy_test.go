package rules

import (
	"fmt"
	"testing"

	"github.com/padlock-scan/padlock/crawler"
)

func TestIsPotentiallyTrustworthy(t *testing.T) {
	t.Parallel()
	// hostOf gives the host as browsers read it (IPv4 shorthands as dotted quads).
	tests := []struct {
		name         string
		url          string
		trustworthy  bool
		insecureURL  bool // isInsecureURL: fetched without transport security
		wantIPHost   bool
		wantHostname string
	}{
		{name: "https", url: "https://www.shop.test/", trustworthy: true, wantHostname: "www.shop.test"},
		{name: "wss", url: "wss://live.test/s", trustworthy: true, wantHostname: "live.test"},
		{name: "data", url: "data:text/plain,hi", trustworthy: true},
		{name: "blob", url: "blob:https://www.shop.test/5d1c", trustworthy: true},
		{name: "about blank", url: "about:blank", trustworthy: true},
		{name: "about srcdoc", url: "about:srcdoc", trustworthy: true},
		{name: "file", url: "file:///etc/hosts", trustworthy: true},
		{name: "file with host", url: "file://server/share", trustworthy: true, wantHostname: "server"},
		{name: "http", url: "http://www.shop.test/", insecureURL: true, wantHostname: "www.shop.test"},
		{name: "http upper-case scheme and host", url: "HTTP://WWW.Shop.TEST/", insecureURL: true, wantHostname: "www.shop.test"},
		{name: "ftp", url: "ftp://files.test/a", insecureURL: true, wantHostname: "files.test"},
		{name: "ws", url: "ws://live.test/s", insecureURL: true, wantHostname: "live.test"},
		{name: "javascript is not trustworthy but not fetched", url: "javascript:alert(1)"},
		{name: "mailto", url: "mailto:a@shop.test"},
		{name: "no scheme", url: "//cdn.test/a.js"},
		{name: "empty", url: ""},
		{name: "localhost", url: "http://localhost/", trustworthy: true, wantHostname: "localhost"},
		{name: "localhost port", url: "http://localhost:8080/x", trustworthy: true, wantHostname: "localhost"},
		{name: "localhost trailing dot", url: "http://localhost./", trustworthy: true, wantHostname: "localhost."},
		{name: "localhost upper case", url: "http://LocalHost/", trustworthy: true, wantHostname: "localhost"},
		{name: "sub.localhost", url: "http://foo.localhost/", trustworthy: true, wantHostname: "foo.localhost"},
		{name: "deep sub.localhost trailing dot", url: "ws://a.b.localhost./s", trustworthy: true, wantHostname: "a.b.localhost."},
		{name: "percent-encoded localhost", url: "http://local%68ost/", trustworthy: true, wantHostname: "localhost"},
		{name: "localhost.example.com", url: "http://localhost.example.com/", insecureURL: true, wantHostname: "localhost.example.com"},
		{name: "notlocalhost", url: "http://notlocalhost/", insecureURL: true, wantHostname: "notlocalhost"},
		{name: "localhost in userinfo", url: "http://localhost@evil.test/", insecureURL: true, wantHostname: "evil.test"},
		{name: "localhost in path", url: "http://evil.test/localhost", insecureURL: true, wantHostname: "evil.test"},
		{name: "localhost in query", url: "http://evil.test?localhost", insecureURL: true, wantHostname: "evil.test"},
		{name: "127.0.0.1", url: "http://127.0.0.1/", trustworthy: true, wantIPHost: true, wantHostname: "127.0.0.1"},
		{name: "127.0.0.2", url: "http://127.0.0.2/", trustworthy: true, wantIPHost: true, wantHostname: "127.0.0.2"},
		{name: "127.255.255.255", url: "http://127.255.255.255:9/", trustworthy: true, wantIPHost: true, wantHostname: "127.255.255.255"},
		{name: "127.0.0.1 trailing dot", url: "http://127.0.0.1./", trustworthy: true, wantIPHost: true, wantHostname: "127.0.0.1"},
		{name: "0x7f.1", url: "http://0x7f.1/", trustworthy: true, wantIPHost: true, wantHostname: "127.0.0.1"},
		{name: "0X7F.0.0.1", url: "http://0X7F.0.0.1/", trustworthy: true, wantIPHost: true, wantHostname: "127.0.0.1"},
		{name: "127.1", url: "http://127.1/", trustworthy: true, wantIPHost: true, wantHostname: "127.0.0.1"},
		{name: "2130706433", url: "http://2130706433/", trustworthy: true, wantIPHost: true, wantHostname: "127.0.0.1"},
		{name: "017700000001 octal", url: "http://017700000001/", trustworthy: true, wantIPHost: true, wantHostname: "127.0.0.1"},
		{name: "0177.0.0.1 octal", url: "http://0177.0.0.1/", trustworthy: true, wantIPHost: true, wantHostname: "127.0.0.1"},
		{name: "0x7f000001", url: "http://0x7f000001/", trustworthy: true, wantIPHost: true, wantHostname: "127.0.0.1"},
		{name: "128.0.0.1", url: "http://128.0.0.1/", insecureURL: true, wantIPHost: true, wantHostname: "128.0.0.1"},
		{name: "126.255.255.255", url: "http://126.255.255.255/", insecureURL: true, wantIPHost: true, wantHostname: "126.255.255.255"},
		{name: "0.0.0.0", url: "http://0.0.0.0/", insecureURL: true, wantIPHost: true, wantHostname: "0.0.0.0"},
		{name: "octal 0127.0.0.1 is 87.0.0.1", url: "http://0127.0.0.1/", insecureURL: true, wantIPHost: true, wantHostname: "87.0.0.1"},
		{name: "invalid IPv4: browsers refuse the URL, nothing is fetched", url: "http://127.0.0.256/"},
		{name: "five parts: refused like any invalid IPv4", url: "http://127.0.0.0.1/"},
		{name: "::1", url: "http://[::1]/", trustworthy: true, wantIPHost: true, wantHostname: "[::1]"},
		{name: "::1 port", url: "http://[::1]:3000/", trustworthy: true, wantIPHost: true, wantHostname: "[::1]"},
		{name: "::1 long form", url: "http://[0:0:0:0:0:0:0:1]/", trustworthy: true, wantIPHost: true, wantHostname: "[::1]"},
		{name: "::2", url: "http://[::2]/", insecureURL: true, wantIPHost: true, wantHostname: "[::2]"},
		{name: "IPv4-mapped loopback", url: "http://[::ffff:127.0.0.1]/", insecureURL: true, wantIPHost: true, wantHostname: "[::ffff:127.0.0.1]"},
		{name: "IPv6 documentation", url: "http://[2001:db8::1]/", insecureURL: true, wantIPHost: true, wantHostname: "[2001:db8::1]"},
		{name: "host with digits is a name", url: "http://127.0.0.1.nip.test/", insecureURL: true, wantHostname: "127.0.0.1.nip.test"},
		{name: "last label 1a is a name", url: "http://10.0.0.1a/", insecureURL: true, wantHostname: "10.0.0.1a"},
		{name: "backslashes", url: `http:\\localhost\x`, trustworthy: true, wantHostname: "localhost"},
		{name: "leading space and tab", url: " \thttp://localhost/", trustworthy: true, wantHostname: "localhost"},
		{name: "newline inside", url: "ht\ntp://evil.test/", insecureURL: true, wantHostname: "evil.test"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := isPotentiallyTrustworthy(tc.url); got != tc.trustworthy {
				t.Errorf("isPotentiallyTrustworthy(%q) = %v, want %v", tc.url, got, tc.trustworthy)
			}
			if got := isInsecureURL(tc.url); got != tc.insecureURL {
				t.Errorf("isInsecureURL(%q) = %v, want %v", tc.url, got, tc.insecureURL)
			}
			host := hostOf(tc.url)
			if host != tc.wantHostname {
				t.Errorf("hostOf(%q) = %q, want %q", tc.url, host, tc.wantHostname)
			}
			if host != "" {
				if got := isIPLiteral(host); got != tc.wantIPHost {
					t.Errorf("isIPLiteral(%q) = %v, want %v", host, got, tc.wantIPHost)
				}
			}
		})
	}
}

func TestIsIPLiteral(t *testing.T) {
	t.Parallel()
	tests := []struct {
		host string
		want bool
	}{
		{"93.184.215.14", true},
		{"192.168.1", true},
		{"10.1", true},
		{"0x7f.1", true},
		{"0xc0a80101", true},
		{"3232235777", true},
		{"1.2.3.4.", true},
		{"0x", true},        // "0x" is the number 0 in the WHATWG parser
		{"foo.0x10", false}, // ends in a number but is no address: browsers refuse the URL
		{"foo.123", false},
		{"[2001:db8::1]", true},
		{"[::1]", true},
		{"2001:db8::1", true},
		{"img.test", false},
		{"localhost", false},
		{"1.2.3.x", false},
		{"123.example", false},
		{"0xg", false},
		{"", false},
		{".", false},
	}
	for _, tc := range tests {
		t.Run(tc.host, func(t *testing.T) {
			t.Parallel()
			if got := isIPLiteral(tc.host); got != tc.want {
				t.Errorf("isIPLiteral(%q) = %v, want %v", tc.host, got, tc.want)
			}
		})
	}
}

func TestParseIPv4(t *testing.T) {
	t.Parallel()
	tests := []struct {
		host   string
		want   uint32
		wantOK bool
	}{
		{"127.0.0.1", 0x7f000001, true},
		{"0x7f.1", 0x7f000001, true},
		{"127.1", 0x7f000001, true},
		{"127.0.1", 0x7f000001, true},
		{"2130706433", 0x7f000001, true},
		{"0177.0.0.1", 0x7f000001, true},
		{"0x7F.0X0.0.01", 0x7f000001, true},
		{"00000000000000000000000000177.1", 0x7f000001, true},
		{"192.168.257", 0xc0a80101, true},
		{"255.255.255.255", 0xffffffff, true},
		{"4294967295", 0xffffffff, true},
		{"1.2.3.4.", 0x01020304, true},
		{"4294967296", 0, false},
		{"256.0.0.1", 0, false},
		{"1.2.3.4.5", 0, false},
		{"1..2", 0, false},
		{"08.1", 0, false},
		{"0x1g.1", 0, false},
		{"example.test", 0, false},
		{"99999999999999999999999.1", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.host, func(t *testing.T) {
			t.Parallel()
			// The WHATWG IPv4 parser lives in the crawler's URL reader: a host that reads as an
			// address comes out as a dotted quad; one that ends in a number but is no address is
			// refused, as browsers refuse it.
			u, ok := crawler.ParseURL("http://" + tc.host + "/")
			want := fmt.Sprintf("%d.%d.%d.%d", tc.want>>24, tc.want>>16&0xff, tc.want>>8&0xff, tc.want&0xff)
			isAddr := ok && u.Hostname() == want
			if isAddr != tc.wantOK || tc.wantOK && !isIPLiteral(tc.host) {
				t.Errorf("host %q: parsed %v %v, want the address %s: %v", tc.host, u, ok, want, tc.wantOK)
			}
		})
	}
}

func TestIsInsecureScheme(t *testing.T) {
	t.Parallel()
	tests := []struct {
		scheme string
		want   bool
	}{
		{"http", true},
		{"HTTP", true},
		{"ftp", true},
		{"ws", true},
		{"https", false},
		{"wss", false},
		{"data", false},
		{"blob", false},
		{"about", false},
		{"file", false},
		{"javascript", false},
		{"mailto", false},
		{"", false},
	}
	for _, tc := range tests {
		t.Run(tc.scheme, func(t *testing.T) {
			t.Parallel()
			if got := isInsecureScheme(tc.scheme); got != tc.want {
				t.Errorf("isInsecureScheme(%q) = %v, want %v", tc.scheme, got, tc.want)
			}
		})
	}
}

func TestHostPort(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url, host, port string
	}{
		{"https://www.shop.test/", "www.shop.test", ""},
		{"https://www.shop.test:443/", "www.shop.test", ""},
		{"http://www.shop.test:80/", "www.shop.test", ""},
		{"http://www.shop.test:0080/", "www.shop.test", ""},
		{"http://www.shop.test:443/", "www.shop.test", "443"},
		{"https://www.shop.test:8443/x", "www.shop.test", "8443"},
		{"http://user:pw@www.shop.test:8080/", "www.shop.test", "8080"},
		{"http://[::1]:8080/", "[::1]", "8080"},
		{"http://[::1]/", "[::1]", ""},
		{"mailto:a@b.test", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.url, func(t *testing.T) {
			t.Parallel()
			h, p := hostPort(tc.url)
			if h != tc.host || p != tc.port {
				t.Errorf("hostPort(%q) = %q, %q; want %q, %q", tc.url, h, p, tc.host, tc.port)
			}
		})
	}
}
