package report

import (
	"sort"
	"strconv"
	"unicode/utf8"
)

// appendResources appends rs as encoding/json would write the value of a page's "resources"
// key with the given prefix and a two-space indent (SetEscapeHTML(false)). The resource lists
// are most of a report's bytes; writing them by hand, into a reused buffer, keeps the spool
// from allocating several times the report's size. TestAppendResourcesMatchesEncodingJSON
// holds it to encoding/json's output byte for byte.
func appendResources(dst []byte, rs []Resource, prefix string) []byte {
	if rs == nil {
		return append(dst, "null"...)
	}
	return appendResourceList(dst, len(rs), func(i int) Resource { return rs[i] }, prefix)
}

// appendResourceList appends n resources, the i-th given by at, as a JSON array.
func appendResourceList(dst []byte, n int, at func(int) Resource, prefix string) []byte {
	if n == 0 {
		return append(dst, "[]"...)
	}
	in1, in2 := prefix+"    ", prefix+"      "
	dst = append(dst, "[\n"...)
	for i := 0; i < n; i++ {
		rv := at(i)
		r := &rv
		dst = append(dst, in1...)
		dst = append(dst, "{\n"...)
		dst = appendField(dst, in2, "url", r.URL, true)
		dst = appendField(dst, in2, "element", r.Element, true)
		dst = appendField(dst, in2, "attribute", r.Attribute, true)
		dst = appendField(dst, in2, "kind", r.Kind, true)
		dst = append(dst, in2...)
		dst = append(dst, `"line": `...)
		dst = strconv.AppendInt(dst, int64(r.Line), 10)
		if r.Source != "" {
			dst = append(dst, ",\n"...)
			dst = appendField(dst, in2, "source", r.Source, false)
		}
		if r.Stylesheet != "" {
			dst = append(dst, ",\n"...)
			dst = appendField(dst, in2, "stylesheet", r.Stylesheet, false)
		}
		if r.Status != 0 {
			dst = append(dst, ",\n"...)
			dst = append(dst, in2...)
			dst = append(dst, `"status": `...)
			dst = strconv.AppendInt(dst, int64(r.Status), 10)
		}
		dst = append(dst, '\n')
		dst = append(dst, in1...)
		dst = append(dst, '}')
		if i < n-1 {
			dst = append(dst, ',')
		}
		dst = append(dst, '\n')
	}
	dst = append(dst, prefix+"  "...)
	return append(dst, ']')
}

