package main

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	"go.yaml.in/yaml/v3"

	"github.com/padlock-scan/padlock/gate"
	"github.com/padlock-scan/padlock/internal/yamlsyntax"
	scriptinv "github.com/padlock-scan/padlock/inventory"
	"github.com/padlock-scan/padlock/rules"
)

// configFile is a loaded config file: the values of the keys it sets, and their lines.
type configFile struct {
	path  string
	vals  map[string]value
	set   map[string]bool // the keys with a value ("max-pages:" with nothing after it sets nothing)
	lines map[string]int  // the line of each key
}

// defaultConfigName is looked up in the working folder when --config is not given.
const defaultConfigName = "padlock.yml"

// loadConfig reads --config, or padlock.yml in the working folder when present. An unknown key
// or a bad value is an error naming the file, the line and the key.
func loadConfig(c *cli.Context) (*configFile, error) {
	path := c.String("config")
	if path == "" {
		if _, err := os.Stat(defaultConfigName); err != nil {
			return nil, nil
		}
		path = defaultConfigName
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usageErr("config: %v", err)
	}
	return parseConfig(path, data)
}

func parseConfig(path string, data []byte) (*configFile, error) {
	cf := &configFile{path: path, vals: map[string]value{}, set: map[string]bool{}, lines: map[string]int{}}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		line, msg := yamlsyntax.Split(err)
		return nil, usageErr("config %s:%d: %s", path, line, msg)
	}
	if len(root.Content) == 0 {
		return cf, nil // an empty file sets nothing
	}
	doc := root.Content[0]
	if isNull(doc) {
		return cf, nil // "---" alone, or comments: a document that sets nothing
	}
	if doc.Kind != yaml.MappingNode {
		return nil, usageErr("config %s:%d: want a mapping of settings (key: value)", path, doc.Line)
	}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k := doc.Content[i]
		if k.Kind != yaml.ScalarNode || settingByName(k.Value) == nil {
			return nil, usageErr("config %s:%d: unknown key %q", path, k.Line, k.Value)
		}
		if _, twice := cf.lines[k.Value]; twice {
			return nil, usageErr("config %s:%d: key %q given twice", path, k.Line, k.Value)
		}
		cf.lines[k.Value] = k.Line
		cf.set[k.Value] = !isNull(deref(doc.Content[i+1]))
	}
	// Each value is read and checked on its own, so that a problem names the file, its line
	// and the key (never a flag the user did not type, nor a Go type).
	for i := 0; i+1 < len(doc.Content); i += 2 {
		key, val := doc.Content[i].Value, deref(doc.Content[i+1])
		s := settingByName(key)
		v, nodes, verr := s.readYAML(val)
		if verr != nil {
			if verr.key != "" {
				key = verr.key
			}
			return nil, usageErr("config %s:%d: %s: %s", path, verr.line, key, verr.msg)
		}
		cf.vals[key] = v
		if s.whenUsed || !cf.set[key] {
			continue // a file is checked where no flag replaces it (merged.check); nothing, never
		}
		for j, one := range s.each(v) {
			if err := s.checkOne(one); err != nil {
				return nil, cf.problem(nodes[j].Line, key, err, s.text(one))
			}
		}
	}
	if name, err := checkTogether(cf.vals); err != nil {
		return nil, cf.problem(cf.lines[name], name, err, "")
	}
	return cf, nil
}

// problem is a usage error about the value (text) of key at a line of the file, in the file's
// words: "config FILE:LINE: key: reason, got VALUE".
func (cf *configFile) problem(line int, key string, err error, text string) error {
	if text, err = reason(err, text); text == "" {
		return usageErr("config %s:%d: %s: %v", cf.path, line, key, err)
	}
	return usageErr("config %s:%d: %s: %v, got %s", cf.path, line, key, err, text)
}

// readYAML reads the file's value of the setting, and the nodes of the values to check one at a
// time (the value, or each item of a list).
func (s *setting) readYAML(val *yaml.Node) (value, []*yaml.Node, *valueError) {
	if s.read != nil {
		return s.read(val)
	}
	if s.kind == kindList {
		return readList(val)
	}
	var v value
	if val.Kind == yaml.SequenceNode {
		return v, nil, badValue(val, "want a single value, not a list")
	}
	if val.Kind != yaml.ScalarNode {
		return v, nil, badValue(val, "want a single value, not a mapping")
	}
	if isNull(val) {
		return v, nil, nil // "max-pages:" with nothing after it sets nothing
	}
	switch s.kind {
	case kindInt:
		if err := val.Decode(&v.n); err != nil {
			return v, nil, badValue(val, "want a whole number, got %q", val.Value)
		}
	case kindBool:
		if err := val.Decode(&v.b); err != nil {
			return v, nil, badValue(val, "want true or false, got %q", val.Value)
		}
	case kindDuration:
		d, err := time.ParseDuration(strings.TrimSpace(val.Value))
		if err != nil {
			return v, nil, badValue(val, "want a duration such as 15s or 1m, got %q", val.Value)
		}
		v.d = d
	case kindString:
		if err := val.Decode(&v.s); err != nil {
			return v, nil, badValue(val, "want a single value, got %q", val.Value)
		}
	default:
		panic("config: no reader for key " + s.name)
	}
	return v, []*yaml.Node{val}, nil
}

