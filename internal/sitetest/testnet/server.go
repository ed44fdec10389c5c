package testnet

import (
	"crypto/tls"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

// TLSServer serves h over TLS 1.2 to 1.3 with certs until the test ends; with more than one
// certificate the server picks the one that matches the SNI name. HTTP/2 is off, and
// handshake errors (the crawler's probes of legacy versions and unverified certificates make
// plenty) are not logged.
func TLSServer(t testing.TB, h http.Handler, certs ...tls.Certificate) *httptest.Server {
	t.Helper()
	return TLSServerVersions(t, h, tls.VersionTLS12, tls.VersionTLS13, certs...)
}

// TLSServerVersions is TLSServer accepting only the protocol versions minV to maxV.
func TLSServerVersions(t testing.TB, h http.Handler, minV, maxV uint16, certs ...tls.Certificate) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.EnableHTTP2 = false
	srv.TLS = &tls.Config{Certificates: certs, MinVersion: minV, MaxVersion: maxV}
	srv.Config.ErrorLog = QuietLog()
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// HTTPServer serves h over plain HTTP until the test ends.
func HTTPServer(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// QuietLog is a server error log that drops everything.
func QuietLog() *log.Logger { return log.New(io.Discard, "", 0) }

// Port returns the port srv listens on.
func Port(srv *httptest.Server) string {
	return strconv.Itoa(srv.Listener.Addr().(*net.TCPAddr).Port)
}

// Resolve maps every host, on port, to 127.0.0.1, in crawler.Config.Resolve's form (curl's
// --resolve HOST:PORT:ADDR); "*" stands for every host.
func Resolve(port string, hosts ...string) []string {
	out := make([]string, len(hosts))
	for i, h := range hosts {
		out[i] = h + ":" + port + ":127.0.0.1"
	}
	return out
}
