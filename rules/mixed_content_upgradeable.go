package rules

// mixedContentUpgradeable reports images, audio and video over HTTP on an HTTPS page, which
// browsers retry over HTTPS, and any mixed reference that the page's CSP upgrades.
func mixedContentUpgradeable() *Rule {
	return &Rule{
		ID:       "mixed-content-upgradeable",
		Severity: Warning,
		Scope:    ScopePage,
		CWE:      319, // cleartext transmission of sensitive information
		FixList:  true,
		Title:    "Image, audio or video over HTTP on an HTTPS page",
		Doc: "An HTTPS page loads an image (img src without srcset or <picture>, poster, " +
			"input type=image, SVG image, CSS background, list-style, border-image, cursor or " +
			"content URLs, legacy background=), audio or video over http: from a host name. " +
			"Chrome and Firefox rewrite the request to https: and drop the file if that fails; " +
			"Safari blocks it. So it works only where the HTTPS copy exists, and browsers that " +
			"still load it over HTTP let the network see and swap it. The rule also reports, with " +
			"mitigation csp-upgrade-insecure-requests, every insecure sub-resource that the page's " +
			"enforced Content-Security-Policy upgrade-insecure-requests makes browsers fetch over " +
			"HTTPS: it works, but only because of the policy, and only where the HTTPS copy exists.",
		Fix: "Change the URL to https:// if the HTTPS copy exists (https_available in the report); " +
			"otherwise host the file yourself over HTTPS or remove it. Do not rely on browser " +
			"upgrades or on upgrade-insecure-requests: fix the URL in the source.",
		HelpURL: "https://w3c.github.io/webappsec-mixed-content/#category-upgradeable",
		Check:   checkMixed(mixedUpgradeable),
	}
}
