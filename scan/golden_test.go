package scan_test

import (
	"bytes"
	"flag"
	"path/filepath"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/internal/sitetest"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden reports in testdata/golden")

// goldenSites are the fixture sites whose whole JSON report is kept in testdata/golden.
var goldenSites = []string{"redirects"}

// TestGoldenReport crawls a fixture site with a fixed clock and one request at a time, writes
// the JSON report and compares it, normalised, with testdata/golden/<site>.json. Run with
// -update to rewrite the file after an intended change, and review the diff.
func TestGoldenReport(t *testing.T) {
	t.Parallel()
	for _, name := range goldenSites {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := goldenJSON(t, sitetest.Start(t, filepath.Join(sitesDir, name)))
			sitetest.Golden(t, filepath.Join("..", "testdata", "golden", name+".json"), got, *updateGolden)
		})
	}
}

// goldenJSON crawls the site and returns its normalised JSON report.
func goldenJSON(t *testing.T, s *sitetest.Site) []byte {
	t.Helper()
	opt := s.Options()
	// One request at a time: which of two URLs that end on the same page records its content
	// depends on which is fetched first, and only a fixed order makes that repeatable.
	opt.Crawl.Concurrency = 1
	opt.Now = func() time.Time { return sitetest.Clock }
	rep := sitetest.MustScan(t, opt)
	return sitetest.NormalizeReport(sitetest.JSON(t, rep), s.TLSPort, "TLSPORT", s.HTTPPort, "HTTPPORT")
}

// TestGoldenDeterministic crawls the golden site twice and checks that the normalised reports
// are identical, so a golden failure means a change, not noise.
func TestGoldenDeterministic(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(sitesDir, goldenSites[0])
	a := goldenJSON(t, sitetest.Start(t, dir))
	b := goldenJSON(t, sitetest.Start(t, dir))
	if !bytes.Equal(a, b) {
		t.Errorf("two crawls of %s gave different normalised reports:\n%s", goldenSites[0], sitetest.LineDiff(string(a), string(b)))
	}
}
