package rules

import (
	"fmt"
	"strings"
	"time"

	"github.com/padlock-scan/padlock/crawler"
)

// defaultCertExpiryWarning is how close to expiry a certificate draws a warning when
// Config.CertExpiryWarning is zero.
const defaultCertExpiryWarning = 30 * 24 * time.Hour

// tlsCertificate reports origins whose certificate is invalid or about to expire.
func tlsCertificate() *Rule {
	return &Rule{
		ID:       "tls-certificate",
		Severity: Error,
		Scope:    ScopeOrigin,
		CWE:      295, // improper certificate validation
		Title:    "TLS certificate invalid or about to expire",
		Doc: "The certificate an HTTPS origin presents fails verification: it has expired, is not " +
			"valid yet, chains to an issuer browsers do not trust (self-signed, a private CA), " +
			"lacks an intermediate certificate the server should send (Go, curl, Android and " +
			"Firefox on a first visit fail; Chrome and Safari fetch the missing one from the " +
			"certificate's AIA URL and hide the problem, and padlock tries the same to say " +
			"whether that works), is signed with SHA-1 or MD5 anywhere but the root's own signature (the " +
			"message names the certificate), or names other hosts. A key under 2048 bits (RSA) or " +
			"256 bits (EC), in the leaf or an intermediate, is an error too. Browsers show a full-page warning instead of the " +
			"page, or silently drop the resource when the origin serves scripts, styles or " +
			"images; this applies to third-party origins too. A valid certificate that expires " +
			"within 30 days (Config.CertExpiryWarning) is a warning: renewal has failed or is " +
			"about to be late.",
		Fix: "Renew or reissue the certificate for every host name the origin answers to, install " +
			"the full chain (leaf plus intermediates, the fullchain.pem of ACME clients), and " +
			"automate renewal (ACME/Let's Encrypt) with monitoring. For a staging CA, pass " +
			"--ca-file instead. For a third-party origin, tell the provider or stop loading from it.",
		HelpURL: "https://www.rfc-editor.org/rfc/rfc5280#section-6",
		Check:   checkTLSCertificate,
	}
}

func checkTLSCertificate(pass *Pass) {
	o := pass.Origin
	if !o.Probed || schemeOf(o.Origin) != "https" {
		return
	}
	now := pass.Config.Now
	if now.IsZero() {
		now = time.Now()
	}
	problem := o.CertProblem
	if problem == "" && !o.NotAfter.IsZero() && now.After(o.NotAfter) {
		problem = "expired" // the verifier did not say so, but the dates do
	}
	weakKey := ""
	if o.WeakKey != "" {
		weakKey = "a weak key: " + o.WeakKey + ", under the 2048 bits (RSA) or 256 bits (EC) that " +
			"CAs must issue and PCI DSS counts as strong cryptography"
	}
	if problem != "" {
		msg := o.Origin + "'s certificate " + certProblemText(o, problem, now)
		if o.CertError != "" {
			msg += " (" + o.CertError + ")"
		}
		if weakKey != "" {
			msg += "; it has " + weakKey
		}
		pass.Report(Finding{Message: msg})
		return
	}
	expiry := ""
	if !o.NotAfter.IsZero() {
		window := pass.Config.CertExpiryWarning
		if window <= 0 {
			window = defaultCertExpiryWarning
		}
		if left := o.NotAfter.Sub(now); left <= window {
			expiry = fmt.Sprintf("expires %s (%s)", inDays(left), formatDate(o.NotAfter))
		}
	}
	switch {
	case weakKey != "" && expiry != "":
		pass.Report(Finding{Message: o.Origin + "'s certificate " + expiry + " and has " + weakKey})
	case weakKey != "":
		pass.Report(Finding{Message: o.Origin + "'s certificate has " + weakKey})
	case expiry != "":
		pass.ReportAs(Warning, Finding{Message: o.Origin + "'s certificate " + expiry})
	}
}

// certProblemText describes a crawler.Origin.CertProblem in words.
func certProblemText(o *crawler.Origin, problem string, now time.Time) string {
	switch problem {
	case "expired":
		if o.NotAfter.IsZero() {
			return "has expired"
		}
		return fmt.Sprintf("expired on %s (%s ago)", formatDate(o.NotAfter), days(now.Sub(o.NotAfter)))
	case "not-yet-valid":
		if o.NotBefore.IsZero() {
			return "is not valid yet"
		}
		return "is not valid until " + formatDate(o.NotBefore)
	case "untrusted":
		issuer := o.Issuer
		if issuer == "" {
			issuer = "an unknown issuer"
		}
		switch {
		case o.WeakSignature != "":
			on := ""
			if o.WeakSignatureOn != "" {
				on = " (on " + o.WeakSignatureOn + ")"
			}
			return "chain is signed with " + o.WeakSignature + on + ", a signature algorithm browsers " +
				"reject (issued by " + issuer + ")"
		case o.Issuer != "" && o.Issuer == o.Subject:
			return "is self-signed (" + issuer + "); browsers do not trust it"
		case o.MissingIssuer != "":
			return "is issued by " + issuer + ", an issuer browsers do not trust: the server sends " +
				"no certificate for " + o.MissingIssuer + ", and none names where to fetch it (AIA). " +
				"If it is an intermediate, the server leaves it out (install the full chain); if it " +
				"is a private CA, browsers reject it"
		}
		return "is issued by " + issuer + ", an issuer browsers do not trust"
	case "incomplete-chain":
		s := "chain is incomplete (missing intermediate): the server does not send the " +
			"intermediate certificate"
		if o.MissingIssuer != "" {
			s += " (" + o.MissingIssuer + ")"
		}
		s += " between the leaf and the trusted root"
		switch {
		case o.AIAURL != "" && o.AIAProblem == "":
			s += "; padlock fetched it from the AIA URL " + o.AIAURL + ", as Chrome and Safari do, " +
				"and the chain then verifies, but Firefox (on a first visit), curl, Go and other " +
				"clients fail"
		case o.AIAURL != "":
			s += "; fetching it from the AIA URL " + o.AIAURL + " failed (" + o.AIAProblem +
				"), so browsers cannot complete it either"
		}
		return s
	case "wrong-host":
		names := "other names"
		if len(o.DNSNames) > 0 {
			names = strings.Join(o.DNSNames, ", ")
		} else if o.Subject != "" {
			names = o.Subject
		}
		return "is issued for " + names + ", not for " + hostOf(o.Origin)
	}
	return "fails verification: " + problem
}

// formatDate renders a certificate date for messages.
func formatDate(t time.Time) string { return t.UTC().Format("2006-01-02") }

// days renders a non-negative duration in whole days, rounded down ("less than a day").
func days(d time.Duration) string {
	n := int(d / (24 * time.Hour))
	switch n {
	case 0:
		return "less than a day"
	case 1:
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

// inDays says when something happens, d from now: "in 10 days", "in less than a day".
func inDays(d time.Duration) string { return "in " + days(d) }
