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

	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/gate"
	"github.com/padlock-scan/padlock/report"
	"github.com/padlock-scan/padlock/rules"
)

// settings are every crawl setting, as the YAML config file spells them. Each flag has a key of
// the same name; flags given on the command line override the file.
type settings struct {
	URLs           []string      `yaml:"urls"`
	MaxPages       int           `yaml:"max-pages"`
	MaxDepth       int           `yaml:"max-depth"`
	NoFollow       bool          `yaml:"no-follow"`
	CheckResources string        `yaml:"check-resources"`
	Concurrency    int           `yaml:"concurrency"`
	Timeout        time.Duration `yaml:"timeout"`
	Delay          time.Duration `yaml:"delay"`
	Resolve        []string      `yaml:"resolve"`
	CAFile         string        `yaml:"ca-file"`
	Headers        []string      `yaml:"header"`
	FirstParty     []string      `yaml:"first-party"`
	AllowScript    []string      `yaml:"allow-script"`
	Formats        []string      `yaml:"format"`
	Output         string        `yaml:"output"`
	FailOn         string        `yaml:"fail-on"`
	UserAgent      string        `yaml:"user-agent"`
	Exclude        []string      `yaml:"exclude"`
	Include        []string      `yaml:"include"`
	IgnoreRobots   bool          `yaml:"ignore-robots"`
	Sitemaps       []string      `yaml:"sitemap"`
	MaxBody        string        `yaml:"max-body"`
	Insecure       bool          `yaml:"insecure"`
	Quiet          bool          `yaml:"quiet"`
	Baseline       string        `yaml:"baseline"`
	Rules          []string      `yaml:"rule"`
	Disable        []string      `yaml:"disable"`
	// ScriptReasons are the reasons given with allow-script entries, by pattern (file only).
	ScriptReasons map[string]string `yaml:"-"`
	// Ignore has no flag: an accepted finding needs a written reason, which belongs in a file
	// under review, not in a command line.
	Ignore []gate.Ignore `yaml:"ignore"`
}

// configFile is a loaded config file: its settings and which keys it set.
type configFile struct {
	path  string
	s     settings
	set   map[string]bool
	lines map[string]int // the line of each key
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
	cf, err := parseConfig(path, data)
	if err != nil {
		return nil, err
	}
	// The files the config names are checked only where no flag replaces them.
	if v := cf.s.CAFile; v != "" && cf.set["ca-file"] && !c.IsSet("ca-file") {
		if msg := crawlerProblem(crawler.Config{CAFile: v}, "--ca-file", v); msg != "" {
			return nil, usageErr("config %s:%d: ca-file: %s", path, cf.lines["ca-file"], msg)
		}
	}
	if v := cf.s.Baseline; v != "" && cf.set["baseline"] && !c.IsSet("baseline") {
		if _, err := os.Stat(v); err != nil {
			return nil, usageErr("config %s:%d: baseline: %v", path, cf.lines["baseline"], err)
		}
	}
	return cf, nil
}

func parseConfig(path string, data []byte) (*configFile, error) {
	cf := &configFile{path: path, set: map[string]bool{}}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, usageErr("config %s: %v", path, err)
	}
	if len(root.Content) == 0 {
		return cf, nil // an empty file sets nothing
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		return nil, usageErr("config %s:%d: want a mapping of settings (key: value)", path, doc.Line)
	}
	fields := cf.s.fields()
	given := map[string]bool{}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k := doc.Content[i]
		if _, ok := fields[k.Value]; !ok || k.Kind != yaml.ScalarNode {
			return nil, usageErr("config %s:%d: unknown key %q", path, k.Line, k.Value)
		}
		if given[k.Value] {
			return nil, usageErr("config %s:%d: key %q given twice", path, k.Line, k.Value)
		}
		given[k.Value] = true
		// a key with nothing after it ("max-pages:") sets nothing: the flag's default stays
		cf.set[k.Value] = !isNull(deref(doc.Content[i+1]))
	}
	// Each value is read and checked on its own, so that a problem names the file, its line
	// and the key (never a flag the user did not type, nor a Go type).
	lines := map[string]int{}
	cf.lines = lines
	for i := 0; i+1 < len(doc.Content); i += 2 {
		key, val := doc.Content[i].Value, deref(doc.Content[i+1])
		lines[key] = doc.Content[i].Line
		if key == "allow-script" {
			var err *valueError
			if val, err = readJustifications(val, &cf.s.ScriptReasons); err != nil {
				return nil, usageErr("config %s:%d: %s: %s", path, err.line, key, err.msg)
			}
		}
		if err := readValue(key, val, fields[key]); err != nil {
			if err.key != "" {
				key = err.key
			}
			return nil, usageErr("config %s:%d: %s: %s", path, err.line, key, err.msg)
		}
	}
	for _, err := range []*valueError{checkFormats(cf, lines), checkRuleSelection(cf, lines)} {
		if err != nil {
			return nil, usageErr("config %s:%d: %s: %s", path, err.line, err.key, err.msg)
		}
	}
	return cf, nil
}

