package crawler

import "bytes"

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
	n := len(raw)
	white := func(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\f' }
	// readTagName: the name's first byte, raw[1], is a letter.
	i := 2
	for i < n {
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
	skip := func() {
		for i < n && white(raw[i]) {
			i++
		}
	}
	skip()
	for i < n {
		if raw[i] == '>' {
			break
		}
		// readTagAttrKey
		ks, ke := i, n
	key:
		for i < n {
			c := raw[i]
			i++
			switch c {
			case '=':
				if ks+1 == i {
					continue // an '=' before the name begins is part of the name
				}
				i--
				ke = i
				break key
			case ' ', '\n', '\t', '\f', '/', '>':
				i--
				ke = i
				break key
			}
		}
		// readTagAttrVal
		vs, ve := i, i
		func() {
			skip()
			if i >= n {
				return
			}
			c := raw[i]
			i++
			if c == '/' {
				return
			}
			if c != '=' {
				i--
				return
			}
			skip()
			if i >= n {
				return
			}
			q := raw[i]
			i++
			switch q {
			case '>':
				i--
			case '\'', '"':
				vs, ve = i, n
				for i < n {
					c := raw[i]
					i++
					if c == q {
						ve = i - 1
						return
					}
				}
			default:
				vs, ve = i-1, n
				for i < n {
					c := raw[i]
					i++
					if white(c) {
						ve = i - 1
						return
					}
					if c == '>' {
						i--
						ve = i
						return
					}
				}
			}
		}()
		if ks != ke {
			k := raw[ks:ke]
			for _, c := range k {
				if 'A' <= c && c <= 'Z' {
					return dst, false
				}
			}
			dup := false
			for _, a := range dst {
				if bytes.Equal(a.key, k) {
					dup = true
					break
				}
			}
			if !dup {
				dst = append(dst, htmlAttr{k, raw[vs:ve]})
			}
		}
		skip()
	}
	return dst, true
}
