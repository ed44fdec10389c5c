package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/report/schema"
	"github.com/padlock-scan/padlock/rules"
)

// schemaDoc is the parts of report-v1.json the reflection test reads.
type schemaNode struct {
	Required   []string               `json:"required"`
	Properties map[string]*schemaNode `json:"properties"`
	Ref        string                 `json:"$ref"`
	Items      *schemaNode            `json:"items"`
	Defs       map[string]*schemaNode `json:"$defs"`
	AddlProps  any                    `json:"additionalProperties"`
}

// TestSchemaMatchesTheGoTypes walks every struct of the report model and checks the schema
// object that describes it: the same property names as the JSON fields, required exactly for
// the fields without omitempty, and closed. A field added to a type and not to the schema (or
// the other way round) fails here.
func TestSchemaMatchesTheGoTypes(t *testing.T) {
	var root schemaNode
	if err := json.Unmarshal(schema.V1, &root); err != nil {
		t.Fatal(err)
	}
	resolve := func(n *schemaNode) *schemaNode {
		for n != nil && n.Ref != "" {
			n = root.Defs[strings.TrimPrefix(n.Ref, "#/$defs/")]
		}
		return n
	}
	seen := map[reflect.Type]bool{}
	var walk func(typ reflect.Type, n *schemaNode, path string)
	walk = func(typ reflect.Type, n *schemaNode, path string) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice {
			typ = typ.Elem()
			if n = resolve(n); n != nil && n.Items != nil {
				n = n.Items
			}
		}
		n = resolve(n)
		if typ.Kind() != reflect.Struct || typ == reflect.TypeOf(time.Time{}) {
			return
		}
		if n == nil {
			t.Errorf("%s (%s): no schema", path, typ)
			return
		}
		if seen[typ] {
			return
		}
		seen[typ] = true
		if n.AddlProps != false {
			t.Errorf("%s (%s): the schema object is not closed (additionalProperties: false)", path, typ)
		}
		var names, required []string
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i)
			tag := f.Tag.Get("json")
			if !f.IsExported() || tag == "-" || tag == "" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			names = append(names, name)
			if !strings.Contains(opts, "omitempty") {
				required = append(required, name)
			}
			walk(f.Type, n.Properties[name], path+"."+name)
		}
		var props []string
		for k := range n.Properties {
			props = append(props, k)
		}
		slices.Sort(names)
		slices.Sort(props)
		slices.Sort(required)
		req := slices.Clone(n.Required)
		slices.Sort(req)
		if !slices.Equal(names, props) {
			t.Errorf("%s (%s): JSON fields %v, schema properties %v", path, typ, names, props)
		}
		if !slices.Equal(required, req) {
			t.Errorf("%s (%s): fields without omitempty %v, schema required %v", path, typ, required, req)
		}
	}
	walk(reflect.TypeOf(Report{}), &root, "$")
	for _, typ := range []reflect.Type{reflect.TypeOf(Stats{}), reflect.TypeOf(Page{}), reflect.TypeOf(Finding{}), reflect.TypeOf(Origin{}), reflect.TypeOf(Script{}), reflect.TypeOf(Fix{}), reflect.TypeOf(Settings{}), reflect.TypeOf(Certificate{}), reflect.TypeOf(Suppression{})} {
		if !seen[typ] {
			t.Errorf("%s was not reached from Report: the walk is broken", typ)
		}
	}
}

