package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	"go.yaml.in/yaml/v3"

	"github.com/padlock-scan/padlock/gate"
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
	// Ignore has no flag: an accepted finding needs a written reason, which belongs in a file
	// under review, not in a command line.
	Ignore []gate.Ignore `yaml:"ignore"`
}

// configFile is a loaded config file: its settings and which keys it set.
type configFile struct {
	path string
	s    settings
	set  map[string]bool
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
	known := map[string]bool{}
	for _, f := range settingsKeys() {
		known[f] = true
	}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k := doc.Content[i]
		if !known[k.Value] {
			return nil, usageErr("config %s:%d: unknown key %q", path, k.Line, k.Value)
		}
		if cf.set[k.Value] {
			return nil, usageErr("config %s:%d: key %q given twice", path, k.Line, k.Value)
		}
		cf.set[k.Value] = true
	}
	var ignoreNode *yaml.Node
	for i := 0; i+1 < len(doc.Content); i += 2 {
		switch key, val := doc.Content[i].Value, doc.Content[i+1]; key {
		case "ignore":
			ignoreNode = val
		case "rule", "disable":
			// rule IDs are checked here, where their lines are known
			for _, item := range val.Content {
				if _, ok := rules.ByID(strings.TrimSpace(item.Value)); item.Kind == yaml.ScalarNode && !ok {
					return nil, usageErr("config %s:%d: %s: unknown rule %q (valid rules: %s)", path, item.Line, key, item.Value,
						strings.Join(rules.IDs(), ", "))
				}
			}
		}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cf.s); err != nil && !errors.Is(err, io.EOF) {
		var te *yaml.TypeError
		if errors.As(err, &te) && len(te.Errors) > 0 {
			return nil, usageErr("config %s: %s", path, te.Errors[0])
		}
		return nil, usageErr("config %s: %v", path, err)
	}
	if ignoreNode != nil {
		if ignoreNode.Kind != yaml.SequenceNode {
			return nil, usageErr("config %s:%d: ignore: want a list of entries (- rule: ..., url: ..., reason: ...)", path, ignoreNode.Line)
		}
		known := func(id string) bool { _, ok := rules.ByID(id); return ok }
		for i, item := range ignoreNode.Content {
			if i < len(cf.s.Ignore) {
				cf.s.Ignore[i].Line = item.Line
				if err := cf.s.Ignore[i].Validate(known); err != nil {
					return nil, usageErr("config %s:%d: ignore entry: %v", path, item.Line, err)
				}
			}
		}
	}
	return cf, nil
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
