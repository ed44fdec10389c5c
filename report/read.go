package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"

	"github.com/padlock-scan/padlock/report/schema"
)

// ReadFile reads a JSON report written by padlock.
func ReadFile(path string) (*Report, error) { return readFile(path, true) }

// ReadFileWithoutResources reads a JSON report without its pages' resources (Page.Resources
// stays nil), which are most of a large report's bytes: enough for a baseline and for Diff, at
// a fraction of the memory. It accepts and refuses exactly the reports ReadFile does.
func ReadFileWithoutResources(path string) (*Report, error) { return readFile(path, false) }

// OpenFile reads a JSON report as ReadFile does (without resources: as
// ReadFileWithoutResources), but its pages and findings go to a spool (see Spool) as they are
// read rather than into Pages and Findings: EachPage, EachFinding, Diff, gate.Apply and the
// writers read them from there, so memory stays flat however large the report. The caller
// closes the report when done with it.
func OpenFile(path string, resources bool) (*Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Open(f, resources)
}

// Open is OpenFile for a report read from r (a stored report being unpacked, say): its pages
// and findings go to a spool as they are read. The caller closes the report when done with it.
func Open(r io.Reader, resources bool) (*Report, error) {
	return readInto(r, resources, NewSpoolSize(spillBytes))
}

// spillBytes is the spool threshold of OpenFile (tests make it tiny): a quarter of a crawl's, as
// diff and a baseline hold two reports' spools at once, each with several kinds of record.
// Comparing two 30,000-page reports peaked at 63 MB of RSS with it, 109 MB with the crawl's
// 4 MB, in the same time.
var spillBytes = 1 << 20

func readFile(path string, resources bool) (*Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return read(f, resources)
}

// ReadError says what is wrong with a report that does not read: where, as a JSON path
// (pages[3].resources; "" for the document itself), and what was expected there.
type ReadError struct {
	Path string
	Msg  string
	err  error // errRange, or nil
}

func (e *ReadError) Error() string {
	if e.Path == "" {
		return "not a padlock JSON report: " + e.Msg
	}
	return "not a padlock JSON report: " + e.Path + ": " + e.Msg
}

func (e *ReadError) Unwrap() error { return e.err }

// errRange marks a value the schema allows but padlock cannot hold: a number that is no int64
// (or too long to compare cheaply), a time Go does not parse. The reader refuses it.
var errRange = errors.New("out of range")

// read decodes a report one page and one finding at a time, checking it against the report's
// JSON Schema as it goes: each page and finding on its own against the schema's definition of
// one, the rest (the head, a few kilobytes) at the end against the whole schema with the two
// arrays left empty. The checks are the schema's own, so the reader refuses exactly what
// schema.Validate does (and, beyond it, values no Go type holds: see errRange), with one error
// naming the JSON path; without resources it skips nothing the check sees. json.Decoder.Decode
// of the whole report would buffer 100 MB of bytes next to the structs made from them.
func read(r io.Reader, resources bool) (*Report, error) { return readInto(r, resources, nil) }

// readInto is read with the pages and findings going to spool when it is not nil.
func readInto(r io.Reader, resources bool, spool *Spool) (*Report, error) {
	rd := reader{js: newJSONReader(r), resources: resources}
	rd.rep.spool = spool
	rep, err := rd.report()
	if err != nil {
		rd.rep.Close()
		return nil, err
	}
	return rep, nil
}

type reader struct {
	js        *jsonReader
	resources bool
	head      map[string]json.RawMessage // every key but pages and findings
	// quickResources is where quickScan found the resources of the element readArray read last.
	quickResources span
	rep            Report // the pages and findings read, in memory or spooled
}

