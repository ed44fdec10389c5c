package report

import (
	"net/url"
	"sync"

	"github.com/padlock-scan/padlock/rules"
)

// originRules are the IDs of the rules that judge an origin rather than a page (tls-*, hsts-*).
// Their findings name the origin's first page, which moves with unrelated edits to the site, so
// they are identified across runs by rule and origin alone.
var originRules = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, r := range rules.All() {
		if r.CheckOrigin != nil {
			m[r.ID] = true
		}
	}
	return m
})

// Coverage tells what a crawl actually checked, so that a finding missing from it can be told
// apart from one that was fixed. A page that failed to load, was cut at --max-body, now
// redirects elsewhere, or was never reached (--max-pages, an interrupted crawl, another scope)
// proves nothing about the findings it used to have.
type Coverage struct {
	r *Report
	// parsed: final URLs of records whose page was fetched whole with a 2xx answer and parsed.
	parsed map[string]bool
	// hops: URLs whose answer the crawl saw without a transport error (record URLs and the
	// sources of redirect hops), for findings about the redirect itself.
	hops map[string]bool
	// records: record URL -> final URL of a parsed record.
	records map[string]string
	// probed: origins whose TLS probe succeeded; loaded: origins with a parsed page.
	probed, loaded map[string]bool

	// moved indexes the old report of the last Finding call: final URL -> URLs of its records
	// that were redirected there.
	old   *Report
	moved map[string][]string
}

// Coverage indexes what r checked.
func (r *Report) Coverage() *Coverage {
	c := &Coverage{r: r, parsed: map[string]bool{}, hops: map[string]bool{}, records: map[string]string{},
		probed: map[string]bool{}, loaded: map[string]bool{}}
	for i := range r.Pages {
		p := &r.Pages[i]
		if p.Error != "" {
			continue
		}
		c.hops[p.URL] = true
		for _, h := range p.Redirects {
			c.hops[h.From] = true
		}
		final := p.FinalURL
		if final == "" {
			final = p.URL
		}
		if p.Status >= 200 && p.Status < 300 && !p.Truncated {
			c.parsed[final] = true
			c.records[p.URL] = final
			c.loaded[originOf(final)] = true
		}
	}
	for _, o := range r.Origins {
		if o.Error == "" {
			c.probed[o.Origin] = true
		}
	}
	return c
}

// Record returns the final URL the crawl parsed for the record that started at url.
func (c *Coverage) Record(url string) (final string, ok bool) {
	final, ok = c.records[url]
	return final, ok
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
	if originRules()[f.Rule] {
		if f.Source == "tls" {
			return c.probed[f.URL]
		}
		return c.loaded[f.URL]
	}
	if c.parsed[f.Page] || f.Source == "redirect" && c.hops[f.Page] {
		return true
	}
	if c.old != old {
		c.old, c.moved = old, map[string][]string{}
		for i := range old.Pages {
			if p := &old.Pages[i]; p.FinalURL != "" && p.FinalURL != p.URL {
				c.moved[p.FinalURL] = append(c.moved[p.FinalURL], p.URL)
			}
		}
	}
	for _, u := range c.moved[f.Page] {
		if final, ok := c.records[u]; ok && sameButScheme(final, f.Page) {
			return true
		}
	}
	return false
}

// Parsed reports whether the crawl parsed a page whose final URL is url.
func (c *Coverage) Parsed(url string) bool { return c.parsed[url] }

// sameButScheme reports whether a and b are the same page but for http: against https: (and
// the port that goes with each).
func sameButScheme(a, b string) bool {
	if a == b {
		return true
	}
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	return err1 == nil && err2 == nil && ua.Hostname() == ub.Hostname() && ua.RequestURI() == ub.RequestURI()
}
