package report

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/padlock-scan/padlock/report/schema"
)

// The schema library reads each page into a tree of maps and checks it with big.Rat numbers:
// six times the cost of decoding the page. quickValid answers the common question, "is this
// page as padlock writes it?", in one pass over the bytes. It is only ever sure of a yes: a
// value it does not check cheaply (an escaped key, a duplicate key, a number that is not a
// plain integer, a string with escapes or non-ASCII bytes where a pattern or enum applies, a
// keyword it does not know) makes it answer "not sure", and the schema library decides, and
// words the error. FuzzRead checks that it never says yes to a page the schema refuses.

// quickNode is one schema node, compiled for quickValid.
type quickNode struct {
	unsure    bool // a keyword quickValid does not check: always "not sure"
	types     int  // the JSON types allowed (quickObject...); 0 for any
	props     map[string]*quickNode
	required  map[string]uint64 // each required property's bit
	all       uint64            // every required property's bit
	closed    bool              // additionalProperties: false
	addl      *quickNode        // additionalProperties as a schema
	propNames *quickNode
	items     *quickNode
	enum      map[string]bool // allowed strings
	pattern   *regexp.Regexp
	min, max  *int64
	constant  *int64 // const, a whole number
	dateTime  bool   // format: date-time
	lengths   bool   // minLength or maxLength: minLen, maxLen (-1: none) in code points
	minLen    int
	maxLen    int
	ref       string
}

const (
	quickObject = 1 << iota
	quickArray
	quickString
	quickInteger
	quickBoolean
	quickNull
)

var quickTypes = map[string]int{"object": quickObject, "array": quickArray, "string": quickString,
	"integer": quickInteger, "boolean": quickBoolean, "null": quickNull}

// quickSchema compiles every definition in the report schema's $defs, and the schema itself as
// "#"; nil when the schema does not parse (the schema library then checks everything).
func quickSchema() map[string]*quickNode {
	var root map[string]any
	if json.Unmarshal(schema.V1, &root) != nil {
		return nil
	}
	defs := map[string]*quickNode{"#": compileQuick(root)}
	d, _ := root["$defs"].(map[string]any)
	for name, def := range d {
		defs[name] = compileQuick(def)
	}
	return defs
}

func compileQuick(v any) *quickNode {
	m, ok := v.(map[string]any)
	if !ok {
		return &quickNode{unsure: true}
	}
	n := &quickNode{maxLen: -1}
	for k, val := range m {
		switch k {
		case "description", "title", "$schema", "$id", "$defs":
		case "$ref":
			n.ref, _ = val.(string)
			_, described := m["description"]
			if !strings.HasPrefix(n.ref, "#/$defs/") || len(m) > 1 && !(len(m) == 2 && described) {
				n.unsure = true // only a local reference on its own is followed
			}
		case "type":
			switch t := val.(type) {
			case string:
				n.types |= quickTypes[t]
			case []any:
				for _, e := range t {
					s, _ := e.(string)
					n.types |= quickTypes[s]
				}
			}
			if n.types == 0 {
				n.unsure = true
			}
		case "properties":
			props, _ := val.(map[string]any)
			n.props = map[string]*quickNode{}
			for name, p := range props {
				n.props[name] = compileQuick(p)
			}
		case "required":
			list, _ := val.([]any)
			n.required = map[string]uint64{}
			for i, e := range list {
				s, _ := e.(string)
				n.required[s] = 1 << i
				n.all |= 1 << i
			}
			if len(list) > 64 {
				n.unsure = true
			}
		case "additionalProperties":
			if b, ok := val.(bool); ok {
				n.closed = !b
			} else {
				n.addl = compileQuick(val)
			}
		case "propertyNames":
			n.propNames = compileQuick(val)
		case "items":
			n.items = compileQuick(val)
		case "enum":
			list, _ := val.([]any)
			n.enum = map[string]bool{}
			for _, e := range list {
				s, ok := e.(string)
				if !ok {
					n.unsure = true
				}
				n.enum[s] = true
			}
		case "pattern":
			s, _ := val.(string)
			re, err := regexp.Compile(s)
			if err != nil {
				n.unsure = true
			}
			n.pattern = re
		case "const":
			f, ok := val.(float64)
			i := int64(f)
			if !ok || float64(i) != f {
				n.unsure = true
			}
			n.constant = &i
		case "format":
			n.dateTime = val == "date-time"
			n.unsure = n.unsure || !n.dateTime
		case "minLength", "maxLength":
			f, ok := val.(float64)
			i := int(f)
			if !ok || float64(i) != f || i < 0 {
				n.unsure = true
			}
			n.lengths = true
			if k == "minLength" {
				n.minLen = i
			} else {
				n.maxLen = i
			}
		case "minimum", "maximum":
			f, ok := val.(float64)
			i := int64(f)
			if !ok || float64(i) != f {
				n.unsure = true
			}
			if k == "minimum" {
				n.min = &i
			} else {
				n.max = &i
			}
		default:
			n.unsure = true // const, format, and anything added later
		}
	}
	return n
}

