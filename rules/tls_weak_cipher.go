package rules

import "strings"

// tlsWeakCipher reports HTTPS origins that accept a cipher suite browsers and PCI DSS reject.
func tlsWeakCipher() *Rule {
	return &Rule{
		ID:       "tls-weak-cipher",
		Severity: Error,
		Scope:    ScopeOrigin,
		CWE:      327, // a broken or risky cryptographic algorithm
		Title:    "HTTPS origin accepts a weak cipher suite",
		Doc: "A probe handshake offering only weak suites (RC4, 3DES; NULL, export and other " +
			"suites under 128 bits where the TLS library still has them) succeeded: the server " +
			"accepts a suite that RFC 7465 (RC4) and Sweet32 (3DES) broke, that browsers no " +
			"longer offer and that PCI DSS 4.2.1 does not count as strong cryptography. An " +
			"attacker who forces or finds a client that offers it can recover traffic. When the " +
			"server accepts nothing else, browsers cannot connect at all: it speaks TLS 1.2, but " +
			"with no suite they accept.",
		Fix: "Remove RC4, 3DES, DES, NULL and export suites from the server's, load balancer's or " +
			"CDN's cipher list; keep ECDHE suites with AES-GCM or ChaCha20-Poly1305 (Mozilla's " +
			"\"intermediate\" configuration). For a third-party origin, tell the provider.",
		HelpURL: "https://www.rfc-editor.org/rfc/rfc7465",
		Check: func(pass *Pass) {
			reportSuite(pass, pass.Origin.WeakCipher, pass.Origin.WeakVersion, "a suite browsers and PCI DSS reject",
				pass.Origin.Version == "" && pass.Origin.StaticRSACipher == "", "it accepts no suite a browser offers")
		},
	}
}

// reportSuite reports that a probed https origin accepted suite (when it did) at version, what
// is wrong with it, and, when the origin accepted nothing better (only), why browsers cannot
// connect.
func reportSuite(pass *Pass, suite, version, wrong string, only bool, why string) {
	o := pass.Origin
	if !o.Probed || suite == "" || schemeOf(o.Origin) != "https" {
		return
	}
	msg := o.Origin + " accepts " + suite
	if w := WeakSuite(suite); w != "" {
		msg += " (" + w + ")"
	}
	if version != "" {
		msg += " at " + version
	}
	msg += ", " + wrong
	if only {
		msg += "; " + why + ", so browsers cannot connect"
	}
	pass.Report(Finding{Message: msg})
}

// WeakSuite names what makes a cipher suite weak, as its name says: "RC4", "3DES", "NULL
// encryption", "export grade", "anonymous" or "DES"; "" for a suite with none of them.
func WeakSuite(suite string) string {
	for _, w := range []struct{ part, says string }{
		{"_RC4_", "RC4"}, {"_3DES_", "3DES"}, {"_NULL_", "NULL encryption"}, {"_EXPORT", "export grade"},
		{"_anon_", "anonymous"}, {"_DES", "DES"},
	} {
		if strings.Contains(suite, w.part) {
			return w.says
		}
	}
	return ""
}