// readList reads a list of single values; a single value is a list of one: "urls:
// https://shop.example/" means what it says.
func readList(val *yaml.Node) (value, []*yaml.Node, *valueError) {
	items := []*yaml.Node{val}
	switch {
	case val.Kind == yaml.SequenceNode:
		items = val.Content
	case val.Kind == yaml.MappingNode:
		return value{}, nil, badValue(val, "want a list of values, not a mapping")
	case isNull(val):
		items = nil
	}
	var v value
	nodes := make([]*yaml.Node, len(items))
	for i, item := range items {
		item = deref(item)
		if item.Kind != yaml.ScalarNode {
			return value{}, nil, badValue(item, "want a list of single values (a list item is itself a list or a mapping)")
		}
		s := ""
		if !isNull(item) {
			s = item.Value
		}
		v.list = append(v.list, s)
		nodes[i] = item
	}
	return v, nodes, nil
}

// readAllowScript reads allow-script: a list of patterns, each of which may be an entry with the
// reason the script is needed.
func readAllowScript(val *yaml.Node) (value, []*yaml.Node, *valueError) {
	val, reasons, err := readJustifications(val)
	if err != nil {
		return value{}, nil, err
	}
	v, nodes, err := readList(val)
	v.reasons = reasons
	return v, nodes, err
}

// readJustifications takes the "- origin: ..., reason: ..." entries out of an allow-script list
// (PCI DSS 6.4.3: each approved script with why it is needed), keeping each reason by pattern,
// and returns the list with those entries as plain patterns.
func readJustifications(val *yaml.Node) (*yaml.Node, map[string]string, *valueError) {
	if val.Kind != yaml.SequenceNode {
		return val, nil, nil
	}
	var reasons map[string]string
	out := *val
	out.Content = make([]*yaml.Node, len(val.Content))
	for i, item := range val.Content {
		item = deref(item)
		out.Content[i] = item
		if item.Kind != yaml.MappingNode {
			continue
		}
		var origin, reason string
		for j := 0; j+1 < len(item.Content); j += 2 {
			k, v := item.Content[j], deref(item.Content[j+1])
			if v.Kind != yaml.ScalarNode {
				return nil, nil, badValue(v, "%s: want a single value", k.Value)
			}
			switch k.Value {
			case "origin":
				origin = strings.TrimSpace(v.Value)
			case "reason":
				reason = strings.TrimSpace(v.Value)
			default:
				return nil, nil, badValue(k, "unknown key %q in an entry (want origin and reason)", k.Value)
			}
		}
		if origin == "" {
			return nil, nil, badValue(item, "an entry needs origin (and reason: why the script is needed)")
		}
		if reasons == nil {
			reasons = map[string]string{}
		}
		reasons[origin] = reason
		out.Content[i] = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: origin, Line: item.Line, Column: item.Column}
	}
	return &out, reasons, nil
}

// valueError is a problem with one value of the config file, at a line.
type valueError struct {
	line int
	key  string // what the message is about when not the top-level key
	msg  string
}

func badValue(n *yaml.Node, format string, a ...any) *valueError {
	return &valueError{line: n.Line, msg: fmt.Sprintf(format, a...)}
}

// deref follows a YAML alias (*name) to the node it stands for.
func deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

// readIgnore reads the ignore: list, each entry a mapping of gate.Ignore's keys.
func readIgnore(val *yaml.Node) (value, []*yaml.Node, *valueError) {
	var v value
	if isNull(val) {
		return v, nil, nil
	}
	const want = "want a list of entries (- rule: ..., url: ..., reason: ...)"
	if val.Kind != yaml.SequenceNode {
		return v, nil, badValue(val, want)
	}
	var keys []string
	t := reflect.TypeOf(gate.Ignore{})
	for i := 0; i < t.NumField(); i++ {
		if k, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); k != "" && k != "-" {
			keys = append(keys, k)
		}
	}
	known := func(id string) bool { _, ok := rules.ByID(id); return ok }
	for _, item := range val.Content {
		item = deref(item)
		if item.Kind != yaml.MappingNode {
			return v, nil, badValue(item, want)
		}
		for i := 0; i+1 < len(item.Content); i += 2 {
			k, val := item.Content[i], deref(item.Content[i+1])
			if !slices.Contains(keys, k.Value) {
				return v, nil, entryError(k, "unknown key %q (want %s)", k.Value, strings.Join(keys, ", "))
			}
			if val.Kind != yaml.ScalarNode {
				return value{}, nil, entryError(val, "%s: want a single value", k.Value)
			}
		}
		var ig gate.Ignore
		if err := item.Decode(&ig); err != nil {
			return v, nil, entryError(item, "%s", yamlReason(err))
		}
		ig.Line = item.Line
		if err := ig.Validate(known); err != nil {
			return v, nil, entryError(item, "%v", err)
		}
		v.ignores = append(v.ignores, ig)
	}
	return v, nil, nil
}

func entryError(n *yaml.Node, format string, a ...any) *valueError {
	e := badValue(n, format, a...)
	e.key = "ignore entry"
	return e
}

// yamlReason is a YAML decoding error without its "yaml: unmarshal errors:" wrapping.
func yamlReason(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		return te.Errors[0]
	}
	return err.Error()
}

// readScripts reads scripts:, the script inventory's entries; a problem names its line (the
// first of them: padlock inventory check lists every one).
func readScripts(val *yaml.Node) (value, []*yaml.Node, *valueError) {
	inv, err := scriptinv.ParseNode("", val)
	var ps scriptinv.Problems
	if errors.As(err, &ps) {
		e := &valueError{line: ps[0].Line, msg: ps[0].Msg}
		switch len(ps) {
		case 1:
		case 2:
			e.msg += " (and 1 more problem: padlock inventory check FILE lists both)"
		default:
			e.msg += fmt.Sprintf(" (and %d more problems: padlock inventory check FILE lists them all)", len(ps)-1)
		}
		return value{}, nil, e
	}
	return value{scripts: *inv}, nil, nil
}
