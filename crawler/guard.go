package crawler

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// A crawled page decides which URLs padlock requests (sub-resources, https copies, redirect
// targets). Run in CI next to internal services and a cloud metadata endpoint, a scanner that
// follows them blindly becomes a way into the network it runs on. So padlock connects to
// loopback, private and CGNAT addresses only when the site it was asked to crawl is itself on
// such an address (a local server, a preview behind --resolve), and to link-local, unspecified
// and multicast addresses never.

// ErrLocalAddress marks a connection refused by that guard.
var ErrLocalAddress = fmt.Errorf("padlock does not connect to a non-public address named by a public site")

// nonPublic reports whether an address is loopback, private, link-local (the cloud metadata
// endpoint 169.254.169.254 among them), CGNAT, unspecified or multicast.
func nonPublic(a netip.Addr) bool {
	if v4, ok := embeddedIPv4(a); ok && nonPublic(v4) {
		return true
	}
	a = a.Unmap()
	return a.IsLoopback() || a.IsPrivate() || neverDialed(a) || cgnat.Contains(a)
}

// neverDialed reports addresses no web page's sub-resource legitimately lives on, whatever the
// site: link-local (cloud metadata endpoints), the metadata endpoints outside it, unspecified
// and multicast, also when written as an IPv6 address that embeds one (NAT64, 6to4, mapped).
func neverDialed(a netip.Addr) bool {
	if v4, ok := embeddedIPv4(a); ok && neverDialed(v4) {
		return true
	}
	a = a.Unmap()
	return a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() || a.IsUnspecified() || a.IsMulticast() || isMetadata(a)
}

// refused says whether the guard refuses to dial a, given whether the site is local.
func refused(a netip.Addr, local bool) bool {
	return neverDialed(a) || nonPublic(a) && !local
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// guardControl is a net.Dialer Control hook: it sees the address actually dialed, after DNS,
// so a public name that resolves to a private address is caught too.
func guardControl(allowLocal func() bool) func(network, address string, _ syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil || !refused(ap.Addr(), allowLocal()) {
			return nil
		}
		return fmt.Errorf("%w (%s)", ErrLocalAddress, ap.Addr())
	}
}

// guardedDialer is the dialer every connection of a crawl goes through (pages, sub-resources,
// robots.txt, sitemaps, TLS probes): --resolve first, then the guard, on the address the system
// dialer connects to (guardControl) or, for a dialer a test put in Config.DialContext, on
// address literals.
func guardedDialer(cfg *Config, allowLocal func() bool) func(ctx context.Context, network, addr string) (net.Conn, error) {
	dialer := &net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second, Control: guardControl(allowLocal)}
	dial := dialer.DialContext
	if cfg.DialContext != nil {
		dial = cfg.DialContext
	}
	resolver := cfg.resolver
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		addr = resolveAddr(resolver, addr)
		if host, _, err := net.SplitHostPort(addr); err == nil {
			if a, err := netip.ParseAddr(host); err == nil && refused(a, allowLocal()) {
				return nil, &net.OpError{Op: "dial", Net: network, Err: fmt.Errorf("%w (%s)", ErrLocalAddress, a)}
			}
		}
		return dial(ctx, network, addr)
	}
}

// DialAddr is the address a connection to host:port is made to under --resolve (an exact
// HOST:PORT entry wins over *:PORT), as the crawl's own connections are: host:port itself when
// no entry applies. Entries that do not parse are ignored (Validate reports them).
func (c *Config) DialAddr(host, port string) string {
	table := c.resolver
	if table == nil { // not validated: read the entries as Validate would
		table = map[string]string{}
		for _, r := range c.Resolve {
			if h, p, addr, err := parseResolve(r); err == nil {
				table[net.JoinHostPort(h, p)] = addr
			}
		}
	}
	return resolveAddr(table, net.JoinHostPort(host, port))
}

// resolveAddr applies --resolve: an exact host:port entry wins over *:port.
func resolveAddr(table map[string]string, addr string) string {
	if len(table) == 0 {
		return addr
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip, ok := table[net.JoinHostPort(strings.ToLower(host), port)]; ok {
		return net.JoinHostPort(ip, port)
	}
	if ip, ok := table[net.JoinHostPort("*", port)]; ok {
		return net.JoinHostPort(ip, port)
	}
	return addr
}

// siteIsLocal reports whether a start URL's host is, or resolves to, a non-public address:
// then the whole crawl may use such addresses.
func siteIsLocal(ctx context.Context, starts []*url.URL, resolver map[string]string) bool {
	for _, u := range starts {
		host := strings.ToLower(u.Hostname())
		port := u.Port()
		if port == "" {
			port = defaultPort(u.Scheme)
		}
		if addr := resolveAddr(resolver, net.JoinHostPort(host, port)); addr != net.JoinHostPort(host, port) {
			host, _, _ = net.SplitHostPort(addr)
		}
		if host == "localhost" || strings.HasSuffix(host, ".localhost") {
			return true
		}
		if a, err := netip.ParseAddr(host); err == nil {
			if nonPublic(a) {
				return true
			}
			continue
		}
		lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		addrs, err := net.DefaultResolver.LookupNetIP(lctx, "ip", host)
		cancel()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if nonPublic(a) {
				return true
			}
		}
	}
	return false
}
