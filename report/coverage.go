package report

import "github.com/padlock-scan/padlock/rules"

// Coverage tells what a crawl actually checked, so a finding that is missing from it can be
// told apart from one that was fixed: a page that failed to load, was cut at --max-body or was
// never reached (--max-pages, an interrupted crawl, a different scope) proves nothing.
type Coverage struct {
	r       *Report
	pages   map[string]bool // page URL and final URL -> fetched whole, without error
	origins map[string]bool // origin -> probed without error
	perOrig map[string]bool // IDs of origin-level rules
}

// Coverage indexes r's pages and origins.
func (r *Report) Coverage() *Coverage {
	c := &Coverage{r: r, pages: map[string]bool{}, origins: map[string]bool{}, perOrig: map[string]bool{}}
	for _, p := range r.Pages {
		ok := p.Error == "" && !p.Truncated
		for _, u := range []string{p.URL, p.FinalURL} {
			if u != "" {
				c.pages[u] = c.pages[u] || ok
			}
		}
	}
	for _, o := range r.Origins {
		c.origins[o.Origin] = o.Error == ""
	}
	for _, rule := range rules.All() {
		if rule.CheckOrigin != nil {
			c.perOrig[rule.ID] = true
		}
	}
	return c
}

// Page reports whether the crawl fetched the page whole and without error.
func (c *Coverage) Page(url string) bool { return c.pages[url] }

// Finding reports whether the crawl checked what f is about: its rule ran, and its page was
// fetched whole (or, for an origin-level rule such as tls-version, its origin was probed).
func (c *Coverage) Finding(f Finding) bool {
	if !c.r.Checked(f.Rule) {
		return false
	}
	if c.perOrig[f.Rule] {
		return c.origins[f.URL]
	}
	return c.pages[f.Page]
}
