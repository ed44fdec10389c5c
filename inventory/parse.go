package inventory

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/padlock-scan/padlock/internal/yamlsyntax"
)

// Parse reads an inventory from data, the contents of file (named in messages): a list of
// entries, or a mapping whose only key is scripts: (the padlock.yml form).
func Parse(file string, data []byte) (*Inventory, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		line, msg := yamlsyntax.Split(err)
		return nil, Problems{{file, line, msg}}
	}
	if len(root.Content) == 0 || isNull(root.Content[0]) {
		return &Inventory{File: file}, nil
	}
	doc := deref(root.Content[0])
	if doc.Kind == yaml.MappingNode {
		// padlock.yml: its scripts: key (the other keys are padlock.yml's settings)
		var list *yaml.Node
		for i := 0; i+1 < len(doc.Content); i += 2 {
			if doc.Content[i].Value == "scripts" {
				list = doc.Content[i+1]
			}
		}
		if list == nil {
			return nil, Problems{{file, doc.Line, "no scripts: key: an inventory is a list of entries, or a scripts: key holding one"}}
		}
		doc = list
	}
	return ParseNode(file, doc)
}

// keys are the keys an entry may have, from Entry's yaml tags.
var keys = func() []string {
	var out []string
	t := reflect.TypeOf(Entry{})
	for i := 0; i < t.NumField(); i++ {
		if k, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); k != "" && k != "-" {
			out = append(out, k)
		}
	}
	return out
}()

// ParseNode reads an inventory from the YAML list of entries n, found in file. Every problem
// of every entry is reported (Problems), each with its line.
func ParseNode(file string, n *yaml.Node) (*Inventory, error) {
	inv := &Inventory{File: file}
	n = deref(n)
	if isNull(n) {
		return inv, nil
	}
	var probs Problems
	bad := func(n *yaml.Node, format string, a ...any) {
		probs = append(probs, Problem{file, n.Line, fmt.Sprintf(format, a...)})
	}
	if n.Kind != yaml.SequenceNode {
		bad(n, "want a list of entries (- url: ..., sha256: [...], justification: ..., owner: ..., approved: ...)")
		return nil, probs
	}
	inv.Entries = []Entry{}  // a list, even an empty one, is an inventory: nothing is authorized
	seen := map[string]int{} // identity and pages -> line of the entry
	for _, item := range n.Content {
		item = deref(item)
		if item.Kind != yaml.MappingNode {
			bad(item, "want an entry (a mapping such as url: ..., justification: ...), not %s", kindName(item))
			continue
		}
		e, ok := decodeEntry(item, bad)
		if !ok {
			continue
		}
		for _, pr := range e.validate() {
			at := item
			if l, ok := e.lines[pr.key]; ok {
				at = &yaml.Node{Line: l}
			}
			bad(at, "%s", pr.msg)
		}
		key := e.Match() + " " + e.Identity() + " " + strings.Join(e.Pages, " ")
		if first, dup := seen[key]; dup && e.Identity() != "" {
			bad(item, "the same script and pages as the entry at line %d: merge the two", first)
		} else {
			seen[key] = e.Line
		}
		inv.Entries = append(inv.Entries, e)
	}
	if len(probs) > 0 {
		sort.SliceStable(probs, func(i, j int) bool { return probs[i].Line < probs[j].Line })
		return nil, probs
	}
	return inv, nil
}

// decodeEntry reads one entry's keys, each checked for its type; bad records a problem.
func decodeEntry(item *yaml.Node, bad func(*yaml.Node, string, ...any)) (Entry, bool) {
	e := Entry{Line: item.Line, lines: map[string]int{}}
	ok := true
	for i := 0; i+1 < len(item.Content); i += 2 {
		k, v := item.Content[i], deref(item.Content[i+1])
		if _, twice := e.lines[k.Value]; twice {
			bad(k, "key %q given twice in one entry", k.Value)
			ok = false
			continue
		}
		e.lines[k.Value] = v.Line
		str := func(dst *string) {
			if v.Kind != yaml.ScalarNode {
				bad(v, "%s: want a single value, not %s", k.Value, kindName(v))
				ok = false
				return
			}
			if !isNull(v) {
				*dst = strings.TrimSpace(v.Value)
			}
		}
		list := func(dst *[]string) {
			items := []*yaml.Node{v}
			switch {
			case v.Kind == yaml.SequenceNode:
				items = v.Content
			case isNull(v):
				items = nil
			case v.Kind != yaml.ScalarNode:
				bad(v, "%s: want a list of values, not %s", k.Value, kindName(v))
				ok = false
				return
			}
			for _, it := range items {
				it = deref(it)
				if it.Kind != yaml.ScalarNode || isNull(it) {
					bad(it, "%s: want a list of single values", k.Value)
					ok = false
					return
				}
				*dst = append(*dst, strings.TrimSpace(it.Value))
			}
		}
		switch k.Value {
		case "name":
			str(&e.Name)
		case "url":
			str(&e.URL)
		case "url-pattern":
			str(&e.URLPattern)
		case "origin":
			str(&e.Origin)
		case "inline-sha256":
			str(&e.InlineSHA256)
		case "sha256":
			list(&e.SHA256)
		case "normalized-sha256":
			list(&e.NormalizedSHA256)
		case "content":
			str(&e.Content)
		case "justification":
			str(&e.Justification)
		case "owner":
			str(&e.Owner)
		case "approved":
			str(&e.Approved)
		case "expires":
			str(&e.Expires)
		case "pages":
			list(&e.Pages)
		case "required":
			var s string
			str(&s)
			if b, err := strconv.ParseBool(s); err == nil || s == "" {
				e.Required = b
			} else {
				bad(v, "required: want true or false, got %q", s)
				ok = false
			}
		default:
			bad(k, "unknown key %q in an entry (want %s)", k.Value, strings.Join(keys, ", "))
			ok = false
		}
	}
	return e, ok
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	}
	return "a single value"
}

// deref follows a YAML alias (*name) to the node it stands for.
func deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }
