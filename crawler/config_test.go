package crawler

import (
	"errors"
	"io/fs"
	"net/http"
	"path/filepath"
	"testing"
	"time"
)

// Validate names the field in Go's spelling, the value (the item of a list) and why; CheckValue
// says the same of the value alone.
func TestValidateErrorsNameFieldAndValue(t *testing.T) {
	t.Parallel()
	start := []string{"https://127.0.0.1/"}
	missing := filepath.Join(t.TempDir(), "missing.pem")
	tests := []struct {
		cfg          Config
		field, value string
		single       any // the value CheckValue is given; nil: not checked alone
	}{
		{Config{}, "StartURLs", "", nil},
		{Config{StartURLs: []string{"ftp://127.0.0.1/"}}, "StartURLs", "ftp://127.0.0.1/", "ftp://127.0.0.1/"},
		{Config{StartURLs: start, CheckResources: "most"}, "CheckResources", "most", "most"},
		{Config{StartURLs: start, Delay: -time.Second}, "Delay", "-1s", -time.Second},
		{Config{StartURLs: start, MaxDepth: -1}, "MaxDepth", "-1", -1},
		{Config{StartURLs: start, FirstParty: []string{"a.test", "https://b.test/"}}, "FirstParty", "https://b.test/", "https://b.test/"},
		{Config{StartURLs: start, Resolve: []string{"a.test:443"}}, "Resolve", "a.test:443", "a.test:443"},
		{Config{StartURLs: start, CAFile: missing}, "CAFile", missing, missing},
		{Config{StartURLs: start, Headers: http.Header{"Host": {"a.test"}}}, "Headers", "Host", "Host"},
		{Config{StartURLs: start, Sitemaps: []string{"/sitemap.xml"}}, "Sitemaps", "/sitemap.xml", "/sitemap.xml"},
	}
	for _, tc := range tests {
		err := tc.cfg.Validate()
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != tc.field || ce.Value != tc.value || !errors.Is(err, ErrConfig) {
			t.Errorf("Validate: got %#v (%v), want field %s, value %q", ce, err, tc.field, tc.value)
			continue
		}
		if tc.single == nil {
			continue
		}
		single := CheckValue(tc.field, tc.single)
		if single == nil || single.Error() != err.Error() {
			t.Errorf("CheckValue(%s, %v) = %v, want %v", tc.field, tc.single, single, err)
		}
	}
	if err := (&Config{StartURLs: start, CAFile: missing}).Validate(); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing CA file: %v does not wrap the file system's error", err)
	}
	for field, v := range map[string]any{"CheckResources": CheckNone, "Delay": time.Second, "MaxDepth": 0,
		"StartURLs": "http://127.0.0.1:8080/", "FirstParty": "*.static.test", "Resolve": "*:443:127.0.0.1",
		"Headers": "Authorization", "Sitemaps": "https://127.0.0.1/s.xml", "MaxPages": -5} {
		if err := CheckValue(field, v); err != nil {
			t.Errorf("CheckValue(%s, %v): %v", field, v, err)
		}
	}
}
