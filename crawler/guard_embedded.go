package crawler

import "net/netip"

// Cloud metadata endpoints that are not link-local, refused like 169.254.0.0/16 whatever the
// site: AWS's IPv6 endpoint (Nitro instances) and Alibaba Cloud's, which sits in CGNAT space.
var metadataAddrs = []netip.Addr{
	netip.MustParseAddr("fd00:ec2::254"),
	netip.MustParseAddr("100.100.100.200"),
}

// IPv6 prefixes whose addresses carry an IPv4 address that a gateway may reach for them: NAT64
// (RFC 6052's well-known prefix and RFC 8215's local-use one) with the IPv4 address in the last
// 32 bits, and 6to4 (RFC 3056) with it in bits 16-47.
var (
	nat64WellKnown = netip.MustParsePrefix("64:ff9b::/96")
	nat64Local     = netip.MustParsePrefix("64:ff9b:1::/48")
	sixToFour      = netip.MustParsePrefix("2002::/16")
	ipv4Compatible = netip.MustParsePrefix("::/96") // deprecated ::a.b.c.d (:: and ::1 aside)
)

// embeddedIPv4 returns the IPv4 address an IPv6 address stands for, through IPv4-mapped,
// IPv4-compatible, NAT64 or 6to4 forms, so the guard judges 64:ff9b::a9fe:a9fe as the
// 169.254.169.254 it reaches.
func embeddedIPv4(a netip.Addr) (netip.Addr, bool) {
	if a.Is4() {
		return a, false
	}
	if a.Is4In6() {
		return a.Unmap(), true
	}
	b := a.As16()
	switch {
	case nat64WellKnown.Contains(a) || nat64Local.Contains(a) || ipv4Compatible.Contains(a) && !a.IsUnspecified() && !a.IsLoopback():
		return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}), true
	case sixToFour.Contains(a):
		return netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}), true
	}
	return a, false
}

// isMetadata reports the non-link-local cloud metadata endpoints.
func isMetadata(a netip.Addr) bool {
	for _, m := range metadataAddrs {
		if a == m {
			return true
		}
	}
	return false
}