func (rd *reader) report() (*Report, error) {
	pageSchema, err := schema.Def("page")
	if err != nil {
		return nil, err
	}
	findingSchema, err := schema.Def("finding")
	if err != nil {
		return nil, err
	}
	scriptSchema, err := schema.Def("script")
	if err != nil {
		return nil, err
	}
	errorSchema, err := schema.Def("error")
	if err != nil {
		return nil, err
	}
	fixSchema, err := schema.Def("fix")
	if err != nil {
		return nil, err
	}
	if err := rd.open('{', ""); err != nil {
		return nil, err
	}
	rep := &rd.rep
	rd.head = map[string]json.RawMessage{}
	arrays := map[string]bool{}
	for first := true; ; first = false {
		key, more, err := rd.key(first)
		if err != nil {
			return nil, syntaxError("", err)
		}
		if !more {
			break
		}
		switch key {
		case "pages":
			arrays[key] = true
			rep.Pages = []Page{}
			var scratch []byte
			err = readArray(rd, key, "page", pageSchema, func(raw []byte, inst any, path string) (Page, error) {
				if inst == nil { // quickScan was sure of it
					if p, ok := decodePage(raw, rd.quickResources, rd.resources, &scratch); ok {
						return p, nil
					}
				}
				if rd.resources {
					return decodeChecked[Page](raw, inst, path)
				}
				p, err := decodeChecked[pageWithoutResources](raw, inst, path)
				return p.Page, err
			}, rep.AddPage)
		case "findings":
			arrays[key] = true
			rep.Findings = []Finding{}
			err = readArray(rd, key, "finding", findingSchema, decodeChecked[Finding], rep.AddFinding)
		case "errors": // one a failed page: spooled like the pages (an empty list in memory then)
			arrays[key] = true
			rep.Errors = []Error{}
			err = readArray(rd, key, "error", errorSchema, decodeChecked[Error], rep.AddError)
		case "scripts": // the inventory and the fix list can grow with the site too
			arrays[key] = true
			rep.Scripts = []Script{}
			err = readArray(rd, key, "script", scriptSchema, decodeChecked[Script], rep.addScript)
		case "fixes":
			arrays[key] = true
			rep.Fixes = []Fix{}
			err = readArray(rd, key, "fix", fixSchema, decodeChecked[Fix], rep.addFix)
		default:
			raw, err := rd.js.value()
			if err == nil {
				err = syntaxOf(raw)
			}
			if err != nil {
				return nil, syntaxError(jsonPath("", key), err)
			}
			raw = bytes.Clone(raw)
			rd.head[key] = raw
			if key == "version" && !isOne(raw) {
				// refused for its version as soon as it is seen, whatever else is wrong with it
				v := string(raw)
				if len(v) > 40 {
					v = v[:40] + "..."
				}
				return nil, fmt.Errorf("report version %s: this padlock reads version %d", v, Version)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	if _, more := rd.js.peek(); more {
		return nil, &ReadError{Msg: "data after the report"}
	}
	if rd.js.err != io.EOF {
		return nil, &ReadError{Msg: rd.js.err.Error()}
	}

	var head Report
	if !quickHead(rd.head, arrays) || decodeHead(rd.head, &head) != nil {
		if head, err = rd.checkHead(arrays); err != nil {
			return nil, err
		}
	}
	head.Pages, head.Findings, head.Scripts, head.Fixes, head.spool = rep.Pages, rep.Findings, rep.Scripts, rep.Fixes, rep.spool
	if arrays["errors"] {
		head.Errors = rep.Errors // (empty when spooled: EachError reads them)
	}
	if head.spool != nil {
		head.Pages, head.Findings, head.Scripts, head.Fixes = nil, nil, nil, nil // as a spooled crawl's report has them
	}
	return &head, nil
}

// decodeHead decodes the head's keys one at a time into rep: each is a field's exact name.
func decodeHead(head map[string]json.RawMessage, rep *Report) error {
	var b []byte
	for k, raw := range head {
		b = append(append(append(append(b[:0], '{'), strconv.Quote(k)...), ':'), raw...)
		if err := json.Unmarshal(append(b, '}'), rep); err != nil {
			return err
		}
	}
	return nil
}

// checkHead checks the head with the schema library, the arrays present but empty, and decodes
// it: what quickHead was not sure of.
func (rd *reader) checkHead(arrays map[string]bool) (Report, error) {
	whole := map[string]json.RawMessage{}
	for k, v := range rd.head {
		whole[k] = v
	}
	for k := range arrays {
		whole[k] = json.RawMessage("[]")
	}
	b, err := json.Marshal(whole)
	if err != nil {
		return Report{}, err
	}
	root, err := schema.Compiled()
	if err != nil {
		return Report{}, err
	}
	inst, err := check(b, root, "")
	if err != nil {
		return Report{}, err
	}
	for k := range arrays {
		delete(inst.(map[string]any), k)
	}
	if b, err = json.Marshal(rd.head); err != nil {
		return Report{}, err
	}
	return decodeChecked[Report](b, inst, "")
}

// readArray reads the array at key one element at a time: each is checked against sch, the
// schema's definition def, decoded, and given to add.
func readArray[T any](rd *reader, key, def string, sch *jsonschema.Schema, decode func(raw []byte, inst any, path string) (T, error), add func(T) error) error {
	if err := rd.open('[', key); err != nil {
		return err
	}
	for i := 0; ; i++ {
		if more, err := rd.next(i == 0); err != nil {
			return syntaxError(key, err)
		} else if !more {
			return nil
		}
		path := key + "[" + strconv.Itoa(i) + "]"
		raw, err := rd.js.value() // valid until the next value: decode copies what it keeps
		if err != nil {
			return syntaxError(path, err)
		}
		var inst any // the schema library's reading, when quickScan is not sure
		var sure bool
		if rd.quickResources, sure = quickScan(quick[def], raw); !sure {
			if err := syntaxOf(raw); err != nil {
				return syntaxError(path, err)
			}
			if inst, err = check(raw, sch, path); err != nil {
				return err
			}
		}
		v, err := decode(raw, inst, path)
		if err != nil {
			return err
		}
		if err := add(v); err != nil {
			return err
		}
	}
}

// open consumes the bracket c that opens the value at path, or says what came instead.
func (rd *reader) open(c byte, path string) error {
	got, ok := rd.js.peek()
	if !ok {
		return syntaxError(path, rd.js.readErr())
	}
	if got != c {
		t := valueType(got)
		if t == "" {
			return syntaxError(path, jsonSyntax("invalid character "+charText(got)+" looking for beginning of value"))
		}
		want := "object"
		if c == '[' {
			want = "array"
		}
		return &ReadError{Path: path, Msg: "got " + t + ", want " + want}
	}
	rd.js.pos++
	return nil
}

// key reads the next key of the report's object (first: the first one); more is false at the
// closing brace.
func (rd *reader) key(first bool) (key string, more bool, err error) {
	if first {
		if c, err := rd.js.delim(`"}`, "looking for beginning of object key string"); err != nil || c == '}' {
			return "", false, err
		}
	} else {
		if c, err := rd.js.delim(",}", "after object key:value pair"); err != nil || c == '}' {
			return "", false, err
		}
		if _, err := rd.js.delim(`"`, "looking for beginning of object key string"); err != nil {
			return "", false, err
		}
	}
	rd.js.pos-- // the quote
	raw, err := rd.js.value()
	if err != nil {
		return "", false, err
	}
	if err := json.Unmarshal(raw, &key); err != nil {
		return "", false, err
	}
	if _, err := rd.js.delim(":", "after object key"); err != nil {
		return "", false, err
	}
	return key, true, nil
}

// next moves to the next element of an array (first: the first one); more is false at the
// closing bracket.
func (rd *reader) next(first bool) (more bool, err error) {
	c, ok := rd.js.peek()
	if !ok {
		return false, rd.js.readErr()
	}
	if first {
		if c == ']' {
			rd.js.pos++
			return false, nil
		}
		return true, nil
	}
	c, err = rd.js.delim(",]", "after array element")
	return c == ',', err
}

// valueType names the JSON type of the value that starts with c, as the schema's messages do;
// "" when no value starts so.
func valueType(c byte) string {
	switch {
	case c == '{':
		return "object"
	case c == '[':
		return "array"
	case c == '"':
		return "string"
	case c == '-' || '0' <= c && c <= '9':
		return "number"
	case c == 't' || c == 'f':
		return "boolean"
	case c == 'n':
		return "null"
	}
	return ""
}

// check validates raw, one well-formed JSON value at path, against sch and returns it as the
// schema library reads it.
func check(raw []byte, sch *jsonschema.Schema, path string) (any, error) {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, &ReadError{Path: path, Msg: err.Error()}
	}
	// before the schema, which compares numbers as big.Rat: 1e999999 would take a second
	if err := checkNumbers(inst, path); err != nil {
		return nil, err
	}
	if err := sch.Validate(inst); err != nil {
		var ve *jsonschema.ValidationError
		if !errors.As(err, &ve) {
			return nil, &ReadError{Path: path, Msg: err.Error()}
		}
		ve = firstLeaf(ve)
		p, at := path, inst
		for _, tok := range ve.InstanceLocation {
			switch v := at.(type) {
			case []any:
				p += "[" + tok + "]"
				if i, err := strconv.Atoi(tok); err == nil && i < len(v) {
					at = v[i]
				}
			case map[string]any:
				p, at = jsonPath(p, tok), v[tok]
			}
		}
		return nil, &ReadError{Path: p, Msg: validationMessage(ve)}
	}
	return inst, nil
}

// firstLeaf is the failed keyword that a report's error names: of all the schema library found
// (in no fixed order: it walks objects as maps), the one at the least JSON path, by its message
// when two are at the same place, so that every read of one report gives the same error.
func firstLeaf(ve *jsonschema.ValidationError) *jsonschema.ValidationError {
	if len(ve.Causes) == 0 {
		return ve
	}
	var best *jsonschema.ValidationError
	var bestKey string
	for _, c := range ve.Causes {
		leaf := firstLeaf(c)
		key := strings.Join(leaf.InstanceLocation, "\x00") + "\x01" + leaf.Error()
		if best == nil || key < bestKey {
			best, bestKey = leaf, key
		}
	}
	return best
}

// validationMessage is the schema library's message for one failed keyword, without its
// "at '/pages/3': " prefix when it has one.
func validationMessage(ve *jsonschema.ValidationError) string {
	if ap, ok := ve.ErrorKind.(*kind.AdditionalProperties); ok {
		// listed in map order by the library: sorted, so the message is the same every time
		names := slices.Sorted(slices.Values(ap.Properties))
		for i, n := range names {
			names[i] = strconv.Quote(n)
		}
		return "unknown fields " + strings.Join(names, ", ")
	}
	msg := ve.Error()
	if _, rest, ok := strings.Cut(msg, "': "); ok && strings.HasPrefix(msg, "at '") {
		msg = rest
	}
	if i := strings.Index(msg, "\n"); i >= 0 {
		msg = msg[:i]
	}
	return strings.TrimPrefix(strings.TrimSpace(msg), "jsonschema validation failed with '"+schema.ID+"#'")
}

// checkNumbers refuses a number the schema might allow but padlock cannot hold or compare
// cheaply: more than 40 characters, an exponent beyond ±400, or a whole number beyond int64.
func checkNumbers(v any, path string) error {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if err := checkNumbers(e, jsonPath(path, k)); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range v {
			if err := checkNumbers(e, path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
	case json.Number:
		s := string(v)
		if _, err := strconv.ParseInt(s, 10, 64); err == nil {
			return nil // the common case, at no cost
		}
		ok := len(s) <= 40
		if i := strings.IndexAny(s, "eE"); ok && i >= 0 {
			exp, err := strconv.Atoi(s[i+1:])
			ok = err == nil && exp >= -400 && exp <= 400
		}
		if ok {
			r, valid := new(big.Rat).SetString(s)
			ok = valid && (!r.IsInt() || r.Num().IsInt64())
		}
		if !ok {
			return &ReadError{Path: path, Msg: "number " + s + " out of range", err: errRange}
		}
	}
	return nil
}

// decodeChecked decodes raw, which the schema accepts, into a T; inst is raw as the schema
// library read it, or nil. The schema takes 7.0 and 7e0 for the integer 7, which encoding/json
// refuses for an int: those are written as integers and decoded again.
func decodeChecked[T any](raw []byte, inst any, path string) (T, error) {
	var v T
	if json.Unmarshal(raw, &v) == nil {
		return v, nil
	}
	if inst == nil {
		inst, _ = jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	}
	b, err := json.Marshal(wholeNumbers(inst))
	if err == nil {
		var w T
		if err = json.Unmarshal(b, &w); err == nil {
			return w, nil
		}
	}
	var v0 T
	msg := err.Error()
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		path = jsonPath(path, te.Field)
		msg = "got " + te.Value + ", want " + te.Type.String()
	}
	return v0, &ReadError{Path: path, Msg: msg, err: errRange}
}

// wholeNumbers returns v with every whole json.Number written as an integer.
func wholeNumbers(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = wholeNumbers(e)
		}
	case []any:
		for i, e := range v {
			v[i] = wholeNumbers(e)
		}
	case json.Number:
		if r, ok := new(big.Rat).SetString(string(v)); ok && r.IsInt() {
			return json.Number(r.Num().String())
		}
	}
	return v
}

