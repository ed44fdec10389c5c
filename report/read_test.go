package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/padlock-scan/padlock/report/schema"
	"github.com/padlock-scan/padlock/rules"
)

// Reading streams the report one page at a time; the result must equal decoding it whole.
func TestReadMatchesDecodingWhole(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := writeJSON(&buf, fixtureReport()); err != nil {
		t.Fatal(err)
	}
	var want Report
	if err := json.Unmarshal(buf.Bytes(), &want); err != nil {
		t.Fatal(err)
	}
	got, err := read(bytes.NewReader(buf.Bytes()), true)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("streamed read differs from a whole decode:\n got %+v\nwant %+v", *got, want)
	}

	path := filepath.Join(t.TempDir(), "r.json")
	os.WriteFile(path, buf.Bytes(), 0o600)
	light, err := ReadFileWithoutResources(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(light.Pages) != len(want.Pages) || len(want.Pages) == 0 {
		t.Fatalf("%d pages, want %d", len(light.Pages), len(want.Pages))
	}
	resources := 0
	for i, p := range light.Pages {
		resources += len(want.Pages[i].Resources)
		if p.Resources != nil {
			t.Errorf("page %s kept its resources", p.URL)
		}
		w := want.Pages[i]
		w.Resources = nil
		if !reflect.DeepEqual(p, w) {
			t.Errorf("page %d differs apart from resources:\n got %+v\nwant %+v", i, p, w)
		}
	}
	if resources == 0 {
		t.Fatal("the fixture has no resources: the test proves nothing")
	}
	light.Pages, want.Pages = nil, nil
	if !reflect.DeepEqual(*light, want) {
		t.Errorf("everything but the pages must be read whole")
	}
}

