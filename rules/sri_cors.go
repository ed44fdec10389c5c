package rules

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/padlock-scan/padlock/crawler"
)

// sriCORS reports cross-origin resources with integrity that browsers cannot verify for lack
// of CORS, and so refuse.
func sriCORS() *Rule {
	return &Rule{
		ID:       "sri-cors",
		Severity: Error,
		Scope:    ScopePage,
		CWE:      353, // missing support for integrity check
		Title:    "Cross-origin resource with integrity but without working CORS",
		Doc: "A script or stylesheet from another origin (scheme, host or port differs from the " +
			"page's, or a same-origin URL redirects to another origin) has an integrity attribute, " +
			"but browsers cannot check it: without a crossorigin attribute the request is made in " +
			"no-cors mode, the response is opaque, and the integrity check fails; with crossorigin " +
			"the server must answer with a matching Access-Control-Allow-Origin (\"*\" or the " +
			"page's exact origin for crossorigin=anonymous; the exact origin plus " +
			"Access-Control-Allow-Credentials: true for use-credentials). Either way the browser " +
			"refuses the resource. Module scripts and modulepreload use CORS without the " +
			"attribute. padlock is not subject to CORS, so it reads the response headers itself; " +
			"the header check is made only when padlock fetched the resource.",
		Fix: "Add crossorigin=\"anonymous\" next to integrity (use-credentials only if the file " +
			"needs cookies), and make the server send Access-Control-Allow-Origin: * (or the " +
			"page's origin) on the file. Public CDNs do this already; for your own static host, " +
			"configure the header or serve the file from the page's origin.",
		HelpURL: "https://w3c.github.io/webappsec-subresource-integrity/#cross-origin-data-leakage",
		Check:   checkSRICORS,
	}
}

func checkSRICORS(pass *Pass) {
	page := pass.Page
	po := webOriginOf(pass.facts.finalURL())
	if po == "" {
		return
	}
	for i := range page.Resources {
		r := &page.Resources[i]
		if !integrityApplies(r) || len(ParseIntegrity(r.Integrity)) == 0 {
			continue
		}
		ro := webOriginOf(r.Parsed())
		if ro == "" {
			continue // data: and blob: resources need no CORS
		}
		cross, via, sent := corsChain(po, r)
		if !cross {
			continue
		}
		subject := fmt.Sprintf("cross-origin %s from %s%s", scriptNoun(r), ro, origin(r))
		if via != "" {
			subject = fmt.Sprintf("%s%s redirected to another origin (%s)", scriptNoun(r), origin(r), via)
		}
		f := resourceFinding(page, r)
		if !r.HasCrossOrigin {
			f.Message = subject + " has integrity but no crossorigin attribute; browsers fetch it " +
				"without CORS, cannot check the hash and refuse it"
			pass.Report(f)
			continue
		}
		if msg := acaoProblem(r, sent); msg != "" {
			f.Message = fmt.Sprintf("%s has integrity and crossorigin=%s, but %s; browsers refuse it",
				subject, r.CrossOrigin, msg)
			pass.Report(f)
		}
	}
}

// webOrigin returns the serialised origin (scheme://host[:port], default port omitted) of an
// http or https URL, or "" for other URLs.
func webOrigin(raw string) string {
	scheme := schemeOf(raw)
	if scheme != "http" && scheme != "https" {
		return ""
	}
	u, _ := crawler.ParseURL(raw)
	return webOriginOf(u)
}

// webOriginOf is webOrigin of a parsed URL (nil: one that does not parse).
func webOriginOf(u *url.URL) string {
	if u == nil || u.Scheme != "http" && u.Scheme != "https" {
		return ""
	}
	h, p := urlHostPort(u)
	if h == "" {
		return ""
	}
	if p != "" {
		return u.Scheme + "://" + h + ":" + p
	}
	return u.Scheme + "://" + h
}

// corsChain walks r's URL and the redirects padlock saw for it. cross says whether any step is
// on an origin other than the page's po; via is the first such redirect target when r's own
// URL is same-origin; sent is the Origin the browser sends to the last step: po, or "null"
// once a CORS request has been redirected from one foreign origin to another (Fetch's
// "tainted origin").
func corsChain(po string, r *crawler.Resource) (cross bool, via, sent string) {
	sent = po
	prev := webOriginOf(r.Parsed())
	cross = prev != po
	if r.Fetch == nil {
		return cross, "", sent
	}
	steps := make([]string, 0, len(r.Fetch.Redirects)+1)
	for _, h := range r.Fetch.Redirects {
		steps = append(steps, h.To)
	}
	if r.Fetch.FinalURL != "" && (len(steps) == 0 || steps[len(steps)-1] != r.Fetch.FinalURL) {
		steps = append(steps, r.Fetch.FinalURL)
	}
	for _, s := range steps {
		o := webOrigin(s)
		if o == "" {
			continue
		}
		if o != po && !cross {
			cross, via = true, s
		}
		if o != prev && prev != po {
			sent = "null"
		}
		prev = o
	}
	return cross, via, sent
}

// acaoProblem checks the CORS headers of r's response against the Origin sent and r's
// credentials mode; it returns "" when they pass or when there is no successful response to
// judge.
func acaoProblem(r *crawler.Resource, sent string) string {
	f := r.Fetch
	if f == nil || f.Status < 200 || f.Status > 299 || f.Header == nil {
		return "" // no response headers kept: nothing to judge
	}
	acao := f.Header.Values("Access-Control-Allow-Origin")
	creds := r.CrossOrigin == "use-credentials"
	switch {
	case len(acao) == 0:
		return "the response has no Access-Control-Allow-Origin header"
	case len(acao) > 1 || strings.Contains(acao[0], ","):
		return fmt.Sprintf("the response has several Access-Control-Allow-Origin values (%s); only one is allowed",
			strings.Join(acao, ", "))
	case acao[0] == "*" && creds:
		return "Access-Control-Allow-Origin: * is not accepted for crossorigin=use-credentials; it must name the origin " + sent
	case acao[0] != "*" && acao[0] != sent:
		return fmt.Sprintf("Access-Control-Allow-Origin: %s does not match the requesting origin %s", acao[0], sent)
	case creds && f.Header.Get("Access-Control-Allow-Credentials") != "true":
		return "crossorigin=use-credentials also needs Access-Control-Allow-Credentials: true, which the response lacks"
	}
	return ""
}
