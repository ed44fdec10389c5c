package crawler

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	htmltok "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// maxSrcdocDepth bounds how deep iframe srcdoc documents inside srcdoc documents are parsed.
const maxSrcdocDepth = 4

// maxFrames bounds the stack of open elements the extractor tracks (picture, audio, video,
// svg, math and their integration points), so hostile nesting costs no more than that.
const maxFrames = 256

// ExtractHTML returns what an HTML document makes a browser fetch or navigate to, with the
// document's inline scripts, form fields, meta Content-Security-Policies and title. It uses the
// x/net/html tokenizer, never panics, and keeps going through malformed markup.
//
// URLs are resolved against the first <base href> (itself resolved against docURL; data: and
// javascript: bases are ignored), else docURL, for every reference in the document, including
// those written before the <base> element. Only fetchable URLs (http, https, ws, wss, ftp) are
// kept. Nothing inside comments, <template>, <noscript> (scripting is on), or the raw text of
// <script>, <style>, <textarea>, <title> and <iframe> is a reference, except that <style> text
// is scanned as CSS. Line is the 1-based line of the element's start tag (for CSS in <style>,
// the line of the reference). An iframe srcdoc document is extracted with the same base, and
// its resources, inline scripts and fields are added with the iframe's line. A meta
// Content-Security-Policy counts only in <head> (browsers ignore it in the body, and ignore
// -Report-Only in meta); resources after one with upgrade-insecure-requests have
// UpgradedByCSP set. docURL may be nil; then only absolute URLs are kept and a form without
// action is dropped.
//
// A reference made more than once (the same URL, kind, element, attribute and everything else
// but the line) is recorded once, at its first line, with Count the times it is made.
func ExtractHTML(docURL *url.URL, body []byte) *Document {
	return extractHTML(docURL, body, 0)
}

// extractHTML is ExtractHTML keeping at most maxRefs different references (0: all); the
// document's refs go on collecting the page's other references (headers, stylesheets).
func extractHTML(docURL *url.URL, body []byte, maxRefs int) *Document {
	// A byte order mark is not text: the decoder drops it before the parser runs.
	body = bytes.TrimPrefix(body, utf8BOM)
	// Shop pages carry a reference every few hundred bytes: sizing the slice up front saves the
	// copies of growing it (a Resource is some 230 bytes).
	doc := &Document{refs: newPageRefSet(maxRefs, min(len(body)/400+16, 512))}
	e := newExtractor(doc, docURL, docURL, body)
	if e.base != nil {
		doc.Base = NormalizeURL(e.base)
	}
	e.run()
	doc.Resources = doc.refs.list
	return doc
}

var utf8BOM = []byte("\xef\xbb\xbf")

// newExtractor prepares the extraction of body into doc. fallback is the URL that <base href>
// resolves against and that is in force without one (the parent's base for srcdoc).
func newExtractor(doc *Document, docURL, fallback *url.URL, body []byte) *extractor {
	e := &extractor{doc: doc, docURL: docURL, body: body, inHead: true, hasCR: bytes.IndexByte(body, '\r') >= 0}
	e.setBase(fallback)
	if hasBaseTag(body) {
		pre := &extractor{body: body, base: fallback, inHead: true, baseOnly: true, hasCR: bytes.IndexByte(body, '\r') >= 0}
		pre.run()
		if pre.foundBase != nil {
			e.setBase(pre.foundBase)
		}
	}
	return e
}

// hasBaseTag reports whether body holds "<base" in any case: only then is the pre-pass that
// finds the first <base href> worth running.
func hasBaseTag(body []byte) bool {
	for i := 0; ; {
		j := bytes.IndexByte(body[i:], '<')
		if j < 0 {
			return false
		}
		i += j + 1
		if len(body)-i >= 4 && (body[i]|0x20) == 'b' && (body[i+1]|0x20) == 'a' &&
			(body[i+2]|0x20) == 's' && (body[i+3]|0x20) == 'e' {
			return true
		}
	}
}

// frame kinds: the open elements that change how later tags are read.
const (
	framePicture     = iota // <picture>: its <img> and <source srcset> are imageset fetches
	frameMedia              // <audio>, <video>: their <source src> are media fetches
	frameForeign            // <svg>, <math>: foreign content
	frameIntegration        // <foreignObject>, <desc>, <title> in SVG; MathML text elements
)

type frame struct {
	kind int
	name string
}

type htmlAttr struct{ key, val []byte }

// Text collection: what the text tokens currently read belong to.
const (
	collectNone = iota
	collectScript
	collectStyle
	collectTitle
)