// readJustifications takes the "- origin: ..., reason: ..." entries out of an allow-script list
// (PCI DSS 6.4.3: each approved script with why it is needed), keeping each reason by pattern,
// and returns the list with those entries as plain patterns for readValue.
func readJustifications(val *yaml.Node, reasons *map[string]string) (*yaml.Node, *valueError) {
	if val.Kind != yaml.SequenceNode {
		return val, nil
	}
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
				return nil, badValue(v, "%s: want a single value", k.Value)
			}
			switch k.Value {
			case "origin":
				origin = strings.TrimSpace(v.Value)
			case "reason":
				reason = strings.TrimSpace(v.Value)
			default:
				return nil, badValue(k, "unknown key %q in an entry (want origin and reason)", k.Value)
			}
		}
		if origin == "" {
			return nil, badValue(item, "an entry needs origin (and reason: why the script is needed)")
		}
		if *reasons == nil {
			*reasons = map[string]string{}
		}
		(*reasons)[origin] = reason
		out.Content[i] = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: origin, Line: item.Line, Column: item.Column}
	}
	return &out, nil
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

// fields maps each YAML key to the settings field it sets.
func (s *settings) fields() map[string]any {
	return map[string]any{
		"urls": &s.URLs, "max-pages": &s.MaxPages, "max-depth": &s.MaxDepth, "no-follow": &s.NoFollow,
		"check-resources": &s.CheckResources, "concurrency": &s.Concurrency, "timeout": &s.Timeout,
		"delay": &s.Delay, "resolve": &s.Resolve, "ca-file": &s.CAFile, "header": &s.Headers,
		"first-party": &s.FirstParty, "allow-script": &s.AllowScript, "format": &s.Formats,
		"output": &s.Output, "fail-on": &s.FailOn, "user-agent": &s.UserAgent, "exclude": &s.Exclude,
		"include": &s.Include, "ignore-robots": &s.IgnoreRobots, "sitemap": &s.Sitemaps,
		"max-body": &s.MaxBody, "insecure": &s.Insecure, "quiet": &s.Quiet, "baseline": &s.Baseline,
		"ignore": &s.Ignore, "rule": &s.Rules, "disable": &s.Disable,
	}
}

// readValue decodes the value of key into dst (a field of settings) and checks it with the rules
// the command line's flags are checked with.
func readValue(key string, val *yaml.Node, dst any) *valueError {
	notScalar := func() *valueError {
		if val.Kind == yaml.SequenceNode {
			return badValue(val, "want a single value, not a list")
		}
		return badValue(val, "want a single value, not a mapping")
	}
	switch dst := dst.(type) {
	case *int:
		if val.Kind != yaml.ScalarNode {
			return notScalar()
		}
		if isNull(val) {
			break // "max-pages:" with nothing after it sets nothing
		}
		if err := val.Decode(dst); err != nil {
			return badValue(val, "want a whole number, got %q", val.Value)
		}
		if msg := checkInt(key, *dst); msg != "" {
			return badValue(val, "%s, got %d", msg, *dst)
		}
	case *bool:
		if val.Kind != yaml.ScalarNode {
			return notScalar()
		}
		if isNull(val) {
			break
		}
		if err := val.Decode(dst); err != nil {
			return badValue(val, "want true or false, got %q", val.Value)
		}
	case *time.Duration:
		if val.Kind != yaml.ScalarNode {
			return notScalar()
		}
		if isNull(val) {
			break
		}
		d, err := time.ParseDuration(strings.TrimSpace(val.Value))
		if err != nil {
			return badValue(val, "want a duration such as 15s or 1m, got %q", val.Value)
		}
		*dst = d
		if msg := checkDuration(key, d); msg != "" {
			return badValue(val, "%s, got %s", msg, d)
		}
	case *string:
		if val.Kind != yaml.ScalarNode {
			return notScalar()
		}
		if !isNull(val) {
			if err := val.Decode(dst); err != nil {
				return badValue(val, "want a single value, got %q", val.Value)
			}
		}
		if msg := checkString(key, *dst); msg != "" {
			return badValue(val, "%s", withValue(msg, *dst))
		}
	case *[]string:
		// a single value is a list of one: "urls: https://shop.example/" means what it says
		items := []*yaml.Node{val}
		switch {
		case val.Kind == yaml.SequenceNode:
			items = val.Content
		case val.Kind == yaml.MappingNode:
			return badValue(val, "want a list of values, not a mapping")
		case isNull(val):
			items = nil
		}
		*dst = nil
		for _, item := range items {
			item = deref(item)
			if item.Kind != yaml.ScalarNode {
				return badValue(item, "want a list of single values (a list item is itself a list or a mapping)")
			}
			v := ""
			if !isNull(item) {
				v = item.Value
			}
			if msg := checkListItem(key, v); msg != "" {
				return badValue(item, "%s", withValue(msg, v))
			}
			*dst = append(*dst, v)
		}
	case *[]gate.Ignore:
		return readIgnore(val, dst)
	default:
		panic("config: no reader for key " + key)
	}
	return nil
}

