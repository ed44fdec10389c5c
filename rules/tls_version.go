package rules

import (
	"strings"

	"github.com/padlock-scan/padlock/crawler"
)

// tlsVersion reports HTTPS origins that negotiate below TLS 1.2 or offer nothing at 1.2+.
func tlsVersion() *Rule {
	return &Rule{
		ID:       "tls-version",
		Severity: Error,
		Scope:    ScopeOrigin,
		CWE:      327, // a broken or risky cryptographic algorithm
		Title:    "HTTPS origin without TLS 1.2 or later",
		Doc: "padlock's probe handshake with the origin, offering TLS 1.2 and 1.3, either " +
			"negotiated an older protocol or failed while a TLS 1.0/1.1-only handshake succeeded: " +
			"the server offers nothing at TLS 1.2 or above. (A server that speaks TLS 1.2 only with " +
			"suites browsers reject fails the first handshake too: that is tls-weak-cipher or " +
			"tls-no-forward-secrecy, not this.) TLS 1.0 and 1.1 are deprecated " +
			"(RFC 8996) and current browsers refuse them, so visitors get an error page instead " +
			"of the site (or of the resource, when it is a third-party origin); PCI DSS 4.2.1 " +
			"does not accept them as strong cryptography either.",
		Fix: "Enable TLS 1.2 and TLS 1.3 on the server, load balancer or CDN, and disable TLS 1.0 " +
			"and 1.1. For a third-party origin, ask the provider or load the resource from " +
			"elsewhere.",
		HelpURL: "https://www.rfc-editor.org/rfc/rfc8996",
		Check:   checkTLSVersion,
	}
}

// legacyTLSVersion reports whether a crawler.Origin version name is below TLS 1.2.
func legacyTLSVersion(v string) bool {
	switch strings.ToUpper(strings.TrimSpace(v)) {
	case "TLS 1.0", "TLS 1.1", "SSL 3.0", "SSL 2.0", "SSLV3":
		return true
	}
	return false
}

func checkTLSVersion(pass *Pass) {
	o := pass.Origin
	if !o.Probed || schemeOf(o.Origin) != "https" {
		return
	}
	switch {
	case legacyTLSVersion(o.Version):
		pass.Report(Finding{Message: o.Origin + " negotiates " + o.Version + ", below TLS 1.2; browsers refuse it"})
	case o.Version == "" && o.LegacyTLS && !spokeTLS12(o):
		v := o.LegacyVersion
		if v == "" {
			v = "TLS 1.0 or 1.1"
		}
		msg := o.Origin + " offers no TLS 1.2 or 1.3, only " + v + "; browsers refuse to connect"
		if o.ModernErr != "" {
			msg += " (TLS 1.2+ handshake: " + o.ModernErr + ")"
		}
		pass.Report(Finding{Message: msg})
	}
}

// spokeTLS12 reports whether some probe handshake with the origin succeeded at TLS 1.2 or
// later: the browser-like one, or one offering only weak or only static-RSA suites (a server
// that accepts nothing else fails the browser-like one, but has no version problem).
func spokeTLS12(o *crawler.Origin) bool {
	for _, v := range []string{o.Version, o.WeakVersion, o.StaticRSAVersion} {
		if v != "" && !legacyTLSVersion(v) {
			return true
		}
	}
	return false
}
