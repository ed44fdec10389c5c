package render

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExpandEnv(t *testing.T) {
	env := func(k string) string { return map[string]string{"SHOP_USER": "ann", "PW": "s3"}[k] }
	if got, err := expandEnv("{{env.SHOP_USER}}:{{ env.PW }}!", env); err != nil || got != "ann:s3!" {
		t.Errorf("got %q, %v", got, err)
	}
	if _, err := expandEnv("{{env.MISSING}}", env); err == nil || err.Error() != "the environment variable MISSING is not set" {
		t.Errorf("missing: %v", err)
	}
}

func TestParseFlowReadsRecorderSelectors(t *testing.T) {
	f, err := ParseFlow([]byte(`{"title": "t", "steps": [
  {"type": "click", "selectors": ["#a", ["#host", "#inner"]], "offsetX": 1, "offsetY": 2,
   "assertedEvents": [{"type": "navigation", "url": "https://x/", "title": ""}]},
  {"type": "change", "value": "", "selectors": [["#b"]]}
]}`), "f.json")
	if err != nil {
		t.Fatal(err)
	}
	s := f.Steps[0]
	if len(s.Selectors) != 2 || s.Selectors[1].String() != "#host >> #inner" || !s.Navigates() || s.Line != 2 || *s.OffsetY != 2 {
		t.Errorf("step 1: %+v", s)
	}
	if f.Steps[1].Value == nil || *f.Steps[1].Value != "" || f.Steps[1].Line != 4 {
		t.Errorf("step 2: an empty value is a value: %+v", f.Steps[1])
	}
	if f.Name() != "t" || (&Flow{File: "dir/checkout.json"}).Name() != "checkout" {
		t.Errorf("names")
	}
}

// FuzzParseFlow: any file is read without a panic; a flow read has steps of known types with the
// fields they need and their lines in the file; every problem names a line of the file.
func FuzzParseFlow(f *testing.F) {
	for _, name := range []string{"checkout.json", "signin.json", "broken.json"} {
		b, err := os.ReadFile(filepath.Join("..", "scan", "testdata", "flows", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		`{"title": "t", "steps": [{"type": "click", "selectors": ["#a", ["#b", "pierce/#c"]]}]}`,
		`{"steps": [{"type": "teleport"}, {"type": "keyDown"}, {"type": "change", "selectors": [[]]}]}`,
		`{"steps": [{"type": "waitForElement", "selectors": [["aria/x[role=\"button\"]"]], "operator": "<", "count": "2"}]}`,
		"{\"steps\": [\n{,}]}", `[]`, `{"title": 1}`, `{"steps": {}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := strings.Count(string(data), "\n") + 1
		fl, err := ParseFlow(data, "f.json")
		if err != nil {
			if fl != nil {
				t.Fatal("a flow with an error")
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "f.json:") {
					t.Fatalf("a problem that names no file: %q", line)
				}
			}
			var fe *FlowFileError
			if errors.As(err, &fe) && fe.Line > lines {
				t.Fatalf("line %d of %d: %v", fe.Line, lines, err)
			}
			return
		}
		if len(fl.Steps) == 0 {
			t.Fatal("a flow without steps")
		}
		for _, s := range fl.Steps {
			if _, ok := stepNeeds[s.Type]; !ok || s.Line < 1 || s.Line > lines {
				t.Fatalf("step %+v of a %d-line file", s, lines)
			}
			for _, need := range stepNeeds[s.Type] {
				if need == "selectors" && len(s.Selectors) == 0 || need == "value" && s.Value == nil {
					t.Fatalf("step without %s: %+v", need, s)
				}
			}
		}
	})
}

func TestParseFlowPlacesSyntaxErrors(t *testing.T) {
	for _, tc := range []struct{ file, want string }{
		{"{\"steps\": [\n{,}]}", "f.json:2: step 1: invalid character ','"},
		{"{\"steps\": [\n  {\"type\": \"navigate\", \"url\": \"https://x/\"},\n\n  {\"type\": \"click\",, }\n]}", "f.json:4: step 2: invalid character ','"},
	} {
		if _, err := ParseFlow([]byte(tc.file), "f.json"); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %s", tc.file, err, tc.want)
		}
	}
}
