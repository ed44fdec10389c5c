package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// jsonStream writes one indented JSON document, byte for byte as a json.Encoder with
// SetIndent("", "  ") and SetEscapeHTML(false) would write it (URLs read as they are), but
// lets the caller write chosen members of an object element by element: the arrays that grow
// with the site (pages, findings, SARIF results) are never marshalled whole, and every element
// goes through encoding/json into one reused buffer.
type jsonStream struct {
	w       jsonSink
	buf     bytes.Buffer  // one encoded value at a time
	enc     *json.Encoder // writes into buf
	str     *json.Encoder // writes a string that needs escaping into buf, unindented
	scratch []byte        // one key, page or finding at a time
	keys    []string      // a page's security header names, sorted
}

// jsonSink is where a jsonStream writes: a bufio.Writer over the output, or the spool's buffer.
type jsonSink interface {
	io.Writer
	io.ByteWriter
	io.StringWriter
}

// newJSONStream writes to w through a pipeWriter: the caller closes the stream when done.
func newJSONStream(w io.Writer) *jsonStream {
	return newJSONStreamTo(newPipeWriter(w))
}

// close stops the stream's writing goroutine, if it has one (see pipeWriter); after end, or
// instead of it when the document is abandoned.
func (s *jsonStream) close() {
	if c, ok := s.w.(interface{ Close() }); ok {
		c.Close()
	}
}

func newJSONStreamTo(w jsonSink) *jsonStream {
	s := &jsonStream{w: w}
	s.enc = newIndentEncoder(&s.buf, "")
	s.str = json.NewEncoder(&s.buf)
	s.str.SetEscapeHTML(false)
	return s
}

// newIndentEncoder is the encoder every JSON output of padlock uses: two-space indent after
// prefix, HTML characters left unescaped.
func newIndentEncoder(w io.Writer, prefix string) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetIndent(prefix, "  ")
	enc.SetEscapeHTML(false)
	return enc
}

// encodeIndented writes v as one indented JSON document with a trailing newline.
func encodeIndented(w io.Writer, v any, prefix string) error {
	return newIndentEncoder(w, prefix).Encode(v)
}

// value writes v where the nesting indentation is indent.
func (s *jsonStream) value(v any, indent string) error {
	s.buf.Reset()
	s.enc.SetIndent(indent, "  ")
	if err := s.enc.Encode(v); err != nil {
		return err
	}
	s.w.Write(bytes.TrimSuffix(s.buf.Bytes(), []byte{'\n'})) // Encode ends every value with one
	return nil
}

// raw writes b, a value already encoded at the current indentation (a spooled page).
func (s *jsonStream) raw(b []byte) { s.w.Write(b) }

// object writes the struct v (or pointer to one) member by member, in field order, with
// encoding/json's names and omitempty rule. A member named in stream is written by its function
// (given the member's indentation) instead of being encoded whole.
func (s *jsonStream) object(v any, indent string, stream map[string]func(indent string) error) error {
	rv := reflect.Indirect(reflect.ValueOf(v))
	rt := rv.Type()
	inner := indent + "  "
	n := 0
	s.w.WriteByte('{')
	for i := 0; i < rt.NumField(); i++ {
		sf := rt.Field(i)
		if !sf.IsExported() {
			continue
		}
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if sf.Anonymous || (opts != "" && opts != "omitempty") {
			// encoding/json would flatten or convert it: not needed, so not written
			return fmt.Errorf("json stream: %s.%s: embedded fields and tag options other than omitempty are not supported", rt.Name(), sf.Name)
		}
		if name == "" {
			name = sf.Name
		}
		fv := rv.Field(i)
		if opts == "omitempty" && emptyJSON(fv) {
			continue
		}
		if n > 0 {
			s.w.WriteByte(',')
		}
		n++
		s.scratch = append(append(s.scratch[:0], '\n'), inner...)
		s.scratch = append(s.appendString(s.scratch, name), ": "...)
		s.w.Write(s.scratch)
		var err error
		switch f, ok := stream[name]; {
		case ok:
			err = f(inner)
		case fv.CanAddr():
			err = s.value(fv.Addr().Interface(), inner) // a pointer encodes alike, unboxed
		default:
			err = s.value(fv.Interface(), inner)
		}
		if err != nil {
			return err
		}
	}
	if n > 0 {
		s.newline(indent)
	}
	s.w.WriteByte('}')
	return nil
}

// array writes a JSON array of n elements, elem writing the i-th at the element indentation it
// is given. A nil slice is null in encoding/json: the caller writes that with value.
func (s *jsonStream) array(n int, indent string, elem func(i int, indent string) error) error {
	if n == 0 {
		s.w.WriteString("[]")
		return nil
	}
	inner := indent + "  "
	s.w.WriteByte('[')
	for i := 0; i < n; i++ {
		if i > 0 {
			s.w.WriteByte(',')
		}
		s.newline(inner)
		if err := elem(i, inner); err != nil {
			return err
		}
	}
	s.newline(indent)
	s.w.WriteByte(']')
	return nil
}