// appendField appends indent"key": "value", with ",\n" after it when more follows.
func appendField(dst []byte, indent, key, value string, more bool) []byte {
	dst = append(dst, indent...)
	dst = append(dst, '"')
	dst = append(dst, key...)
	dst = append(dst, `": `...)
	dst = appendJSONString(dst, value)
	if more {
		dst = append(dst, ",\n"...)
	}
	return dst
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s exactly as encoding/json does with HTML escaping off: quotes and
// backslashes escaped, \b \f \n \r \t by name, other control characters as \u00XX, invalid
// UTF-8 as \ufffd, and U+2028 and U+2029 escaped.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendPage appends p as encoding/json writes it with the given prefix and a two-space
// indent (SetEscapeHTML(false)); TestAppendPageMatchesEncodingJSON holds it to that.
func appendPage(dst []byte, p *Page, prefix string) []byte {
	return appendPageWith(dst, p, prefix, func(dst []byte) []byte { return appendResources(dst, p.Resources, prefix) })
}

// appendPageWith is appendPage with the resources array written by resources.
func appendPageWith(dst []byte, p *Page, prefix string, resources func([]byte) []byte) []byte {
	in := prefix + "  "
	w := jsonObject{dst: append(dst, "{\n"...), indent: in}
	w.str("url", p.URL)
	w.str("final_url", p.FinalURL)
	w.num("status", p.Status)
	w.num("depth", p.Depth)
	if p.ContentType != "" {
		w.str("content_type", p.ContentType)
	}
	if p.Title != "" {
		w.str("title", p.Title)
	}
	if p.Frame {
		w.raw("frame", "true")
	}
	if p.Parent != "" {
		w.str("parent", p.Parent)
	}
	if p.TLS != nil {
		w.key("tls")
		t := jsonObject{dst: append(w.dst, "{\n"...), indent: in + "  "}
		t.str("version", p.TLS.Version)
		if p.TLS.Cipher != "" {
			t.str("cipher", p.TLS.Cipher)
		}
		w.dst = t.close(in)
	}
	if len(p.Redirects) > 0 {
		w.key("redirects")
		w.dst = append(w.dst, "[\n"...)
		for i, r := range p.Redirects {
			w.dst = append(w.dst, in+"  "...)
			o := jsonObject{dst: append(w.dst, "{\n"...), indent: in + "    "}
			o.str("from", r.From)
			o.str("to", r.To)
			if r.Status != 0 {
				o.num("status", r.Status)
			}
			o.str("via", r.Via)
			w.dst = o.close(in + "  ")
			if i < len(p.Redirects)-1 {
				w.dst = append(w.dst, ',')
			}
			w.dst = append(w.dst, '\n')
		}
		w.dst = append(w.dst, in+"]"...)
	}
	if p.Truncated {
		w.raw("truncated", "true")
	}
	if p.Error != "" {
		w.str("error", p.Error)
	}
	w.key("resources")
	w.dst = resources(w.dst)
	if p.Payment {
		w.raw("payment", "true")
	}
	if len(p.PaymentSignals) > 0 {
		w.strs("payment_signals", p.PaymentSignals)
	}
	if len(p.CSP) > 0 {
		w.strs("csp", p.CSP)
	}
	if len(p.SecurityHeaders) > 0 {
		w.key("security_headers")
		names := make([]string, 0, len(p.SecurityHeaders))
		for k := range p.SecurityHeaders {
			names = append(names, k)
		}
		sort.Strings(names) // as encoding/json orders map keys
		h := jsonObject{dst: append(w.dst, "{\n"...), indent: in + "  "}
		for _, k := range names {
			h.escapedKey(k) // a re-rendered report's keys are data, not constants
			h.dst = appendJSONString(h.dst, p.SecurityHeaders[k])
		}
		w.dst = h.close(in)
	}
	return w.close(prefix)
}

// jsonObject writes the members of an indented JSON object, commas between them.
type jsonObject struct {
	dst    []byte
	indent string
	n      int
}

func (o *jsonObject) key(k string) {
	if o.n > 0 {
		o.dst = append(o.dst, ",\n"...)
	}
	o.n++
	o.dst = append(o.dst, o.indent...)
	o.dst = append(o.dst, '"')
	o.dst = append(o.dst, k...)
	o.dst = append(o.dst, `": `...)
}

// escapedKey is key for a name that may need escaping.
func (o *jsonObject) escapedKey(k string) {
	if o.n > 0 {
		o.dst = append(o.dst, ",\n"...)
	}
	o.n++
	o.dst = append(o.dst, o.indent...)
	o.dst = appendJSONString(o.dst, k)
	o.dst = append(o.dst, ": "...)
}

func (o *jsonObject) str(k, v string) {
	o.key(k)
	o.dst = appendJSONString(o.dst, v)
}

func (o *jsonObject) num(k string, v int) {
	o.key(k)
	o.dst = strconv.AppendInt(o.dst, int64(v), 10)
}

func (o *jsonObject) raw(k, v string) {
	o.key(k)
	o.dst = append(o.dst, v...)
}

func (o *jsonObject) strs(k string, vs []string) {
	o.key(k)
	o.dst = append(o.dst, "[\n"...)
	for i, v := range vs {
		o.dst = append(o.dst, o.indent+"  "...)
		o.dst = appendJSONString(o.dst, v)
		if i < len(vs)-1 {
			o.dst = append(o.dst, ',')
		}
		o.dst = append(o.dst, '\n')
	}
	o.dst = append(o.dst, o.indent+"]"...)
}

// close ends the object; closing is the indentation of its closing brace.
func (o *jsonObject) close(closing string) []byte {
	if o.n > 0 {
		o.dst = append(o.dst, '\n')
	}
	o.dst = append(o.dst, closing...)
	return append(o.dst, '}')
}

// appendFinding appends f as encoding/json writes it with the given prefix and a two-space
// indent; TestAppendFindingMatchesEncodingJSON holds it to that.
func appendFinding(dst []byte, f *Finding, prefix string) []byte {
	in := prefix + "  "
	w := jsonObject{dst: append(dst, "{\n"...), indent: in}
	w.str("rule", f.Rule)
	w.str("severity", f.Severity.String())
	w.str("page", f.Page)
	w.str("url", f.URL)
	w.str("element", f.Element)
	w.str("attribute", f.Attribute)
	w.num("line", f.Line)
	w.str("source", f.Source)
	w.str("message", f.Message)
	if f.Stylesheet != "" {
		w.str("stylesheet", f.Stylesheet)
	}
	if f.Mitigation != "" {
		w.str("mitigation", f.Mitigation)
	}
	if f.HTTPSAvailable != nil {
		w.raw("https_available", strconv.FormatBool(*f.HTTPSAvailable))
	}
	if f.Baseline != "" {
		w.str("baseline", string(f.Baseline))
	}
	if s := f.Suppressed; s != nil {
		w.key("suppressed")
		o := jsonObject{dst: append(w.dst, "{\n"...), indent: in + "  "}
		o.str("reason", s.Reason)
		if s.Until != "" {
			o.str("until", s.Until)
		}
		if s.Match != "" {
			o.str("match", s.Match)
		}
		w.dst = o.close(in)
	}
	return w.close(prefix)
}
