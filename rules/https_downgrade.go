package rules

import (
	"fmt"
	"strconv"

	"github.com/padlock-scan/padlock/crawler"
)

// httpsDowngrade reports redirects from https: to a non-trustworthy URL, for the page itself
// and for every sub-resource, form target or link that padlock fetched from an HTTPS page.
func httpsDowngrade() *Rule {
	return &Rule{
		ID:       "https-downgrade",
		Severity: Error,
		Scope:    ScopePage,
		CWE:      319, // cleartext transmission of sensitive information
		Title:    "Redirect from HTTPS to HTTP",
		Doc: "An https: URL (a page, a form target or a sub-resource) redirects to an http: URL, " +
			"by a 3xx Location, a Refresh header or a meta refresh at 0 seconds; each downgrading " +
			"hop is reported. A navigation that ends on HTTP loses its padlock and exposes the " +
			"rest of the visit; a form target that redirects to HTTP sends the submitted data " +
			"unencrypted on the next hop; a script or stylesheet that redirects to HTTP is blocked " +
			"as mixed content even though its URL looks right. Refreshes with a delay are reported " +
			"by insecure-refresh instead; a hop to localhost or a loopback address is fine.",
		Fix: "Make the server redirect to the https:// URL (fix the Location or Refresh target, " +
			"and any rule that builds it from the request scheme behind a TLS-terminating proxy), " +
			"or point the reference straight at the final https:// URL.",
		HelpURL: "https://fetch.spec.whatwg.org/#http-redirect-fetch",
		Check:   checkHTTPSDowngrade,
	}
}

// downgradeKey identifies one reported (URL, hop) pair on a page.
type downgradeKey struct {
	url string
	hop crawler.Hop
}

func checkHTTPSDowngrade(pass *Pass) {
	page := pass.Page
	seen := map[downgradeKey]bool{}
	// The page's own chain counts even when it ends on http: that is the downgrade.
	for _, h := range page.Redirects {
		if !isDowngrade(h) {
			continue
		}
		k := downgradeKey{page.URL, h}
		if seen[k] {
			continue
		}
		seen[k] = true
		// The finding sits on the URL that answered with the downgrade and names where it
		// sends the browser, so it reads the same whether or not the target was crawled.
		pass.Report(Finding{
			Page:    h.From,
			URL:     h.To,
			Line:    h.Line,
			Source:  crawler.SourceRedirect,
			Message: "page redirects from HTTPS to " + transport(h.To) + ": " + describeHop(h),
		})
	}
	// References on an http page are insecure already; insecure-page covers them.
	if !isHTTPS(page.FinalURL) {
		return
	}
	for i := range page.Resources {
		r := &page.Resources[i]
		if r.Fetch == nil {
			continue
		}
		for _, h := range r.Fetch.Redirects {
			if !isDowngrade(h) {
				continue
			}
			k := downgradeKey{r.URL, h}
			if seen[k] {
				continue
			}
			seen[k] = true
			f := resourceFinding(page, r)
			f.HTTPSAvailable = nil // about the redirect, not about the https copy of an http URL
			f.Message = fmt.Sprintf("%s redirects from HTTPS to %s: %s", resourceNoun(r), transport(h.To), describeHop(h))
			if r.Kind == crawler.KindForm {
				f.Message += "; submitted data would travel unencrypted"
			}
			if r.UpgradedByCSP && isSubresource(r) {
				// Upgrade-insecure-requests applies to every hop of a sub-resource fetch
				// (UIR §upgrade-request runs again at each redirect), as to its first URL.
				switch schemeOf(h.To) {
				case "http", "ws":
					f.Mitigation = MitigationCSPUpgrade
				}
			}
			pass.Report(f)
		}
	}
}

// isDowngrade reports whether h leaves https: for a non-trustworthy URL. Refresh hops count only
// at 0 seconds, as a redirect would; delayed refreshes are insecure-refresh's.
func isDowngrade(h crawler.Hop) bool {
	if !isHTTPS(h.From) || !isInsecureURL(h.To) {
		return false
	}
	switch h.Via {
	case "refresh-header", "meta-refresh":
		return h.Delay == 0
	}
	return true
}

// describeHop renders a hop as "https://a -> http://b (301)".
func describeHop(h crawler.Hop) string {
	how := h.Via
	switch {
	case h.Via == "refresh-header":
		how = "Refresh header"
	case h.Via == "meta-refresh":
		how = "meta refresh"
	case h.Status != 0:
		how = strconv.Itoa(h.Status)
	case how == "":
		how = "redirect"
	}
	return h.From + " -> " + h.To + " (" + how + ")"
}
