package rules

// tlsLegacy reports HTTPS origins that still accept TLS 1.0 or 1.1.
func tlsLegacy() *Rule {
	return &Rule{
		ID:       "tls-legacy",
		Severity: Warning,
		Scope:    ScopeOrigin,
		CWE:      327, // a broken or risky cryptographic algorithm
		Title:    "HTTPS origin still accepts TLS 1.0 or 1.1",
		Doc: "A probe handshake offering only TLS 1.0 and 1.1 succeeded: the origin still accepts " +
			"protocols deprecated by RFC 8996. Browsers no longer use them, but old clients and " +
			"attackers who force a downgrade can, PCI DSS 4.2.1 scans flag them, and SSL Labs caps " +
			"the grade at B. padlock probes each origin once, with a connection separate from " +
			"the crawl's.",
		Fix: "Disable TLS 1.0 and 1.1 on the server, load balancer or CDN (keep TLS 1.2 and 1.3). " +
			"For a third-party origin, tell the provider.",
		HelpURL: "https://www.rfc-editor.org/rfc/rfc8996",
		Check:   checkTLSLegacy,
	}
}

func checkTLSLegacy(pass *Pass) {
	o := pass.Origin
	if !o.Probed || !o.LegacyTLS || schemeOf(o.Origin) != "https" {
		return
	}
	v := o.LegacyVersion
	if v == "" {
		v = "TLS 1.0 or 1.1"
	}
	pass.Report(Finding{Message: o.Origin + " still accepts a " + v + " handshake"})
}