// elems writes a JSON array element by element, for arrays whose length is not known before
// they end (a spooled list): begin it with s.elems(indent), write each element at the
// indentation next returns, and end it with end.
type elems struct {
	s             *jsonStream
	indent, inner string
	n             int
}

func (s *jsonStream) elems(indent string) elems {
	return elems{s: s, indent: indent, inner: indent + "  "}
}

// next starts an element and returns the indentation to write it at.
func (a *elems) next() string {
	if a.n == 0 {
		a.s.w.WriteByte('[')
	} else {
		a.s.w.WriteByte(',')
	}
	a.n++
	a.s.newline(a.inner)
	return a.inner
}

// end closes the array ([] when it had no element).
func (a *elems) end() {
	if a.n == 0 {
		a.s.w.WriteString("[]")
		return
	}
	a.s.newline(a.indent)
	a.s.w.WriteByte(']')
}

// items writes the records each gives as a JSON array, write writing each at the indentation
// it is given.
func items[T any](s *jsonStream, indent string, each func(func(*T) error) error, write func(v *T, indent string) error) error {
	a := s.elems(indent)
	if err := each(func(v *T) error { return write(v, a.next()) }); err != nil {
		return err
	}
	a.end()
	return nil
}

// newline starts a line indented by indent.
func (s *jsonStream) newline(indent string) {
	s.w.WriteByte('\n')
	s.w.WriteString(indent)
}

// end finishes the document as Encode does, with a newline, and flushes it.
func (s *jsonStream) end() error {
	s.w.WriteByte('\n')
	if f, ok := s.w.(interface{ Flush() error }); ok {
		return f.Flush()
	}
	return nil
}

// page writes a report page (appendPage).
func (s *jsonStream) page(p *Page, indent string) {
	s.scratch = s.appendPage(s.scratch[:0], p, indent)
	s.w.Write(s.scratch)
}

// appendPage appends p as encoding/json writes it at the nesting indentation indent. Pages are
// most of a report's bytes, written once per page into the spool: by hand, since encoding/json's
// reflection and indentation pass made writing the report five times slower (BenchmarkWriteJSON).
// TestPageFieldsAllWritten sets every field of Page (and of its members' types) by reflection and
// holds the bytes to encoding/json's, so a new field cannot be left out.
func (s *jsonStream) appendPage(dst []byte, p *Page, indent string) []byte {
	inner := deeper(indent)
	m := members{s: s, indent: indent, dst: s.appendString(appendKey(dst, indent, "url", true), p.URL)}
	m.str("final_url", p.FinalURL, false)
	m.num("status", int64(p.Status), false)
	m.num("depth", int64(p.Depth), false)
	m.str("content_type", p.ContentType, true)
	m.str("title", p.Title, true)
	m.flag("frame", p.Frame)
	m.str("parent", p.Parent, true)
	if t := p.TLS; t != nil {
		m.dst = s.appendString(appendKey(appendKey(m.dst, indent, "tls", false), inner, "version", true), t.Version)
		if t.Cipher != "" {
			m.dst = s.appendString(appendKey(m.dst, inner, "cipher", false), t.Cipher)
		}
		m.dst = appendClose(m.dst, inner)
	}
	if len(p.Redirects) > 0 {
		m.dst = append(appendKey(m.dst, indent, "redirects", false), '[')
		for i := range p.Redirects {
			r, at := &p.Redirects[i], deeper(inner)
			if i > 0 {
				m.dst = append(m.dst, ',')
			}
			m.dst = s.appendString(appendKey(appendNewline(m.dst, at), at, "from", true), r.From)
			m.dst = s.appendString(appendKey(m.dst, at, "to", false), r.To)
			if r.Status != 0 {
				m.dst = strconv.AppendInt(appendKey(m.dst, at, "status", false), int64(r.Status), 10)
			}
			m.dst = appendClose(s.appendString(appendKey(m.dst, at, "via", false), r.Via), at)
		}
		m.dst = append(appendNewline(m.dst, inner), ']')
	}
	m.flag("truncated", p.Truncated)
	m.str("error", p.Error, true)
	m.dst = s.appendResources(appendKey(m.dst, indent, "resources", false), p.Resources, inner)
	m.flag("payment", p.Payment)
	m.flag("rendered", p.Rendered)
	m.str("flow", p.Flow, true)
	m.num("flow_step", int64(p.FlowStep), true)
	m.list("payment_signals", p.PaymentSignals, true)
	m.list("csp", p.CSP, true)
	if len(p.SecurityHeaders) > 0 {
		s.keys = s.keys[:0]
		for k := range p.SecurityHeaders {
			s.keys = append(s.keys, k)
		}
		slices.Sort(s.keys) // encoding/json's order
		m.dst = appendKey(m.dst, indent, "security_headers", false)
		for i, k := range s.keys {
			if i == 0 {
				m.dst = append(m.dst, '{')
			} else {
				m.dst = append(m.dst, ',')
			}
			m.dst = append(s.appendString(appendNewline(m.dst, deeper(inner)), k), ": "...)
			m.dst = s.appendString(m.dst, p.SecurityHeaders[k])
		}
		m.dst = appendClose(m.dst, inner)
	}
	return appendClose(m.dst, indent)
}