// TestReportsValidateAgainstTheSchema validates the golden reports and a report with every
// optional field set, as the JSON writer writes it, and checks that the schema rejects what a
// strict reader must reject.
func TestReportsValidateAgainstTheSchema(t *testing.T) {
	golden, _ := filepath.Glob("../testdata/golden/*.json")
	if len(golden) == 0 {
		t.Fatal("no golden reports found")
	}
	for _, g := range golden {
		b, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		// The golden files stand placeholders in for what changes from run to run.
		b = bytes.ReplaceAll(b, []byte(`"(certificate date)"`), []byte(`"2026-01-01T00:00:00Z"`))
		if err := schema.Validate(b); err != nil {
			t.Errorf("%s: %v", g, err)
		}
	}
	full := fullReport()
	w, err := New("json")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := w.Write(&buf, full); err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(buf.Bytes()); err != nil {
		t.Fatalf("a report with every field set does not validate: %v\n%s", err, buf.Bytes())
	}
	good := buf.String()
	bad := map[string]string{
		"unknown version":  strings.Replace(good, `"version": 1,`, `"version": 2,`, 1),
		"unknown field":    strings.Replace(good, `"interrupted": true`, `"interrupted": true, "intrerupted": true`, 1),
		"wrong type":       strings.Replace(good, `"line": 7,`, `"line": "7",`, 1),
		"unknown severity": strings.Replace(good, `"severity": "error"`, `"severity": "fatal"`, 1),
		"missing pages":    strings.Replace(good, `"pages": [`, `"pagez": [`, 1),
		"bad time":         strings.Replace(good, `"started_at": "2026-12-04T10:00:00Z"`, `"started_at": "yesterday"`, 1),
		"bad baseline":     strings.Replace(good, `"baseline": "new"`, `"baseline": "old"`, 1),
		"negative count":   strings.Replace(good, `"page_count": 2,`, `"page_count": -2,`, 1),
		"trailing garbage": good + "{}",
		"truncated":        good[:len(good)/2],
		"not a report":     `[1, 2, 3]`,
	}
	for name, doc := range bad {
		if doc == good {
			t.Errorf("%s: the replacement did not apply (the fixture changed?)", name)
			continue
		}
		if err := schema.Validate([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// fullReport sets every field of the model, optional ones included.
func fullReport() *Report {
	yes := true
	at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	f := Finding{
		Rule: "mixed-content-blockable", Severity: rules.Error, Page: "https://shop.test/", URL: "http://cdn.test/a.js",
		Element: "script", Attribute: "src", Line: 7, Source: "html", Message: "m", Stylesheet: "https://shop.test/s.css",
		Mitigation: "x", HTTPSAvailable: &yes, Baseline: BaselineNew,
		Suppressed: &Suppression{Reason: "r", Until: "2027-01-01", Match: "https://shop.test/*"},
	}
	return &Report{
		Version: Version, Tool: Tool{Name: "padlock", Version: "0.1.0"}, StartURLs: []string{"https://shop.test/"},
		StartedAt: at, FinishedAt: at.Add(time.Second),
		Stats: Stats{Pages: 1, Resources: 1, Findings: 1, Errors: 1, Requests: 3, NotCrawled: 1, Skipped: 1,
			BySeverity: map[string]int{"error": 1}, ByRule: map[string]int{"mixed-content-blockable": 1}},
		Pages: []Page{{
			URL: "https://shop.test/", FinalURL: "https://shop.test/", Status: 200, Depth: 0, ContentType: "text/html",
			Title: "t", Frame: true, Parent: "https://shop.test/p", TLS: &TLS{Version: "TLS 1.3", Cipher: "TLS_AES_128_GCM_SHA256"},
			Redirects: []Redirect{{From: "http://shop.test/", To: "https://shop.test/", Status: 301, Via: "http"}},
			Truncated: true, Error: "e",
			Resources: []Resource{{URL: "http://cdn.test/a.js", Element: "script", Attribute: "src", Kind: "script", Line: 7, Source: "html", Stylesheet: "s", Status: 200}},
			Payment:   true, PaymentSignals: []string{"cc-number"}, CSP: []string{"default-src 'self'"},
			SecurityHeaders: map[string]string{"X-Frame-Options": "DENY"},
		}},
		Findings: []Finding{f},
		Errors:   []Error{{URL: "https://shop.test/x", Error: "timeout"}},
		Origins: []Origin{{Origin: "https://shop.test", InScope: true, FirstPage: "https://shop.test/", TLSVersion: "TLS 1.3",
			Cipher: "c", LegacyTLS: true, LegacyVersion: "TLS 1.0",
			Certificate: &Certificate{Subject: "s", Issuer: "i", NotBefore: at, NotAfter: at, DNSNames: []string{"shop.test"}, Problem: "expired", Error: "e"},
			HSTS:        "max-age=1", HSTSPages: 1, HSTSVaries: true, Error: "e"}},
		Fixes: []Fix{{URL: "http://cdn.test/a.js", Rule: "mixed-content-blockable", Severity: rules.Error, Action: "use-https",
			HTTPSURL: "https://cdn.test/a.js", Findings: 1, Pages: 1, Stylesheets: []string{"s"}, Examples: []string{"https://shop.test/"}}},
		Scripts: []Script{{Kind: "external", URL: "https://cdn.test/a.js", SHA256: strings.Repeat("ab", 32), Size: 10, Status: 200,
			Party: "third", Integrity: "sha384-x", IntegrityValid: &yes, AllowedBy: "https://cdn.test", Justification: "j",
			PageCount: 2, Pages: []string{"https://shop.test/"}, PaymentPages: []string{"https://shop.test/"}}},
		Interrupted: true, Warnings: []string{"w"}, Fixed: []Finding{f},
		Config: &Settings{MaxPages: 10, MaxDepth: -1, CheckResources: "all", FailOn: "error", FirstParty: []string{"a"},
			AllowScript: []string{"b"}, NoFollow: true, Include: []string{"c"}, Exclude: []string{"d"}, IgnoreRobots: true, FailOnCrawlErrors: true, Render: "all",
			RulesDisabled: []string{"hsts-short"}},
	}
}

// TestREADMEExampleValidates keeps the README's example report in step with the schema.
func TestREADMEExampleValidates(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(b), "## JSON report (version 1)\n\n```json\n")
	example, _, ok2 := strings.Cut(after, "```")
	if !ok || !ok2 {
		t.Fatal("README has no JSON report example")
	}
	if err := schema.Validate([]byte(example)); err != nil {
		t.Errorf("README's example report: %v", err)
	}
}
