package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFlowCheck(t *testing.T) {
	t.Parallel()
	good := "../../scan/testdata/flows/checkout.json"
	code, stdout, stderr := runCLI(t, context.Background(), "flow", "check", good)
	if code != exitOK || !strings.Contains(stdout, good+`: flow "Checkout", 4 steps: ok`) {
		t.Errorf("good file: exit %d\n%s%s", code, stdout, stderr)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{
  "title": "bad",
  "steps": [
    {"type": "navigate", "url": "https://shop.test/"},
    {"type": "teleport", "selectors": [["#x"]]},
    {"type": "click"},
    {"type": "change", "selectors": [["#card"]]},
    {"type": "click", "selectors": [["css/#x"]]},
    {"type": "waitForElement", "selectors": [["aria/"]]},
    {"type": "keyDown", "key": "Enter"}
  ]
}`), 0o600)
	code, _, stderr = runCLI(t, context.Background(), "flow", "check", bad)
	for _, want := range []string{
		bad + `:5: step 2 (teleport): unknown step type "teleport" (padlock replays setViewport, navigate, click`,
		bad + `:6: step 3 (click): missing selectors`,
		bad + `:7: step 4 (change): missing value`,
		bad + `:8: step 5 (click): selector "css/#x": unknown kind css/`,
		bad + `:9: step 6 (waitForElement): selector "aria/" names nothing`,
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if code != exitTrouble || strings.Contains(stderr, "step 1 ") || strings.Contains(stderr, "step 7 ") {
		t.Errorf("exit %d\n%s", code, stderr)
	}
	broken := filepath.Join(t.TempDir(), "broken.json")
	os.WriteFile(broken, []byte("{\n  \"title\": \"x\",\n  \"steps\": [\n    {\"type\": \"click\",, }\n  ]\n}"), 0o600)
	code, _, stderr = runCLI(t, context.Background(), "flow", "check", broken)
	if code != exitTrouble || !strings.Contains(stderr, broken+":4: ") {
		t.Errorf("syntax error: exit %d\n%s", code, stderr)
	}
	// The crawl checks a --flow file before it starts, naming the file's line.
	code, _, stderr = runCLI(t, context.Background(), "crawl", "--flow", bad, "https://127.0.0.1/")
	if code != exitTrouble || !strings.Contains(stderr, bad+":5: step 2 (teleport)") {
		t.Errorf("crawl --flow bad: exit %d\n%s", code, stderr)
	}
}
