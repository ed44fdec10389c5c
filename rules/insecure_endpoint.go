package rules

// insecureEndpoint reports endpoints (padlock tls, endpoints: in padlock.yml) given as http:.
func insecureEndpoint() *Rule {
	return &Rule{
		ID:       "insecure-endpoint",
		Severity: Error,
		Scope:    ScopeOrigin,
		CWE:      319, // cleartext transmission of sensitive information
		Title:    "Endpoint served over plain HTTP",
		Doc: "An endpoint given to padlock tls or listed under endpoints: in padlock.yml (a " +
			"webhook receiver, an API the checkout calls) is an http: URL: what is sent to it " +
			"(payment events, order data, credentials) crosses the network in clear text and " +
			"can be read or changed on the way. Payment providers require webhook endpoints over " +
			"TLS, and PCI DSS 4.2.1 asks for strong cryptography on every transmission of " +
			"account data over open networks.",
		Fix: "Serve the endpoint over HTTPS with a valid certificate and register its https: URL " +
			"with the provider; redirect or refuse plain HTTP.",
		HelpURL: "https://cwe.mitre.org/data/definitions/319.html",
		Check:   checkInsecureEndpoint,
	}
}

func checkInsecureEndpoint(pass *Pass) {
	if o := pass.Origin; o.Endpoint && schemeOf(o.Origin) == "http" {
		pass.Report(Finding{Message: o.FirstPage + " is an endpoint over plain HTTP: what is sent to it is readable and changeable on the way; use https:"})
	}
}
