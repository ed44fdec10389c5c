package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// pageIndent is the indentation of an element of a top-level array of the report.
const pageIndent = "    "

// writeJSON writes the report as indented JSON, HTML characters left unescaped so URLs read as
// they are. Pages and findings, the two arrays that grow with the site, are streamed one
// element at a time (pages straight from the spool when there is one), so a 10,000-page report
// is never built whole in memory; the bytes are the same as encoding the report in one go.
func writeJSON(w io.Writer, r *Report) error {
	s := newJSONStream(w)
	var spooled bytes.Buffer
	err := s.object(r, "", map[string]func(string) error{
		"pages": func(indent string) error {
			if r.Pages == nil {
				return s.value(r.Pages, indent)
			}
			return s.array(len(r.Pages), indent, func(i int, indent string) error {
				p := &r.Pages[i]
				if p.spooled == nil {
					return s.page(p, indent)
				}
				b, err := p.spooled.read(&spooled) // stored at pageIndent, where it goes
				s.raw(b)
				return err
			})
		},
		"findings": func(indent string) error {
			if r.Findings == nil {
				return s.value(r.Findings, indent)
			}
			return s.array(len(r.Findings), indent, func(i int, indent string) error {
				return s.value(&r.Findings[i], indent)
			})
		},
	})
	if err != nil {
		return err
	}
	return s.end()
}

// ReadFile reads a JSON report written by padlock.
func ReadFile(path string) (*Report, error) { return readFile(path, true) }

// ReadFileWithoutResources reads a JSON report without its pages' resources (Page.Resources
// stays nil), which are most of a large report's bytes: enough for a baseline and for Diff, at
// a fraction of the memory.
func ReadFileWithoutResources(path string) (*Report, error) { return readFile(path, false) }

func readFile(path string, resources bool) (*Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return read(f, resources)
}

// read decodes a report (with its pages' resources or not), refusing versions this padlock does
// not know. It decodes one page and one finding at a time: json.Decoder.Decode buffers a whole
// value before decoding it, which for a 10,000-page report is 100 MB of bytes held next to the
// structs made from them.
func read(r io.Reader, resources bool) (*Report, error) {
	rep, err := decodeStreaming(json.NewDecoder(bufio.NewReaderSize(r, 64<<10)), resources)
	if err != nil {
		return nil, fmt.Errorf("not a padlock JSON report: %w", err)
	}
	if rep.Version != Version {
		return nil, fmt.Errorf("report version %d: this padlock reads version %d", rep.Version, Version)
	}
	return rep, nil
}

// skipJSON is a JSON value read and thrown away.
type skipJSON struct{}

func (*skipJSON) UnmarshalJSON([]byte) error { return nil }

// pageWithoutResources decodes a Page but not its resources (the outer field wins).
type pageWithoutResources struct {
	Page
	Resources skipJSON `json:"resources"`
}

func decodeStreaming(dec *json.Decoder, resources bool) (*Report, error) {
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	var rep Report
	rest := map[string]json.RawMessage{} // the small keys, decoded together at the end
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		switch key {
		case "pages":
			err = decodeArray(dec, func() { rep.Pages = []Page{} }, func() error {
				if resources {
					var p Page
					if err := dec.Decode(&p); err != nil {
						return err
					}
					rep.Pages = append(rep.Pages, p)
					return nil
				}
				var p pageWithoutResources
				if err := dec.Decode(&p); err != nil {
					return err
				}
				rep.Pages = append(rep.Pages, p.Page)
				return nil
			})
		case "findings":
			err = decodeArray(dec, func() { rep.Findings = []Finding{} }, func() error {
				rep.Findings = append(rep.Findings, Finding{})
				return dec.Decode(&rep.Findings[len(rep.Findings)-1])
			})
		default:
			var raw json.RawMessage
			err = dec.Decode(&raw)
			rest[key] = raw
		}
		if err != nil {
			return nil, fmt.Errorf("%q: %w", key, err)
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the report")
	}
	head, err := json.Marshal(rest)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(head, &rep); err != nil {
		return nil, err
	}
	return &rep, nil
}

// decodeArray calls open when dec is at a JSON array (not null), then elem for each element.
func decodeArray(dec *json.Decoder, open func(), elem func() error) error {
	tok, err := dec.Token()
	if err != nil || tok == nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return fmt.Errorf("want an array, found %v", tok)
	}
	open()
	for dec.More() {
		if err := elem(); err != nil {
			return err
		}
	}
	return expectDelim(dec, ']')
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("want %q, found %v", want, tok)
	}
	return nil
}
