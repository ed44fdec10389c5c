package crawler

import (
	"bytes"
	"net/url"
	"strings"
	"unicode/utf8"
)

// The CSS scanner below follows the tokenizer of CSS Syntax Level 3 (comments, strings with
// escapes, url tokens, functions, at-keywords, blocks) closely enough that a url() written
// inside a string, a comment or a selector is never mistaken for a fetch, and then tracks just
// enough of the rule and declaration structure to name the property or at-rule behind each URL.

// ExtractCSS returns the references a stylesheet makes: @import (KindStylesheet, Element
// "@import"), @font-face src (KindFont, Element "@font-face") and every url() or image-set()
// image in a declaration (KindImage, Element the lower-cased property name, such as
// "background-image" or "mask-image"). URLs are resolved against sheetURL; values that are
// not network fetches (data:, fragment-only references, @namespace) are dropped. Line is
// firstLine plus the number of newlines before the reference, so pass 1 for an external sheet
// and the page line where a <style> element's text starts for inline CSS. Stylesheet is left
// empty: the caller knows whether the sheet is external. A reference made more than once is
// recorded once, at its first line, with its Count.
func ExtractCSS(sheetURL *url.URL, css []byte, firstLine int) []Resource {
	refs, _ := extractCSS(sheetURL, css, firstLine, 0)
	return refs
}

// extractCSS is ExtractCSS keeping at most maxRefs different references (0: all); cut counts
// the others.
func extractCSS(sheetURL *url.URL, css []byte, firstLine, maxRefs int) (refs []Resource, cut int) {
	set := newRefSet(maxRefs, 0)
	scanCSS(css, firstLine, false, func(ref cssRef) {
		if r, ok := cssResource(sheetURL, ref); ok {
			set.add(r)
		}
	})
	set.release()
	return set.list, set.cut
}

// ExtractStyleAttr returns the references in the value of a style="" attribute, which holds
// declarations only (no selectors, no at-rules), resolved against base (the document's base
// URL). Line is line plus the number of newlines before the reference within decl.
func ExtractStyleAttr(base *url.URL, decl string, line int) []Resource {
	var out []Resource
	scanCSS([]byte(decl), line, true, func(ref cssRef) {
		if r, ok := cssResource(base, ref); ok {
			out = append(out, r)
		}
	})
	return out
}

// cssRef is one URL found by scanCSS, not yet resolved.
type cssRef struct {
	raw     string
	element string
	kind    Kind
	line    int
}

// cssResource resolves ref against base and returns it as a Resource, or false when it is not
// a network fetch.
func cssResource(base *url.URL, ref cssRef) (Resource, bool) {
	u, ok := Resolve(base, ref.raw)
	if !ok || !Fetchable(u) {
		return Resource{}, false
	}
	r := Resource{
		Raw:       ref.raw,
		Element:   ref.element,
		Attribute: "url",
		Kind:      ref.kind,
		Line:      ref.line,
		Source:    SourceCSS,
	}
	r.setURL(u)
	return r, true
}

// Token kinds of the CSS scanner; everything the structure tracking does not need (numbers,
// hashes, delimiters) is ctOther.
const (
	ctEOF = iota
	ctWhitespace
	ctIdent
	ctFunction
	ctAtKeyword
	ctString
	ctBadString
	ctURL
	ctBadURL
	ctColon
	ctSemicolon
	ctLBrace
	ctRBrace
	ctLParen
	ctRParen
	ctLBracket
	ctRBracket
	ctCDOCDC
	ctOther
)

// cssToken is one token: its kind, the raw range of its value (the name of an ident, function
// or at-keyword, the inside of a string or url) and whether that range holds escapes (or NUL)
// that value must decode.
type cssToken struct {
	kind       int
	start, end int
	esc        bool
	line       int
}

// cssScanner tokenizes CSS source, counting lines as it goes.
type cssScanner struct {
	src  []byte
	pos  int
	line int
}

