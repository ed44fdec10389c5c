package sitetest

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/padlock-scan/padlock/report"
	"github.com/padlock-scan/padlock/rules"
)

// CoreRules are compared on every fixture site. A rule outside this list is compared only on
// sites whose markers name it, so a new rule does not break fixtures written before it existed.
var CoreRules = []string{
	"mixed-content-blockable", "mixed-content-upgradeable", "insecure-form", "insecure-page",
	"https-downgrade", "insecure-refresh", "insecure-link",
}

// mitigationAlias lets markers stay short.
var mitigationAlias = map[string]string{"uir": "csp-upgrade-insecure-requests"}

// Run serves the fixture site in folder dir, crawls it and reports every missing and every
// unexpected finding, and every crawl error the site did not declare. It returns the report
// for further checks.
func Run(t *testing.T, dir string) *report.Report {
	t.Helper()
	return Check(t, Start(t, dir))
}

// Expectation keys: "RULE[@MITIGATION] PAGE:LINE" for references in a page, and
// "RULE[@MITIGATION] css:/PATH:LINE" for references in an external stylesheet (whatever page
// loaded it).

var (
	wantAttrRE   = regexp.MustCompile(`data-want="([^"]*)"`)
	wantCommRE   = regexp.MustCompile(`/\*\s*want:(.*?)\*/`)
	wantPageRE   = regexp.MustCompile(`<!--\s*want-page:([^>]*?)-->`)
	fixSchemeRE  = regexp.MustCompile(`<!--\s*fixture-scheme:\s*(https?)\s*-->`)
	wantTokenRE  = regexp.MustCompile(`^([a-z0-9-]+)(?:@([a-z0-9-]+))?(?:\*([0-9]+))?$`)
	knownRuleIDs = func() map[string]bool {
		m := map[string]bool{}
		for _, id := range rules.IDs() {
			m[id] = true
		}
		return m
	}()
)

// parseWant reads a marker, "rule[@mitigation][*N] ...", into keys (without location) and
// counts.
func parseWant(list string) (map[string]int, error) {
	out := map[string]int{}
	for _, tok := range strings.Fields(list) {
		m := wantTokenRE.FindStringSubmatch(tok)
		if m == nil {
			return nil, fmt.Errorf("bad want token %q (want rule[@mitigation][*N])", tok)
		}
		if !knownRuleIDs[m[1]] {
			return nil, fmt.Errorf("want token %q: no rule %q", tok, m[1])
		}
		key := m[1]
		if m[2] != "" {
			mit := m[2]
			if a, ok := mitigationAlias[mit]; ok {
				mit = a
			}
			key += "@" + mit
		}
		n := 1
		if m[3] != "" {
			n, _ = strconv.Atoi(m[3])
		}
		out[key] += n
	}
	return out, nil
}

