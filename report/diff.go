package report

import (
	"sort"
)

// Changes is what differs between two reports of the same site: the answer to PCI DSS 11.6.1's
// "detect changes to payment pages", and to "what did this deploy break or fix".
type Changes struct {
	Old          string    `json:"old_started_at"`
	New          string    `json:"new_started_at"`
	NewFindings  []Finding `json:"new_findings"`
	Fixed        []Finding `json:"fixed_findings"`
	PagesAdded   []string  `json:"pages_added"`
	PagesRemoved []string  `json:"pages_removed"`
}

// Empty reports whether nothing changed.
func (c *Changes) Empty() bool {
	return len(c.NewFindings) == 0 && len(c.Fixed) == 0 && len(c.PagesAdded) == 0 && len(c.PagesRemoved) == 0
}

// FindingKey identifies a finding across runs: rule, page and resource, not the line (lines move
// between deploys while the problem stays the same).
func FindingKey(f Finding) string {
	return f.Rule + "\x00" + f.Page + "\x00" + f.URL + "\x00" + f.Element + "\x00" + f.Attribute + "\x00" + f.Stylesheet
}

// Diff compares an old and a new report.
func Diff(old, cur *Report) *Changes {
	c := &Changes{Old: old.StartedAt.Format("2006-01-02T15:04:05Z07:00"), New: cur.StartedAt.Format("2006-01-02T15:04:05Z07:00")}
	oldF := map[string]bool{}
	for _, f := range old.Findings {
		oldF[FindingKey(f)] = true
	}
	curF := map[string]bool{}
	for _, f := range cur.Findings {
		k := FindingKey(f)
		curF[k] = true
		if !oldF[k] {
			c.NewFindings = append(c.NewFindings, f)
		}
	}
	for _, f := range old.Findings {
		if !curF[FindingKey(f)] {
			c.Fixed = append(c.Fixed, f)
		}
	}
	c.PagesAdded, c.PagesRemoved = setDiff(pageURLs(old), pageURLs(cur))
	SortFindings(c.NewFindings)
	SortFindings(c.Fixed)
	return c
}

func pageURLs(r *Report) map[string]bool {
	m := map[string]bool{}
	for _, p := range r.Pages {
		m[p.URL] = true
	}
	return m
}

// setDiff returns the keys only in b (added) and only in a (removed), sorted.
func setDiff(a, b map[string]bool) (added, removed []string) {
	for k := range b {
		if !a[k] {
			added = append(added, k)
		}
	}
	for k := range a {
		if !b[k] {
			removed = append(removed, k)
		}
	}
	sort.Strings(added)
	sort.Strings(removed)
	return added, removed
}
