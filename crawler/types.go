// Package crawler fetches a site's pages and extracts every reference they make: sub-resources,
// links, forms, frames and redirects. It knows nothing about rules, severities or report formats;
// it hands each fetched page, with what the browser would load from it, to a callback.
package crawler

import (
	"encoding/json"
	"net/http"
	"net/url"
	"time"
)

// Kind is what a reference makes the browser do: roughly the Fetch destination, plus navigations.
type Kind string

// The kinds of reference the extractor records.
const (
	KindScript     Kind = "script"     // script src, SVG script, modulepreload, preload as=script
	KindStylesheet Kind = "stylesheet" // link rel=stylesheet, CSS @import, preload as=style
	KindImage      Kind = "image"      // img, srcset, picture, poster, input type=image, SVG image, CSS images
	KindMedia      Kind = "media"      // audio, video and their source elements
	KindTrack      Kind = "track"      // track src
	KindFont       Kind = "font"       // @font-face src, preload as=font
	KindFrame      Kind = "frame"      // iframe src, frame src
	KindObject     Kind = "object"     // object data, embed src
	KindManifest   Kind = "manifest"   // link rel=manifest
	KindPrefetch   Kind = "prefetch"   // link rel=prefetch
	KindPreload    Kind = "preload"    // link rel=preload with an as= that is none of the above (fetch, worker...)
	KindIcon       Kind = "icon"       // link rel=icon, apple-touch-icon
	KindForm       Kind = "form"       // form action, formaction
	KindLink       Kind = "link"       // a href, area href (navigations)
	KindDownload   Kind = "download"   // a download href
	KindPing       Kind = "ping"       // a ping, area ping
	KindRefresh    Kind = "refresh"    // meta refresh, Refresh header
)

// Source says where a reference, or a finding, was found.
type Source string

// The places a reference can come from.
const (
	SourceHTML     Source = "html"     // the page's markup (including iframe srcdoc)
	SourceCSS      Source = "css"      // a <style> block, a style attribute or an external stylesheet
	SourceHeader   Source = "header"   // a response header (Link, Refresh)
	SourceRedirect Source = "redirect" // an HTTP redirect
	SourceTLS      Source = "tls"      // an origin's TLS handshake (findings of origin rules only)
)

// Resource is one reference made by a page: a URL the browser fetches or navigates to.
type Resource struct {
	URL       string `json:",omitempty"` // absolute, resolved against the base URL in force (or the stylesheet's URL)
	Raw       string `json:",omitempty"` // the attribute or url() value as written, entities decoded
	Element   string `json:",omitempty"` // tag name ("img"), CSS property or at-rule ("background-image", "@import"), or header name
	Attribute string `json:",omitempty"` // attribute name ("src"), "url" for CSS, "" for headers
	Kind      Kind   `json:",omitempty"`
	Line      int    `json:",omitempty"` // 1-based line in the page or stylesheet source (the first, when made more than once); 0 when not known
	Source    Source `json:",omitempty"`
	// Count is how many times the page (or stylesheet) makes this same reference; the
	// extractor records each once. 0 means once (a reference made by hand).
	Count int `json:",omitempty"`

	// Stylesheet is the URL of the external stylesheet the reference was found in (Source css);
	// empty for <style> blocks and style attributes.
	Stylesheet string `json:",omitempty"`

	Rel         string `json:",omitempty"` // link rel, lower-cased, for link elements and Link headers
	As          string `json:",omitempty"` // link as=, lower-cased
	Imageset    bool   `json:",omitempty"` // fetched as part of srcset or <picture> (blockable even for img src)
	Integrity   string `json:",omitempty"` // integrity attribute, as written
	CrossOrigin string `json:",omitempty"` // crossorigin attribute value ("" when absent; "anonymous" for a bare attribute)
	// HasCrossOrigin is set when the crossorigin attribute is present at all.
	HasCrossOrigin bool   `json:",omitempty"`
	Method         string `json:",omitempty"` // form method, lower-cased (forms only)
	RefreshDelay   int    `json:",omitempty"` // seconds before a refresh navigates (refresh only)

	// UpgradedByCSP is set when an enforced Content-Security-Policy with upgrade-insecure-requests
	// was in force where the reference appears (a meta policy before it, or a response header),
	// or the page is a frame of a page under such a policy (frames inherit it).
	UpgradedByCSP bool `json:",omitempty"`
	// UpgradeInherited says UpgradedByCSP comes only from the embedding page's policy: the same
	// document opened on its own would have the reference blocked.
	UpgradeInherited bool `json:",omitempty"`

	// Fetch is what padlock saw when it requested this URL itself (shared by every reference to
	// the same URL in one crawl); nil when the URL was not requested.
	Fetch *Fetch `json:",omitempty"`

	// parsed is URL parsed: kept by the extractor when it resolved the reference with the full
	// parser, or parsed on the first call to Parsed.
	parsed *url.URL
}