// extractor holds the state of one pass over one document.
type extractor struct {
	doc    *Document
	docURL *url.URL // the document's own URL; nil for srcdoc documents (about:srcdoc)
	base   *url.URL
	body   []byte
	hasCR  bool // the document holds a carriage return (line counting must look for them)
	// origin is base's "scheme://host" when base is an http(s) URL already in NormalizeURL
	// form, for the quick path of root-relative references ("" otherwise).
	origin string

	baseOnly  bool     // pre-pass: only look for the first <base href>
	baseDone  bool     // the pre-pass met the first <base href>
	foundBase *url.URL // the base URL it sets, if usable

	srcdocDepth int // 0 for the page itself
	fixedLine   int // for srcdoc documents: the iframe's line, used for everything

	z         *htmltok.Tokenizer
	line      int
	pendingCR bool
	attrs     []htmlAttr
	frames    []frame
	template  int  // depth of open <template> elements
	inRaw     bool // the next text token is the raw text of the last start tag
	inHead    bool // no body content seen yet: a meta CSP still counts
	upgrade   bool // an enforced upgrade-insecure-requests is in force
	refreshed bool // a meta refresh with a URL was recorded (only the first one counts)

	// lastRaw and lastURL are the last reference resolved and its URL (against base, which does
	// not change during a pass).
	lastRaw, lastURL string

	formOpen   bool
	formMethod string // "get", "post" or "dialog"

	collect     int    // collectNone, or what the text being read belongs to
	collectTag  string // the element whose end tag ends the collection
	collectLine int    // line of its start tag
	textLine    int    // line where its text starts (CSS lines count from there)
	textSeen    bool
	buf         []byte
}

// run tokenizes e.body to the end (or, in the pre-pass, to the first <base href>).
func (e *extractor) run() {
	e.z = htmltok.NewTokenizer(bytes.NewReader(e.body))
	e.line = 1
	for {
		e.z.AllowCDATA(e.foreign())
		tt := e.z.Next()
		raw := e.z.Raw()
		if e.pendingCR {
			e.pendingCR = false
			if len(raw) == 0 || raw[0] != '\n' {
				e.line++
			}
		}
		line := e.line
		e.countLines(raw)
		switch tt {
		case htmltok.ErrorToken:
			e.finishText(true)
			return
		case htmltok.TextToken:
			e.text(raw, line)
			continue
		case htmltok.StartTagToken, htmltok.SelfClosingTagToken:
			e.inRaw = false
			e.startTag(tt == htmltok.SelfClosingTagToken, line)
			if e.baseOnly && e.baseDone {
				return
			}
		case htmltok.EndTagToken:
			e.inRaw = false
			e.endTag()
		default:
			e.inRaw = false
		}
	}
}

// countLines advances the line counter over raw source bytes: LF, CRLF and a lone CR each
// end a line. A CR at the end of raw is settled by the next token.
func (e *extractor) countLines(raw []byte) {
	e.line += bytes.Count(raw, newline)
	if !e.hasCR || bytes.IndexByte(raw, '\r') < 0 {
		return
	}
	for i, c := range raw {
		if c != '\r' {
			continue
		}
		switch {
		case i+1 == len(raw):
			e.pendingCR = true
		case raw[i+1] != '\n':
			e.line++
		}
	}
}

var newline = []byte{'\n'}

// lineOf returns the line to record for something that starts at line.
func (e *extractor) lineOf(line int) int {
	if e.fixedLine > 0 {
		return e.fixedLine
	}
	return line
}

// foreign reports whether the current node is an SVG or MathML element (not an integration
// point), where the tokenizer must not switch to raw text and CDATA sections are text.
func (e *extractor) foreign() bool {
	for i := len(e.frames) - 1; i >= 0; i-- {
		switch e.frames[i].kind {
		case frameForeign:
			return true
		case frameIntegration:
			return false
		}
	}
	return false
}

func (e *extractor) push(kind int, name string) {
	if len(e.frames) < maxFrames {
		e.frames = append(e.frames, frame{kind: kind, name: name})
	}
}

// popTo closes the innermost open frame named name, and every frame inside it.
func (e *extractor) popTo(name string) {
	for i := len(e.frames) - 1; i >= 0; i-- {
		if e.frames[i].name == name {
			e.frames = e.frames[:i]
			return
		}
	}
}

// breakOut closes foreign elements when an HTML element that cannot live in SVG or MathML
// starts (HTML "parsing tokens in foreign content").
func (e *extractor) breakOut() {
	for len(e.frames) > 0 && e.frames[len(e.frames)-1].kind == frameForeign {
		e.frames = e.frames[:len(e.frames)-1]
	}
}

// parentKind returns the kind of the innermost open frame, or -1.
func (e *extractor) parentKind() int {
	if len(e.frames) == 0 {
		return -1
	}
	return e.frames[len(e.frames)-1].kind
}

