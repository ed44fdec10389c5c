package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every command that reads a report (padlock report, padlock diff, --baseline) refuses a
// corrupted, truncated or tampered one with exit 2 and one message naming the file and the
// JSON path, and never works from half of it.
func TestEveryReaderRefusesABadReport(t *testing.T) {
	t.Parallel()
	srv, ca := site(t, map[string]string{"/": `<script src="http://cdn.example.test/a.js"></script>`})
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	common := []string{"--ca-file", ca, "--check-resources", "none", "--ignore-robots", "-q", "--no-follow"}
	if code, _, stderr := runCLI(t, context.Background(), append(append([]string{"crawl", "-o", good}, common...), srv.URL+"/")...); code != exitFindings {
		t.Fatalf("crawl: exit %d\n%s", code, stderr)
	}
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	replace := func(old, new string) string {
		if !strings.Contains(doc, old) {
			t.Fatalf("the report has no %q:\n%s", old, doc)
		}
		return strings.Replace(doc, old, new, 1)
	}
	tamper := func(change func(doc map[string]any)) string {
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		change(m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	bad := []struct{ name, doc, want string }{
		{"crasher", `{"version":1,"pages":[{"000":"0","resourCes":"0"}]}`, `pages[0]: unknown fields "000", "resourCes"`},
		{"truncated", doc[:strings.Index(doc, `"findings": [`)+30], "findings[0]: the JSON ends too soon (a truncated report?)"},
		{"version2", replace(`"version": 1,`, `"version": 2,`), "report version 2: this padlock reads version 1"},
		{"findings-string", tamper(func(doc map[string]any) { doc["findings"] = "none" }), "findings: got string, want array"},
		{"resources-string", tamper(func(doc map[string]any) { doc["pages"].([]any)[0].(map[string]any)["resources"] = "x" }), "pages[0].resources: got string, want array"},
	}
	for _, tc := range bad {
		path := filepath.Join(dir, tc.name+".json")
		if err := os.WriteFile(path, []byte(tc.doc), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{
			{"report", path, "-f", "html", "-o", filepath.Join(dir, tc.name+".html")},
			{"diff", path, good},
			{"diff", good, path},
			append(append([]string{"crawl", "--baseline", path, "-o", filepath.Join(dir, "cur.json")}, common...), srv.URL+"/"),
		} {
			code, stdout, stderr := runCLI(t, context.Background(), args...)
			if code != exitTrouble || !strings.Contains(stderr, path) || !strings.Contains(stderr, tc.want) ||
				strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
				t.Errorf("%s: padlock %s: exit %d, want 2 and one line naming the file and %q\n%s%s", tc.name, args[0], code, tc.want, stdout, stderr)
			}
		}
	}
}