// Parsed returns the reference's URL parsed as a browser reads it, or nil when it does not
// parse, so that rules do not parse it again. The extractor keeps the URL it resolved; a URL it
// passed through as written, or one set by hand, is parsed on the first call. The result is
// shared: do not change it. Not safe for concurrent use before the first call returns.
func (r *Resource) Parsed() *url.URL {
	if r.parsed == nil {
		r.parsed = unparsable
		if u, ok := ParseURL(r.URL); ok {
			r.parsed = u
		}
	}
	if r.parsed == unparsable {
		return nil
	}
	return r.parsed
}

// unparsable is Resource.parsed of a URL that does not parse. It is never changed.
var unparsable = new(url.URL)

// setURL sets the reference's URL to u in NormalizeURL form, keeping u (which it normalises in
// place: the caller must own it) for Parsed.
func (r *Resource) setURL(u *url.URL) {
	normalize(u)
	r.URL, r.parsed = u.String(), u
}

// Hop is one step of a redirect chain.
type Hop struct {
	From   string // URL that answered with the redirect
	To     string // absolute URL it sent the browser to
	Status int    // HTTP status of the redirect (301, 302...), 0 for refresh hops
	Via    string // "http" (3xx Location), "refresh-header" or "meta-refresh"
	Delay  int    // seconds, for refresh hops
	Line   int    // line of the meta refresh element (meta-refresh hops)
}

// Fetch is the outcome of padlock requesting a sub-resource or stylesheet itself. A plain
// answer to a HEAD check (no redirect, no error) is shared by every URL that got the same status
// and type: its URL and FinalURL are then empty, meaning the reference's own URL.
type Fetch struct {
	URL         string      `json:",omitempty"`
	Method      string      `json:",omitempty"` // HEAD or GET
	Status      int         `json:",omitempty"` // status of the last response (after redirects)
	ContentType string      `json:",omitempty"`
	FinalURL    string      `json:",omitempty"`
	Redirects   []Hop       `json:",omitempty"`
	Header      http.Header `json:",omitempty"` // response headers of the last response
	Err         string      `json:",omitempty"` // transport error, if any
	Size        int64       `json:",omitempty"` // bytes read (GET only)
	SHA256      string      `json:",omitempty"` // hex SHA-256 of the decoded body (GET only)
	NormSHA256  string      `json:",omitempty"` // hex SHA-256 of a script's body without comments and white space (Config.NormalizeScripts)
	SHA384      string      `json:",omitempty"` // base64 SHA-384 of the decoded body, SRI form (GET only)
	SHA512      string      `json:",omitempty"` // base64 SHA-512 of the decoded body, SRI form (GET only)
	Truncated   bool        `json:",omitempty"` // body was larger than the size limit

	// HTTPSAvailable records, for an http: URL, whether its https: copy answered with a success
	// and the same content type; nil when not probed.
	HTTPSAvailable *bool `json:",omitempty"`
}

// TLSInfo is what the crawler's own connection negotiated.
type TLSInfo struct {
	Version     string // "TLS 1.3"
	Cipher      string // tls.CipherSuiteName
	ServerName  string
	Subject     string
	Issuer      string
	NotBefore   time.Time
	NotAfter    time.Time
	DNSNames    []string
	VerifyError string // non-empty when the chain did not verify (only with --insecure)
}

// InlineScript is a script the page runs from its own markup.
type InlineScript struct {
	Kind   string // "script", "handler" (onclick=...), "javascript-url"
	Attr   string // attribute name for handlers and javascript: URLs
	Line   int
	SHA256 string // hex SHA-256 of the script text as the browser sees it
	Size   int
	// Snippet is the start of the text (MaxSnippet bytes at most, cut on a UTF-8 boundary), so a
	// report can show which inline script it is.
	Snippet string
}

// MaxSnippet bounds InlineScript.Snippet: an inline script is shown by its first 200 bytes.
const MaxSnippet = 200

// Field is a form control, kept so rules can recognise card-data forms.
type Field struct {
	Element      string // input, select, textarea
	Type         string
	Name         string
	ID           string
	Autocomplete string
	Line         int
}

// CSP is a Content-Security-Policy delivered by a header or a meta element.
type CSP struct {
	Policy     string
	ReportOnly bool
	Source     string // "header" or "meta"
	Line       int    // meta element line
}

// Document is what the extractor finds in one HTML document.
type Document struct {
	Base          string // the base URL in force (the first <base href>, else the document URL)
	Resources     []Resource
	InlineScripts []InlineScript
	Fields        []Field
	MetaCSP       []CSP
	Title         string

	refs *refSet // Resources while the page's references are being collected
}