// wantsAttrs reports whether the attributes of the element name matter beyond style="" and
// event handlers (which startTag looks for in the raw tag).
func wantsAttrs(name string) bool {
	switch name {
	case "a", "area", "audio", "base", "body", "button", "embed", "feimage", "font", "form",
		"frame", "iframe", "image", "img", "input", "link", "meta", "object", "script",
		"select", "source", "style", "table", "td", "textarea", "th", "track", "use", "video":
		return true
	}
	return false
}

// containsFold reports whether b contains the lower-case ASCII string s, ignoring case.
func containsFold(b []byte, s string) bool {
	for i := 0; i+len(s) <= len(b); i++ {
		if b[i]|0x20 != s[0] {
			continue
		}
		j := 1
		for j < len(s) && b[i+j]|0x20 == s[j] {
			j++
		}
		if j == len(s) {
			return true
		}
	}
	return false
}

// readAttrs loads the current tag's attributes into e.attrs. Their bytes stay valid until
// the next call of Next.
func (e *extractor) readAttrs() {
	var ok bool
	if e.attrs, ok = rawAttrs(e.attrs[:0], e.z.Raw()); ok {
		return // no copies: slices of the tag's bytes
	}
	e.attrs = e.attrs[:0]
	for {
		k, v, more := e.z.TagAttr()
		if k == nil {
			return
		}
		e.attrs = append(e.attrs, htmlAttr{k, v})
		if !more {
			return
		}
	}
}

// attr returns the value of the named attribute and whether the tag has it.
func (e *extractor) attr(name string) (string, bool) {
	for _, a := range e.attrs {
		if string(a.key) == name {
			if string(a.val) == e.lastRaw {
				return e.lastRaw, true // the value just resolved, again: no new string
			}
			return string(a.val), true
		}
	}
	return "", false
}

func (e *extractor) has(name string) bool {
	for _, a := range e.attrs {
		if string(a.key) == name {
			return true
		}
	}
	return false
}

// attrLower returns the named attribute trimmed of ASCII whitespace and lower-cased.
func (e *extractor) attrLower(name string) (string, bool) {
	for _, a := range e.attrs {
		if string(a.key) == name {
			return strings.ToLower(string(bytes.Trim(a.val, " \t\n\f\r"))), true
		}
	}
	return "", false
}

// svgHref returns an SVG element's link: SVG 2 href wins over xlink:href.
func (e *extractor) svgHref() (value, name string, ok bool) {
	if v, ok := e.attr("href"); ok {
		return v, "href", true
	}
	if v, ok := e.attr("xlink:href"); ok {
		return v, "xlink:href", true
	}
	return "", "", false
}

