package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestGitHubAction runs the action's steps (scripts/action.sh, as action.yml calls them) the way
// a runner does: build puts padlock on GITHUB_PATH, run crawls a loopback site and writes the
// step's outputs to GITHUB_OUTPUT and the job summary to GITHUB_STEP_SUMMARY.
func TestGitHubAction(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"bash", "jq", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("the action test needs %s: %v", tool, err)
			}
			t.Skipf("the action test needs %s: %v", tool, err)
		}
	}
	script, err := filepath.Abs(filepath.Join("..", "..", "scripts", "action.sh"))
	if err != nil {
		t.Fatal(err)
	}
	srv, ca := site(t, map[string]string{"/": `<script src="http://cdn.example.test/a.js"></script><a href="http://old.example.test/">o</a>`})
	runner := t.TempDir()
	files := map[string]string{}
	for _, name := range []string{"GITHUB_PATH", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"} {
		files[name] = filepath.Join(runner, strings.ToLower(name))
		if err := os.WriteFile(files[name], nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// The runner's environment, without the variables of a CI that may be running this test.
	base := []string{"RUNNER_TEMP=" + runner}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GITHUB_") && !strings.HasPrefix(kv, "INPUT_") && !strings.HasPrefix(kv, "RUNNER_") {
			base = append(base, kv)
		}
	}
	for name, path := range files {
		base = append(base, name+"="+path)
	}
	step := func(dir string, env []string, args ...string) (code int, stdout, stderr string) {
		t.Helper()
		cmd := exec.Command("bash", append([]string{script}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(append([]string{}, base...), env...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), out.String(), errb.String()
		} else if err != nil {
			t.Fatal(err)
		}
		return 0, out.String(), errb.String()
	}
	// outputs reads what the last step appended to GITHUB_OUTPUT, and empties it for the next.
	outputs := func() map[string]string {
		t.Helper()
		data, _ := os.ReadFile(files["GITHUB_OUTPUT"])
		os.WriteFile(files["GITHUB_OUTPUT"], nil, 0o600)
		m := map[string]string{}
		for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			if k, v, ok := strings.Cut(l, "="); ok {
				m[k] = v
			}
		}
		return m
	}

	code, stdout, stderr := step(runner, []string{"ACTION_REF=v9.9.9-action"}, "build")
	if code != 0 || !strings.HasPrefix(stdout, "padlock v9.9.9-action") {
		t.Fatalf("build: exit %d, version %q\n%s", code, stdout, stderr)
	}
	binDir, _ := os.ReadFile(files["GITHUB_PATH"])
	path := "PATH=" + strings.TrimSpace(string(binDir)) + string(os.PathListSeparator) + os.Getenv("PATH")

	work := t.TempDir()
	inputs := []string{path, "INPUT_URLS=" + srv.URL + "/", "INPUT_FAIL_ON=error", "INPUT_OUTPUT_DIR=reports", "INPUT_FAIL=true",
		"INPUT_ARGS=--ca-file " + ca + " --ignore-robots\n--check-resources none", "INPUT_BASELINE=baseline/padlock.json"}
	code, stdout, stderr = step(work, inputs, "run")
	if code != exitFindings {
		t.Fatalf("first run: exit %d, want 1\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"::notice title=padlock::no baseline at baseline/padlock.json yet: every finding counts as new\n",
		"::error title=mixed-content-blockable::",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the step's log lacks %q:\n%s", want, stdout)
		}
	}
	got := outputs()
	want := map[string]string{"exit-code": "1", "errors": "1", "warnings": "2", "infos": "1", "new": "4",
		"report": "reports/padlock.json", "sarif": "reports/padlock.sarif"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("output %s = %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
	for _, name := range []string{"padlock.json", "padlock.sarif", "padlock.html"} {
		if _, err := os.Stat(filepath.Join(work, "reports", name)); err != nil {
			t.Errorf("%s not written: %v", name, err)
		}
	}
	summary, _ := os.ReadFile(files["GITHUB_STEP_SUMMARY"])
	if !strings.HasPrefix(string(summary), "### padlock: 1 error, 2 warnings, 1 info\n") {
		t.Errorf("job summary:\n%s", summary)
	}

	// The next run against that report as the baseline: nothing new, the gate passes.
	os.MkdirAll(filepath.Join(work, "baseline"), 0o755)
	if err := os.Rename(filepath.Join(work, "reports", "padlock.json"), filepath.Join(work, "baseline", "padlock.json")); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = step(work, inputs, "run")
	if got := outputs(); code != 0 || got["exit-code"] != "0" || got["new"] != "0" || got["errors"] != "1" {
		t.Errorf("against the baseline: exit %d, outputs %v\n%s\n%s", code, got, stdout, stderr)
	}

	// fail: false keeps the step green when the gate fails, and still says so in exit-code.
	code, _, stderr = step(work, append(inputs, "INPUT_BASELINE=", "INPUT_FAIL=false"), "run")
	if got := outputs(); code != 0 || got["exit-code"] != "1" {
		t.Errorf("fail: false: exit %d, outputs %v\n%s", code, got, stderr)
	}
	// Exit 2 (padlock could not do its job) fails the step whatever fail says.
	code, _, _ = step(work, append(inputs, "INPUT_FAIL=false", "INPUT_ARGS=--max-pages 0"), "run")
	if got := outputs(); code != exitTrouble || got["exit-code"] != "2" || got["report"] != "" || got["sarif"] != "" {
		t.Errorf("bad arguments: exit %d, outputs %v", code, got)
	}
}

// action.yml and scripts/action.sh agree: every input reaches the run step as INPUT_<NAME> and
// is read by the script, and every output is one the script writes.
func TestActionYAMLMatchesTheScript(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("..", "..", "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile(filepath.Join("..", "..", "scripts", "action.sh"))
	if err != nil {
		t.Fatal(err)
	}
	var action struct {
		Inputs  map[string]struct{ Default string }
		Outputs map[string]struct{ Value string }
		Runs    struct {
			Using string
			Steps []struct {
				ID  string
				Env map[string]string
			}
		}
	}
	if err := yaml.Unmarshal(data, &action); err != nil {
		t.Fatal(err)
	}
	if action.Runs.Using != "composite" {
		t.Errorf("runs.using = %q", action.Runs.Using)
	}
	var env map[string]string
	for _, s := range action.Runs.Steps {
		if s.ID == "crawl" {
			env = s.Env
		}
	}
	for name := range action.Inputs {
		v := "INPUT_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
		if env[v] != "${{ inputs."+name+" }}" {
			t.Errorf("input %s: the crawl step sets %s to %q", name, v, env[v])
		}
		if !strings.Contains(string(script), v) {
			t.Errorf("input %s: scripts/action.sh never reads %s", name, v)
		}
	}
	for name, o := range action.Outputs {
		if o.Value != "${{ steps.crawl.outputs."+name+" }}" {
			t.Errorf("output %s = %q", name, o.Value)
		}
		if !strings.Contains(string(script), name+"=") {
			t.Errorf("output %s: scripts/action.sh never writes it", name)
		}
	}
}
