package rules

import (
	"fmt"
	"strings"

	"github.com/padlock-scan/padlock/crawler"
)

// mixedClass is how a browser treats a sub-resource reference on a page.
type mixedClass int

const (
	notMixed         mixedClass = iota // trustworthy URL, http page, or not a sub-resource fetch
	mixedUpgradeable                   // browsers retry it over HTTPS (Safari blocks it)
	mixedBlockable                     // browsers block it
)

// Why a reference that would otherwise be upgradeable is blockable, or why it is upgraded.
const (
	reasonIPLiteral = "ip-literal" // image or media on an IP-address host: never autoupgraded
	reasonImageset  = "imageset"   // image fetched through srcset or <picture>
	reasonSVGUse    = "svg-use"    // SVG <use> of an external document
	reasonCSSCORS   = "css-cors"   // CSS mask/shape/filter/clip-path image: CORS mode
	reasonScheme    = "scheme"     // image or media over ftp: (browsers upgrade only http:)
	reasonCSP       = "csp"        // upgraded by the page's upgrade-insecure-requests
)

// MitigationCSPUpgrade is the Finding.Mitigation of references that the page's enforced
// Content-Security-Policy upgrade-insecure-requests makes browsers fetch over HTTPS.
const MitigationCSPUpgrade = "csp-upgrade-insecure-requests"

// mixedVerdict is the result of classifyMixed.
type mixedVerdict struct {
	class  mixedClass
	reason string // one of the reason constants, or "" for the kind's ordinary category
}

// isCORSImageProperty reports whether the CSS property el fetches its images in CORS mode (or
// as external SVG documents). The Mixed Content spec's prose excludes CORS requests from the
// upgradeable category while its algorithm does not test the mode, so padlock classifies these
// conservatively as blockable (RULES-RESEARCH §1a item 12).
func isCORSImageProperty(el string) bool {
	switch el {
	case "mask", "mask-image", "mask-border", "mask-border-source",
		"-webkit-mask", "-webkit-mask-image", "-webkit-mask-box-image", "-webkit-mask-box-image-source",
		"shape-outside", "filter", "clip-path":
		return true
	}
	return false
}

// classifyMixed decides whether r, referenced from page, is blockable mixed content,
// upgradeable mixed content, or not mixed content at all. Only https pages restrict mixed
// content; only sub-resource kinds are classified (forms, links and refreshes are navigations,
// handled by their own rules). A reference that the page's upgrade-insecure-requests policy
// upgrades (http: or ws:; CSP does not touch ftp:) is never blockable: it is upgradeable with
// reason reasonCSP.
func classifyMixed(page *crawler.Page, r *crawler.Resource) mixedVerdict {
	if !isHTTPS(page.FinalURL) || !isInsecureRef(r) {
		return mixedVerdict{class: notMixed}
	}
	v := categorize(r)
	if v.class == notMixed {
		return v
	}
	if r.UpgradedByCSP {
		switch schemeOf(r.URL) {
		case "http", "ws":
			return mixedVerdict{class: mixedUpgradeable, reason: reasonCSP}
		}
	}
	return v
}

