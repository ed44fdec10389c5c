package crawler

import (
	"math"
	"net/url"
	"strings"
)

// ParseLinkHeader returns the fetches that HTTP Link header values ask for (RFC 8288 syntax:
// `<url>; rel="preload"; as=script, <url2>; rel=...`), with the same rel and as= mapping as
// <link> elements: stylesheet, preload, modulepreload, prefetch, manifest and icons are kept;
// canonical, alternate, preconnect, dns-prefetch and other rels that fetch nothing are
// dropped, as are links with an anchor parameter (they describe another resource). Targets
// are resolved against base, the response URL. Each resource has Source SourceHeader, Element
// "Link" and Attribute "" ("imagesrcset" for the candidates of an imagesrcset parameter), and
// records the integrity and crossorigin parameters. A parameter given twice counts once (the
// first), as RFC 8288 says of rel.
func ParseLinkHeader(base *url.URL, values []string) []Resource {
	var out []Resource
	for _, v := range values {
		p := linkParser{s: v}
		for {
			target, params, ok := p.next()
			if !ok {
				break
			}
			out = appendLink(out, base, target, params)
		}
	}
	return out
}

// appendLink appends the resources of one parsed link to out.
func appendLink(out []Resource, base *url.URL, target string, params map[string]string) []Resource {
	if params["anchor"] != "" {
		return out
	}
	rel := normalizeRel(params["rel"])
	as := strings.ToLower(strings.TrimSpace(params["as"]))
	kind, ok := linkKind(rel, as)
	if !ok {
		return out
	}
	co, hasCO := params["crossorigin"]
	tmpl := Resource{
		Element:        "Link",
		Kind:           kind,
		Source:         SourceHeader,
		Rel:            rel,
		As:             as,
		Integrity:      params["integrity"],
		CrossOrigin:    corsSetting(co, hasCO),
		HasCrossOrigin: hasCO,
	}
	if hasRelToken(rel, "modulepreload") && !hasCO {
		// Module preloads are CORS requests, like module scripts.
		tmpl.CrossOrigin, tmpl.HasCrossOrigin = "anonymous", true
	}
	srcset := params["imagesrcset"]
	if kind == KindImage && srcset != "" {
		tmpl.Imageset = true
	}
	if u, ok := Resolve(base, target); ok && Fetchable(u) {
		r := tmpl
		r.Raw = target
		r.setURL(u)
		out = append(out, r)
	}
	if kind == KindImage {
		for _, c := range ParseSrcset(srcset) {
			if u, ok := Resolve(base, c); ok && Fetchable(u) {
				r := tmpl
				r.Raw, r.Attribute = c, "imagesrcset"
				r.setURL(u)
				out = append(out, r)
			}
		}
	}
	return out
}

// linkParser walks the comma-separated links of one Link header value.
type linkParser struct {
	s   string
	pos int
}

func (p *linkParser) skipSpace() {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t') {
		p.pos++
	}
}

// next returns the next link's target and its parameters (names lower-cased, first occurrence
// wins, a parameter without a value maps to ""). It skips malformed links up to the next
// comma outside quotes and angle brackets, and returns false at the end of the value.
func (p *linkParser) next() (string, map[string]string, bool) {
	for {
		for p.pos < len(p.s) && (p.s[p.pos] == ',' || p.s[p.pos] == ' ' || p.s[p.pos] == '\t') {
			p.pos++
		}
		if p.pos >= len(p.s) {
			return "", nil, false
		}
		if p.s[p.pos] != '<' {
			p.skipLink()
			continue
		}
		end := strings.IndexByte(p.s[p.pos:], '>')
		if end < 0 {
			return "", nil, false
		}
		target := p.s[p.pos+1 : p.pos+end]
		p.pos += end + 1
		params := map[string]string{}
		for {
			p.skipSpace()
			if p.pos >= len(p.s) || p.s[p.pos] == ',' {
				return target, params, true
			}
			if p.s[p.pos] != ';' {
				p.skipLink()
				return target, params, true
			}
			p.pos++
			p.skipSpace()
			name := p.token()
			p.skipSpace()
			val := ""
			if p.pos < len(p.s) && p.s[p.pos] == '=' {
				p.pos++
				p.skipSpace()
				if p.pos < len(p.s) && p.s[p.pos] == '"' {
					val = p.quoted()
				} else {
					val = p.token()
				}
			}
			if name == "" {
				continue
			}
			name = strings.TrimSuffix(strings.ToLower(name), "*")
			if _, dup := params[name]; !dup {
				params[name] = val
			}
		}
	}
}

// token reads up to the next separator of a parameter.
func (p *linkParser) token() string {
	start := p.pos
	for p.pos < len(p.s) {
		switch p.s[p.pos] {
		case ';', ',', '=', ' ', '\t', '"':
			return p.s[start:p.pos]
		}
		p.pos++
	}
	return p.s[start:]
}

