package rules

// tls13Missing reports HTTPS origins that do not speak TLS 1.3.
func tls13Missing() *Rule {
	return &Rule{
		ID:       "tls-1.3-missing",
		Severity: Info,
		Scope:    ScopeOrigin,
		CWE:      326, // inadequate encryption strength
		Title:    "HTTPS origin does not offer TLS 1.3",
		Doc: "padlock's probe handshake offered TLS 1.3 and the server chose an older version. " +
			"TLS 1.3 has only forward-secret, authenticated suites and a faster handshake; " +
			"payment providers' integration guides ask for it by default and NIST SP 800-52r2 " +
			"requires it. Not an error: TLS 1.2 with good suites is still accepted.",
		Fix:     "Turn TLS 1.3 on wherever TLS ends (server, load balancer, CDN); ask a third-party provider to.",
		HelpURL: "https://www.rfc-editor.org/rfc/rfc8446",
		Check:   checkTLS13Missing,
	}
}

func checkTLS13Missing(pass *Pass) {
	o := pass.Origin
	// The best version a probe handshake got; none when no handshake succeeded (unreachable, or
	// not TLS at all).
	best := ""
	for _, v := range []string{o.Version, o.WeakVersion, o.StaticRSAVersion, o.LegacyVersion} {
		if best == "" {
			best = v
		}
	}
	if o.Probed && best != "" && best != "TLS 1.3" && schemeOf(o.Origin) == "https" {
		pass.Report(Finding{Message: o.Origin + " does not offer TLS 1.3 (best version: " + best + ")"})
	}
}