// members appends the members after the first of an object at the nesting indentation
// indent, each as encoding/json writes it, left out when empty if omitEmpty is set.
type members struct {
	s      *jsonStream
	dst    []byte
	indent string
}

func (m *members) str(key, v string, omitEmpty bool) {
	if v != "" || !omitEmpty {
		m.dst = m.s.appendString(appendKey(m.dst, m.indent, key, false), v)
	}
}

func (m *members) num(key string, v int64, omitEmpty bool) {
	if v != 0 || !omitEmpty {
		m.dst = strconv.AppendInt(appendKey(m.dst, m.indent, key, false), v, 10)
	}
}

// flag writes a bool that is omitempty.
func (m *members) flag(key string, v bool) {
	if v {
		m.dst = append(appendKey(m.dst, m.indent, key, false), "true"...)
	}
}

func (m *members) list(key string, vs []string, omitEmpty bool) {
	if len(vs) > 0 || !omitEmpty {
		m.dst = m.s.appendStrings(appendKey(m.dst, m.indent, key, false), vs, deeper(m.indent))
	}
}

// appendResources appends a page's resources (most of a report's bytes: about 40 a page) as
// encoding/json writes them at the nesting indentation indent. TestResourceFieldsAllWritten
// fills every field of Resource by reflection and holds the bytes to encoding/json's, so a new
// field cannot be left out.
func (s *jsonStream) appendResources(dst []byte, rs []Resource, indent string) []byte {
	return appendList(dst, rs, indent, s.appendResource)
}

// appendStrings appends vs as encoding/json writes a []string at the nesting indentation indent.
func (s *jsonStream) appendStrings(dst []byte, vs []string, indent string) []byte {
	return appendList(dst, vs, indent, func(dst []byte, v *string, _ string) []byte { return s.appendString(dst, *v) })
}

// appendList appends vs as encoding/json writes a slice at the nesting indentation indent
// (null when nil), elem appending each element at the element indentation it is given.
func appendList[T any](dst []byte, vs []T, indent string, elem func(dst []byte, v *T, indent string) []byte) []byte {
	switch {
	case vs == nil:
		return append(dst, "null"...)
	case len(vs) == 0:
		return append(dst, "[]"...)
	}
	inner := deeper(indent)
	dst = append(dst, '[')
	for i := range vs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = elem(appendNewline(dst, inner), &vs[i], inner)
	}
	return append(appendNewline(dst, indent), ']')
}

// deeper is the indentation one level below indent, without building a string each time when
// indent is spaces.
func deeper(indent string) string {
	const spaces = "                                "
	if len(indent)+2 <= len(spaces) && indent == spaces[:len(indent)] {
		return spaces[:len(indent)+2]
	}
	return indent + "  "
}

// appendNewline appends a line break and the indentation of the next line.
func appendNewline(dst []byte, indent string) []byte {
	return append(append(dst, '\n'), indent...)
}

// appendKey appends the key of an object's member at the nesting indentation indent: after the
// opening brace for the first member, after a comma for the others.
func appendKey(dst []byte, indent, key string, first bool) []byte {
	if first {
		dst = append(dst, "{\n"...)
	} else {
		dst = append(dst, ",\n"...)
	}
	dst = append(dst, indent...)
	dst = append(dst, "  \""...)
	dst = append(dst, key...)
	return append(dst, "\": "...)
}

// appendClose appends an object's closing brace at the nesting indentation indent.
func appendClose(dst []byte, indent string) []byte {
	dst = append(dst, '\n')
	dst = append(dst, indent...)
	return append(dst, '}')
}