// categorize returns the mixed-content category of a non-trustworthy reference of r's kind
// (Mixed Content §category-upgradeable and §upgrade-algorithm: only http: images that are not
// imageset, audio and video on a host name are upgradeable; everything else a browser fetches
// is blockable).
func categorize(r *crawler.Resource) mixedVerdict {
	kind := r.Kind
	if kind == crawler.KindPreload {
		// A preload's destination comes from as=; the extractor normally records as=image
		// and as=audio|video under those kinds already.
		switch r.As {
		case "image":
			kind = crawler.KindImage
		case "audio", "video":
			kind = crawler.KindMedia
		}
	}
	switch kind {
	case crawler.KindScript, crawler.KindStylesheet, crawler.KindFont, crawler.KindFrame,
		crawler.KindObject, crawler.KindTrack, crawler.KindManifest, crawler.KindIcon,
		crawler.KindPrefetch, crawler.KindPreload, crawler.KindDownload, crawler.KindPing:
		return mixedVerdict{class: mixedBlockable}
	case crawler.KindImage:
		el := strings.ToLower(r.Element)
		switch {
		case schemeOf(r.URL) != "http":
			return mixedVerdict{class: mixedBlockable, reason: reasonScheme}
		case isIPLiteral(refHost(r)):
			return mixedVerdict{class: mixedBlockable, reason: reasonIPLiteral}
		case r.Imageset:
			return mixedVerdict{class: mixedBlockable, reason: reasonImageset}
		case el == "use" && r.Source != crawler.SourceCSS:
			return mixedVerdict{class: mixedBlockable, reason: reasonSVGUse}
		case r.Source == crawler.SourceCSS && isCORSImageProperty(el):
			return mixedVerdict{class: mixedBlockable, reason: reasonCSSCORS}
		}
		return mixedVerdict{class: mixedUpgradeable}
	case crawler.KindMedia:
		switch {
		case schemeOf(r.URL) != "http":
			return mixedVerdict{class: mixedBlockable, reason: reasonScheme}
		case isIPLiteral(refHost(r)):
			return mixedVerdict{class: mixedBlockable, reason: reasonIPLiteral}
		}
		return mixedVerdict{class: mixedUpgradeable}
	}
	// KindForm, KindLink and KindRefresh are navigations, not sub-resources; an unknown kind
	// is not something the extractor says a browser fetches.
	return mixedVerdict{class: notMixed}
}

// checkMixed returns the check of the mixed-content rule that reports the page's references of
// class: the two rules share the page's verdicts.
func checkMixed(class mixedClass) func(*Pass) {
	return func(pass *Pass) {
		for i, v := range pass.facts.mixedVerdicts() {
			if v.class == class {
				pass.Report(mixedFinding(pass.Page, &pass.Page.Resources[i], v))
			}
		}
	}
}

// mixedFinding builds the finding for a mixed reference, copying its provenance.
func mixedFinding(page *crawler.Page, r *crawler.Resource, v mixedVerdict) Finding {
	f := resourceFinding(page, r)
	f.Message = mixedMessage(r, v)
	if v.reason == reasonCSP {
		f.Mitigation = MitigationCSPUpgrade
	}
	return f
}

// resourceFinding returns a Finding located at r on page, with no message yet.
func resourceFinding(page *crawler.Page, r *crawler.Resource) Finding {
	f := Finding{
		Page:       page.FinalURL,
		URL:        r.URL,
		Element:    r.Element,
		Attribute:  r.Attribute,
		Line:       r.Line,
		Source:     r.Source,
		Stylesheet: r.Stylesheet,
	}
	if r.Fetch != nil && r.Fetch.HTTPSAvailable != nil {
		ok := *r.Fetch.HTTPSAvailable // copy: the Fetch is shared across pages
		f.HTTPSAvailable = &ok
	}
	return f
}

// mixedMessage says what was loaded, from where, and what browsers do about it.
func mixedMessage(r *crawler.Resource, v mixedVerdict) string {
	what := resourceNoun(r)
	head := fmt.Sprintf("%s loaded over %s on an HTTPS page%s", what, transport(r.URL), origin(r))
	switch v.reason {
	case reasonCSP:
		if r.UpgradeInherited {
			alone := "would have it blocked: fix the source URL"
			if categorize(r).class == mixedUpgradeable {
				alone = "would leave it to the browser's own upgrade (Safari blocks it): fix the source URL"
			}
			return head + "; browsers upgrade it to HTTPS because the embedding page's Content-Security-Policy " +
				"upgrade-insecure-requests applies inside this frame, but opened on its own the page " + alone
		}
		return head + "; browsers upgrade it to HTTPS because of the page's Content-Security-Policy " +
			"upgrade-insecure-requests, but fix the source URL anyway"
	case reasonScheme:
		return head + "; browsers upgrade only http: images, audio and video, so they block it"
	case reasonIPLiteral:
		return head + "; browsers never upgrade a URL whose host is an IP address, so they block it"
	case reasonImageset:
		return head + "; such images are never upgraded, so browsers block it"
	case reasonSVGUse:
		return head + "; browsers block it"
	case reasonCSSCORS:
		return head + "; CSS mask, shape, filter and clip-path images are fetched in CORS mode and " +
			"are not upgradeable, so browsers block it"
	}
	if v.class == mixedUpgradeable {
		msg := head + "; Chrome and Firefox retry it over HTTPS, Safari blocks it"
		if r.Fetch != nil && r.Fetch.HTTPSAvailable != nil && !*r.Fetch.HTTPSAvailable {
			msg += ", and its HTTPS copy did not answer, so it is broken everywhere"
		}
		return msg
	}
	return head + "; browsers block it"
}