// quoted reads a quoted-string whose opening quote is at pos and returns it unescaped.
func (p *linkParser) quoted() string {
	p.pos++
	var b strings.Builder
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		p.pos++
		switch c {
		case '"':
			return b.String()
		case '\\':
			if p.pos < len(p.s) {
				b.WriteByte(p.s[p.pos])
				p.pos++
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// skipLink moves past the rest of a malformed link: up to a comma outside quotes.
func (p *linkParser) skipLink() {
	inQuote := false
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		p.pos++
		switch {
		case c == '\\' && inQuote:
			p.pos++
		case c == '"':
			inQuote = !inQuote
		case c == ',' && !inQuote:
			return
		}
	}
}

// normalizeRel returns a rel value lower-cased, with its tokens separated by single spaces.
func normalizeRel(rel string) string {
	if relNormal(rel) {
		return rel // one lower-case token, or several single-spaced: nearly every rel
	}
	return strings.Join(strings.Fields(strings.ToLower(rel)), " ")
}

// relNormal reports whether rel is already in normalizeRel's form.
func relNormal(rel string) bool {
	for i := 0; i < len(rel); i++ {
		switch c := rel[i]; {
		case c >= 'A' && c <= 'Z' || c >= 0x80:
			return false
		case c == ' ':
			if i == 0 || i == len(rel)-1 || rel[i-1] == ' ' {
				return false
			}
		case c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == '\v':
			return false
		}
	}
	return true
}

// hasRelToken reports whether the normalised rel value holds token.
func hasRelToken(rel, token string) bool {
	for t := range strings.FieldsSeq(rel) {
		if t == token {
			return true
		}
	}
	return false
}

// linkKind returns what a link with the normalised rel value and lower-case as= makes the
// browser fetch, or false when it fetches nothing (canonical, alternate without stylesheet,
// dns-prefetch, preconnect, next, author, license, search...). With several fetching
// tokens, the first of stylesheet, modulepreload, preload, prefetch, manifest and icon wins.
func linkKind(rel, as string) (Kind, bool) {
	var stylesheet, modulepreload, preload, prefetch, manifest, icon bool
	for _, t := range strings.Fields(rel) {
		switch t {
		case "stylesheet":
			stylesheet = true
		case "modulepreload":
			modulepreload = true
		case "preload":
			preload = true
		case "prefetch":
			prefetch = true
		case "manifest":
			manifest = true
		case "icon", "apple-touch-icon", "apple-touch-icon-precomposed", "mask-icon":
			icon = true
		}
	}
	switch {
	case stylesheet:
		return KindStylesheet, true
	case modulepreload:
		return KindScript, true
	case preload:
		return preloadKind(as), true
	case prefetch:
		return KindPrefetch, true
	case manifest:
		return KindManifest, true
	case icon:
		return KindIcon, true
	}
	return "", false
}

// preloadKind maps a preload's as= value to the kind of fetch it makes.
func preloadKind(as string) Kind {
	switch as {
	case "script":
		return KindScript
	case "style":
		return KindStylesheet
	case "font":
		return KindFont
	case "image":
		return KindImage
	case "audio", "video":
		return KindMedia
	case "track":
		return KindTrack
	}
	return KindPreload
}

// corsSetting returns the state of a CORS settings attribute as the browser reads it: "" when
// absent, "use-credentials" for that keyword, and "anonymous" for every other value (a bare
// attribute, "anonymous", or an invalid value).
func corsSetting(v string, present bool) string {
	if !present {
		return ""
	}
	if strings.EqualFold(strings.TrimSpace(v), "use-credentials") {
		return "use-credentials"
	}
	return "anonymous"
}

// ParseRefresh parses the content of a meta refresh or the value of a Refresh header with the
// HTML Standard's "shared declarative refresh steps": a delay in seconds (fractions ignored),
// then an optional ";" or ",", then the URL, optionally written as `url=` and optionally quoted
// (`0; URL='http://x'`, `5;url=x`, `3, url=x`, `0;http://x`). It returns false when the value
// does not parse or names no URL (a plain "5", or an empty url=, reloads the page itself).
// target is returned as written, unresolved.
func ParseRefresh(content string) (delay int, target string, ok bool) {
	s := content
	pos := 0
	skipSpace := func() {
		for pos < len(s) && isHTMLSpace(s[pos]) {
			pos++
		}
	}
	skipSpace()
	start := pos
	n := 0
	for pos < len(s) && '0' <= s[pos] && s[pos] <= '9' {
		if n < math.MaxInt32/10 {
			n = n*10 + int(s[pos]-'0')
		} else {
			n = math.MaxInt32
		}
		pos++
	}
	if pos == start && (pos >= len(s) || s[pos] != '.') {
		return 0, "", false
	}
	for pos < len(s) && ('0' <= s[pos] && s[pos] <= '9' || s[pos] == '.') {
		pos++
	}
	if pos >= len(s) {
		return n, "", false
	}
	if c := s[pos]; c != ';' && c != ',' && !isHTMLSpace(c) {
		return 0, "", false
	}
	skipSpace()
	if pos < len(s) && (s[pos] == ';' || s[pos] == ',') {
		pos++
	}
	skipSpace()
	if pos >= len(s) {
		return n, "", false
	}
	urlString := s[pos:]
	// Optional "url" (any case), optional spaces, "=" and spaces, then an optional quote.
	if p := pos; p+3 <= len(s) && strings.EqualFold(s[p:p+3], "url") {
		p += 3
		for p < len(s) && isHTMLSpace(s[p]) {
			p++
		}
		if p < len(s) && s[p] == '=' {
			p++
			for p < len(s) && isHTMLSpace(s[p]) {
				p++
			}
			pos = p
			urlString = s[pos:]
		}
	}
	if pos < len(s) && (s[pos] == '"' || s[pos] == '\'') {
		quote := s[pos]
		urlString = s[pos+1:]
		if i := strings.IndexByte(urlString, quote); i >= 0 {
			urlString = urlString[:i]
		}
	}
	if urlString == "" {
		return n, "", false
	}
	return n, urlString, true
}