// value returns the decoded value of t (escapes resolved, NUL replaced).
func (s *cssScanner) value(t cssToken) string {
	raw := s.src[t.start:t.end]
	if !t.esc {
		return string(raw)
	}
	var b strings.Builder
	b.Grow(len(raw))
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == 0:
			b.WriteRune(utf8.RuneError)
			i++
		case c == '\\':
			if i+1 < len(raw) && isCSSNewline(raw[i+1]) {
				// A line continuation inside a string.
				i += 2
				if raw[i-1] == '\r' && i < len(raw) && raw[i] == '\n' {
					i++
				}
				continue
			}
			r, n := decodeEscape(raw[i+1:])
			b.WriteRune(r)
			i += 1 + n
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

// is reports whether t's value equals name, ignoring ASCII case (name is lower-case).
func (s *cssScanner) is(t cssToken, name string) bool {
	if t.esc {
		return strings.EqualFold(s.value(t), name)
	}
	raw := s.src[t.start:t.end]
	if len(raw) != len(name) {
		return false
	}
	for i := range raw {
		c := raw[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != name[i] {
			return false
		}
	}
	return true
}

// decodeEscape decodes the escape whose backslash precedes b and returns the code point and
// the number of bytes of b it used.
func decodeEscape(b []byte) (rune, int) {
	if len(b) == 0 {
		return utf8.RuneError, 0
	}
	if !isHex(b[0]) {
		r, n := utf8.DecodeRune(b)
		return r, n
	}
	var v rune
	n := 0
	for n < len(b) && n < 6 && isHex(b[n]) {
		v = v*16 + rune(hexVal(b[n]))
		n++
	}
	if n < len(b) && isCSSWhitespace(b[n]) {
		if b[n] == '\r' && n+1 < len(b) && b[n+1] == '\n' {
			n++
		}
		n++
	}
	if v == 0 || (v >= 0xD800 && v <= 0xDFFF) || v > utf8.MaxRune {
		v = utf8.RuneError
	}
	return v, n
}

func hexVal(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

func isCSSNewline(c byte) bool { return c == '\n' || c == '\r' || c == '\f' }

func isCSSWhitespace(c byte) bool { return c == ' ' || c == '\t' || isCSSNewline(c) }

func isIdentStart(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c >= 0x80 || c == 0
}

func isIdentChar(c byte) bool { return isIdentStart(c) || '0' <= c && c <= '9' || c == '-' }

func isNonPrintable(c byte) bool {
	return c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F
}

// at returns the byte at pos+i, or 0 past the end (callers check bounds where 0 matters).
func (s *cssScanner) at(i int) (byte, bool) {
	if s.pos+i < len(s.src) {
		return s.src[s.pos+i], true
	}
	return 0, false
}

// validEscape reports whether the bytes at pos+i start a valid escape.
func (s *cssScanner) validEscape(i int) bool {
	c, ok := s.at(i)
	if !ok || c != '\\' {
		return false
	}
	n, ok := s.at(i + 1)
	return !ok || !isCSSNewline(n)
}

// startsIdent reports whether the bytes at pos+i would start an ident sequence.
func (s *cssScanner) startsIdent(i int) bool {
	c, ok := s.at(i)
	if !ok {
		return false
	}
	switch {
	case c == '-':
		n, ok := s.at(i + 1)
		return ok && (isIdentStart(n) || n == '-') || s.validEscape(i+1)
	case c == '\\':
		return s.validEscape(i)
	}
	return isIdentStart(c)
}

// startsNumber reports whether the bytes at pos start a number.
func (s *cssScanner) startsNumber() bool {
	c, _ := s.at(0)
	n, _ := s.at(1)
	isDigit := func(b byte) bool { return '0' <= b && b <= '9' }
	switch c {
	case '+', '-':
		if isDigit(n) {
			return true
		}
		n2, _ := s.at(2)
		return n == '.' && isDigit(n2)
	case '.':
		return isDigit(n)
	}
	return isDigit(c)
}

// advance moves pos forward by n bytes, counting newlines (CRLF once).
func (s *cssScanner) advance(n int) {
	for end := s.pos + n; s.pos < end; s.pos++ {
		switch s.src[s.pos] {
		case '\n':
			s.line++
		case '\r':
			if s.pos+1 >= len(s.src) || s.src[s.pos+1] != '\n' {
				s.line++
			}
		}
	}
}

// consumeEscape consumes an escape whose backslash is at pos.
func (s *cssScanner) consumeEscape() {
	_, n := decodeEscape(s.src[s.pos+1:])
	s.advance(1 + n)
}

// consumeIdentSeq consumes an ident sequence and reports whether it held escapes or NULs.
func (s *cssScanner) consumeIdentSeq() bool {
	esc := false
	for s.pos < len(s.src) {
		c := s.src[s.pos]
		switch {
		case c == 0:
			esc = true
			s.pos++
		case isIdentChar(c):
			s.pos++
		case s.validEscape(0):
			esc = true
			s.consumeEscape()
		default:
			return esc
		}
	}
	return esc
}

var commentEnd = []byte("*/")

// next returns the next token, skipping comments.
func (s *cssScanner) next() cssToken {
	for {
		if s.pos+1 < len(s.src) && s.src[s.pos] == '/' && s.src[s.pos+1] == '*' {
			end := bytes.Index(s.src[s.pos+2:], commentEnd)
			if end < 0 {
				s.advance(len(s.src) - s.pos)
			} else {
				s.advance(end + 4)
			}
			continue
		}
		break
	}
	t := cssToken{line: s.line, start: s.pos}
	if s.pos >= len(s.src) {
		t.kind = ctEOF
		return t
	}
	c := s.src[s.pos]
	switch {
	case isCSSWhitespace(c):
		for s.pos < len(s.src) && isCSSWhitespace(s.src[s.pos]) {
			s.advance(1)
		}
		t.kind = ctWhitespace
	case c == '"' || c == '\'':
		s.pos++
		return s.consumeString(t, c)
	case c == '#':
		s.pos++
		if s.pos < len(s.src) && isIdentChar(s.src[s.pos]) || s.validEscape(0) {
			s.consumeIdentSeq()
		}
		t.kind = ctOther
	case cssPunct[c] != 0:
		s.pos++
		t.kind = cssPunct[c]
	case s.startsNumber():
		s.consumeNumeric()
		t.kind = ctOther
	case c == '-' && s.pos+2 < len(s.src) && s.src[s.pos+1] == '-' && s.src[s.pos+2] == '>':
		s.pos += 3
		t.kind = ctCDOCDC
	case c == '<' && s.pos+3 < len(s.src) && string(s.src[s.pos+1:s.pos+4]) == "!--":
		s.pos += 4
		t.kind = ctCDOCDC
	case c == '@' && s.startsIdent(1):
		s.pos++
		t.start = s.pos
		t.esc = s.consumeIdentSeq()
		t.end = s.pos
		t.kind = ctAtKeyword
	case s.startsIdent(0):
		return s.consumeIdentLike(t)
	default:
		_, n := utf8.DecodeRune(s.src[s.pos:])
		s.pos += n
		t.kind = ctOther
	}
	t.end = s.pos
	return t
}

// consumeNumeric consumes a number and an optional unit or percent sign.
func (s *cssScanner) consumeNumeric() {
	digits := func() {
		for s.pos < len(s.src) && '0' <= s.src[s.pos] && s.src[s.pos] <= '9' {
			s.pos++
		}
	}
	if c := s.src[s.pos]; c == '+' || c == '-' {
		s.pos++
	}
	digits()
	if s.pos+1 < len(s.src) && s.src[s.pos] == '.' && '0' <= s.src[s.pos+1] && s.src[s.pos+1] <= '9' {
		s.pos++
		digits()
	}
	if s.pos+1 < len(s.src) && (s.src[s.pos] == 'e' || s.src[s.pos] == 'E') {
		n := s.src[s.pos+1]
		if '0' <= n && n <= '9' {
			s.pos++
			digits()
		} else if (n == '+' || n == '-') && s.pos+2 < len(s.src) && '0' <= s.src[s.pos+2] && s.src[s.pos+2] <= '9' {
			s.pos += 2
			digits()
		}
	}
	switch {
	case s.startsIdent(0):
		s.consumeIdentSeq()
	case s.pos < len(s.src) && s.src[s.pos] == '%':
		s.pos++
	}
}

// consumeString consumes a string whose opening quote has been consumed.
func (s *cssScanner) consumeString(t cssToken, quote byte) cssToken {
	t.start = s.pos
	for s.pos < len(s.src) {
		c := s.src[s.pos]
		switch {
		case c == quote:
			t.end = s.pos
			s.pos++
			t.kind = ctString
			return t
		case isCSSNewline(c):
			// An unescaped newline ends the string as a bad string; the newline stays.
			t.end = s.pos
			t.kind = ctBadString
			return t
		case c == '\\':
			t.esc = true
			if s.pos+1 >= len(s.src) {
				s.pos++
				continue
			}
			if isCSSNewline(s.src[s.pos+1]) {
				// A line continuation: backslash and newline (CRLF counts once) vanish.
				s.pos++
				if s.src[s.pos] == '\r' && s.pos+1 < len(s.src) && s.src[s.pos+1] == '\n' {
					s.advance(2)
				} else {
					s.advance(1)
				}
				continue
			}
			s.consumeEscape()
		case c == 0:
			t.esc = true
			s.pos++
		default:
			s.pos++
		}
	}
	t.end = s.pos
	t.kind = ctString
	return t
}

// consumeIdentLike consumes an ident, a function name with its "(", or a url token.
func (s *cssScanner) consumeIdentLike(t cssToken) cssToken {
	t.esc = s.consumeIdentSeq()
	t.end = s.pos
	if s.pos >= len(s.src) || s.src[s.pos] != '(' {
		t.kind = ctIdent
		return t
	}
	s.pos++
	t.kind = ctFunction
	if !s.is(t, "url") {
		return t
	}
	// url( followed by optional whitespace and a quote is a function taking a string.
	p := s.pos
	for p < len(s.src) && isCSSWhitespace(s.src[p]) {
		p++
	}
	if p < len(s.src) && (s.src[p] == '"' || s.src[p] == '\'') {
		return t
	}
	return s.consumeURL(t)
}

// consumeURL consumes the rest of an unquoted url( ... ) token.
func (s *cssScanner) consumeURL(t cssToken) cssToken {
	for s.pos < len(s.src) && isCSSWhitespace(s.src[s.pos]) {
		s.advance(1)
	}
	t.kind, t.start, t.esc = ctURL, s.pos, false
	for s.pos < len(s.src) {
		c := s.src[s.pos]
		switch {
		case c == ')':
			t.end = s.pos
			s.pos++
			return t
		case isCSSWhitespace(c):
			t.end = s.pos
			for s.pos < len(s.src) && isCSSWhitespace(s.src[s.pos]) {
				s.advance(1)
			}
			if s.pos >= len(s.src) {
				return t
			}
			if s.src[s.pos] == ')' {
				s.pos++
				return t
			}
			return s.badURL(t)
		case c == '"' || c == '\'' || c == '(' || isNonPrintable(c) && c != 0:
			return s.badURL(t)
		case c == '\\':
			if !s.validEscape(0) {
				return s.badURL(t)
			}
			t.esc = true
			s.consumeEscape()
		case c == 0:
			t.esc = true
			s.pos++
		default:
			s.pos++
		}
	}
	t.end = s.pos
	return t
}

// badURL consumes the remnants of a bad url token.
func (s *cssScanner) badURL(t cssToken) cssToken {
	t.kind = ctBadURL
	for s.pos < len(s.src) {
		switch {
		case s.src[s.pos] == ')':
			s.pos++
			t.end = s.pos
			return t
		case s.validEscape(0):
			s.consumeEscape()
		default:
			s.advance(1)
		}
	}
	t.end = s.pos
	return t
}

// Item states of the structure tracking: what the tokens since the last ';', '{' or '}' are.
const (
	itemStart     = iota // nothing significant yet
	itemMaybeDecl        // an ident: a declaration if a ':' follows
	itemDecl             // a declaration; property known
	itemAtRule           // an at-rule prelude
	itemOther            // a selector or something invalid
)

// cssNest is one open (, [, function or nested { inside an item.
type cssNest struct {
	kind int    // ctLParen, ctLBracket, ctFunction or ctLBrace
	fn   string // lower-cased function name, for url, src and image-set
}

// scanCSS finds the URLs that CSS source fetches and passes them to emit. With decls, src is
// the body of a style attribute (declarations only); otherwise it is a whole stylesheet.
func scanCSS(src []byte, firstLine int, decls bool, emit func(cssRef)) {
	s := &cssScanner{src: src, line: firstLine}
	var (
		blocks       []bool // open rule blocks; true for an @font-face block
		nest         []cssNest
		state        = itemStart
		ident        cssToken // the ident that may name a declaration's property
		property     string   // lower-cased, decoded; set lazily
		propTok      cssToken
		atName       string
		importDone   bool
		importsAllow = !decls
	)
	if decls {
		blocks = append(blocks, false)
	}
	topLevel := func() bool { return len(blocks) == 0 }
	resetItem := func() {
		state, property, atName, importDone, nest = itemStart, "", "", false, nest[:0]
	}
	// ref emits raw found at line in the current context, if that context fetches it.
	ref := func(raw string, line int) {
		if raw == "" || raw[0] == '#' && state != itemAtRule {
			return // empty, or a reference into the document itself (filter: url(#f))
		}
		switch state {
		case itemAtRule:
			if atName == "import" && topLevel() && importsAllow && !importDone && len(nest) <= 1 {
				importDone = true
				emit(cssRef{raw: raw, element: "@import", kind: KindStylesheet, line: line})
			}
		case itemDecl:
			if topLevel() {
				return
			}
			if property == "" {
				property = strings.ToLower(s.value(propTok))
			}
			if blocks[len(blocks)-1] {
				if property == "src" {
					emit(cssRef{raw: raw, element: "@font-face", kind: KindFont, line: line})
				}
				return
			}
			emit(cssRef{raw: raw, element: property, kind: KindImage, line: line})
		}
	}
	for {
		t := s.next()
		switch t.kind {
		case ctEOF:
			return
		case ctWhitespace, ctCDOCDC:
			continue
		}
		// The first significant token decides what the item is.
		switch state {
		case itemStart:
			switch t.kind {
			case ctIdent:
				state, ident = itemMaybeDecl, t
				continue
			case ctAtKeyword:
				state, atName = itemAtRule, strings.ToLower(s.value(t))
				if topLevel() && atName != "charset" && atName != "import" && atName != "layer" {
					importsAllow = false
				}
				continue
			case ctSemicolon, ctRBrace, ctLBrace:
			default:
				state = itemOther
			}
			if topLevel() && t.kind != ctSemicolon {
				importsAllow = false
			}
		case itemMaybeDecl:
			if t.kind == ctColon && len(nest) == 0 {
				state, propTok = itemDecl, ident
				continue
			}
			state = itemOther
			if topLevel() {
				importsAllow = false
			}
		}
		switch t.kind {
		case ctSemicolon:
			if len(nest) == 0 {
				resetItem()
			}
		case ctLBrace:
			if len(nest) > 0 {
				nest = append(nest, cssNest{kind: ctLBrace})
				continue
			}
			if topLevel() {
				importsAllow = false
			}
			blocks = append(blocks, state == itemAtRule && atName == "font-face")
			resetItem()
		case ctRBrace:
			if n := len(nest); n > 0 {
				if nest[n-1].kind == ctLBrace {
					nest = nest[:n-1]
				}
				continue
			}
			if len(blocks) > 0 && !(decls && len(blocks) == 1) {
				blocks = blocks[:len(blocks)-1]
			}
			resetItem()
		case ctLParen, ctLBracket:
			nest = append(nest, cssNest{kind: t.kind})
		case ctFunction:
			n := cssNest{kind: ctFunction}
			switch {
			case s.is(t, "url"):
				n.fn = "url"
			case s.is(t, "src"):
				n.fn = "url"
			case s.is(t, "image-set"), s.is(t, "-webkit-image-set"):
				n.fn = "image-set"
			}
			nest = append(nest, n)
		case ctRParen, ctRBracket:
			want := ctLParen
			if t.kind == ctRBracket {
				want = ctLBracket
			}
			if n := len(nest); n > 0 {
				top := nest[n-1].kind
				if top == want || top == ctFunction && want == ctLParen {
					nest = nest[:n-1]
				}
			}
		case ctURL:
			ref(s.value(t), t.line)
		case ctString:
			switch {
			case state == itemAtRule && len(nest) == 0,
				len(nest) > 0 && nest[len(nest)-1].fn != "":
				ref(s.value(t), t.line)
			}
		}
	}
}

// cssPunct gives the token of each one-character punctuation token; 0 for any other byte.
var cssPunct = [256]int{
	'(': ctLParen, ')': ctRParen, '[': ctLBracket, ']': ctRBracket,
	'{': ctLBrace, '}': ctRBrace, ':': ctColon, ';': ctSemicolon,
}
