package rules

import (
	"fmt"
	"strings"

	"github.com/padlock-scan/padlock/crawler"
)

// sriMissing reports third-party scripts and stylesheets that carry no usable integrity.
func sriMissing() *Rule {
	return &Rule{
		ID:       "sri-missing",
		Severity: Warning,
		Scope:    ScopePage,
		CWE:      353, // missing support for integrity check
		Title:    "Third-party script or stylesheet without Subresource Integrity",
		Doc: "A script or stylesheet from a third-party site (as third-party-script defines it, " +
			"whether --allow-script approves it or not) has no usable integrity attribute: none, " +
			"an empty one, or one that names only algorithms browsers do not check (sha1-, md5-, " +
			"typos), which browsers treat as no integrity at all. Without it the browser runs " +
			"whatever the other server sends; if that server or its CDN is compromised, so is " +
			"every page that loads the file. Checked are <script src>, <link rel=stylesheet>, " +
			"rel=preload and rel=modulepreload of scripts and styles, in markup and in Link " +
			"headers; CSS @import cannot carry integrity, and your own hosts (and --first-party " +
			"domains) need none. Scripts that change by design (analytics, payment SDKs) cannot " +
			"use integrity: document them in your inventory instead; a script the script inventory " +
			"authorizes with content: any draws this finding as info, saying why SRI cannot apply.",
		Fix: "Add integrity=\"sha384-...\" with the hash of the exact file, plus crossorigin=\"anonymous\" " +
			"(for example: curl -s URL | openssl dgst -sha384 -binary | openssl base64 -A), and load " +
			"a versioned URL so the file cannot change under you. If the vendor changes the file " +
			"in place, host a reviewed copy yourself.",
		HelpURL: "https://developer.mozilla.org/en-US/docs/Web/Security/Subresource_Integrity",
		Check:   checkSRIMissing,
	}
}

func checkSRIMissing(pass *Pass) {
	needsIntegrity := func(r *crawler.Resource) bool {
		return (r.Kind == crawler.KindScript || r.Kind == crawler.KindStylesheet) && integrityApplies(r) &&
			len(ParseIntegrity(r.Integrity)) == 0
	}
	for r, u := range pass.thirdParty(needsIntegrity) {
		f := resourceFinding(pass.Page, r)
		what := fmt.Sprintf("third-party %s from %s%s", scriptNoun(r), Site(u), origin(r))
		if strings.TrimSpace(r.Integrity) == "" {
			f.Message = what + " has no integrity; browsers use whatever that server sends"
		} else {
			f.Message = fmt.Sprintf("%s has integrity %q, which names no algorithm browsers check "+
				"(sha256, sha384 or sha512), so any content is accepted", what, r.Integrity)
		}
		if e := pass.facts.Inventory().ContentAny(r); e != nil {
			// The provider changes the file in place and asks to be loaded from its own URL: a
			// pinned hash would break the page at its next release. The inventory says so.
			f.Message += fmt.Sprintf("; SRI cannot apply: inventory entry %s authorizes any content "+
				"from this URL (content: any), because the provider changes it in place", e.Name)
			pass.ReportAs(Info, f)
			continue
		}
		pass.Report(f)
	}
}