// readIgnore reads the ignore: list, each entry a mapping of gate.Ignore's keys.
func readIgnore(val *yaml.Node, dst *[]gate.Ignore) *valueError {
	if isNull(val) {
		return nil
	}
	const want = "want a list of entries (- rule: ..., url: ..., reason: ...)"
	if val.Kind != yaml.SequenceNode {
		return badValue(val, want)
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
			return badValue(item, want)
		}
		for i := 0; i+1 < len(item.Content); i += 2 {
			k, v := item.Content[i], deref(item.Content[i+1])
			if !slices.Contains(keys, k.Value) {
				return entryError(k, "unknown key %q (want %s)", k.Value, strings.Join(keys, ", "))
			}
			if v.Kind != yaml.ScalarNode {
				return entryError(v, "%s: want a single value", k.Value)
			}
		}
		var ig gate.Ignore
		if err := item.Decode(&ig); err != nil {
			return entryError(item, "%s", yamlReason(err))
		}
		ig.Line = item.Line
		if err := ig.Validate(known); err != nil {
			return entryError(item, "%v", err)
		}
		*dst = append(*dst, ig)
	}
	return nil
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

// withValue appends the offending value to a problem unless the problem already quotes it.
func withValue(msg, v string) string {
	if q := fmt.Sprintf("%q", v); !strings.Contains(msg, q) {
		return msg + ", got " + q
	}
	return msg
}

// checkInt says what is wrong with a number, from the file or a flag (crawlOptions calls it too), by
// the bounds of crawler.Config.Validate where it has them.
func checkInt(key string, n int) string {
	switch key {
	case "max-pages":
		if n <= 0 {
			return "must be 1 or more"
		}
	case "concurrency":
		if n <= 0 || n > 256 {
			return "must be between 1 and 256"
		}
	case "max-depth":
		return crawlerProblem(crawler.Config{MaxDepth: n}, "--max-depth", fmt.Sprint(n))
	}
	return ""
}

func checkDuration(key string, d time.Duration) string {
	switch key {
	case "timeout":
		if d <= 0 {
			return "must be positive"
		}
	case "delay":
		return crawlerProblem(crawler.Config{Delay: d}, "--delay", d.String())
	}
	return ""
}

func checkString(key, v string) string {
	switch key {
	case "check-resources":
		return crawlerProblem(crawler.Config{CheckResources: v}, "--check-resources", v)
	case "fail-on":
		if _, err := rules.ParseSeverity(v); v != "never" && err != nil {
			return "want error, warning, info or never"
		}
	case "max-body":
		if _, err := parseSize(v); err != nil {
			return err.Error()
		}
	}
	return ""
}

// checkListItem says what is wrong with one item of a list from the file.
func checkListItem(key, v string) string {
	switch key {
	case "urls":
		return crawlerProblem(crawler.Config{StartURLs: []string{v}}, "start URL", v)
	case "resolve":
		return crawlerProblem(crawler.Config{Resolve: []string{v}}, "--resolve", v)
	case "first-party":
		return crawlerProblem(crawler.Config{FirstParty: []string{v}}, "--first-party", v)
	case "sitemap":
		return crawlerProblem(crawler.Config{Sitemaps: []string{v}}, "--sitemap", v)
	case "header":
		h, err := parseHeaders([]string{v})
		if err != nil {
			return flagReason(err, "--header", v)
		}
		return crawlerProblem(crawler.Config{Headers: h}, "--header", v)
	case "include", "exclude":
		if _, err := compileAll(key, []string{v}); err != nil {
			return flagReason(err, "--"+key, v)
		}
	case "allow-script":
		if err := rules.ValidateOriginPattern(v); err != nil {
			return err.Error()
		}
	case "format":
		if _, err := report.New(v); err != nil {
			return err.Error()
		}
	case "rule", "disable":
		if _, ok := rules.ByID(strings.TrimSpace(v)); !ok {
			return fmt.Sprintf("unknown rule %q (valid rules: %s)", v, strings.Join(rules.IDs(), ", "))
		}
	}
	return ""
}

// crawlerProblem checks one setting with crawler.Config.Validate, which every crawl runs, and
// returns its complaint without the flag it names.
func crawlerProblem(cc crawler.Config, flag, value string) string {
	if cc.StartURLs == nil {
		cc.StartURLs = []string{"http://127.0.0.1/"}
	}
	if err := cc.Validate(); err != nil {
		return flagReason(err, flag, value)
	}
	return ""
}