// resourceNoun names what a reference loads, for messages.
func resourceNoun(r *crawler.Resource) string {
	el := strings.ToLower(r.Element)
	switch r.Kind {
	case crawler.KindScript:
		return "script"
	case crawler.KindStylesheet:
		if el == "@import" {
			return "stylesheet (@import)"
		}
		return "stylesheet"
	case crawler.KindFont:
		return "font"
	case crawler.KindFrame:
		if el == "frame" {
			return "frame"
		}
		return "iframe"
	case crawler.KindObject:
		if el == "embed" {
			return "embed"
		}
		return "object"
	case crawler.KindTrack:
		return "text track"
	case crawler.KindManifest:
		return "web app manifest"
	case crawler.KindIcon:
		return "icon"
	case crawler.KindPrefetch:
		return "prefetch"
	case crawler.KindPreload:
		switch el { // requests render mode saw a script make
		case "fetch":
			return "fetch() request"
		case "xhr":
			return "XMLHttpRequest"
		case "eventsource":
			return "EventSource stream"
		case "websocket":
			return "connection"
		}
		if r.As != "" {
			return "preload (as=" + r.As + ")"
		}
		return "preload"
	case crawler.KindDownload:
		return "download"
	case crawler.KindPing:
		if el == "beacon" {
			return "beacon" // render mode: navigator.sendBeacon
		}
		return "ping"
	case crawler.KindImage:
		switch {
		case r.Imageset:
			return "image (srcset or <picture>)"
		case el == "use" && r.Source != crawler.SourceCSS:
			return "SVG <use> document"
		case r.Source == crawler.SourceCSS && el != "":
			return "image (CSS " + el + ")"
		}
		return "image"
	case crawler.KindMedia:
		if el == "audio" || el == "video" {
			return el
		}
		return "audio or video"
	case crawler.KindForm:
		return "form"
	case crawler.KindLink:
		return "link"
	case crawler.KindRefresh:
		return "refresh"
	}
	if r.Kind != "" {
		return string(r.Kind)
	}
	return "resource"
}

// transport names the insecure transport of raw for messages.
func transport(raw string) string {
	switch schemeOf(raw) {
	case "ftp":
		return "unencrypted FTP"
	case "ws":
		return "an unencrypted WebSocket (ws:)"
	}
	return "plain HTTP"
}

// origin says where a reference was written when that is not the page's own markup.
func origin(r *crawler.Resource) string {
	switch r.Source {
	case crawler.SourceCSS:
		if r.Stylesheet != "" {
			return " (referenced from stylesheet " + r.Stylesheet + ")"
		}
		return " (referenced from an inline style)"
	case crawler.SourceHeader:
		if r.Element != "" {
			return " (from the " + r.Element + " response header)"
		}
		return " (from a response header)"
	}
	return ""
}

// isSubresource reports whether r is something the browser fetches into the page, as opposed
// to a navigation (form, link, refresh).
func isSubresource(r *crawler.Resource) bool {
	return categorize(r).class != notMixed
}
