package rules

import "github.com/padlock-scan/padlock/crawler"

// checkNavigation returns the check of a rule about the navigations of one kind that an HTTPS
// page makes (insecure-form, insecure-link, insecure-refresh): describe gives the message and
// mitigation of each such reference whose URL a browser would load without transport security,
// or returns false to let it pass.
func checkNavigation(kind crawler.Kind, describe func(page *crawler.Page, r *crawler.Resource, f *Finding) bool) func(*Pass) {
	return func(pass *Pass) {
		page := pass.Page
		if !isHTTPS(page.FinalURL) {
			return
		}
		for i := range page.Resources {
			r := &page.Resources[i]
			if r.Kind != kind || !isInsecureRef(r) {
				continue
			}
			f := resourceFinding(page, r)
			if describe(page, r, &f) {
				pass.Report(f)
			}
		}
	}
}
