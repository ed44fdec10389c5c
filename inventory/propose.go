package inventory

import (
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/padlock-scan/padlock/report"
)

// Proposal is an entry proposed for one payment-page script of a report, approval left empty
// for a person to fill.
type Proposal struct {
	Script report.Script
}

// Propose returns a proposal for every script of the report that is on a payment page and that
// no entry of inv (nil: none) identifies on one of those pages, in the report's order.
func Propose(rep *report.Report, inv *Inventory) []Proposal {
	var out []Proposal
	for _, s := range rep.Scripts {
		if len(s.PaymentPages) == 0 || inv.identifiesOn(&s) {
			continue
		}
		out = append(out, Proposal{Script: s})
	}
	return out
}

// identifiesOn says an entry identifies the script on one of its payment pages.
func (inv *Inventory) identifiesOn(s *report.Script) bool {
	if inv == nil {
		return false
	}
	for i := range inv.Entries {
		e := &inv.Entries[i]
		var ok bool
		if s.Kind == "external" {
			ok = e.InlineSHA256 == "" && e.identifies(s.URL)
		} else {
			ok = e.InlineSHA256 == s.SHA256
		}
		if !ok {
			continue
		}
		for _, p := range s.PaymentPages {
			if e.applies(p, true) {
				return true
			}
		}
	}
	return false
}

// WriteProposals writes the proposals as an inventory file (a scripts: list) with comments
// saying where each script is and what to fill in; source names the report in the heading.
func WriteProposals(w io.Writer, source string, rep *report.Report, ps []Proposal) error {
	list := &yaml.Node{Kind: yaml.SequenceNode}
	for _, p := range ps {
		list.Content = append(list.Content, p.node())
	}
	if len(ps) == 0 {
		list.Style = yaml.FlowStyle
	}
	key := &yaml.Node{Kind: yaml.ScalarNode, Value: "scripts"}
	key.HeadComment = comment(fmt.Sprintf("Proposed by padlock inventory propose from %s (%s, crawled %s): %d payment-page scripts "+
		"that the inventory does not name yet.\nFill in justification, owner and approved (a date) for each; padlock inventory check "+
		"FILE lists what is missing.\nFor a provider's SDK that must be loaded from the provider and changes in place, replace "+
		"sha256 by content: any; to match a re-minified copy too, use normalized-sha256.",
		source, strings.Join(rep.StartURLs, " "), rep.StartedAt.Format("2006-01-02"), len(ps)))
	doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Content: []*yaml.Node{key, list}}}}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return err
	}
	return enc.Close()
}

// node is the proposal as an entry, with its comments.
func (p Proposal) node() *yaml.Node {
	s := p.Script
	m := &yaml.Node{Kind: yaml.MappingNode}
	add := func(k string, v *yaml.Node) *yaml.Node {
		kn := &yaml.Node{Kind: yaml.ScalarNode, Value: k}
		m.Content = append(m.Content, kn, v)
		return kn
	}
	str := func(v string) *yaml.Node {
		n := &yaml.Node{Kind: yaml.ScalarNode, Value: v}
		if v == "" {
			n.Style = yaml.DoubleQuotedStyle
		}
		return n
	}
	var where []string
	if s.Kind == "external" {
		add("url", str(s.URL))
		hashes := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		if s.SHA256 != "" {
			hashes.Content = append(hashes.Content, str(s.SHA256))
		} else {
			where = append(where, "padlock did not read this script: fill in its hash or use content: any")
		}
		k := add("sha256", hashes)
		k.HeadComment = comment(strings.Join(where, "\n"))
		where = nil
		if s.Party == "third" {
			where = append(where, "a third party's script")
		}
	} else {
		add("inline-sha256", str(s.SHA256))
		what := map[string]string{"inline": "inline script", "handler": "event handler", "javascript-url": "javascript: URL"}[s.Kind]
		if s.Line > 0 && len(s.Pages) > 0 {
			what += fmt.Sprintf(" at line %d of %s", s.Line, s.Pages[0])
		}
		if s.Snippet != "" {
			what += ", beginning " + oneLine(s.Snippet)
		}
		where = append(where, what)
	}
	pages := s.PaymentPages
	more := ""
	if len(pages) > 5 {
		pages, more = pages[:5], fmt.Sprintf(" and %d more", len(s.PaymentPages)-5)
	}
	noun := "pages"
	if len(s.PaymentPages) == 1 {
		noun = "page"
	}
	where = append(where, fmt.Sprintf("on %d payment %s: %s%s", len(s.PaymentPages), noun, strings.Join(pages, " "), more))
	k := add("justification", str(""))
	k.HeadComment = comment(strings.Join(where, "\n"))
	add("owner", str(""))
	add("approved", str(""))
	return m
}

// comment is text as a YAML comment: "# " before each line, nothing that could end it.
func comment(text string) string {
	if text == "" {
		return ""
	}
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = "# " + l
	}
	return strings.Join(lines, "\n")
}

// oneLine is a snippet of page text as one quoted line: line breaks and other control
// characters escaped, so a comment shows it without letting it out.
func oneLine(s string) string {
	q := fmt.Sprintf("%q", s)
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == 0x85 || r == 0x2028 || r == 0x2029 {
			return -1
		}
		return r
	}, q)
}
