package rules

import "github.com/padlock-scan/padlock/crawler"

// insecurePage reports in-scope pages finally served over plain HTTP.
func insecurePage() *Rule {
	return &Rule{
		ID:       "insecure-page",
		Severity: Error,
		Scope:    ScopePage,
		CWE:      319, // cleartext transmission of sensitive information
		Title:    "Page served over plain HTTP",
		Doc: "An in-scope page was finally served over http: (after any redirects). Browsers mark " +
			"it \"Not secure\"; anyone on the network can read it, inject scripts or ads into it, " +
			"rewrite its links and forms, and steal cookies that lack the Secure flag. Pages on " +
			"localhost or a loopback address are potentially trustworthy and not reported.",
		Fix: "Serve the page over HTTPS and redirect its http:// URL to the https:// one with a " +
			"301 or 308 on the same host; then send Strict-Transport-Security so browsers stop " +
			"trying HTTP, and update links that still point at http://.",
		HelpURL: "https://web.dev/articles/why-https-matters",
		Check:   checkInsecurePage,
	}
}

func checkInsecurePage(pass *Pass) {
	page := pass.Page
	// A fetch that produced no response is a crawl error, not a page that was served.
	if page.Err != "" && page.Status == 0 {
		return
	}
	// A redirect is not a page served: an http: URL that redirects to https: is the fix, and
	// one that redirects elsewhere over http: is judged where it lands.
	if page.Status >= 300 && page.Status < 400 {
		return
	}
	if !isInsecureURL(page.FinalURL) {
		return
	}
	pass.Report(Finding{
		Page:    page.FinalURL,
		URL:     page.FinalURL,
		Source:  crawler.SourceHTML,
		Message: "page is served over " + transport(page.FinalURL) + "; its content, forms and cookies are exposed to the network",
	})
}
