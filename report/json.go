package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// pagesMarker is how an empty pages array looks at the top level of the indented report.
const pagesMarker = "\n  \"pages\": [],\n"

// pageIndent is the indentation of a page inside the report's pages array.
const pageIndent = "    "

// writeJSON writes the report as indented JSON, HTML characters left unescaped so URLs read as
// they are. Pages are streamed one at a time (their resources may come from the spool), so
// writing a 10,000-page report does not build it whole in memory; the bytes are the same as
// encoding the report in one go.
func writeJSON(w io.Writer, r *Report) error {
	head := *r
	head.Pages = []Page{}
	var buf bytes.Buffer
	if err := encodeIndented(&buf, &head, ""); err != nil {
		return err
	}
	whole := buf.Bytes()
	i := bytes.Index(whole, []byte(pagesMarker))
	if i < 0 || len(r.Pages) == 0 {
		_, err := w.Write(whole)
		return err
	}
	bw := bufio.NewWriter(w)
	bw.Write(whole[:i])
	bw.WriteString("\n  \"pages\": [\n")
	var pb bytes.Buffer
	for n := range r.Pages {
		p := &r.Pages[n]
		var b []byte
		if p.spooled != nil {
			var err error
			if b, err = p.spooled.bytes(); err != nil {
				return err
			}
		} else {
			pb.Reset()
			if err := encodeIndented(&pb, p, pageIndent); err != nil {
				return err
			}
			b = bytes.TrimRight(pb.Bytes(), "\n")
		}
		bw.WriteString(pageIndent)
		bw.Write(b)
		if n < len(r.Pages)-1 {
			bw.WriteString(",")
		}
		bw.WriteString("\n")
	}
	bw.WriteString("  ],\n")
	bw.Write(whole[i+len(pagesMarker):])
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