// rawTagName returns the lower-cased name of the current start or end tag, read from the
// token's raw bytes the way the tokenizer reads it (up to whitespace, "/" or ">"), without
// allocating: x/net/html's TagName copies the name on every call. Names that no code here
// handles come back as "".
func rawTagName(raw []byte) string {
	i := 1
	if len(raw) > 1 && raw[1] == '/' {
		i = 2
	}
	var buf [16]byte
	n := 0
	for ; i < len(raw); i++ {
		c := raw[i]
		if c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '/' || c == '>' {
			break
		}
		if n == len(buf) {
			return "" // longer than any name handled here
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[n] = c
		n++
	}
	if a := atom.Lookup(buf[:n]); a != 0 {
		return a.String()
	}
	switch string(buf[:n]) {
	case "feimage":
		return "feimage"
	case "use":
		return "use"
	}
	return ""
}

// isRawTextTag reports whether the tokenizer reads the content of name as raw text.
func isRawTextTag(name string) bool {
	switch name {
	case "iframe", "noembed", "noframes", "noscript", "plaintext", "script", "style",
		"textarea", "title", "xmp":
		return true
	}
	return false
}

// breaksOutOfForeign reports whether an HTML start tag ends SVG/MathML content.
func (e *extractor) breaksOutOfForeign(name string) bool {
	switch name {
	case "b", "big", "blockquote", "body", "br", "center", "code", "dd", "div", "dl", "dt",
		"em", "embed", "h1", "h2", "h3", "h4", "h5", "h6", "head", "hr", "i", "img", "li",
		"listing", "menu", "meta", "nobr", "ol", "p", "pre", "ruby", "s", "small", "span",
		"strong", "strike", "sub", "sup", "table", "tt", "u", "ul", "var":
		return true
	case "font":
		return e.has("color") || e.has("face") || e.has("size")
	}
	return false
}

// inHeadTag reports whether a start tag may appear in <head> without starting the body.
func inHeadTag(name string) bool {
	switch name {
	case "html", "head", "base", "basefont", "bgsound", "link", "meta", "noframes", "script",
		"style", "template", "title", "noscript":
		return true
	}
	return false
}

// startTag handles a start (or self-closing) tag.
func (e *extractor) startTag(selfClosing bool, line int) {
	raw := e.z.Raw()
	name := rawTagName(raw)
	// x/net/html copies every attribute it returns; read them only where something can come
	// of them: elements handled here, and style="" or on*="" handlers on any element.
	if wantsAttrs(name) || containsFold(raw, "on") || containsFold(raw, "style") {
		e.readAttrs()
	} else {
		e.attrs = e.attrs[:0]
	}

	if e.foreign() {
		if e.breaksOutOfForeign(name) {
			e.breakOut()
		} else {
			e.foreignStart(name, selfClosing, line)
			return
		}
	}
	switch name {
	case "template":
		e.template++
	case "picture":
		e.push(framePicture, name)
	case "audio", "video":
		e.push(frameMedia, name)
	case "svg", "math":
		if !selfClosing {
			e.push(frameForeign, name)
		}
	}
	if !inHeadTag(name) {
		e.inHead = false
	}
	e.inRaw = isRawTextTag(name)
	if e.baseOnly {
		if name == "base" && e.template == 0 {
			if href, ok := e.attr("href"); ok {
				// Only the first <base href> counts, even when its URL is unusable.
				e.baseDone = true
				if u, ok := Resolve(e.base, href); ok && u.Scheme != "data" && u.Scheme != "javascript" {
					e.foundBase = u
				}
			}
		}
		return
	}
	if e.template > 0 {
		return
	}
	e.htmlElement(name, line)
	e.commonAttrs(line)
}

// foreignStart handles a start tag inside SVG or MathML.
func (e *extractor) foreignStart(name string, selfClosing bool, line int) {
	if isRawTextTag(name) {
		// In foreign content <script>, <style> and <title> hold markup, not raw text.
		e.z.NextIsNotRawText()
	}
	if !selfClosing {
		// Other foreign elements need no frame: only the nearest svg, math or integration
		// point decides how the tokenizer reads what follows.
		switch name {
		case "svg", "math":
			e.push(frameForeign, name)
		case "foreignobject", "desc", "title", "mi", "mo", "mn", "ms", "mtext":
			e.push(frameIntegration, name)
		}
	}
	if e.baseOnly || e.template > 0 {
		return
	}
	e.inHead = false
	switch name {
	case "image", "feimage":
		if v, attr, ok := e.svgHref(); ok {
			e.add(Resource{Raw: v, Element: name, Attribute: attr, Kind: KindImage, Line: line})
		}
	case "use":
		if v, attr, ok := e.svgHref(); ok && !strings.HasPrefix(cleanURLString(v), "#") {
			e.add(Resource{Raw: v, Element: name, Attribute: attr, Kind: KindImage, Line: line})
		}
	case "script":
		if v, attr, ok := e.svgHref(); ok {
			e.add(Resource{Raw: v, Element: name, Attribute: attr, Kind: KindScript, Line: line})
		} else if !selfClosing {
			e.startCollect(collectScript, name, line)
		}
	case "a":
		if v, attr, ok := e.svgHref(); ok {
			e.add(Resource{Raw: v, Element: name, Attribute: attr, Kind: KindLink, Line: line})
		}
	case "style":
		if !selfClosing {
			e.startCollect(collectStyle, name, line)
		}
	}
	e.commonAttrs(line)
}

// htmlElement records the references of an HTML element (RULES-RESEARCH §1).
func (e *extractor) htmlElement(name string, line int) {
	switch name {
	case "img", "image": // the parser turns an HTML <image> into <img>
		// An img that "uses srcset or picture" fetches even its src as an imageset.
		imageset := e.has("srcset") || e.parentKind() == framePicture
		if v, ok := e.attr("src"); ok {
			e.add(Resource{Raw: v, Element: "img", Attribute: "src", Kind: KindImage, Imageset: imageset, Line: line})
		}
		e.srcset("img", "srcset", KindImage, line, Resource{})
	case "source":
		switch e.parentKind() {
		case framePicture:
			e.srcset(name, "srcset", KindImage, line, Resource{})
		case frameMedia:
			e.addAttr(name, "src", KindMedia, line)
		}
	case "video":
		e.addAttr(name, "src", KindMedia, line)
		e.addAttr(name, "poster", KindImage, line)
	case "audio":
		e.addAttr(name, "src", KindMedia, line)
	case "track":
		e.addAttr(name, "src", KindTrack, line)
	case "input":
		e.field(name, line)
		typ, _ := e.attrLower("type")
		if typ == "image" {
			e.addAttr(name, "src", KindImage, line)
		}
		if typ == "image" || typ == "submit" {
			e.formAction(name, line)
		}
	case "button":
		if typ, ok := e.attrLower("type"); !ok || (typ != "button" && typ != "reset") {
			e.formAction(name, line)
		}
	case "select", "textarea":
		e.field(name, line)
	case "script":
		e.script(line)
	case "link":
		e.link(line)
	case "style":
		if typ, ok := e.attrLower("type"); !ok || typ == "" || typ == "text/css" {
			e.startCollect(collectStyle, name, line)
		}
	case "title":
		if e.srcdocDepth == 0 && e.doc.Title == "" {
			e.startCollect(collectTitle, name, line)
		}
	case "iframe":
		if v, ok := e.attr("srcdoc"); ok {
			// srcdoc wins over src, which is then never fetched.
			e.srcdoc(v, line)
		} else {
			e.addAttr(name, "src", KindFrame, line)
		}
	case "frame":
		e.addAttr(name, "src", KindFrame, line)
	case "object":
		e.addAttr(name, "data", KindObject, line)
	case "embed":
		e.addAttr(name, "src", KindObject, line)
	case "a", "area":
		v, ok := e.attr("href")
		if !ok {
			break
		}
		kind := KindLink
		if e.has("download") {
			kind = KindDownload
		}
		e.add(Resource{Raw: v, Element: name, Attribute: "href", Kind: kind, Line: line})
		if ping, ok := e.attr("ping"); ok {
			for _, p := range strings.FieldsFunc(ping, isASCIISpaceRune) {
				e.add(Resource{Raw: p, Element: name, Attribute: "ping", Kind: KindPing, Line: line})
			}
		}
	case "form":
		e.form(line)
	case "meta":
		e.meta(line)
	case "body", "table", "td", "th":
		e.addAttr(name, "background", KindImage, line)
	}
}

// commonAttrs handles what any element may carry: style="" (CSS), event handler attributes
// and javascript: URLs (inline scripts).
func (e *extractor) commonAttrs(line int) {
	for _, a := range e.attrs {
		k := a.key
		switch {
		case string(k) == "style":
			// Like every attribute, a style attribute's references get the tag's line.
			scanCSS(a.val, line, true, func(ref cssRef) {
				ref.line = line
				e.cssRef(ref)
			})
		case len(k) > 2 && k[0] == 'o' && k[1] == 'n':
			if len(a.val) > 0 {
				e.inline("handler", string(k), a.val, line)
			}
		case string(k) == "href" || string(k) == "src" || string(k) == "action" ||
			string(k) == "formaction" || string(k) == "xlink:href":
			if body, ok := javascriptURL(a.val); ok {
				e.inline("javascript-url", string(k), []byte(body), line)
			}
		}
	}
}

// javascriptURL returns the script of a javascript: URL (what follows the scheme, after the
// URL parser's trimming and tab/newline removal) and whether v is one.
func javascriptURL(v []byte) (string, bool) {
	const scheme = "javascript:"
	i := 0
	for i < len(v) && v[i] <= ' ' {
		i++
	}
	if i == len(v) || v[i]|0x20 != 'j' {
		return "", false // the cheap test: most values are not javascript: URLs
	}
	s := cleanURLString(string(v))
	if len(s) < len(scheme) || !strings.EqualFold(s[:len(scheme)], scheme) {
		return "", false
	}
	return s[len(scheme):], true
}

// inline records an inline script.
func (e *extractor) inline(kind, attr string, text []byte, line int) {
	sum := sha256.Sum256(text)
	e.doc.InlineScripts = append(e.doc.InlineScripts, InlineScript{
		Kind:    kind,
		Attr:    attr,
		Line:    e.lineOf(line),
		SHA256:  hex.EncodeToString(sum[:]),
		Size:    len(text),
		Snippet: snippet(text),
	})
}

// snippet is the start of an inline script's text, at most MaxSnippet bytes, never cutting a
// UTF-8 sequence in two.
func snippet(text []byte) string {
	if len(text) <= MaxSnippet {
		return string(text)
	}
	cut := MaxSnippet
	for cut > MaxSnippet-utf8.UTFMax && cut > 0 && !utf8.RuneStart(text[cut]) {
		cut--
	}
	return string(text[:cut])
}

// quickRootRelative resolves the commonest reference, a root-relative path such as
// "/img/a.jpg?w=300", without parsing: when the base is canonical and the reference holds only
// characters that neither the URL parser nor NormalizeURL would change (no dot segments, no
// percent signs, no fragment), the result is the base's origin followed by the reference.
// TestQuickRootRelativeAgreesWithResolve holds it to Resolve and NormalizeURL.
func (e *extractor) quickRootRelative(raw string) (string, bool) {
	if e.origin == "" || len(raw) == 0 || raw[0] != '/' || len(raw) > 1 && (raw[1] == '/' || raw[1] == '\\') {
		return "", false
	}
	if _, ok := cleanPathAndQuery(raw); !ok {
		return "", false
	}
	return e.origin + raw, true
}

// quickAbsolute passes through an absolute http(s) URL that is already in NormalizeURL form: a
// lower-case scheme and host name (no address, no trailing dot), no default or zero-led port,
// and a path and query that the URL parser would keep as they are (the rules of
// quickRootRelative). Anything else takes the full parser. TestQuickAbsoluteAgreesWithResolve
// holds it to Resolve and NormalizeURL.
func quickAbsolute(raw string) (string, bool) {
	var rest string
	var defPort string
	switch {
	case strings.HasPrefix(raw, "https://"):
		rest, defPort = raw[len("https://"):], "443"
	case strings.HasPrefix(raw, "http://"):
		rest, defPort = raw[len("http://"):], "80"
	default:
		return "", false
	}
	end := strings.IndexByte(rest, '/')
	if end <= 0 {
		return "", false // no path (NormalizeURL adds "/"), or no host
	}
	host, port, hasPort := strings.Cut(rest[:end], ":")
	if host == "" || host[len(host)-1] == '.' || host[0] == '.' {
		return "", false
	}
	last := host[strings.LastIndexByte(host, '.')+1:]
	if last == "" || last[0] >= '0' && last[0] <= '9' && !canonicalIPv4(host) {
		return "", false // maybe an IPv4 address in another form: the full parser canonicalises it
	}
	for i := 0; i < len(host); i++ {
		if c := host[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return "", false
		}
	}
	if hasPort {
		if port == "" || port[0] == '0' || len(port) > 5 || port == defPort {
			return "", false
		}
		for i := 0; i < len(port); i++ {
			if port[i] < '0' || port[i] > '9' {
				return "", false
			}
		}
		if n, _ := strconv.Atoi(port); n > 65535 {
			return "", false
		}
	}
	if _, ok := cleanPathAndQuery(rest[end:]); !ok {
		return "", false
	}
	return raw, true
}

// cleanPathAndQuery reports whether a path (starting with "/") and its query hold only
// characters that neither the URL parser nor NormalizeURL change, and no dot segment.
func cleanPathAndQuery(raw string) (string, bool) {
	inQuery := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '-' || c == '_' || c == '~' || c == ',' || c == '=' || c == '&' || c == '+' || c == ':' || c == '@' || c == ';' || c == '$':
		case c == '/':
			if !inQuery {
				seg := raw[i+1:]
				if j := strings.IndexAny(seg, "/?"); j >= 0 {
					seg = seg[:j]
				}
				if seg == "." || seg == ".." {
					return "", false // a dot segment: resolution removes it
				}
			}
		case c == '.':
		case c == '?':
			inQuery = true
		default:
			return "", false // %, #, spaces, controls, quotes, non-ASCII...: the full parser
		}
	}
	return raw, true
}

