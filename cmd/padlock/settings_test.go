package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/padlock-scan/padlock/report"
	"github.com/padlock-scan/padlock/rules"
	"github.com/padlock-scan/padlock/scan"
)

// options runs crawlOptions on a command line, as padlock crawl would.
func options(t *testing.T, args ...string) (scan.Options, output, error) {
	t.Helper()
	var opt scan.Options
	var out output
	var err error
	app := &cli.App{Writer: io.Discard, ErrWriter: io.Discard, ExitErrHandler: func(*cli.Context, error) {},
		Commands: []*cli.Command{{Name: "crawl", Flags: crawlFlags(), Action: func(c *cli.Context) error {
			opt, out, err = crawlOptions(c)
			return nil
		}}}}
	cliMu.Lock()
	defer cliMu.Unlock()
	if runErr := app.RunContext(context.Background(), append([]string{"padlock", "crawl"}, args...)); runErr != nil {
		t.Fatalf("%v: %v", args, runErr)
	}
	return opt, out, err
}

// Every setting of the table is wired: it has a flag (or arguments, or is a file-only key), a
// padlock.yml key and help, its default passes its own checks, and its example given in the file
// and given on the command line make the same typed configuration, other than the default one.
func TestSettingsTable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, ca := site(t, nil)
	base := filepath.Join(dir, "base.json")
	f, err := os.Create(base)
	if err != nil {
		t.Fatal(err)
	}
	w, err := report.New("json")
	if err != nil {
		t.Fatal(err)
	}
	baseRep := &report.Report{Version: report.Version, StartURLs: []string{"https://127.0.0.1/"}}
	baseRep.Finish() // a report padlock could have written: the baseline is read strictly
	if err := w.Write(f, baseRep); err != nil {
		t.Fatal(err)
	}
	f.Close()
	// settings naming a file get a real one
	inv := filepath.Join(dir, "script-inventory.yml")
	os.WriteFile(inv, []byte("- url: https://js.pay.test/v3/\n  content: any\n  justification: j\n  owner: o\n  approved: 2026-11-02\n"), 0o600)
	cookies := filepath.Join(dir, "cookies.txt")
	os.WriteFile(cookies, []byte("127.0.0.1\tFALSE\t/\tTRUE\t0\tsession\tabc\n"), 0o600)
	files := map[string]string{"ca-file": ca, "baseline": base, "inventory": inv, "cookies": cookies, "flows": "../../scan/testdata/flows/checkout.json"}
	empty := filepath.Join(dir, "empty.yml")
	os.WriteFile(empty, nil, 0o600)
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const start = "https://127.0.0.1/"

	defOpt, defOut, err := options(t, "--config", empty, start)
	if err != nil {
		t.Fatal(err)
	}
	flags := map[string]bool{}
	for _, f := range crawlFlags() {
		flags[f.Names()[0]] = true
	}
	seen := map[string]bool{}
	for _, s := range settingsTable() {
		if seen[s.name] {
			t.Errorf("%s: listed twice", s.name)
		}
		seen[s.name] = true
		if s.command != "" {
			continue // a setting of one command only: TestWatchSettings checks watch's
		}
		hasFlag := s.args == "" && !s.fileOnly
		if flags[s.name] != hasFlag {
			t.Errorf("%s: has a flag %v, want %v", s.name, flags[s.name], hasFlag)
		}
		if hasFlag && (s.usage == "" || !strings.Contains(string(readme), "--"+s.name)) {
			t.Errorf("--%s: no help, or not in the README", s.name)
		}
		if s.set == nil || s.example == "" {
			t.Errorf("%s: no set or no example", s.name)
			continue
		}
		if s.name == "sites" {
			continue // it replaces the start URLs this test gives: TestFleet and TestSitesFileErrors cover it
		}
		if !s.whenUsed {
			for _, v := range s.each(s.def) {
				if err := s.checkOne(v); err != nil {
					t.Errorf("%s: the default %s fails its own check: %v", s.name, s.text(v), err)
				}
			}
		}
		example := s.example
		if p, ok := files[s.name]; ok {
			example = p
		}
		yml := filepath.Join(dir, s.name+".yml")
		inFile := example
		if s.kind == kindString || s.kind == kindList {
			inFile = strconv.Quote(example)
		}
		if err := os.WriteFile(yml, []byte(s.name+": "+inFile+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		var fileArgs, flagArgs []string
		switch {
		case s.args != "":
			fileArgs = []string{"--config", yml}
			flagArgs = []string{"--config", empty, example}
		case s.fileOnly:
			fileArgs = []string{"--config", yml, start}
		default:
			fileArgs = []string{"--config", yml, start}
			flagArgs = []string{"--config", empty, "--" + s.name + "=" + example, start}
		}
		fileOpt, fileOut, err := options(t, fileArgs...)
		if err != nil {
			t.Errorf("%s: %s in the file: %v", s.name, example, err)
			continue
		}
		if sameConfig(fileOpt, fileOut, defOpt, defOut) {
			t.Errorf("%s: %s in the file changes nothing: is it wired to its use?", s.name, example)
		}
		if flagArgs == nil {
			continue
		}
		flagOpt, flagOut, err := options(t, flagArgs...)
		if err != nil {
			t.Errorf("%s: %v: %v", s.name, flagArgs, err)
			continue
		}
		if !sameConfig(fileOpt, fileOut, flagOpt, flagOut) {
			t.Errorf("%s: the file and the command line make different configurations:\nfile %+v %+v\nflag %+v %+v",
				s.name, fileOpt, fileOut, flagOpt, flagOut)
		}
	}
	for name := range flags {
		if name != "config" && !seen[name] {
			t.Errorf("flag --%s is not a setting of the table", name)
		}
	}
}

// sameConfig compares two typed configurations; certificate pools, rules and baselines, which
// hold functions, are compared by what they hold.
func sameConfig(aOpt scan.Options, aOut output, bOpt scan.Options, bOut output) bool {
	ids := func(rs []*rules.Rule) (out []string) {
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	if !reflect.DeepEqual(ids(aOpt.Selected), ids(bOpt.Selected)) {
		return false
	}
	aOpt.Selected, bOpt.Selected = nil, nil
	if (aOpt.Crawl.RootCAs == nil) != (bOpt.Crawl.RootCAs == nil) ||
		aOpt.Crawl.RootCAs != nil && !aOpt.Crawl.RootCAs.Equal(bOpt.Crawl.RootCAs) {
		return false
	}
	if (aOut.baseline == nil) != (bOut.baseline == nil) {
		return false
	}
	aOpt.Crawl.RootCAs, bOpt.Crawl.RootCAs = nil, nil
	aOut.baseline, bOut.baseline = nil, nil
	return reflect.DeepEqual(aOpt, bOpt) && reflect.DeepEqual(aOut, bOut)
}
