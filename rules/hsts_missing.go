package rules

import (
	"fmt"

	"github.com/padlock-scan/padlock/crawler"
)

// hstsMissing reports in-scope HTTPS origins whose pages send no valid HSTS header.
func hstsMissing() *Rule {
	return &Rule{
		ID:       "hsts-missing",
		Severity: Warning,
		Scope:    ScopeOrigin,
		CWE:      319, // cleartext transmission of sensitive information
		Title:    "No valid Strict-Transport-Security header",
		Doc: "HTTPS pages of the site send no Strict-Transport-Security header, or one browsers " +
			"ignore: unparsable (no max-age, a max-age that is not a number, a directive given " +
			"twice) or max-age=0, which tells browsers to forget HSTS for the host. Without HSTS " +
			"a visitor who types the address or follows an old http:// link makes a first request " +
			"in plain HTTP, which an attacker on the network can intercept and keep on HTTPS-less " +
			"copies of the site (SSL stripping). Only the first Strict-Transport-Security header " +
			"of a response counts. The check is per origin: one finding for each distinct header " +
			"value, on the first page that sent it, saying how many pages did.",
		Fix: "Send Strict-Transport-Security: max-age=31536000; includeSubDomains on every HTTPS " +
			"response of the host (from the web server or CDN, so error pages get it too), once " +
			"every subdomain serves HTTPS. Start with a short max-age if you are unsure, then " +
			"raise it.",
		HelpURL: "https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Strict-Transport-Security",
		Check:   checkHSTS(hstsMissingWhy),
	}
}

// hstsMissingWhy says why browsers keep no HSTS policy from header, the first
// Strict-Transport-Security header of o's responses: absent, invalid or max-age=0; "" when
// they do.
func hstsMissingWhy(o *crawler.Origin, header string) string {
	var why string
	switch h, err := ParseHSTS(header); {
	case header == "":
		why = "no Strict-Transport-Security header"
	case err != nil:
		why = fmt.Sprintf("an invalid Strict-Transport-Security header %q (%v), which browsers ignore", header, err)
	case h.MaxAge == 0:
		why = "Strict-Transport-Security with max-age=0, which tells browsers to forget HSTS for the host"
	default:
		return ""
	}
	return o.Origin + " sends " + why
}

// checkHSTS returns the check of an HSTS rule: judge says what is wrong with each distinct
// header value an origin that the HSTS rules judge (hstsApplies) sent, or "" when nothing is;
// each complaint is one finding on the first page that sent the value.
func checkHSTS(judge func(o *crawler.Origin, header string) string) func(*Pass) {
	return func(pass *Pass) {
		o := pass.Origin
		if !hstsApplies(o) {
			return
		}
		for _, seen := range o.HSTS {
			if msg := judge(o, seen.Header); msg != "" {
				pass.Report(hstsFinding(o, seen, msg))
			}
		}
	}
}

// hstsApplies reports whether HSTS rules judge origin o: an in-scope https origin whose host
// is a name (browsers ignore HSTS from IP-address hosts, RFC 6797 §8.1).
func hstsApplies(o *crawler.Origin) bool {
	if !o.InScope || schemeOf(o.Origin) != "https" {
		return false
	}
	return !isIPLiteral(hostOf(o.Origin))
}

// hstsFinding builds the finding for one HSTSSeen entry: on its first page, saying how many
// other pages sent the same value.
func hstsFinding(o *crawler.Origin, seen crawler.HSTSSeen, msg string) Finding {
	f := Finding{
		URL:     o.Origin,
		Element: "Strict-Transport-Security",
		Source:  crawler.SourceHeader,
		Message: msg + pagesSuffix(seen.NumPages()),
	}
	if o.HSTSFolded {
		f.Message += "; it sends more than " + fmt.Sprint(crawler.HSTSValues) + " different values: the count is of values like this one"
	}
	if len(seen.Pages) > 0 {
		f.Page = seen.Pages[0]
	}
	return f
}

// pagesSuffix says on how many pages a header value was seen, counting the finding's own page.
func pagesSuffix(n int) string {
	switch {
	case n <= 1:
		return " (this page)"
	case n == 2:
		return " (this page and 1 other page)"
	}
	return fmt.Sprintf(" (this page and %d other pages)", n-1)
}
