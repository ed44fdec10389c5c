// Package jsnorm normalizes JavaScript source for hashing: comments and the white space that
// does not separate two tokens are dropped, so a script that was re-minified, re-indented or
// re-commented hashes the same while any change to its code does not. String, template and
// regular-expression literals are kept byte for byte. It is a tokenizer's view, not a parser's:
// the one guess it makes (whether a slash starts a regular expression or divides) follows the
// previous token, as every JavaScript minifier's scanner does.
package jsnorm

import (
	"crypto/sha256"
	"encoding/hex"
)

// Sum is the hex SHA-256 of Normalize(src).
func Sum(src []byte) string {
	h := sha256.Sum256(Normalize(src))
	return hex.EncodeToString(h[:])
}

// Normalize returns src without comments and without the white space between tokens, but for
// one space where two tokens would otherwise join (two words, "+ +", "- -", "/ /", a number and a
// dot). Normalize(Normalize(x)) is Normalize(x), and the result is never longer than src.
func Normalize(src []byte) []byte {
	n := normalizer{src: src, out: make([]byte, 0, len(src))}
	n.code(false)
	return n.out
}

type normalizer struct {
	src []byte
	i   int
	out []byte
	// regexOK says a slash here starts a regular expression: the last token was an operator,
	// an opening bracket, a comma or semicolon, a keyword such as return, or nothing.
	regexOK bool
	space   bool // white space or a comment since the last token
	// broken: the last token was a string or regular expression that a line break ended
	// unterminated; the line break is kept, since a space there would join the next token to it.
	broken bool
	// afterRegex: the last token was a regular expression, whose flags a word would join.
	afterRegex bool
}

// code copies code up to the end of the source, or, inside a template's ${...}, up to the
// brace that closes it (consumed).
func (n *normalizer) code(inTemplate bool) (closed bool) {
	depth := 0
	n.regexOK = true
	for n.i < len(n.src) {
		c := n.src[n.i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f':
			n.i++
			n.space = true
		case c == 0xC2 && n.i+1 < len(n.src) && n.src[n.i+1] == 0xA0: // U+00A0 no-break space
			n.i += 2
			n.space = true
		case c == 0xEF && n.i+2 < len(n.src) && n.src[n.i+1] == 0xBB && n.src[n.i+2] == 0xBF: // U+FEFF
			n.i += 3
			n.space = true
		case c == 0xE2 && n.i+2 < len(n.src) && n.src[n.i+1] == 0x80 && (n.src[n.i+2] == 0xA8 || n.src[n.i+2] == 0xA9): // U+2028, U+2029
			n.i += 3
			n.space = true
		case c == '/' && n.peek(1) == '/':
			for n.i < len(n.src) && n.src[n.i] != '\n' && n.src[n.i] != '\r' {
				n.i++
			}
			n.space = true
		case c == '/' && n.peek(1) == '*':
			n.i += 2
			for n.i < len(n.src) && !(n.src[n.i] == '*' && n.peek(1) == '/') {
				n.i++
			}
			n.i = min(n.i+2, len(n.src))
			n.space = true
		case c == '/' && n.regexOK:
			n.regex()
		case c == '\'' || c == '"':
			n.str(c)
		case c == '`':
			n.template()
		case inTemplate && c == '}' && depth == 0:
			n.i++
			return true
		default:
			if c == '{' {
				depth++
			} else if c == '}' {
				depth--
			}
			if isWord(c) {
				n.word()
			} else {
				n.emit(n.src[n.i : n.i+1])
				n.i++
				n.regexOK = c != ')' && c != ']' && c != '}'
			}
		}
	}
	return false
}

func (n *normalizer) peek(k int) byte {
	if n.i+k < len(n.src) {
		return n.src[n.i+k]
	}
	return 0
}

