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
	err := s.object(r, "", map[string]func(string) error{
		"pages": func(indent string) error {
			if r.Pages == nil && r.spool == nil {
				return s.value(r.Pages, indent)
			}
			return s.items(indent, func(item func(func(string) error) error) error {
				for i := range r.Pages {
					if err := item(func(indent string) error { return s.page(&r.Pages[i], indent) }); err != nil {
						return err
					}
				}
				if r.spool == nil {
					return nil
				}
				return r.spool.eachPageJSON(func(b []byte) error {
					return item(func(string) error { s.raw(b); return nil }) // stored at pageIndent, where it goes
				})
			})
		},
		"fixes": func(indent string) error {
			if r.Fixes == nil && r.spool == nil {
				return s.value(r.Fixes, indent)
			}
			return s.items(indent, func(item func(func(string) error) error) error {
				return r.EachFix(func(f *Fix) error {
					return item(func(indent string) error { return s.value(f, indent) })
				})
			})
		},
		"scripts": func(indent string) error {
			if r.Scripts == nil && r.spool == nil {
				return s.value(r.Scripts, indent)
			}
			return s.items(indent, func(item func(func(string) error) error) error {
				return r.EachScript(func(sc *Script) error {
					return item(func(indent string) error { return s.value(sc, indent) })
				})
			})
		},
		"findings": func(indent string) error {
			if r.Findings == nil && r.spool == nil {
				return s.value(r.Findings, indent)
			}
			return s.items(indent, func(item func(func(string) error) error) error {
				return r.EachFinding(func(f *Finding) error {
					return item(func(indent string) error { return s.value(f, indent) })
				})
			})
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
