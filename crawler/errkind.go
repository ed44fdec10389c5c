package crawler

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"strings"
	"syscall"
)

// ErrorKind says what kind of problem a crawl error is, so that a caller can act on it (the CLI
// suggests --ca-file for a certificate from an unknown authority) without reading its text.
type ErrorKind string

// The kinds of crawl error.
const (
	ErrorTimeout   ErrorKind = "timeout"   // no answer within --timeout
	ErrorDNS       ErrorKind = "dns"       // the host name did not resolve
	ErrorRefused   ErrorKind = "refused"   // nothing listens at the address
	ErrorBlocked   ErrorKind = "blocked"   // the network guard refused a non-public address (guard.go)
	ErrorUntrusted ErrorKind = "untrusted" // a certificate from an unknown authority
	ErrorTLS       ErrorKind = "tls"       // any other TLS or certificate failure
	ErrorNetwork   ErrorKind = "network"   // any other failure to get an answer
	ErrorRedirect  ErrorKind = "redirect"  // a redirect loop, too many hops, an unusable Location
	ErrorStatus    ErrorKind = "status"    // an HTTP error status (4xx, 5xx)
	ErrorTooLarge  ErrorKind = "too-large" // a body cut at --max-body
	// ErrorTooManyRefs is a page with more different references than --max-refs-per-page.
	ErrorTooManyRefs ErrorKind = "too-many-refs"
	ErrorRobots      ErrorKind = "robots"  // robots.txt could not be read
	ErrorSitemap     ErrorKind = "sitemap" // a sitemap the user named could not be read
)

// errHTTPOnHTTPS is how net/http reports an https: request answered in plain HTTP.
const errHTTPOnHTTPS = "server gave HTTP response to HTTPS client"

// errorKind classifies a fetch error.
func errorKind(err error) ErrorKind {
	var re *redirectError
	var ne net.Error
	var dns *net.DNSError
	var ua x509.UnknownAuthorityError
	var cv *tls.CertificateVerificationError
	var alert tls.AlertError
	var rec tls.RecordHeaderError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &re):
		return ErrorRedirect
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return ErrorTimeout
	case errors.Is(err, ErrLocalAddress):
		return ErrorBlocked
	case errors.As(err, &dns):
		return ErrorDNS
	case errors.Is(err, syscall.ECONNREFUSED):
		return ErrorRefused
	case errors.As(err, &ua):
		return ErrorUntrusted
	case errors.As(err, &cv):
		// Platform verifiers (macOS, Windows) say so in words, not with UnknownAuthorityError.
		if strings.Contains(cv.Err.Error(), "certificate is not trusted") {
			return ErrorUntrusted
		}
		return ErrorTLS
	case errors.As(err, &alert), errors.As(err, &rec):
		return ErrorTLS
	case strings.Contains(err.Error(), errHTTPOnHTTPS):
		return ErrorTLS // no TLS on that port: net/http turns the RecordHeaderError into words
	}
	return ErrorNetwork
}
