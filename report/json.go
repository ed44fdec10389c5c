package report

import (
	"io"
)

// pageIndent is the indentation of an element of a top-level array of the report.
const pageIndent = "    "

// writeJSON writes the report as indented JSON, HTML characters left unescaped so URLs read as
// they are. Pages and findings, the two arrays that grow with the site, are streamed one
// element at a time (pages straight from the spool when there is one, findings merged from its
// sorted runs), so a report is never built whole in memory; the bytes are the same as encoding the report in one go.
func writeJSON(w io.Writer, r *Report) error {
	s := newJSONStream(w)
	defer s.close()
	err := s.object(r, "", map[string]func(string) error{
		"pages": func(indent string) error {
			if r.Pages == nil && r.spool == nil {
				return s.value(r.Pages, indent)
			}
			a := s.elems(indent)
			for i := range r.Pages {
				s.page(&r.Pages[i], a.next())
			}
			if r.spool != nil {
				err := r.spool.eachPageJSON(func(b []byte) error {
					a.next()
					s.raw(b) // stored at pageIndent, where it goes
					return nil
				})
				if err != nil {
					return err
				}
			}
			a.end()
			return nil
		},
		"fixes":    func(indent string) error { return streamArray(s, r, indent, r.Fixes, r.EachFix) },
		"scripts":  func(indent string) error { return streamArrayWith(s, r, indent, r.Scripts, r.EachScript, s.script) },
		"findings": func(indent string) error { return streamArrayWith(s, r, indent, r.Findings, r.EachFinding, s.finding) },
		"errors": func(indent string) error {
			if r.Errors == nil && r.NumErrors() == 0 {
				return s.value(r.Errors, indent) // null, as encoding/json writes a nil list
			}
			return items(s, indent, r.EachError, func(e *Error, indent string) error { return s.value(e, indent) })
		},
	})
	if err != nil {
		return err
	}
	if err := r.Err(); err != nil {
		return err
	}
	return s.end()
}

// streamArray writes an array member of r whose elements each streams (from memory, then from
// the spool); null for a nil slice when there is no spool, as encoding/json writes it.
func streamArray[T any](s *jsonStream, r *Report, indent string, inMemory []T, each func(func(*T) error) error) error {
	return streamArrayWith(s, r, indent, inMemory, each, func(v *T, indent string) error { return s.value(v, indent) })
}

// streamArrayWith is streamArray with each element written by write.
func streamArrayWith[T any](s *jsonStream, r *Report, indent string, inMemory []T, each func(func(*T) error) error, write func(*T, string) error) error {
	if inMemory == nil && r.spool == nil {
		return s.value(inMemory, indent)
	}
	return items(s, indent, each, write)
}