// quick holds the compiled definitions (nil when the schema did not compile).
var quick = quickSchema()

// quickValid reports whether raw is surely one JSON value (the reader no longer checks its
// syntax first: a yes is a check of the syntax too) that validates against the definition
// name. false means "not sure", not "invalid".
func quickValid(name string, raw []byte) bool {
	return quickValue(quick[name], raw)
}

func quickValue(n *quickNode, raw []byte) bool {
	_, ok := quickScan(n, raw)
	return ok
}

// quickScan is quickValue that also says where the value's own "resources" member is (a
// page's), for decodePage.
func quickScan(n *quickNode, raw []byte) (resources span, ok bool) {
	if n == nil {
		return span{}, false
	}
	s := quickScanner{b: raw}
	ok = s.value(n) && s.space() == len(s.b)
	return s.resources, ok
}

// span is where the value of an object's member is in the object's bytes: [from, to); n is how
// many times the key came (decodePage wants once).
type span struct{ from, to, n int }

// quickHead reports whether a report's keys other than pages and findings (head), with those
// two arrays (each element checked on its own already) where arrays says, surely validate
// against the schema.
func quickHead(head map[string]json.RawMessage, arrays map[string]bool) bool {
	root := target(quick["#"])
	if root == nil || root.unsure || !root.closed {
		return false
	}
	var seen uint64
	for k, raw := range head {
		if !quickValue(root.props[k], raw) {
			return false
		}
		seen |= root.required[k]
	}
	for k := range arrays {
		seen |= root.required[k]
	}
	return seen == root.all
}

