package rules

// mixedContentBlockable reports sub-resources that browsers refuse to load on an HTTPS page.
func mixedContentBlockable() *Rule {
	return &Rule{
		ID:       "mixed-content-blockable",
		Severity: Error,
		Scope:    ScopePage,
		CWE:      319, // cleartext transmission of sensitive information
		FixList:  true,
		Title:    "Sub-resource over HTTP that browsers block on an HTTPS page",
		Doc: "An HTTPS page (or a frame or stylesheet inside one) loads a sub-resource over a " +
			"non-trustworthy URL (http:, ftp: or ws:) that browsers block outright: scripts, " +
			"stylesheets and CSS @import, fonts, frames, object and embed, text tracks, manifests, " +
			"icons, prefetch and preload, downloads, pings, CSS mask, shape, filter and clip-path " +
			"images, every image fetched through srcset or <picture> (even the <img src> then), " +
			"SVG <use>, and any image, audio or video whose host is an IP address (browsers never " +
			"upgrade those). The page breaks wherever the blocked file matters, and in a browser " +
			"that does load it (a user override, an old browser) anyone on the network can read " +
			"or rewrite it; a rewritten script or stylesheet controls the whole page. An HTTPS " +
			"resource or a localhost/loopback one is fine.",
		Fix: "Change the URL to https:// if the HTTPS copy exists (https_available in the report), " +
			"or use a relative or protocol-relative URL for your own files; otherwise host the " +
			"file yourself over HTTPS or remove the reference. For an IP-address host, use a host " +
			"name with a certificate. Adding Content-Security-Policy: upgrade-insecure-requests " +
			"makes browsers upgrade these requests, but fix the source URLs anyway.",
		HelpURL: "https://w3c.github.io/webappsec-mixed-content/#category-blockable",
		Check:   checkMixed(mixedBlockable),
	}
}
