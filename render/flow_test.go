package render

import (
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
