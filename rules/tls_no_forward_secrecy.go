package rules

// tlsNoForwardSecrecy reports HTTPS origins that accept static RSA key exchange.
func tlsNoForwardSecrecy() *Rule {
	return &Rule{
		ID:       "tls-no-forward-secrecy",
		Severity: Warning,
		Scope:    ScopeOrigin,
		CWE:      326, // inadequate encryption strength
		Title:    "HTTPS origin accepts suites without forward secrecy",
		Doc: "A probe handshake offering only suites with static RSA key exchange " +
			"(TLS_RSA_WITH_...) succeeded. With those, the server's private key decrypts every " +
			"session ever recorded: whoever obtains the key later reads past traffic. Browsers " +
			"negotiate ECDHE when the server offers it, but the server should not accept anything " +
			"else; TLS 1.3 has no such suites, and SSL Labs caps the grade at B.",
		Fix: "Offer only ECDHE (or DHE) suites at TLS 1.2, and enable TLS 1.3 (Mozilla's " +
			"\"intermediate\" configuration). For a third-party origin, tell the provider.",
		HelpURL: "https://www.rfc-editor.org/rfc/rfc7525#section-4.2",
		Check: func(pass *Pass) {
			reportSuite(pass, pass.Origin.StaticRSACipher, pass.Origin.StaticRSAVersion,
				"static RSA key exchange without forward secrecy",
				pass.Origin.Version == "" && pass.Origin.WeakCipher == "", "it accepts no suite with forward secrecy")
		},
	}
}