// setBase sets the base URL and whether references may take the quick path against it.
func (e *extractor) setBase(u *url.URL) {
	e.base, e.origin = u, ""
	if u == nil || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil || u.Opaque != "" {
		return
	}
	if NormalizeURL(u) == u.String() && u.Fragment == "" {
		e.origin = u.Scheme + "://" + u.Host
	}
}

// add resolves r.Raw against the base and records r when it is a network fetch.
func (e *extractor) add(r Resource) {
	if r.Raw == e.lastRaw && e.lastURL != "" {
		r.URL = e.lastURL // a page repeating one reference resolves it once
	} else if abs, ok := e.quickRootRelative(r.Raw); ok {
		r.URL = abs
	} else if abs, ok := quickAbsolute(r.Raw); ok {
		r.URL = abs
	} else {
		u, ok := Resolve(e.base, r.Raw)
		if !ok || !Fetchable(u) {
			return
		}
		r.setURL(u)
	}
	e.lastRaw, e.lastURL = r.Raw, r.URL
	r.Line = e.lineOf(r.Line)
	if r.Source == "" {
		r.Source = SourceHTML
	}
	r.UpgradedByCSP = e.upgrade
	e.doc.refs.add(r)
}

// addAttr records the element's attribute attr, if present, as a reference of kind.
func (e *extractor) addAttr(el, attr string, kind Kind, line int) {
	if v, ok := e.attr(attr); ok {
		e.add(Resource{Raw: v, Element: el, Attribute: attr, Kind: kind, Line: line})
	}
}

