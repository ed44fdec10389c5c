package testnet

import (
	"context"
	"fmt"
	"net"
	"slices"
	"sync"
	"testing"
)

// Guard is a DialContext for crawler.Config and http.Transport that dials loopback addresses
// only (127.0.0.0/8 and ::1). Every other address is refused and recorded, so a test URL
// without a test port (http://h/ on port 80) fails at once instead of leaving the machine.
// Map sends one loopback address to another (port 80 to a test server, say). The zero value
// is ready to use.
type Guard struct {
	mu      sync.Mutex
	mapped  map[string]string
	dialed  []string
	refused []string
}

// NewGuard returns a guard that fails t, when the test ends, if it refused any address.
func NewGuard(t testing.TB) *Guard {
	g := &Guard{}
	t.Cleanup(func() {
		if r := g.Refused(); len(r) > 0 {
			t.Errorf("the test tried to leave loopback: refused %v", r)
		}
	})
	return g
}

// Map makes the guard dial to instead of from (both "host:port"); from may be any address,
// to must be a loopback one.
func (g *Guard) Map(from, to string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.mapped == nil {
		g.mapped = map[string]string{}
	}
	g.mapped[from] = to
}

// Dial connects to addr (after Map) if it is a loopback address and refuses it otherwise.
func (g *Guard) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	g.mu.Lock()
	if to, ok := g.mapped[addr]; ok {
		addr = to
	}
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		g.refused = append(g.refused, addr)
		g.mu.Unlock()
		return nil, fmt.Errorf("test guard: refusing to dial non-loopback address %s", addr)
	}
	g.dialed = append(g.dialed, addr)
	g.mu.Unlock()
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

// Refused returns the addresses refused so far.
func (g *Guard) Refused() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.refused)
}

// Dialed returns the loopback addresses dialed so far (after Map), one entry per connection.
func (g *Guard) Dialed() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.dialed)
}
