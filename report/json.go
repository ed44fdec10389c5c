package report

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// writeJSON writes the report as indented JSON, HTML characters left unescaped so URLs read
// as they are.
func writeJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
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
