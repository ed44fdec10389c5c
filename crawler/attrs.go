package crawler

import (
	"bytes"
	"slices"
)

// rawAttrs appends the attributes of a start tag to dst as x/net/html's TagAttr returns them
// (keys lower-cased, the first of duplicate keys kept, empty keys dropped), read from raw, the
// tag as Tokenizer.Raw gives it ("<a href=x>"), without copying: the keys and values are
// slices of raw, and stay valid while raw does. TagAttr copies every key and value twice
// (to replace NUL bytes) whether or not there is anything to replace.
//
// It reads the tag as x/net/html's readTag, readTagAttrKey and readTagAttrVal do (not as the
// WHATWG tokenizer would, where the two differ). A tag whose bytes need decoding (an '&' that
// may start a character reference, a carriage return to normalise, a NUL to replace) or an
// upper-case letter in a key gives ok false, and the caller asks TagAttr instead; so does
// anything it does not recognise as a start tag. FuzzRawAttrs holds it to TagAttr.
func rawAttrs(dst []htmlAttr, raw []byte) (_ []htmlAttr, ok bool) {
	if len(raw) < 3 || raw[0] != '<' || raw[len(raw)-1] != '>' || bytes.IndexAny(raw, "&\r\x00") >= 0 {
		return dst, false
	}
	// readTagName: the name's first byte, raw[1], is a letter.
	i := 2
	for i < len(raw) {
		c := raw[i]
		i++
		if white(c) {
			break
		}
		if c == '/' || c == '>' {
			i--
			break
		}
	}
	for i = skipWhite(raw, i); i < len(raw) && raw[i] != '>'; i = skipWhite(raw, i) {
		var ks, ke, vs, ve int
		ks, ke, i = attrKey(raw, i)
		vs, ve, i = attrValue(raw, i)
		if ks == ke {
			continue // an empty key is dropped
		}
		k := raw[ks:ke]
		for _, c := range k {
			if 'A' <= c && c <= 'Z' {
				return dst, false
			}
		}
		if !slices.ContainsFunc(dst, func(a htmlAttr) bool { return bytes.Equal(a.key, k) }) {
			dst = append(dst, htmlAttr{k, raw[vs:ve]})
		}
	}
	return dst, true
}

// white is the tokenizer's white space in tags (no carriage return: rawAttrs refuses those).
func white(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\f' }

// skipWhite returns the index of the first byte from i on that is not white space.
func skipWhite(raw []byte, i int) int {
	for i < len(raw) && white(raw[i]) {
		i++
	}
	return i
}

// attrKey reads an attribute's name from raw[i:] as readTagAttrKey does: it returns the name's
// bounds and where reading goes on.
func attrKey(raw []byte, i int) (ks, ke, next int) {
	ks = i
	for i < len(raw) {
		c := raw[i]
		i++
		switch c {
		case '=':
			if ks+1 == i {
				continue // an '=' before the name begins is part of the name
			}
			return ks, i - 1, i - 1
		case ' ', '\n', '\t', '\f', '/', '>':
			return ks, i - 1, i - 1
		}
	}
	return ks, len(raw), len(raw)
}

// attrValue reads an attribute's value from raw[i:] (just past its name) as readTagAttrVal
// does: it returns the value's bounds (empty when there is none) and where reading goes on.
func attrValue(raw []byte, i int) (vs, ve, next int) {
	vs, ve = i, i
	i = skipWhite(raw, i)
	if i >= len(raw) {
		return vs, ve, i
	}
	switch raw[i] {
	case '/':
		return vs, ve, i + 1
	case '=':
	default:
		return vs, ve, i
	}
	i = skipWhite(raw, i+1)
	if i >= len(raw) {
		return vs, ve, i
	}
	q := raw[i]
	i++
	switch q {
	case '>':
		return vs, ve, i - 1
	case '\'', '"':
		if end := bytes.IndexByte(raw[i:], q); end >= 0 {
			return i, i + end, i + end + 1
		}
		return i, len(raw), len(raw)
	}
	for j := i; j < len(raw); j++ {
		if white(raw[j]) {
			return i - 1, j, j + 1
		}
		if raw[j] == '>' {
			return i - 1, j, j
		}
	}
	return i - 1, len(raw), len(raw)
}
