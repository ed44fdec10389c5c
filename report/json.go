package report

import (
	"bytes"
	"io"
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