// Page is one fetched page with everything the extractor found in it.
type Page struct {
	URL         string // URL as requested (normalised)
	FinalURL    string // URL after redirects
	Status      int
	ContentType string
	Depth       int
	Parent      string // for frames: the page that framed this one; for links: the referring page
	Frame       bool   // the page was reached as an iframe/frame document
	// InheritsUIR: the page is a frame of a page whose enforced upgrade-insecure-requests was in
	// force at the frame element; browsers apply that policy inside the frame too.
	InheritsUIR bool
	TLS         *TLSInfo
	Header      http.Header
	Redirects   []Hop // hops from URL to FinalURL, in order
	Truncated   bool  // the body was cut at the size limit
	Err         string
	ErrKind     ErrorKind // what kind of problem Err is
	Fetched     time.Time
	Document
	CSP []CSP // header policies followed by meta policies
	// Rendered is, in a shared crawl, what the worker that fetched the page saw when it rendered
	// it (scan's render outcome, opaque here); nil when it did not.
	Rendered json.RawMessage `json:",omitempty"`
}

// Origin is what padlock learnt about one HTTPS origin the crawl touched (pages or
// sub-resources): its own probe handshakes and the HSTS headers its pages sent.
type Origin struct {
	Origin    string // https://host:port (default port omitted)
	FirstPage string // the first page (https: pages first, then by URL) whose fetch or references touched it
	InScope   bool   // the origin's host is crawled as pages

	// From a probe handshake offering TLS 1.2 and 1.3 (certificate verified separately, so a bad
	// certificate is described rather than just refused).
	Version     string // negotiated, e.g. "TLS 1.3"; "" when no handshake at 1.2+ succeeded
	Cipher      string
	ModernErr   string // why a 1.2+ handshake failed, if it did
	Subject     string
	Issuer      string
	NotBefore   time.Time
	NotAfter    time.Time
	DNSNames    []string
	CertProblem string // "", "expired", "not-yet-valid", "untrusted", "incomplete-chain", "wrong-host"
	CertError   string // the verifier's message
	// WeakSignature names a signature algorithm browsers reject (SHA1-RSA...) that signs a
	// certificate the server sent; "" when none does.
	WeakSignature string
	// MissingIssuer is the issuer of the last certificate sent when that is not a root (an
	// untrusted or incomplete chain). For an incomplete chain, AIAURL is where the certificate
	// says the issuer is, and AIAProblem why fetching it from there did not complete the chain
	// ("" when it did).
	MissingIssuer, AIAURL, AIAProblem string
	// LegacyTLS is set when a handshake offering only TLS 1.0 and 1.1 succeeded; LegacyVersion
	// says which.
	LegacyTLS     bool
	LegacyVersion string

	// The rest of the probe set (tlsprobe.go). WeakCipher is a suite browsers and PCI DSS reject
	// (RC4, 3DES, NULL, export, under 128 bits) that the server accepted when offered only such
	// suites, at WeakVersion; StaticRSACipher is a suite with static RSA key exchange (no forward
	// secrecy) it accepted when offered only those, at StaticRSAVersion. "" when refused.
	WeakCipher, WeakVersion           string
	StaticRSACipher, StaticRSAVersion string
	// Key is the leaf's public key ("RSA 2048 bits", "ECDSA P-256"). WeakKey names a key under
	// 2048 bits (RSA) or 256 bits (EC) in a certificate the server sent, and whose it is;
	// WeakKeyBits is its size.
	Key, WeakKey string
	WeakKeyBits  int
	// WeakSignatureOn names the certificate (leaf or intermediate, with its subject) that
	// WeakSignature signs.
	WeakSignatureOn string
	// OCSPStapled says the server stapled an OCSP response to the TLS 1.2+ handshake.
	OCSPStapled bool
	// Endpoint is set for an origin given as an endpoint (padlock tls, endpoints:) rather than
	// reached by the crawl; an http: endpoint is recorded with its http:// origin, unprobed.
	Endpoint bool
	// Handshakes is how many probe handshakes padlock made with the origin.
	Handshakes int

	Probed   bool   // the probe ran (false when --check-resources none skipped third parties)
	ProbeErr string // the origin could not be reached at all

	// HSTS as sent on the origin's HTML pages: one entry per distinct first
	// Strict-Transport-Security value ("" for none), with the pages that sent it. Past
	// HSTSValues distinct values (with Config.HSTSClass), one entry per class of value instead,
	// its Header the value of its first page by URL, and HSTSFolded set.
	HSTS       []HSTSSeen
	HSTSFolded bool `json:",omitempty"`
}

// HSTSSeen is one Strict-Transport-Security value and the pages that sent it.
type HSTSSeen struct {
	Header string   // the first Strict-Transport-Security header value; "" when absent
	Pages  []string // the first pages by URL that sent it, at most HSTSExamples, sorted
	Count  int      // how many pages sent it (0: len(Pages))
}

// HSTSExamples is how many of the pages that sent an HSTS value are kept: every page of a large
// site sends one, and the rules need the first page and the count.
const HSTSExamples = 10

// HSTSValues is how many distinct HSTS values an origin keeps one entry each for.
const HSTSValues = 64

// NumPages is how many pages sent the value.
func (h HSTSSeen) NumPages() int { return max(h.Count, len(h.Pages)) }