// srcset records each candidate of the element's srcset-like attribute as an imageset fetch,
// copying the link fields of tmpl.
func (e *extractor) srcset(el, attr string, kind Kind, line int, tmpl Resource) {
	v, ok := e.attr(attr)
	if !ok {
		return
	}
	for _, c := range ParseSrcset(v) {
		r := tmpl
		r.Raw, r.Element, r.Attribute, r.Kind, r.Imageset, r.Line = c, el, attr, kind, true, line
		e.add(r)
	}
}

// cssRef records a reference found by the CSS scanner in a style attribute or <style> block.
func (e *extractor) cssRef(ref cssRef) {
	e.add(Resource{Raw: ref.raw, Element: ref.element, Attribute: "url", Kind: ref.kind, Line: ref.line, Source: SourceCSS})
}

// scriptType classifies a script element by its type (or legacy language) attribute:
// "classic", "module", or "" for data blocks, import maps and other types browsers neither
// fetch nor run. JavaScript MIME types are matched on their essence, parameters ignored.
func (e *extractor) scriptType() string {
	typ, hasType := e.attrLower("type")
	if !hasType || typ == "" {
		lang, hasLang := e.attrLower("language")
		if hasType || !hasLang || lang == "" {
			return "classic"
		}
		typ = "text/" + lang
	}
	if typ == "module" {
		return "module"
	}
	if i := strings.IndexByte(typ, ';'); i >= 0 {
		typ = strings.TrimSpace(typ[:i])
	}
	switch typ {
	case "application/ecmascript", "application/javascript", "application/x-ecmascript",
		"application/x-javascript", "text/ecmascript", "text/javascript", "text/javascript1.0",
		"text/javascript1.1", "text/javascript1.2", "text/javascript1.3", "text/javascript1.4",
		"text/javascript1.5", "text/jscript", "text/livescript", "text/x-ecmascript",
		"text/x-javascript":
		return "classic"
	}
	return ""
}

