package scan_test

// The fixture sites: every folder under testdata/sites is a small web site that
// internal/sitetest serves over https and http, crawls with scan.Run and compares with the
// expectations written into its own files. testdata/sites/README.md documents the conventions;
// in short, an element that must trigger a rule carries data-want="rule-id", a line of CSS
// carries /* want: rule-id */, and routes.txt declares redirects, headers and line-0 findings.

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/padlock-scan/padlock/internal/sitetest"
)

const sitesDir = "../testdata/sites"

// TestFixtureSites crawls every folder of testdata/sites and compares the findings with the
// markers written in its files.
func TestFixtureSites(t *testing.T) {
	t.Parallel()
	entries, err := os.ReadDir(sitesDir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		n++
		name := e.Name()
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sitetest.Run(t, filepath.Join(sitesDir, name))
		})
	}
	if n == 0 {
		t.Fatal("no fixture site found")
	}
}
