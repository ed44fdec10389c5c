package rules

import (
	"fmt"
	"strings"
)

// sriMismatch reports resources whose bytes do not match their integrity attribute.
func sriMismatch() *Rule {
	return &Rule{
		ID:       "sri-mismatch",
		Severity: Error,
		Scope:    ScopePage,
		CWE:      353, // missing support for integrity check
		Title:    "Integrity hash does not match the file served",
		Doc: "padlock downloaded the script or stylesheet and its hash does not match the " +
			"integrity attribute, so browsers refuse to use it and whatever depends on it breaks. " +
			"Either the file was changed after the hash was written (a new release served under " +
			"the same URL, a CDN that minifies or injects code) or someone tampered with it. Only " +
			"the strongest algorithm listed counts: with integrity=\"sha256-GOOD sha512-BAD\" the " +
			"sha512 value decides and the resource fails; several values of that algorithm pass " +
			"if any one matches. Values are compared case-sensitively, as browsers do. The hash " +
			"is of the decoded body (after gzip or brotli), which is what browsers check.",
		Fix: "Find out why the file changed. If the new content is legitimate, update the integrity " +
			"attribute to the value in the finding (or regenerate it: curl -s URL | openssl dgst " +
			"-sha384 -binary | openssl base64 -A) and point at a versioned URL that will not change " +
			"again; if it is not, treat it as a compromise of the server that serves it.",
		HelpURL: "https://w3c.github.io/webappsec-subresource-integrity/#does-response-match-metadatalist",
		Check:   checkSRIMismatch,
	}
}

func checkSRIMismatch(pass *Pass) {
	page := pass.Page
	for i := range page.Resources {
		r := &page.Resources[i]
		if !integrityApplies(r) {
			continue
		}
		hs := ParseIntegrity(r.Integrity)
		checked, ok := IntegrityMatches(hs, r.Fetch)
		if !checked || ok {
			continue
		}
		strong := Strongest(hs)
		alg := strong[0].Alg
		want := make([]string, len(strong))
		for j, h := range strong {
			want[j] = h.String()
		}
		f := resourceFinding(page, r)
		f.Message = fmt.Sprintf("%s%s does not match its integrity attribute: expected %s, but the file served hashes to %s-%s; browsers refuse it",
			scriptNoun(r), origin(r), strings.Join(want, " or "), alg, ActualDigest(alg, r.Fetch))
		if len(strong) < len(hs) {
			f.Message += fmt.Sprintf(" (only the strongest algorithm listed, %s, counts)", alg)
		}
		pass.Report(f)
	}
}