// script handles an HTML <script>: an external script, or the start of an inline one.
func (e *extractor) script(line int) {
	typ := e.scriptType()
	if typ == "" {
		return
	}
	src, hasSrc := e.attr("src")
	if !hasSrc {
		e.startCollect(collectScript, "script", line)
		return
	}
	co, hasCO := e.attr("crossorigin")
	integrity, _ := e.attr("integrity")
	r := Resource{
		Raw: src, Element: "script", Attribute: "src", Kind: KindScript, Line: line,
		Integrity: integrity, CrossOrigin: corsSetting(co, hasCO), HasCrossOrigin: hasCO,
	}
	if typ == "module" && !hasCO {
		// Module scripts are fetched in CORS mode, as with crossorigin=anonymous.
		r.CrossOrigin, r.HasCrossOrigin = "anonymous", true
	}
	e.add(r)
}

// link handles <link>: the rel decides the kind, or that nothing is fetched.
func (e *extractor) link(line int) {
	relAttr, _ := e.attr("rel")
	rel := normalizeRel(relAttr)
	as, _ := e.attrLower("as")
	kind, ok := linkKind(rel, as)
	if !ok {
		return
	}
	if _, disabled := e.attr("disabled"); disabled && kind == KindStylesheet && hasRelToken(rel, "stylesheet") {
		return // HTML: a stylesheet link with the disabled attribute is not fetched
	}
	co, hasCO := e.attr("crossorigin")
	integrity, _ := e.attr("integrity")
	tmpl := Resource{
		Element: "link", Kind: kind, Line: line, Rel: rel, As: as,
		Integrity: integrity, CrossOrigin: corsSetting(co, hasCO), HasCrossOrigin: hasCO,
	}
	if kind == KindScript && hasRelToken(rel, "modulepreload") && !hasCO {
		// Module preloads are CORS requests, like module scripts.
		tmpl.CrossOrigin, tmpl.HasCrossOrigin = "anonymous", true
	}
	_, hasSrcset := e.attr("imagesrcset")
	if href, ok := e.attr("href"); ok {
		r := tmpl
		r.Raw, r.Attribute = href, "href"
		r.Imageset = kind == KindImage && hasSrcset
		e.add(r)
	}
	if kind == KindImage {
		e.srcset("link", "imagesrcset", KindImage, line, tmpl)
	}
}

// form handles <form>: its action, or the document URL when the action is missing or empty.
func (e *extractor) form(line int) {
	method, _ := e.attrLower("method")
	if method != "post" && method != "dialog" {
		method = "get"
	}
	e.formOpen, e.formMethod = true, method
	if method == "dialog" {
		return // a dialog form closes its dialog; it submits nothing
	}
	e.submission("form", "action", method, line)
}

// formAction handles the formaction of a submit button, with its formmethod or the form's.
func (e *extractor) formAction(el string, line int) {
	if !e.has("formaction") {
		return
	}
	method, ok := e.attrLower("formmethod")
	if !ok || (method != "post" && method != "get" && method != "dialog") {
		method = "get"
		if e.formOpen {
			method = e.formMethod
		}
	}
	if method == "dialog" {
		return
	}
	e.submission(el, "formaction", method, line)
}