// emit writes a token, with one space before it when white space separated it from the last
// token and the two would otherwise read as one.
func (n *normalizer) emit(tok []byte) {
	switch {
	case n.broken && n.space:
		n.out = append(n.out, '\n')
	case n.space && len(n.out) > 0 && len(tok) > 0 && (joins(n.out[len(n.out)-1], tok[0]) || n.afterRegex && isWord(tok[0])):
		n.out = append(n.out, ' ')
	}
	n.space, n.broken, n.afterRegex = false, false, false
	n.out = append(n.out, tok...)
}

// joins says two tokens that end in a and begin with b read as one token without a space.
func joins(a, b byte) bool {
	switch {
	case isWord(a) && isWord(b):
		return true
	case a == b && (a == '+' || a == '-' || a == '/' || a == '.'):
		return true
	case a == '/' && b == '*', a == '.' && isDigit(b), isDigit(a) && b == '.':
		return true
	}
	return false
}

func isWord(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || c == '_' || c == '$' || c == '\\' || c >= 0x80
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// keywordsBeforeRegex are the words after which a slash starts a regular expression.
var keywordsBeforeRegex = map[string]bool{
	"return": true, "typeof": true, "case": true, "do": true, "else": true, "in": true,
	"instanceof": true, "new": true, "delete": true, "void": true, "throw": true, "yield": true,
	"await": true, "of": true,
}

// word copies an identifier, keyword or number.
func (n *normalizer) word() {
	start := n.i
	for n.i < len(n.src) && isWord(n.src[n.i]) {
		if n.src[n.i] == '\\' && n.i+1 < len(n.src) {
			n.i++ // \uXXXX in an identifier: the escaped byte belongs to the word
		}
		n.i++
	}
	n.emit(n.src[start:n.i])
	n.regexOK = keywordsBeforeRegex[string(n.src[start:n.i])]
}

// str copies a string literal quoted by q, escapes included.
func (n *normalizer) str(q byte) {
	start := n.i
	broken := n.literal(func(c byte) bool { return c == q })
	n.emit(n.src[start:n.i])
	n.regexOK, n.broken = false, broken
}

// literal moves past a string or regular-expression literal that starts at n.i: escapes are
// skipped, and done, given each other character, says it closes the literal. An unescaped line
// break ends it unterminated (a syntax error in JavaScript, kept as it is): broken is then true
// and the line break is left for the caller.
func (n *normalizer) literal(done func(c byte) bool) (broken bool) {
	for n.i++; n.i < len(n.src); {
		c := n.src[n.i]
		switch {
		case c == '\\':
			n.i = min(n.i+2, len(n.src))
		case c == '\n' || c == '\r':
			return true
		default:
			n.i++
			if done(c) {
				return false
			}
		}
	}
	return false
}

// template copies a template literal; the code of each ${...} is normalized like any code.
func (n *normalizer) template() {
	n.emit(n.src[n.i : n.i+1])
	n.i++
	for n.i < len(n.src) {
		c := n.src[n.i]
		switch {
		case c == '\\':
			end := min(n.i+2, len(n.src))
			n.out = append(n.out, n.src[n.i:end]...)
			n.i = end
		case c == '`':
			n.out = append(n.out, c)
			n.i++
			n.regexOK = false
			return
		case c == '$' && n.peek(1) == '{':
			n.out = append(n.out, "${"...)
			n.i += 2
			n.space, n.broken = false, false
			if !n.code(true) {
				return // the source ended inside ${
			}
			if n.broken && n.space {
				n.out = append(n.out, '\n')
			}
			n.out = append(n.out, '}')
			n.space, n.broken = false, false
		default:
			n.out = append(n.out, c)
			n.i++
		}
	}
	n.regexOK = false
}

// regex copies a regular-expression literal and its flags.
func (n *normalizer) regex() {
	start := n.i
	class := false
	broken := n.literal(func(c byte) bool {
		switch c {
		case '[':
			class = true
		case ']':
			class = false
		case '/':
			return !class
		}
		return false
	})
	for !broken && n.i < len(n.src) && isWord(n.src[n.i]) {
		n.i++ // the flags
	}
	n.emit(n.src[start:n.i])
	n.regexOK, n.afterRegex, n.broken = false, !broken, broken
}