// appendResource appends r as encoding/json writes it at the nesting indentation indent.
func (s *jsonStream) appendResource(dst []byte, r *Resource, indent string) []byte {
	field := func(dst []byte, key string) []byte { return appendKey(dst, indent, key, false) }
	// The omitempty fields: written when set, in the order of Resource's fields.
	str := func(dst []byte, key, v string) []byte {
		if v == "" {
			return dst
		}
		return s.appendString(field(dst, key), v)
	}
	num := func(dst []byte, key string, v int) []byte {
		if v == 0 {
			return dst
		}
		return strconv.AppendInt(field(dst, key), int64(v), 10)
	}
	dst = s.appendString(appendKey(dst, indent, "url", true), r.URL)
	dst = field(dst, "element")
	dst = s.appendString(dst, r.Element)
	dst = field(dst, "attribute")
	dst = s.appendString(dst, r.Attribute)
	dst = field(dst, "kind")
	dst = s.appendString(dst, r.Kind)
	dst = field(dst, "line")
	dst = strconv.AppendInt(dst, int64(r.Line), 10)
	dst = str(dst, "source", r.Source)
	dst = str(dst, "stylesheet", r.Stylesheet)
	dst = num(dst, "status", r.Status)
	dst = str(dst, "error", r.Error)
	dst = num(dst, "count", r.Count)
	return appendClose(dst, indent)
}

// finding writes f as encoding/json writes it at indent. Findings are, after the pages, the
// bulk of a large report: they are written by hand, but for the rare suppressed one.
func (s *jsonStream) finding(f *Finding, indent string) error {
	if f.Suppressed != nil {
		return s.value(f, indent)
	}
	s.scratch = s.appendFinding(s.scratch[:0], f, indent)
	s.w.Write(s.scratch)
	return nil
}

// appendFinding appends f, but for its Suppressed member, as encoding/json writes it at indent.
func (s *jsonStream) appendFinding(dst []byte, f *Finding, indent string) []byte {
	str := func(key, v string, omitEmpty bool) {
		if v != "" || !omitEmpty {
			dst = s.appendString(appendKey(dst, indent, key, false), v)
		}
	}
	dst = s.appendString(appendKey(dst, indent, "rule", true), f.Rule)
	str("severity", f.Severity.String(), false) // its MarshalText
	str("page", f.Page, false)
	str("url", f.URL, false)
	str("element", f.Element, false)
	str("attribute", f.Attribute, false)
	dst = strconv.AppendInt(appendKey(dst, indent, "line", false), int64(f.Line), 10)
	str("source", f.Source, false)
	str("message", f.Message, false)
	str("stylesheet", f.Stylesheet, true)
	str("mitigation", f.Mitigation, true)
	if f.HTTPSAvailable != nil {
		dst = strconv.AppendBool(appendKey(dst, indent, "https_available", false), *f.HTTPSAvailable)
	}
	str("initiator", f.Initiator, true)
	str("observed", f.Observed, true)
	str("baseline", string(f.Baseline), true)
	return appendClose(dst, indent)
}

// script writes an entry of the script inventory (appendScript).
func (s *jsonStream) script(sc *Script, indent string) error {
	s.scratch = s.appendScript(s.scratch[:0], sc, indent)
	s.w.Write(s.scratch)
	return nil
}

// appendScript appends sc as encoding/json writes it at indent: the inventory has an entry per
// distinct script, one per page where a tracker's URL differs from page to page.
// TestScriptFieldsAllWritten sets every field of Script by reflection against encoding/json.
func (s *jsonStream) appendScript(dst []byte, sc *Script, indent string) []byte {
	m := members{s: s, indent: indent, dst: s.appendString(appendKey(dst, indent, "kind", true), sc.Kind)}
	m.str("url", sc.URL, true)
	m.str("sha256", sc.SHA256, true)
	m.num("size", sc.Size, true)
	m.num("status", int64(sc.Status), true)
	m.str("party", sc.Party, false)
	m.str("integrity", sc.Integrity, true)
	if sc.IntegrityValid != nil {
		m.dst = strconv.AppendBool(appendKey(m.dst, indent, "integrity_valid", false), *sc.IntegrityValid)
	}
	m.str("allowed_by", sc.AllowedBy, true)
	m.str("justification", sc.Justification, true)
	m.num("page_count", int64(sc.PageCount), false)
	m.list("pages", sc.Pages, false)
	m.list("payment_pages", sc.PaymentPages, true)
	m.str("injected_by", sc.InjectedBy, true)
	m.num("line", int64(sc.Line), true)
	m.str("snippet", sc.Snippet, true)
	return appendClose(m.dst, indent)
}

// appendString appends v as a JSON string. Printable ASCII without quotes or backslashes, which
// is nearly every URL, is copied as it is; anything else is left to encoding/json.
func (s *jsonStream) appendString(dst []byte, v string) []byte {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			s.buf.Reset()
			_ = s.str.Encode(v) // a string always encodes
			return append(dst, bytes.TrimSuffix(s.buf.Bytes(), []byte{'\n'})...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, v...)
	return append(dst, '"')
}

// emptyJSON is encoding/json's omitempty test.
func emptyJSON(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	}
	return false
}
