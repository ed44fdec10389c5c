package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

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

func TestReadErrors(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := writeJSON(&buf, sampleReport(2)); err != nil {
		t.Fatal(err)
	}
	good := buf.String()
	tests := []struct{ name, in, want string }{
		{"empty", "", "not a padlock JSON report"},
		{"array", "[]", "not a padlock JSON report"},
		{"truncated", good[:len(good)/2], "not a padlock JSON report"},
		{"pages not a list", `{"version":1,"pages":{"a":1}}`, `"pages"`},
		{"finding not an object", `{"version":1,"findings":[1]}`, `"findings"`},
		{"data after", good + "{}", "data after the report"},
		{"old version", `{"version":99,"pages":[],"findings":[]}`, "report version 99"},
		{"no version", `{"pages":null}`, "report version 0"},
		{"unknown severity", `{"version":1,"findings":[{"rule":"r","severity":"critical"}]}`, `unknown severity "critical"`},
		{"hostile severity", `{"version":1,"findings":[{"rule":"r","severity":"error\"><script>window.pwned=1</script>"}]}`, "unknown severity"},
	}
	for _, tc := range tests {
		for _, res := range []bool{true, false} {
			_, err := read(strings.NewReader(tc.in), res)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s (resources %v): error %v, want %q", tc.name, res, err, tc.want)
			}
		}
	}
}

func FuzzRead(f *testing.F) {
	var buf bytes.Buffer
	writeJSON(&buf, sampleReport(2))
	f.Add(buf.Bytes())
	f.Add([]byte(`{"version":1,"pages":null,"findings":[]}`))
	f.Add([]byte(`{"version":1,"pages":[{"url":"u","resources":[{"url":"x"}]}],"findings":[{"rule":"r"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		full, err := read(bytes.NewReader(data), true)
		light, lerr := read(bytes.NewReader(data), false)
		if (err == nil) != (lerr == nil) {
			t.Fatalf("with resources: %v; without: %v", err, lerr)
		}
		if err != nil {
			return
		}
		if len(full.Pages) != len(light.Pages) || !reflect.DeepEqual(full.Findings, light.Findings) {
			t.Fatalf("the two reads disagree")
		}
		var whole Report
		if json.Unmarshal(data, &whole) == nil && !reflect.DeepEqual(whole.Findings, full.Findings) {
			t.Fatalf("streamed findings differ from a whole decode")
		}
	})
}

// BenchmarkRead reads a 2,000-page report (30 resources a page) whole and without resources.
func BenchmarkRead(b *testing.B) {
	r := &Report{Version: Version}
	for i := 0; i < 2000; i++ {
		p := Page{URL: "https://s.test/p/" + strings.Repeat("x", i%7), FinalURL: "https://s.test/", Status: 200}
		for j := 0; j < 30; j++ {
			p.Resources = append(p.Resources, Resource{URL: "https://cdn.test/a.js?v=" + strings.Repeat("y", j), Element: "script", Attribute: "src", Kind: "script", Line: j})
		}
		r.Pages = append(r.Pages, p)
		r.Findings = append(r.Findings, Finding{Rule: "mixed-content-blockable", Severity: rules.Error, Page: p.URL, URL: "http://cdn.test/a.js", Line: 3})
	}
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
