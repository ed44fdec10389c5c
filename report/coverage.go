package report

import (
	"cmp"
	"net/url"
	"slices"

	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/internal/hashtab"
	"github.com/padlock-scan/padlock/rules"
)

// originRules are the IDs of the rules that judge an origin rather than a page (tls-*, hsts-*).
// Their findings name the origin's first page, which moves with unrelated edits to the site, so
// they are identified across runs by rule and origin alone.
var originRules = rulesWhere(func(r *rules.Rule) bool { return r.Scope == rules.ScopeOrigin })

// Coverage tells what a crawl actually checked, so that a finding missing from it can be told
// apart from one that was fixed. A page that failed to load, was cut at --max-body, now
// redirects elsewhere, or was never reached (--max-pages, an interrupted crawl, another scope)
// proves nothing about the findings it used to have.
//
// The URLs are kept as 64-bit hashes (keyHash), so the index of a 100,000-page report is a few
// megabytes and the report itself can stay on disk (a spooled report is read page by page).
type Coverage struct {
	r   *Report
	cmp *Comparison // every URL below is in its terms
	// parsed: final URLs of records whose page was fetched whole with a 2xx answer and parsed.
	parsed KeySet
	// hops: URLs whose answer the crawl saw without a transport error (record URLs and the
	// sources of redirect hops), for findings about the redirect itself.
	hops KeySet
	// records: record URL -> final URL of a parsed record.
	records hashtab.Map[finalURL]
	// probed: origins whose TLS probe succeeded; loaded: origins with a parsed page.
	probed, loaded map[string]bool

	// moved indexes the old report of the last Finding call: final URL -> URLs of its records
	// that were redirected there.
	old   *Report
	moved []movedRecord
}

// movedRecord is a record redirected elsewhere, as hashes: moved is sorted by final URL.
type movedRecord struct{ final, url uint64 }

// appendMoved appends p to moved when it is a record redirected elsewhere.
func appendMoved(moved []movedRecord, cmp *Comparison, p *Page) []movedRecord {
	if p.FinalURL == "" || p.FinalURL == p.URL {
		return moved
	}
	return append(moved, movedRecord{keyHash(cmp.URL(p.FinalURL)), keyHash(cmp.URL(p.URL))})
}

// finalURL is a record's final URL as hashes: whole, and as sameButScheme compares it.
type finalURL struct{ exact, loose uint64 }

func finalOf(u string) finalURL { return finalURL{keyHash(u), looseHash(u)} }

// same is sameButScheme on the hashes.
func (a finalURL) same(b finalURL) bool { return a.exact == b.exact || a.loose == b.loose }

// Coverage indexes what r checked, in the terms of cmp (nil: r compared with itself).
func (r *Report) Coverage(cmp *Comparison) *Coverage {
	c := newCoverage(r, cmp)
	_ = r.EachPage(func(p *Page) error { c.addPage(p); return nil }) // a spool read error surfaces in the writers (Err)
	c.origins()
	return c
}

// newCoverage is an empty index of what r checked: addPage each page, then origins.
func newCoverage(r *Report, cmp *Comparison) *Coverage {
	if cmp == nil {
		cmp = &Comparison{}
	}
	return &Coverage{r: r, cmp: cmp, probed: map[string]bool{}, loaded: map[string]bool{}}
}

// addPage indexes a page record of the report.
func (c *Coverage) addPage(p *Page) {
	if p.Error != "" {
		return
	}
	c.hops.Add(c.cmp.URL(p.URL))
	for _, h := range p.Redirects {
		c.hops.Add(c.cmp.URL(h.From))
	}
	if final, ok := parsedFinal(c.cmp, p); ok {
		c.parsed.Add(final)
		c.records.Put(keyHash(c.cmp.URL(p.URL)), finalOf(final))
		if u, err := url.Parse(final); err == nil {
			c.loaded[u.Scheme+"://"+u.Host] = true
		}
	}
}

// origins indexes the report's origins (after its pages).
func (c *Coverage) origins() {
	for _, o := range c.r.Origins {
		if o.Error == "" {
			c.probed[c.cmp.URL(o.Origin)] = true
		}
	}
}

// parsedFinal is the final URL, in cmp's terms, of a page record that was fetched whole with a
// 2xx answer and parsed; ok is false for any other record.
func parsedFinal(cmp *Comparison, p *Page) (final string, ok bool) {
	if p.Error != "" || p.Status < 200 || p.Status >= 300 || p.Truncated {
		return "", false
	}
	final = p.FinalURL
	if final == "" {
		final = p.URL
	}
	return cmp.URL(final), true
}

// record returns the final URL (in the comparison's terms, hashed) the crawl parsed for the
// record that started at u.
func (c *Coverage) record(u string) (final finalURL, ok bool) {
	return c.records.Get(keyHash(c.cmp.URL(u)))
}

// Finding reports whether the crawl checked what f, a finding of the report old, is about
// (call it with one old report at a time: the index of old is kept between calls):
// its rule ran, and
//   - for an origin-level rule, the origin was probed (tls-*) or one of its pages parsed (hsts-*);
//   - for a finding about a redirect hop, the crawl saw that URL answer;
//   - otherwise the page was parsed: under its URL, or as the same record of old whose final
//     URL now only differs by scheme (an http: landing page fixed to https:).
func (c *Coverage) Finding(old *Report, f Finding) bool {
	if !c.r.Checked(f.Rule) {
		return false
	}
	page, res := c.cmp.URL(f.Page), c.cmp.URL(f.URL)
	if originRules()[f.Rule] {
		if f.Source == string(crawler.SourceTLS) {
			return c.probed[res]
		}
		return c.loaded[res]
	}
	if c.parsed.Has(page) || f.Source == "redirect" && c.hops.Has(page) {
		return true
	}
	if c.old != old {
		var moved []movedRecord
		_ = old.EachPage(func(p *Page) error { // a spool read error surfaces in the writers (Err)
			moved = appendMoved(moved, c.cmp, p)
			return nil
		})
		c.setMoved(old, moved)
	}
	want := finalOf(page)
	i, _ := slices.BinarySearchFunc(c.moved, want.exact, func(m movedRecord, h uint64) int { return cmp.Compare(m.final, h) })
	for ; i < len(c.moved) && c.moved[i].final == want.exact; i++ {
		if final, ok := c.records.Get(c.moved[i].url); ok && final.same(want) {
			return true
		}
	}
	return false
}

// setMoved gives Finding the records of old that were redirected elsewhere (Diff collects them
// as it reads old's pages for its own ends).
func (c *Coverage) setMoved(old *Report, moved []movedRecord) {
	slices.SortFunc(moved, func(a, b movedRecord) int { return cmp.Compare(a.final, b.final) })
	c.old, c.moved = old, slices.Clip(moved)
}

// Parsed reports whether the crawl parsed a page whose final URL is u.
func (c *Coverage) Parsed(u string) bool { return c.parsed.Has(c.cmp.URL(u)) }
