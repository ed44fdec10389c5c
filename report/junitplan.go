package report

import (
	"encoding/binary"
	"errors"
	"iter"
	"math"
	"unsafe"
)

// junitPlan is what the JUnit writer reads besides the pages: the rules to list, and the
// findings sorted by the page they are filed under (its place in report order; a finding of no
// page comes after every page, each such page's together, in sorted order).
//
// Findings carry the page's final URL, so they are matched to pages by either URL, the first
// page in report order that has it: pages are sorted by URL, findings by their page's final
// URL, and a merge of the two streams does not pair them. The pages' URLs are sorted instead
// (keys, URL then page), merged with the findings, and each finding is sorted again by its
// page's place: two runs of the external sort, so only a threshold of records is in memory.
type junitPlan struct {
	r      *Report
	infos  []ruleInfo
	file   spoolFile       // its own: removed when the report is written
	byPage *sorter[fixUse] // seq: the place of the page a finding is filed under
}

// pageKey is one of a page's URLs (URL or final URL) with the page's place.
type pageKey struct {
	url  string
	page int
}

// spillLimit is the spill threshold of a writer's own sorters: the spool's, or none for a report
// in memory.
func spillLimit(r *Report) int {
	if r.spool != nil {
		return r.spool.limit
	}
	return math.MaxInt
}

// newPageKeys is a sorter of pages' URLs: by URL, then by the page's place.
func newPageKeys(file *spoolFile, limit int) *sorter[pageKey] {
	return newSorter(file, limit, func(a, b *pageKey) bool {
		if a.url != b.url {
			return a.url < b.url
		}
		return a.page < b.page
	}, pageKeyCodec)
}

func planJUnit(r *Report) (*junitPlan, error) {
	limit := spillLimit(r)
	plan := &junitPlan{r: r}
	keys := newPageKeys(&plan.file, limit)
	pages := 0
	err := r.EachPage(func(p *Page) error {
		for _, u := range []string{p.URL, p.FinalURL} {
			if u != "" {
				if err := keys.add(pageKey{url: u, page: pages}); err != nil {
					return err
				}
			}
		}
		pages++
		return nil
	})
	if err != nil {
		plan.close()
		return nil, err
	}
	plan.byPage = newSorter(&plan.file, limit, func(a, b *fixUse) bool { return a.seq < b.seq }, fixUseCodec)
	next, stop := iter.Pull2(keys.all())
	defer stop()
	key, kerr, more := next()
	var firsts []Finding // each rule's first finding, for allRules
	seen := map[string]bool{}
	orphans, orphanPage := 0, ""
	err = eachSortedFinding(r, func(f *Finding) error {
		if !seen[f.Rule] {
			seen[f.Rule] = true
			firsts = append(firsts, *f)
		}
		for more && kerr == nil && key.url < f.Page {
			key, kerr, more = next()
		}
		if kerr != nil {
			return kerr
		}
		page := 0
		switch {
		case more && key.url == f.Page: // the first of a URL's keys has the first page
			page = key.page
		default:
			if orphans == 0 || f.Page != orphanPage {
				orphans++
				orphanPage = f.Page
			}
			page = pages + orphans - 1
		}
		return plan.byPage.add(fixUse{seq: page, f: *f})
	})
	if err != nil {
		plan.close()
		return nil, err
	}
	plan.infos = allRules(firsts)
	return plan, nil
}

func (p *junitPlan) close() { _ = p.file.close() }

// eachSortedFinding calls fn with every finding in report order, sorting those in memory.
func eachSortedFinding(r *Report, fn func(*Finding) error) error {
	if r.spool != nil {
		return r.EachFinding(fn)
	}
	for _, f := range sortedFindings(r.Findings) {
		if err := fn(&f); err != nil {
			return err
		}
	}
	return nil
}

// errStopped ends a pass over the report early: its reader stopped (an iterator's yield said
// so).
var errStopped = errors.New("stopped")

// all is each as an iterator, for a merge with another stream (iter.Pull2): a record and nil,
// or at the end an error if the pass failed.
func (s *sorter[T]) all() iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		err := s.each(func(v *T) error {
			if !yield(*v, nil) {
				return errStopped
			}
			return nil
		})
		if err != nil && !errors.Is(err, errStopped) {
			var zero T
			yield(zero, err)
		}
	}
}

var pageKeyCodec = codec[pageKey]{
	enc: func(dst []byte, v *pageKey) []byte {
		return binary.AppendUvarint(appendString(dst, v.url), uint64(v.page))
	},
	dec: func(b []byte, v *pageKey) error {
		d := decoder{b: b}
		v.url, v.page = d.str(), int(d.uvarint())
		return d.done()
	},
	size: func(v *pageKey) int { return int(unsafe.Sizeof(*v)) + len(v.url) },
}
