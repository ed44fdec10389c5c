package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// jsonStream writes one indented JSON document, byte for byte as a json.Encoder with
// SetIndent("", "  ") and SetEscapeHTML(false) would write it (URLs read as they are), but
// lets the caller write chosen members of an object element by element: the arrays that grow
// with the site (pages, findings, SARIF results) are never marshalled whole, and every element
// goes through encoding/json into one reused buffer.
type jsonStream struct {
	w   *bufio.Writer
	buf bytes.Buffer  // one encoded value at a time
	enc *json.Encoder // writes into buf
}

func newJSONStream(w io.Writer) *jsonStream {
	s := &jsonStream{w: bufio.NewWriterSize(w, 64<<10)}
	s.enc = newIndentEncoder(&s.buf, "")
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
		s.w.WriteString("\n" + inner)
		if err := s.value(name, inner); err != nil {
			return err
		}
		s.w.WriteString(": ")
		var err error
		if f, ok := stream[name]; ok {
			err = f(inner)
		} else {
			err = s.value(fv.Interface(), inner)
		}
		if err != nil {
			return err
		}
	}
	if n > 0 {
		s.w.WriteString("\n" + indent)
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
		s.w.WriteString("\n" + inner)
		if err := elem(i, inner); err != nil {
			return err
		}
	}
	s.w.WriteString("\n" + indent + "]")
	return nil
}

// end finishes the document as Encode does, with a newline, and flushes it.
func (s *jsonStream) end() error {
	s.w.WriteByte('\n')
	return s.w.Flush()
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
