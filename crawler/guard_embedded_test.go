package crawler

import (
	"testing"
)

// Metadata endpoints outside 169.254/16 and IPv6 forms that embed a refused IPv4 address are
// refused like it, on a public and on a local site (issue: fd00:ec2::254, 100.100.100.200 and
// 64:ff9b::a9fe:a9fe were dialed).
func TestGuardRefusesMetadataInEveryForm(t *testing.T) {
	t.Parallel()
	checkRefused(t, []refusalCase{
		{"fd00:ec2::254", true, true},          // AWS IPv6 metadata
		{"100.100.100.200", true, true},        // Alibaba Cloud metadata (in CGNAT space)
		{"64:ff9b::a9fe:a9fe", true, true},     // NAT64 of 169.254.169.254
		{"64:ff9b:1::a9fe:a9fe", true, true},   // local-use NAT64
		{"2002:a9fe:a9fe::1", true, true},      // 6to4 of 169.254.169.254
		{"::ffff:100.100.100.200", true, true}, // IPv4-mapped
		{"64:ff9b::6464:64c8", true, true},     // NAT64 of 100.100.100.200
		{"::a9fe:a9fe", true, true},            // IPv4-compatible (deprecated) form
		{"64:ff9b::a00:1", true, false},        // NAT64 of 10.0.0.1: private, fine on a local site
		{"2002:7f00:1::1", true, false},        // 6to4 of 127.0.0.1
		{"64:ff9b::5db8:d70e", false, false},   // NAT64 of a public address
		{"2002:5db8:d70e::1", false, false},    // 6to4 of a public address
		{"2606:4700::6810:84e5", false, false}, // a public IPv6 address
		{"100.100.100.201", true, false},       // CGNAT, not metadata
		{"fd00:ec2::253", true, false},         // ULA, private
		{"::", true, true},                     // unspecified
		{"::1", true, false},                   // loopback
	})
}