// isOne reports whether raw is the JSON number 1 (1, 1.0, 1e0...), the version this padlock
// reads.
func isOne(raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	if len(s) > 40 || !strings.ContainsAny(s, "0123456789") || strings.ContainsAny(s, `"[{tfn`) {
		return false
	}
	r, ok := new(big.Rat).SetString(s)
	return ok && r.Cmp(big.NewRat(1, 1)) == 0
}

var plainKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// jsonPath appends an object key to a path: pages[3].resources, stats.by_rule["a.b"].
func jsonPath(path, key string) string {
	switch {
	case !plainKey.MatchString(key):
		return path + "[" + strconv.Quote(key) + "]"
	case path == "":
		return key
	}
	return path + "." + key
}

// syntaxError is a decoding error at path: malformed JSON, or a report cut short.
func syntaxError(path string, err error) error {
	var se *json.SyntaxError
	var js jsonSyntax
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &ReadError{Path: path, Msg: "the JSON ends too soon (a truncated report?)"}
	case errors.As(err, &se), errors.As(err, &js):
		return &ReadError{Path: path, Msg: "not JSON: " + err.Error()}
	}
	return &ReadError{Path: path, Msg: err.Error()}
}

// skipJSON is a JSON value read and thrown away.
type skipJSON struct{}

func (*skipJSON) UnmarshalJSON([]byte) error { return nil }

// pageWithoutResources decodes a Page but not its resources (the outer field wins).
type pageWithoutResources struct {
	Page
	Resources skipJSON `json:"resources"`
}