// expectations reads the markers of every .html and .css file of the site and the expect
// lines of routes.txt. It returns the expected findings by key and the rule IDs named.
func (s *Site) expectations() (map[string]int, map[string]bool, error) {
	want := map[string]int{}
	named := map[string]bool{}
	add := func(tokens map[string]int, where string) {
		for k, n := range tokens {
			want[k+" "+where] += n
			rule, _, _ := strings.Cut(k, "@")
			named[rule] = true
		}
	}
	err := fs.WalkDir(s.files, ".", func(file string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		ext := path.Ext(file)
		if ext != ".html" && ext != ".css" {
			return nil
		}
		urlPath := "/" + file
		data, err := fs.ReadFile(s.files, file)
		if err != nil {
			return err
		}
		text := string(data)
		var loc string // where a marker's finding is reported, without the line
		if ext == ".css" {
			loc = "css:" + urlPath
		} else {
			scheme := "tls"
			if m := fixSchemeRE.FindStringSubmatch(text); m != nil && m[1] == "http" {
				scheme = "http"
			}
			loc = "{{" + scheme + "}}" + strings.TrimSuffix(urlPath, "index.html")
			for _, m := range wantPageRE.FindAllStringSubmatch(text, -1) {
				toks, err := parseWant(m[1])
				if err != nil {
					return fmt.Errorf("%s: %v", file, err)
				}
				add(toks, loc+":0")
			}
		}
		for i, line := range strings.Split(text, "\n") {
			for _, re := range []*regexp.Regexp{wantAttrRE, wantCommRE} {
				for _, m := range re.FindAllStringSubmatch(line, -1) {
					toks, err := parseWant(m[1])
					if err != nil {
						return fmt.Errorf("%s:%d: %v", file, i+1, err)
					}
					add(toks, loc+":"+strconv.Itoa(i+1))
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	for _, e := range s.expects {
		page, list, _ := strings.Cut(e, " ")
		toks, err := parseWant(list)
		if err != nil {
			return nil, nil, fmt.Errorf("routes.txt expect %s: %v", e, err)
		}
		add(toks, s.Normalize(page)+":0")
	}
	return want, named, nil
}

// findingKey is the key of a produced finding, in the form expectations use.
func (s *Site) findingKey(f report.Finding) (key, page string) {
	k := f.Rule
	if f.Mitigation != "" {
		k += "@" + f.Mitigation
	}
	page = s.Normalize(pageKey(f.Page))
	if f.Stylesheet != "" {
		sheet := f.Stylesheet
		if i := strings.Index(sheet, "://"); i >= 0 {
			if j := strings.IndexByte(sheet[i+3:], '/'); j >= 0 {
				sheet = sheet[i+3+j:]
			}
		}
		if q := strings.IndexAny(sheet, "?#"); q >= 0 {
			sheet = sheet[:q]
		}
		return k + " css:" + sheet + ":" + strconv.Itoa(f.Line), page
	}
	return k + " " + page + ":" + strconv.Itoa(f.Line), page
}

// pageKey drops the query and a trailing index.html, as expectations name pages by file.
func pageKey(u string) string {
	if q := strings.IndexAny(u, "?#"); q >= 0 {
		u = u[:q]
	}
	return strings.TrimSuffix(u, "index.html")
}

// produced counts the findings of the checked rules by expectation key. A stylesheet key
// counts the findings of the page that has most of them, so a sheet shared by several pages
// is expected once.
func (s *Site) produced(rep *report.Report, checked map[string]bool) (map[string]int, map[string][]report.Finding) {
	got := map[string]int{}
	perPage := map[[2]string]int{}
	examples := map[string][]report.Finding{}
	for _, f := range rep.Findings {
		if !checked[f.Rule] {
			continue
		}
		k, page := s.findingKey(f)
		examples[k] = append(examples[k], f)
		if strings.Contains(k, " css:") {
			perPage[[2]string{k, page}]++
			if n := perPage[[2]string{k, page}]; n > got[k] {
				got[k] = n
			}
			continue
		}
		got[k]++
	}
	return got, examples
}

// Check crawls a started fixture site and reports every missing and every unexpected finding,
// and every crawl error the site did not declare.
func Check(t *testing.T, s *Site) *report.Report {
	t.Helper()
	want, named, err := s.expectations()
	if err != nil {
		t.Fatal(err)
	}
	checked := map[string]bool{}
	for _, id := range CoreRules {
		checked[id] = true
	}
	for id := range named {
		checked[id] = true
	}
	rep := MustScan(t, s.Options())
	got, examples := s.produced(rep, checked)
	var problems []string
	for _, k := range sortedKeys(want, got) {
		w, g := want[k], got[k]
		switch {
		case g < w:
			problems = append(problems, fmt.Sprintf("missing    %s (want %d, got %d)", k, w, g))
		case g > w:
			for _, f := range examples[k] {
				problems = append(problems, fmt.Sprintf("unexpected %s (want %d, got %d): %s %s=%s %s",
					k, w, g, f.Element, f.Attribute, s.Normalize(f.URL), s.Normalize(f.Message)))
			}
		}
	}
	for _, e := range rep.Errors {
		ok := false
		for _, sub := range s.errors {
			ok = ok || strings.Contains(s.Normalize(e.URL+" "+e.Error), s.Normalize(sub))
		}
		if !ok {
			problems = append(problems, fmt.Sprintf("crawl error %s: %s", s.Normalize(e.URL), s.Normalize(e.Error)))
		}
	}
	t.Logf("site %s: %d expected finding(s), %d produced by the checked rules, %d page(s) crawled",
		s.Name, total(want), total(got), len(rep.Pages))
	if len(problems) > 0 {
		t.Errorf("site %s: %d problem(s):\n\t%s", s.Name, len(problems), strings.Join(problems, "\n\t"))
		if testing.Verbose() {
			for _, p := range rep.Pages {
				t.Logf("page %s (final %s, status %d, err %q)", s.Normalize(p.URL), s.Normalize(p.FinalURL), p.Status, p.Error)
			}
		}
	}
	if r := s.Guard.Refused(); len(r) > 0 {
		t.Logf("site %s: the dial guard refused %v (fine if the fixture means it)", s.Name, r)
	}
	return rep
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func sortedKeys(maps ...map[string]int) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range maps {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}