var quickTime = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$`)

// quickDateTime reports whether s is surely an RFC 3339 date-time: the strict form, and a date
// and time Go reads (it knows the days of each month, and refuses a leap second).
func quickDateTime(s []byte) bool {
	if !quickTime.Match(s) {
		return false
	}
	_, err := time.Parse(time.RFC3339Nano, string(s))
	return err == nil
}

type quickScanner struct {
	b         []byte
	i         int
	depth     int  // objects entered and not yet left
	resources span // the outermost object's "resources" member
}

// space skips white space and returns the position.
func (s *quickScanner) space() int {
	s.i = skipSpace(s.b, s.i)
	return s.i
}

// target follows a node's $ref.
func target(n *quickNode) *quickNode {
	for i := 0; n != nil && n.ref != "" && i < 10; i++ {
		n = quick[strings.TrimPrefix(n.ref, "#/$defs/")]
		if n == nil {
			return &quickNode{unsure: true}
		}
	}
	return n
}

// allows reports whether n allows a JSON type (a node without "type" allows every one).
func allows(n *quickNode, t int) bool { return n.types == 0 || n.types&t != 0 }

func (s *quickScanner) value(n *quickNode) bool {
	if n = target(n); n == nil || n.unsure {
		return false
	}
	s.space()
	if s.i >= len(s.b) {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '{':
		return allows(n, quickObject) && s.object(n)
	case c == '[':
		return allows(n, quickArray) && s.array(n)
	case c == '"':
		str, plain, ok := s.str()
		return ok && allows(n, quickString) && (plain || n.enum == nil && n.pattern == nil) && checkString(n, str, plain)
	case c == 't' || c == 'f':
		if n.types&quickBoolean == 0 {
			return false
		}
		lit := "false"
		if c == 't' {
			lit = "true"
		}
		if !bytes.HasPrefix(s.b[s.i:], []byte(lit)) {
			return false
		}
		s.i += len(lit)
		return n.enum == nil && n.pattern == nil && n.constant == nil && !n.dateTime && !n.lengths
	case c == '-' || ('0' <= c && c <= '9'):
		start := s.i
		if c == '-' {
			s.i++
		}
		digits := s.i
		for s.i < len(s.b) && '0' <= s.b[s.i] && s.b[s.i] <= '9' {
			s.i++
		}
		if s.i == digits || s.b[digits] == '0' && s.i-digits > 1 {
			return false // no digits, or a leading zero: not JSON
		}
		if s.i < len(s.b) && (s.b[s.i] == '.' || s.b[s.i] == 'e' || s.b[s.i] == 'E') || s.i-start > 18 {
			return false // not a plain integer that surely fits
		}
		v, err := strconv.ParseInt(string(s.b[start:s.i]), 10, 64)
		return err == nil && allows(n, quickInteger) && n.enum == nil && n.pattern == nil && !n.dateTime && !n.lengths &&
			(n.min == nil || v >= *n.min) && (n.max == nil || v <= *n.max) && (n.constant == nil || v == *n.constant)
	}
	return false // null: the schema allows it nowhere quickValid answers for
}

// str reads a string; plain is false when it has escapes or bytes beyond ASCII, which the
// schema library reads its own way (quickValid then checks no pattern, enum or key with it).
// ok is false when it is not a JSON string: a control character, an unknown escape.
func (s *quickScanner) str() (str []byte, plain, ok bool) {
	start := s.i + 1
	plain = true
	for i := start; i < len(s.b); i++ {
		switch c := s.b[i]; {
		case c == '"':
			s.i = i + 1
			return s.b[start:i], plain, true
		case c == '\\':
			plain = false
			if i++; i >= len(s.b) {
				return nil, false, false
			}
			switch s.b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(s.b) {
					return nil, false, false
				}
				for _, h := range s.b[i+1 : i+5] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return nil, false, false
					}
				}
				i += 4
			default:
				return nil, false, false
			}
		case c < 0x20:
			return nil, false, false
		case c >= 0x80:
			plain = false
		}
	}
	return nil, false, false
}

func checkString(n *quickNode, str []byte, plain bool) bool {
	if n.lengths {
		// in code points of the string as JSON decodes it (an escape is one, as is a byte that
		// is not UTF-8: it decodes to U+FFFD)
		count := len(str)
		if !plain {
			var s string
			if json.Unmarshal(append(append([]byte{'"'}, str...), '"'), &s) != nil {
				return false
			}
			count = utf8.RuneCountInString(s)
		}
		if count < n.minLen || n.maxLen >= 0 && count > n.maxLen {
			return false
		}
	}
	if n.min != nil || n.max != nil || n.constant != nil {
		return false
	}
	if n.dateTime && !quickDateTime(str) {
		return false
	}
	if n.enum != nil && !n.enum[string(str)] {
		return false
	}
	return n.pattern == nil || n.pattern.Match(str)
}

func (s *quickScanner) object(n *quickNode) bool {
	if n.enum != nil || n.pattern != nil || n.min != nil || n.max != nil || n.items != nil || n.constant != nil || n.dateTime || n.lengths {
		return false
	}
	s.i++           // {
	var seen uint64 // the required properties seen
	outer := s.depth == 0
	s.depth++
	for first := true; ; first = false {
		s.space()
		if s.i < len(s.b) && s.b[s.i] == '}' {
			s.i++
			break
		}
		if !first {
			if s.i >= len(s.b) || s.b[s.i] != ',' {
				return false
			}
			s.i++
			s.space()
		}
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			return false
		}
		key, plain, ok := s.str()
		if !ok || !plain && (n.props != nil || n.propNames != nil) {
			return false // an escaped key may be a property's name: the library decides
		}
		// A key given twice is checked twice: the library checks the last value, so that is
		// sure too.
		seen |= n.required[string(key)]
		if n.propNames != nil && !s.nameValid(n.propNames, key) {
			return false
		}
		s.space()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return false
		}
		s.i++
		child := n.props[string(key)]
		if child == nil {
			if n.closed {
				return false
			}
			child = n.addl
		}
		if child == nil {
			return false // anything goes there: quickValid does not skip values
		}
		from := s.space()
		if !s.value(child) {
			return false
		}
		if outer && string(key) == "resources" {
			s.resources = span{from, s.i, s.resources.n + 1}
		}
	}
	s.depth--
	return seen == n.all
}

func (s *quickScanner) nameValid(n *quickNode, key []byte) bool {
	n = target(n)
	return n != nil && !n.unsure && allows(n, quickString) && n.props == nil &&
		n.items == nil && !n.closed && n.addl == nil && checkString(n, key, true)
}

func (s *quickScanner) array(n *quickNode) bool {
	if n.enum != nil || n.pattern != nil || n.min != nil || n.max != nil || n.props != nil || n.required != nil || n.closed || n.addl != nil ||
		n.constant != nil || n.dateTime || n.lengths {
		return false
	}
	s.i++ // [
	for first := true; ; first = false {
		s.space()
		if s.i < len(s.b) && s.b[s.i] == ']' {
			s.i++
			return true
		}
		if !first {
			if s.i >= len(s.b) || s.b[s.i] != ',' {
				return false
			}
			s.i++
		}
		if n.items == nil || !s.value(n.items) {
			return false
		}
	}
}

// decodePage decodes a page quickScan is sure of (so raw is JSON that the schema accepts),
// whose resources member it found at res, without reflection for its resources, most of its
// bytes: the rest of the page is decoded by encoding/json with the resources cut out (into
// scratch), the resources by decodeResources, or skipped without resources. ok is false when
// the page is not as padlock writes it (no resources key, or two): decodeChecked then decodes it.
func decodePage(raw []byte, res span, resources bool, scratch *[]byte) (p Page, ok bool) {
	if res.n != 1 {
		return Page{}, false
	}
	b := append(append(append((*scratch)[:0], raw[:res.from]...), "null"...), raw[res.to:]...)
	*scratch = b
	if json.Unmarshal(b, &p) != nil {
		return Page{}, false
	}
	if resources {
		if p.Resources, ok = decodeResources(raw[res.from:res.to]); !ok {
			return Page{}, false
		}
	}
	return p, true
}

// skipSpace returns the position of the first byte at or after i that is not JSON white space.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
		i++
	}
	return i
}

// decodeResources decodes a page's resources, an array quickValid is sure of, as json.Unmarshal
// would; ok is false for a key it does not know.
func decodeResources(b []byte) (out []Resource, ok bool) {
	out = []Resource{}
	i := skipSpace(b, 1) // after the [
	for b[i] != ']' {
		if b[i] == ',' {
			i = skipSpace(b, i+1)
		}
		var r Resource
		i = skipSpace(b, i+1) // after the {
		for b[i] != '}' {
			if b[i] == ',' {
				i = skipSpace(b, i+1)
			}
			n, _ := stringLen(b[i:])
			key := b[i+1 : i+n-1]
			i = skipSpace(b, skipSpace(b, i+n)+1) // after the colon
			n, _ = valueLen(b[i:])
			v := b[i : i+n]
			i = skipSpace(b, i+n)
			s, num := resourceField(&r, key)
			if s == nil && num == nil {
				return nil, false
			}
			switch {
			case s != nil && v[0] == '"':
				if str, ok := plainString(v); ok {
					*s = str
				} else if json.Unmarshal(v, s) != nil {
					return nil, false
				}
			case num != nil && v[0] != '"':
				x, err := strconv.Atoi(string(v))
				if err != nil {
					return nil, false
				}
				*num = x
			default:
				return nil, false
			}
		}
		i = skipSpace(b, i+1) // after the }
		out = append(out, r)
	}
	return out, true
}

// resourceField is r's field named key in JSON: a string or a number; nil for an unknown key.
func resourceField(r *Resource, key []byte) (*string, *int) {
	switch string(key) {
	case "url":
		return &r.URL, nil
	case "element":
		return &r.Element, nil
	case "attribute":
		return &r.Attribute, nil
	case "kind":
		return &r.Kind, nil
	case "source":
		return &r.Source, nil
	case "stylesheet":
		return &r.Stylesheet, nil
	case "error":
		return &r.Error, nil
	case "line":
		return nil, &r.Line
	case "status":
		return nil, &r.Status
	case "count":
		return nil, &r.Count
	}
	return nil, nil
}

// plainString is the JSON string v when it has no escapes and is valid UTF-8 (as json.Unmarshal
// reads it then: byte for byte).
func plainString(v []byte) (string, bool) {
	v = v[1 : len(v)-1]
	if bytes.IndexByte(v, '\\') >= 0 || !utf8.Valid(v) {
		return "", false
	}
	return string(v), true
}