// submission records a form target: attr resolved against the base, or the document URL when
// it is missing or empty.
func (e *extractor) submission(el, attr, method string, line int) {
	v, _ := e.attr(attr)
	r := Resource{Raw: v, Element: el, Attribute: attr, Kind: KindForm, Method: method, Line: line}
	if cleanURLString(v) != "" {
		e.add(r)
		return
	}
	if e.docURL == nil || !Fetchable(e.docURL) {
		return
	}
	r.URL = NormalizeURL(e.docURL)
	r.Line = e.lineOf(line)
	r.Source = SourceHTML
	r.UpgradedByCSP = e.upgrade
	e.doc.refs.add(r)
}

// field records a form control.
func (e *extractor) field(el string, line int) {
	f := Field{Element: el, Line: e.lineOf(line)}
	f.Name, _ = e.attr("name")
	f.ID, _ = e.attr("id")
	f.Autocomplete, _ = e.attrLower("autocomplete")
	switch el {
	case "input":
		f.Type, _ = e.attrLower("type")
		if f.Type == "" {
			f.Type = "text"
		}
	case "select":
		f.Type = "select-one"
		if e.has("multiple") {
			f.Type = "select-multiple"
		}
	case "textarea":
		f.Type = "textarea"
	}
	e.doc.Fields = append(e.doc.Fields, f)
}

// meta handles <meta http-equiv>: Content-Security-Policy (enforced only; browsers ignore
// -Report-Only in meta, and a policy outside <head>) and refresh.
func (e *extractor) meta(line int) {
	equiv, ok := e.attrLower("http-equiv")
	if !ok {
		return
	}
	content, _ := e.attr("content")
	switch equiv {
	case "content-security-policy":
		if !e.inHead || strings.TrimSpace(content) == "" {
			return
		}
		if e.srcdocDepth == 0 {
			e.doc.MetaCSP = append(e.doc.MetaCSP, CSP{Policy: content, Source: "meta", Line: line})
		}
		for _, p := range ParseCSP(content) {
			if p.UpgradesInsecureRequests() {
				e.upgrade = true
			}
		}
	case "refresh":
		if e.refreshed {
			return
		}
		delay, target, ok := ParseRefresh(content)
		if !ok {
			return
		}
		e.refreshed = true
		e.add(Resource{Raw: target, Element: "meta", Attribute: "content", Kind: KindRefresh, RefreshDelay: delay, Line: line})
	}
}

// srcdoc extracts an iframe's srcdoc document into the same Document: same base (unless it
// has its own <base>), the policy in force so far, and the iframe's line for everything.
func (e *extractor) srcdoc(markup string, line int) {
	if e.srcdocDepth >= maxSrcdocDepth {
		return
	}
	sub := newExtractor(e.doc, nil, e.base, []byte(markup))
	sub.srcdocDepth = e.srcdocDepth + 1
	sub.fixedLine = e.lineOf(line)
	sub.upgrade = e.upgrade
	sub.refreshed = true // a srcdoc refresh navigates the frame, not the page
	sub.run()
}

// startCollect starts gathering the text of a <script>, <style> or <title>.
func (e *extractor) startCollect(kind int, tag string, line int) {
	e.finishText(false)
	e.collect, e.collectTag, e.collectLine = kind, tag, line
	e.textSeen = false
	e.buf = e.buf[:0]
}

// text handles a text token.
func (e *extractor) text(raw []byte, line int) {
	if e.collect != collectNone {
		if !e.textSeen {
			e.textSeen, e.textLine = true, line
		}
		e.buf = append(e.buf, e.z.Text()...)
		return
	}
	if !e.inRaw && e.inHead && e.template == 0 && len(bytes.Trim(raw, " \t\n\f\r")) > 0 {
		e.inHead = false
	}
}

// endTag handles an end tag.
func (e *extractor) endTag() {
	name := rawTagName(e.z.Raw())
	if e.collect != collectNone && name == e.collectTag {
		e.finishText(false)
	}
	switch name {
	case "template":
		if e.template > 0 && !e.foreign() {
			e.template--
		}
	case "form":
		e.formOpen = false
	case "p", "br":
		if e.foreign() {
			e.breakOut()
		}
	case "picture", "audio", "video", "svg", "math", "foreignobject", "desc", "title",
		"mi", "mo", "mn", "ms", "mtext":
		e.popTo(name)
	}
}

// finishText ends the text being collected: an inline script is hashed, a style block scanned
// as CSS, a title kept. At the end of the input (eof), an unterminated script does not run.
func (e *extractor) finishText(eof bool) {
	kind := e.collect
	e.collect = collectNone
	switch kind {
	case collectScript:
		if !eof && len(e.buf) > 0 {
			e.inline("script", "", e.buf, e.collectLine)
		}
	case collectStyle:
		if e.textSeen {
			scanCSS(e.buf, e.textLine, false, e.cssRef)
		}
	case collectTitle:
		e.doc.Title = strings.Join(strings.FieldsFunc(string(e.buf), isASCIISpaceRune), " ")
	}
}