// goodReport is a report with every field set, as the JSON writer writes it.
func goodReport(t testing.TB) string {
	t.Helper()
	var buf bytes.Buffer
	if err := writeJSON(&buf, fullReport()); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// readBoth reads doc with and without resources and fails when the two disagree.
func readBoth(t testing.TB, doc []byte) (*Report, error) {
	t.Helper()
	full, err := read(bytes.NewReader(doc), true)
	light, lerr := read(bytes.NewReader(doc), false)
	if (err == nil) != (lerr == nil) || (err != nil && err.Error() != lerr.Error()) {
		t.Fatalf("with resources: %v\nwithout: %v\n%q", err, lerr, doc)
	}
	if err != nil {
		return nil, err
	}
	if len(full.Pages) != len(light.Pages) || !reflect.DeepEqual(full.Findings, light.Findings) {
		t.Fatalf("the two reads disagree on %q", doc)
	}
	return full, nil
}

// Every way a report can be corrupted, truncated or tampered with gives one error naming the
// JSON path and what was expected there, the same with and without resources.
func TestReadErrors(t *testing.T) {
	t.Parallel()
	good := goodReport(t)
	replace := func(old, new string) string {
		if !strings.Contains(good, old) {
			t.Fatalf("the fixture has no %q", old)
		}
		return strings.Replace(good, old, new, 1)
	}
	tamper := func(change func(doc map[string]any)) string {
		var doc map[string]any
		if err := json.Unmarshal([]byte(good), &doc); err != nil {
			t.Fatal(err)
		}
		change(doc)
		b, _ := json.Marshal(doc)
		return string(b)
	}
	tests := []struct{ name, in, want string }{
		{"empty", "", "not a padlock JSON report: the JSON ends too soon"},
		{"array", "[]", "not a padlock JSON report: got array, want object"},
		{"truncated", good[:len(good)/2], "the JSON ends too soon (a truncated report?)"},
		{"truncated in a page", good[:strings.Index(good, `"resources": [`)], "not a padlock JSON report: pages[0]: the JSON ends too soon"},
		{"not JSON", `{"version":1,"pages":[{]}`, "pages[0]: not JSON: invalid character ']' looking for beginning of object key string"},
		{"the fuzz crasher", `{"version":1,"pages":[{"000":"0","resourCes":"0"}]}`, `not a padlock JSON report: pages[0]: unknown fields "000", "resourCes"`},
		{"field of another case", replace(`"resources": [`, `"resourCes": [`), `pages[0]: unknown fields "resourCes"`},
		{"unknown field", replace(`"interrupted": true`, `"interrupted": true, "intrerupted": true`), `not a padlock JSON report: unknown fields "intrerupted"`},
		{"unknown field in a resource", replace(`"line": 7,`, `"line": 7, "lines": 7,`), `pages[0].resources[0]: unknown fields "lines"`},
		{"resources a string", tamper(func(doc map[string]any) { doc["pages"].([]any)[0].(map[string]any)["resources"] = "x" }), "not a padlock JSON report: pages[0].resources: got string, want array"},
		{"findings a string", tamper(func(doc map[string]any) { doc["findings"] = "none" }), "not a padlock JSON report: findings: got string, want array"},
		{"pages an object", `{"version":1,"pages":{"a":1}}`, "not a padlock JSON report: pages: got object, want array"},
		{"pages null", `{"version":1,"pages":null}`, "pages: got null, want array"},
		{"finding not an object", `{"version":1,"findings":[1]}`, "not a padlock JSON report: findings[0]: got number, want object"},
		{"wrong type deep", replace(`"line": 7,`, `"line": "7",`), "pages[0].resources[0].line: got string, want integer"},
		{"negative line", replace(`"line": 7,`, `"line": -7,`), "pages[0].resources[0].line: minimum: got -7, want 0"},
		{"huge line", replace(`"line": 7,`, `"line": 1e999999,`), "pages[0].resources[0].line: number 1e999999 out of range"},
		{"missing required", replace(`"final_url": "https://shop.test/",`, ``), "pages[0]: missing property 'final_url'"},
		{"bad time", replace(`"started_at": "2026-12-04T10:00:00Z"`, `"started_at": "yesterday"`), "started_at: 'yesterday' is not valid date-time"},
		{"header name", replace(`"X-Frame-Options": "DENY"`, `"X-Frame-Options": 1`), `pages[0].security_headers["X-Frame-Options"]: got number, want string`},
		{"data after", good + "{}", "not a padlock JSON report: data after the report"},
		{"garbage after", good + "x", "data after the report"},
		{"version 2", replace(`"version": 1,`, `"version": 2,`), "report version 2: this padlock reads version 1"},
		{"version 2 and a broken page", replace(`"version": 1,`, `"version": 2, "pages": [{}], "x":`), "report version 2: this padlock reads version 1"},
		{"version 99 at the end", `{"pages":[],"findings":[],"version":99}`, "report version 99: this padlock reads version 1"},
		{"no version", `{"pages":[],"findings":[]}`, "missing properties 'version'"},
		{"version a string", `{"version":"1"}`, `report version "1": this padlock reads version 1`},
		{"unknown severity", replace(`"severity": "error"`, `"severity": "critical"`), "findings[0].severity: value must be one of 'error', 'warning', 'info'"},
		{"hostile severity", replace(`"severity": "error"`, `"severity": "error\"><script>window.pwned=1</script>"`), "findings[0].severity: value must be one of"},
	}
	for _, tc := range tests {
		_, err := readBoth(t, []byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
	// the file's reader says the same
	path := filepath.Join(t.TempDir(), "r.json")
	os.WriteFile(path, []byte(tests[len(tests)-1].in), 0o600)
	for _, read := range []func(string) (*Report, error){ReadFile, ReadFileWithoutResources} {
		if _, err := read(path); err == nil || !strings.Contains(err.Error(), "findings[0].severity: value must be one of") {
			t.Errorf("reading the file: %v", err)
		}
	}
}

// The strict reader and the schema accept and refuse the same documents.
func TestReadAgreesWithTheSchema(t *testing.T) {
	t.Parallel()
	good := goodReport(t)
	var sample bytes.Buffer
	writeJSON(&sample, sampleReport(3))
	docs := []string{
		good, sample.String(),
		strings.Replace(good, `"version": 1,`, `"version": 1.0,`, 1),
		strings.Replace(good, `"line": 7,`, `"line": 7e0,`, 1),
		strings.Replace(good, `"line": 7,`, `"line": 7.5,`, 1),
		strings.Replace(good, `"status": 200,`, `"status": 1000,`, 1),
		strings.Replace(good, `"rule": "mixed-content-blockable"`, `"rule": "Mixed"`, 1),
		strings.Replace(good, `"baseline": "new"`, `"baseline": "old"`, 1),
		strings.Replace(good, `"tool": {`, `"tool": {"x": 1,`, 1),
		strings.Replace(good, `"pages": [`, `"pagez": [`, 1),
		strings.Replace(good, `"interrupted": true`, `"interrupted": null`, 1),
		strings.Replace(good, `"pages": [`, `"pages": [], "p": [`, 1),
		`{"version":1,"pages":[{"000":"0","resourCes":"0"}]}`,
		`{}`, `[]`, `1`, `null`, `{"version":1}`,
	}
	for i, doc := range docs {
		_, err := readBoth(t, []byte(doc))
		serr := schema.Validate([]byte(doc))
		if (err == nil) != (serr == nil) {
			t.Errorf("document %d: the reader says %v, the schema %v", i, err, serr)
		}
		if i < 2 && err != nil {
			t.Errorf("document %d, a report padlock wrote: %v", i, err)
		}
	}
}

// quickValid is sure of every report, page and finding padlock writes (else reading is several
// times slower).
func TestQuickValidKnowsWhatPadlockWrites(t *testing.T) {
	t.Parallel()
	for _, r := range []*Report{fullReport(), sampleReport(3), fixtureReport()} {
		var whole bytes.Buffer
		if err := writeJSON(&whole, r); err != nil {
			t.Fatal(err)
		}
		if !quickValid("#", whole.Bytes()) {
			t.Errorf("not sure of the report %s", whole.Bytes())
		}
		for i := range r.Pages {
			b, _ := json.Marshal(&r.Pages[i])
			if !quickValid("page", b) {
				t.Errorf("not sure of page %s", b)
			}
		}
		for i := range r.Findings {
			b, _ := json.Marshal(&r.Findings[i])
			if !quickValid("finding", b) {
				t.Errorf("not sure of finding %s", b)
			}
		}
	}
	// a snippet is at most 200 code points: escapes and UTF-8 count one each
	script := func(snippet string) []byte {
		return []byte(`{"kind":"inline","sha256":"` + strings.Repeat("0", 64) + `","party":"first","page_count":1,"pages":["p"],"snippet":"` + snippet + `"}`)
	}
	for snippet, sure := range map[string]bool{
		`a\"b`: true, strings.Repeat(`\"`, 200): true, strings.Repeat("é", 200): true, strings.Repeat(`\u00e9`, 200): true,
		strings.Repeat("x", 201): false, strings.Repeat(`\"`, 201): false, strings.Repeat("é", 201): false,
	} {
		if quickValid("script", script(snippet)) != sure {
			t.Errorf("quickValid of a script with the snippet %q: %v, want %v", snippet, !sure, sure)
		}
	}
	for _, bad := range []string{
		`{"url":"u","final_url":"f","status":200,"depth":0,"resources":[],"x":1}`,
		`{"url":"u","final_url":"f","status":2000,"depth":0,"resources":[]}`,
		`{"url":"u","final_url":"f","status":200,"depth":0}`,
		`{"\u0075rl":"u","final_url":"f","status":200,"depth":0,"resources":[]}`,
		`{"url":"u","final_url":"f","status":200,"depth":0,"resources":[{"url":"x"}]}`,
		`{"url":"u","final_url":"f","status":200.0,"depth":0,"resources":[]}`,
		`{"url":"u","final_url":"f","status":200,"depth":0,"resources":null}`,
		`{"url":"u","final_url":"f","status":200,"depth":0,"resources":[],"redirects":[{"from":"a","to":"b","status":301,"via":"x"}]}`,
	} {
		if quickValid("page", []byte(bad)) {
			t.Errorf("sure of %s", bad)
		}
	}
}

func FuzzRead(f *testing.F) {
	f.Add([]byte(goodReport(f)))
	f.Add([]byte(`{"url":"u","final_url":"f","status":200,"depth":0,"resources":[{"url":"x","element":"img","attribute":"src","kind":"image","line":1}],"security_headers":{"a":"b"}}`))
	f.Add([]byte(`{"rule":"a-b","severity":"error","page":"p","url":"u","element":"e","attribute":"a","line":3,"source":"s","message":"m","baseline":"new","suppressed":{"reason":"r","until":"2026-01-01"}}`))
	var buf bytes.Buffer
	writeJSON(&buf, sampleReport(2))
	f.Add(buf.Bytes())
	f.Add([]byte(`{"version":1,"pages":null,"findings":[]}`))
	f.Add([]byte(`{"url":"u\u00e9","final_url":"f","status":200,"depth":0,"resources":[{"url":"x\"y","element":"img","attribute":"src","kind":"image","line":1,"count":2,"url":"z"}, {"url":"é","element":"a","attribute":"href","kind":"link","line":0,"status":404,"error":"e","source":"s","stylesheet":"c"}]}`))
	f.Add([]byte(`{"version":1,"pages":[{"url":"u","resources":[{"url":"x"}]}],"findings":[{"rule":"r"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		// a page quickValid is sure of decodes without reflection as json.Unmarshal decodes it
		if at, sure := quickScan(quick["page"], data); sure {
			var want Page
			if err := json.Unmarshal(data, &want); err != nil {
				t.Fatalf("quickValid is sure of a page json.Unmarshal refuses: %v", err)
			}
			var scratch []byte
			for _, res := range []bool{true, false} {
				if got, ok := decodePage(data, at, res, &scratch); ok {
					w := want
					if !res {
						w.Resources = nil
					}
					if !reflect.DeepEqual(got, w) {
						t.Fatalf("decodePage (resources %v):\n got %+v\nwant %+v", res, got, w)
					}
				}
			}
		}
		// a yes of quickValid is a yes of the syntax check too (the reader checks nothing else)
		for _, def := range []string{"page", "finding", "script", "error", "fix", "#"} {
			if quickValid(def, data) && !json.Valid(data) {
				t.Fatalf("quickValid is sure of a %s that is not JSON", def)
			}
		}
		// quickValid is never sure of a page or finding the schema refuses
		if len(data) <= 64<<10 && json.Valid(data) {
			for _, def := range []string{"page", "finding", "script", "error", "fix", "#"} {
				if !quickValid(def, data) {
					continue
				}
				var err error
				if def == "#" {
					err = schema.Validate(data)
				} else {
					var sch *jsonschema.Schema
					if sch, err = schema.Def(def); err != nil {
						t.Fatal(err)
					}
					var inst any
					if inst, err = jsonschema.UnmarshalJSON(bytes.NewReader(data)); err == nil {
						err = sch.Validate(inst)
					}
				}
				if err != nil {
					t.Fatalf("quickValid is sure of a %s the schema refuses: %v", def, err)
				}
			}
		}
		full, err := readBoth(t, data)
		// with the schema on small inputs: the reader refuses what it refuses, and accepts what
		// it accepts but numbers and times no Go type holds
		if len(data) <= 64<<10 && !errors.Is(err, errRange) {
			if serr := schema.Validate(data); (err == nil) != (serr == nil) {
				t.Fatalf("the reader says %v, the schema %v", err, serr)
			}
		}
		if err != nil {
			if !strings.HasPrefix(err.Error(), "not a padlock JSON report: ") && !strings.HasPrefix(err.Error(), "report version ") {
				t.Fatalf("error %q", err)
			}
			return
		}
		var whole Report
		if json.Unmarshal(data, &whole) == nil && !reflect.DeepEqual(whole.Findings, full.Findings) {
			t.Fatalf("streamed findings differ from a whole decode")
		}
	})
}

// BenchmarkRead reads a 2,000-page report (30 resources a page) whole and without resources.
func BenchmarkRead(b *testing.B) {
	r := &Report{Version: Version, StartURLs: []string{"https://s.test/"}}
	for i := 0; i < 2000; i++ {
		p := Page{URL: "https://s.test/p/" + strings.Repeat("x", i%7), FinalURL: "https://s.test/", Status: 200}
		for j := 0; j < 30; j++ {
			p.Resources = append(p.Resources, Resource{URL: "https://cdn.test/a.js?v=" + strings.Repeat("y", j), Element: "script", Attribute: "src", Kind: "script", Line: j})
		}
		r.Pages = append(r.Pages, p)
		r.Findings = append(r.Findings, Finding{Rule: "mixed-content-blockable", Severity: rules.Error, Page: p.URL, URL: "http://cdn.test/a.js", Line: 3})
	}
	r.Finish()
	var buf bytes.Buffer
	if err := writeJSON(&buf, r); err != nil {
		b.Fatal(err)
	}
	for _, res := range []bool{true, false} {
		name := "whole"
		if !res {
			name = "without-resources"
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(buf.Len()))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := read(bytes.NewReader(buf.Bytes()), res); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