// flagReason is a flag's error message without "--flag value: " in front, for a key of the file.
func flagReason(err error, flag, value string) string {
	msg := strings.TrimPrefix(err.Error(), crawler.ErrConfig.Error()+": ")
	for _, p := range []string{fmt.Sprintf("%s %q: ", flag, value), flag + " " + value + ": ", flag + ": ", flag + " "} {
		if strings.HasPrefix(msg, p) {
			return strings.TrimPrefix(msg, p)
		}
	}
	return msg
}

// checkFormats finds a format listed twice, and several formats for standard output, when the
// file says both.
func checkFormats(cf *configFile, lines map[string]int) *valueError {
	seen := map[string]bool{}
	for _, f := range cf.s.Formats {
		if seen[f] {
			return &valueError{line: lines["format"], key: "format", msg: fmt.Sprintf("%s given twice", f)}
		}
		seen[f] = true
	}
	if cf.set["output"] && cf.s.Output == "-" && len(cf.s.Formats) > 1 {
		return &valueError{line: lines["output"], key: "output", msg: fmt.Sprintf("-: standard output takes one format, format lists %d", len(cf.s.Formats))}
	}
	return nil
}

// checkRuleSelection finds a selection in the file that rules.Select refuses (a rule both on and
// off, or no rule left).
func checkRuleSelection(cf *configFile, lines map[string]int) *valueError {
	if len(cf.s.Rules) == 0 && len(cf.s.Disable) == 0 {
		return nil
	}
	if _, err := rules.Select(cf.s.Rules, cf.s.Disable); err != nil {
		key := "disable"
		if !cf.set[key] {
			key = "rule"
		}
		return &valueError{line: lines[key], key: key, msg: err.Error()}
	}
	return nil
}

// settingsKeys lists the YAML keys of settings.
func settingsKeys() []string {
	return []string{"urls", "max-pages", "max-depth", "no-follow", "check-resources", "concurrency", "timeout", "delay",
		"resolve", "ca-file", "header", "first-party", "allow-script", "format", "output", "fail-on",
		"user-agent", "exclude", "include", "ignore-robots", "sitemap", "max-body", "insecure", "quiet",
		"baseline", "ignore", "rule", "disable"}
}

// mergeSettings takes each setting from the command line when given there, else from the config
// file when it sets it, else the flag's default.
func mergeSettings(c *cli.Context, cf *configFile) settings {
	fromFile := func(key string) bool { return cf != nil && cf.set[key] && !c.IsSet(key) }
	var s settings
	if cf != nil {
		s = cf.s
	}
	pickInt := func(key string, dst *int) {
		if !fromFile(key) {
			*dst = c.Int(key)
		}
	}
	pickStr := func(key string, dst *string) {
		if !fromFile(key) {
			*dst = c.String(key)
		}
	}
	pickBool := func(key string, dst *bool) {
		if !fromFile(key) {
			*dst = c.Bool(key)
		}
	}
	pickList := func(key string, dst *[]string) {
		if !fromFile(key) {
			*dst = c.StringSlice(key)
		}
	}
	pickInt("max-pages", &s.MaxPages)
	pickInt("max-depth", &s.MaxDepth)
	pickBool("no-follow", &s.NoFollow)
	pickStr("check-resources", &s.CheckResources)
	pickInt("concurrency", &s.Concurrency)
	if !fromFile("timeout") {
		s.Timeout = c.Duration("timeout")
	}
	if !fromFile("delay") {
		s.Delay = c.Duration("delay")
	}
	pickList("resolve", &s.Resolve)
	pickStr("ca-file", &s.CAFile)
	pickList("header", &s.Headers)
	pickList("first-party", &s.FirstParty)
	pickList("allow-script", &s.AllowScript)
	pickList("format", &s.Formats)
	pickStr("output", &s.Output)
	pickStr("fail-on", &s.FailOn)
	pickStr("user-agent", &s.UserAgent)
	pickList("exclude", &s.Exclude)
	pickList("include", &s.Include)
	pickBool("ignore-robots", &s.IgnoreRobots)
	pickList("sitemap", &s.Sitemaps)
	pickStr("max-body", &s.MaxBody)
	pickBool("insecure", &s.Insecure)
	pickBool("quiet", &s.Quiet)
	pickStr("baseline", &s.Baseline)
	// --rule and --disable are one setting: either one on the command line replaces both keys
	// of the file (else `disable: [x]` in the file and `--rule x` would contradict each other).
	if cf == nil || c.IsSet("rule") || c.IsSet("disable") {
		s.Rules, s.Disable = c.StringSlice("rule"), c.StringSlice("disable")
	}
	return s
}
