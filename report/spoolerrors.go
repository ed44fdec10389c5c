package report

import (
	"cmp"
	"strings"
	"unsafe"

	"github.com/padlock-scan/padlock/crawler"
)

// The crawl's errors grow with the site where pages fail (a shop whose product pages time out
// has one per page), so with a spool they are sorted like the pages and findings: in memory up
// to the spill threshold, then in sorted runs on disk, merged in report order by every pass.

// errorLess is the errors list's order: by URL, then message; equal ones keep the order they
// were added in.
func errorLess(a, b *Error) bool {
	return cmp.Or(strings.Compare(a.URL, b.URL), strings.Compare(a.Error, b.Error)) < 0
}

// errorCodec writes every field of Error, Kind included (the CLI's advice reads it; the JSON
// report does not carry it). TestErrorCodecRoundTrip fills each field by reflection.
var errorCodec = codec[Error]{
	enc: func(dst []byte, e *Error) []byte {
		for _, s := range [...]string{e.URL, e.Error, string(e.Kind)} {
			dst = appendString(dst, s)
		}
		return dst
	},
	dec: func(b []byte, e *Error) error {
		d := decoder{b: b}
		e.URL, e.Error, e.Kind = d.str(), d.str(), crawler.ErrorKind(d.str())
		return d.done()
	},
	size: func(e *Error) int { return int(unsafe.Sizeof(*e)) + len(e.URL) + len(e.Error) },
}

// AddError appends a crawl error: to the spool when there is one, to Errors otherwise.
func (r *Report) AddError(e Error) error {
	if r.spool == nil {
		r.Errors = append(r.Errors, e)
		return nil
	}
	if r.spool.errs == nil {
		r.spool.errs = newSorter(&r.spool.file, r.spool.limit, errorLess, errorCodec)
	}
	return r.spool.errs.add(e)
}

// NumErrors is the number of crawl errors, in memory or spooled.
func (r *Report) NumErrors() int {
	n := len(r.Errors)
	if r.spool != nil && r.spool.errs != nil {
		n += r.spool.errs.len()
	}
	return n
}

// EachError calls fn with every crawl error in report order (once Finish has run), spooled or
// in memory. Changes fn makes are not kept.
func (r *Report) EachError(fn func(*Error) error) error {
	var spooled *sorter[Error]
	if r.spool != nil {
		spooled = r.spool.errs
	}
	return eachOf(r.Errors, spooled, fn)
}

// spoolErrors moves the errors appended to Errors directly into the spool (Finish), so that
// every pass reads all of them in one order; the first error of the spool sticks (Err).
func (r *Report) spoolErrors() {
	if r.spool == nil || len(r.Errors) == 0 {
		return
	}
	errs := r.Errors
	r.Errors = nil
	for _, e := range errs {
		if err := r.AddError(e); err != nil && r.spool.err == nil {
			r.spool.err = err
		}
	}
}

// errorList reads every crawl error, in order, for the writers that list them all at once.
func (r *Report) errorList() ([]Error, error) {
	var out []Error
	err := r.EachError(func(e *Error) error {
		out = append(out, *e)
		return nil
	})
	return out, err
}
