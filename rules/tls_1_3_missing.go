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
		Fix: "Enable TLS 1.3 on the server, load balancer or CDN (every current server and " +
			"library supports it). For a third-party origin, tell the provider.",
		HelpURL: "https://www.rfc-editor.org/rfc/rfc8446",
		Check:   checkTLS13Missing,
	}
}

func checkTLS13Missing(pass *Pass) {
	o := pass.Origin
	if !o.Probed || schemeOf(o.Origin) != "https" || o.Version == "TLS 1.3" {
		return
	}
	v := o.Version
	for _, w := range []string{o.WeakVersion, o.StaticRSAVersion, o.LegacyVersion} {
		if v == "" {
			v = w
		}
	}
	if v == "" {
		return // no handshake succeeded: unreachable, or not TLS at all
	}
	pass.Report(Finding{Message: o.Origin + " does not offer TLS 1.3 (best version: " + v + ")"})
}
