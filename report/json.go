package report

import (
	"bufio"
	"bytes"
	"encoding/json"
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
	head := *r
	head.Pages, head.Findings = []Page{}, []Finding{}
	var buf bytes.Buffer
	if err := encodeIndented(&buf, &head, ""); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	rest := buf.Bytes()
	var elem bytes.Buffer
	arrays := []struct {
		key  string
		n    int
		item func(i int) ([]byte, error)
	}{
		{"pages", len(r.Pages), func(i int) ([]byte, error) {
			if p := &r.Pages[i]; p.spooled != nil {
				return p.spooled.read(&elem)
			}
			elem.Reset()
			return appendPage(elem.AvailableBuffer(), &r.Pages[i], pageIndent), nil
		}},
		{"findings", len(r.Findings), func(i int) ([]byte, error) {
			elem.Reset()
			return appendFinding(elem.AvailableBuffer(), &r.Findings[i], pageIndent), nil
		}},
	}
	for _, a := range arrays {
		marker := []byte("\n  \"" + a.key + "\": [],") // both arrays are followed by more keys
		i := bytes.Index(rest, marker)
		if i < 0 || a.n == 0 {
			continue
		}
		bw.Write(rest[:i])
		bw.WriteString("\n  \"" + a.key + "\": [\n")
		for n := 0; n < a.n; n++ {
			b, err := a.item(n)
			if err != nil {
				return err
			}
			bw.WriteString(pageIndent)
			bw.Write(b)
			if n < a.n-1 {
				bw.WriteString(",")
			}
			bw.WriteString("\n")
		}
		bw.WriteString("  ],")
		rest = rest[i+len(marker):]
	}
	bw.Write(rest)
	return bw.Flush()
}

func encodeIndented(w io.Writer, v any, prefix string) error {
	enc := json.NewEncoder(w)
	enc.SetIndent(prefix, "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// ReadFile reads a JSON report written by padlock.
func ReadFile(path string) (*Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(f)
}

// Read decodes a JSON report, refusing versions this padlock does not know.
func Read(r io.Reader) (*Report, error) {
	var rep Report
	dec := json.NewDecoder(r)
	if err := dec.Decode(&rep); err != nil {
		return nil, fmt.Errorf("not a padlock JSON report: %w", err)
	}
	if rep.Version != Version {
		return nil, fmt.Errorf("report version %d: this padlock reads version %d", rep.Version, Version)
	}
	return &rep, nil
}
