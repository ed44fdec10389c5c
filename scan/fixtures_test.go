package scan_test

// The fixture-site harness: every folder under testdata/sites is a small web site, served by an
// httptest TLS server and a plain httptest server, crawled with scan.Run and compared with the
// expectations written into its own files. testdata/sites/README.md documents the conventions;
// in short, an element that must trigger a rule carries data-want="rule-id", a line of CSS
// carries /* want: rule-id */, and routes.txt declares redirects, headers and line-0 findings.

import (
	"bufio"
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/report"
	"github.com/padlock-scan/padlock/rules"
	"github.com/padlock-scan/padlock/scan"
)

const sitesDir = "../testdata/sites"

// coreRules are compared on every site. A rule outside this list is compared only on sites
// whose markers name it, so a new rule does not break fixtures written before it existed.
var coreRules = []string{
	"mixed-content-blockable", "mixed-content-upgradeable", "insecure-form", "insecure-page",
	"https-downgrade", "insecure-refresh", "insecure-link",
}

// mitigationAlias lets markers stay short.
var mitigationAlias = map[string]string{"uir": "csp-upgrade-insecure-requests"}

// Host names of a fixture site. The httptest certificate covers example.com and *.example.com;
// every name reaches the loopback servers through Config.Resolve.
const (
	siteHost = "www.example.com" // the crawled site (in scope)
	cdnHost  = "cdn.example.com" // another host: out of scope, sub-resources only
)

// site is one running fixture site.
type site struct {
	name      string
	dir       string
	tls, http *httptest.Server
	tlsPort   string
	httpPort  string
	vars      map[string]string
	routes    []siteRoute
	expects   []string // routes.txt "expect" lines, placeholders replaced: "URL rule..."
	errors    []string // routes.txt "error" lines: substrings of expected crawl errors
	guard     *dialGuard
}

// siteRoute is one routes.txt line that changes an answer.
type siteRoute struct {
	scheme string // "https", "http" or "" for both
	path   string
	status int    // 3xx with location, or another status for the file
	loc    string // redirect target
	header [2]string
}

// startSite serves testdata/sites/<name> over https and http until the test ends.
func startSite(t testing.TB, name string) *site {
	t.Helper()
	s := &site{name: name, dir: filepath.Join(sitesDir, name), guard: &dialGuard{}}
	s.start(t, s.handler("https"), s.handler("http"))
	if err := s.readRoutes(); err != nil {
		t.Fatal(err)
	}
	return s
}

// start serves the two handlers (https and http) until the test ends and sets the
// placeholder values. Handlers may use s.vars: requests come only after start returns.
func (s *site) start(t testing.TB, tlsHandler, httpHandler http.Handler) {
	s.tls = httptest.NewUnstartedServer(tlsHandler)
	s.http = httptest.NewUnstartedServer(httpHandler)
	// The crawler's TLS probes (legacy versions) make the server log handshake errors.
	s.tls.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.tls.StartTLS()
	s.http.Start()
	t.Cleanup(s.tls.Close)
	t.Cleanup(s.http.Close)
	s.tlsPort = portOf(s.tls.URL)
	s.httpPort = portOf(s.http.URL)
	s.vars = map[string]string{
		"tls":       "https://" + siteHost + ":" + s.tlsPort,
		"http":      "http://" + siteHost + ":" + s.httpPort,
		"cdn":       "https://" + cdnHost + ":" + s.tlsPort,
		"cdn_http":  "http://" + cdnHost + ":" + s.httpPort,
		"tls_port":  s.tlsPort,
		"http_port": s.httpPort,
	}
}

func portOf(rawURL string) string {
	i := strings.LastIndexByte(rawURL, ':')
	return rawURL[i+1:]
}

var placeholderRE = regexp.MustCompile(`\{\{([a-z_]+)\}\}`)

// expand replaces the placeholders of s; an unknown one is left as it is (and shows up in the
// crawl as a broken URL).
func (s *site) expand(text string) string {
	return placeholderRE.ReplaceAllStringFunc(text, func(m string) string {
		if v, ok := s.vars[m[2:len(m)-2]]; ok {
			return v
		}
		return m
	})
}

// normalize writes the site's origins back as placeholders, for readable messages.
func (s *site) normalize(text string) string {
	for _, k := range []string{"cdn_http", "cdn", "http", "tls"} {
		text = strings.ReplaceAll(text, s.vars[k], "{{"+k+"}}")
	}
	return text
}

// readRoutes parses routes.txt (it is optional). Lines:
//
//	[https|http] PATH 3xx LOCATION       redirect
//	[https|http] PATH status CODE        serve the file (or an empty body) with this status
//	[https|http] PATH header NAME: VALUE add a response header
//	expect PAGE-URL RULE...              line-0 findings on a page (headers, redirects)
//	error SUBSTRING                      a crawl error the site expects
func (s *site) readRoutes() error {
	f, err := os.Open(filepath.Join(s.dir, "routes.txt"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = s.expand(line)
		fields := strings.Fields(line)
		bad := fmt.Errorf("%s/routes.txt:%d: cannot parse %q", s.name, n, line)
		switch fields[0] {
		case "expect":
			if len(fields) < 3 {
				return bad
			}
			s.expects = append(s.expects, strings.Join(fields[1:], " "))
			continue
		case "error":
			s.errors = append(s.errors, strings.TrimSpace(strings.TrimPrefix(line, "error")))
			continue
		}
		var r siteRoute
		if fields[0] == "https" || fields[0] == "http" {
			r.scheme, fields = fields[0], fields[1:]
		}
		if len(fields) < 3 || !strings.HasPrefix(fields[0], "/") {
			return bad
		}
		r.path = fields[0]
		switch {
		case fields[1] == "header":
			rest := strings.TrimSpace(line[strings.Index(line, " header ")+len(" header "):])
			k, v, ok := strings.Cut(rest, ":")
			if !ok {
				return bad
			}
			r.header = [2]string{strings.TrimSpace(k), strings.TrimSpace(v)}
		case fields[1] == "status":
			if r.status, err = strconv.Atoi(fields[2]); err != nil {
				return bad
			}
		default:
			if r.status, err = strconv.Atoi(fields[1]); err != nil || r.status < 300 || r.status > 399 {
				return bad
			}
			r.loc = fields[2]
		}
		s.routes = append(s.routes, r)
	}
	return sc.Err()
}

var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".txt":  "text/plain; charset=utf-8",
	".xml":  "application/xml",
}

// handler serves the site's files on every host name, with the routes of routes.txt.
func (s *site) handler(scheme string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := path.Clean("/" + r.URL.Path)
		status := 0
		for _, rt := range s.routes {
			if rt.path != p && rt.path != r.URL.RequestURI() || rt.scheme != "" && rt.scheme != scheme {
				continue
			}
			switch {
			case rt.header[0] != "":
				w.Header().Add(rt.header[0], rt.header[1])
			case rt.loc != "":
				w.Header().Set("Location", rt.loc)
				w.WriteHeader(rt.status)
				return
			default:
				status = rt.status
			}
		}
		if strings.HasSuffix(r.URL.Path, "/") {
			p = path.Join(p, "index.html")
		}
		if p == "/routes.txt" {
			http.NotFound(w, r)
			return
		}
		body, err := os.ReadFile(filepath.Join(s.dir, filepath.FromSlash(p)))
		if err != nil {
			if status == 0 {
				http.NotFound(w, r)
				return
			}
			body = nil
		}
		ct := contentTypes[path.Ext(p)]
		if ct == "" {
			ct = "application/octet-stream"
		}
		if strings.HasPrefix(ct, "text/") || ct == "image/svg+xml" || ct == "application/xml" {
			body = []byte(s.expand(string(body)))
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", ct)
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		if status == 0 {
			status = http.StatusOK
		}
		w.WriteHeader(status)
		if r.Method != http.MethodHead {
			_, _ = w.Write(body)
		}
	})
}

// options returns crawl options for the site: start at {{tls}}/, every sub-resource checked,
// every request kept on loopback.
func (s *site) options() scan.Options {
	pool := x509.NewCertPool()
	pool.AddCert(s.tls.Certificate())
	var opt scan.Options
	opt.Crawl.StartURLs = []string{s.vars["tls"] + "/"}
	opt.Crawl.Resolve = []string{"*:" + s.tlsPort + ":127.0.0.1", "*:" + s.httpPort + ":127.0.0.1"}
	opt.Crawl.RootCAs = pool
	opt.Crawl.CheckResources = "all"
	opt.Crawl.IgnoreRobots = true
	opt.Crawl.MaxPages = 200
	opt.Crawl.Concurrency = 4
	opt.Crawl.Timeout = 5 * time.Second
	opt.Crawl.DialContext = s.guard.dial
	return opt
}

// dialGuard refuses every connection that is not to a loopback address: a fixture URL without
// one of the test ports (say http://h:80/) fails at once instead of leaving the machine.
type dialGuard struct {
	mu      sync.Mutex
	refused []string
}

func (g *dialGuard) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		g.mu.Lock()
		g.refused = append(g.refused, addr)
		g.mu.Unlock()
		return nil, fmt.Errorf("test guard: refusing to dial non-loopback address %s", addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

func (g *dialGuard) list() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.refused)
}

// expectation keys: "RULE[@MITIGATION] PAGE:LINE" for references in a page, and
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

// parseTokens reads "rule[@mitigation][*N] ..." into keys (without location) and counts.
func parseTokens(list string) (map[string]int, error) {
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
func (s *site) expectations() (map[string]int, map[string]bool, error) {
	want := map[string]int{}
	named := map[string]bool{}
	add := func(tokens map[string]int, where string) {
		for k, n := range tokens {
			want[k+" "+where] += n
			rule, _, _ := strings.Cut(k, "@")
			named[rule] = true
		}
	}
	err := filepath.WalkDir(s.dir, func(file string, de os.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		ext := filepath.Ext(file)
		if ext != ".html" && ext != ".css" {
			return nil
		}
		rel, _ := filepath.Rel(s.dir, file)
		urlPath := "/" + filepath.ToSlash(rel)
		data, err := os.ReadFile(file)
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
				toks, err := parseTokens(m[1])
				if err != nil {
					return fmt.Errorf("%s: %v", rel, err)
				}
				add(toks, loc+":0")
			}
		}
		for i, line := range strings.Split(text, "\n") {
			for _, re := range []*regexp.Regexp{wantAttrRE, wantCommRE} {
				for _, m := range re.FindAllStringSubmatch(line, -1) {
					toks, err := parseTokens(m[1])
					if err != nil {
						return fmt.Errorf("%s:%d: %v", rel, i+1, err)
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
		toks, err := parseTokens(list)
		if err != nil {
			return nil, nil, fmt.Errorf("routes.txt expect %s: %v", e, err)
		}
		add(toks, s.normalize(page)+":0")
	}
	return want, named, nil
}

// findingKey is the key of a produced finding, in the form expectations uses.
func (s *site) findingKey(f report.Finding) (key, page string) {
	k := f.Rule
	if f.Mitigation != "" {
		k += "@" + f.Mitigation
	}
	page = s.normalize(pageKey(f.Page))
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

// produced counts the findings of the checked rules by key. A stylesheet key counts the
// findings of the page that has most of them, so a sheet shared by several pages is expected
// once.
func (s *site) produced(rep *report.Report, checked map[string]bool) (map[string]int, map[string][]report.Finding) {
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

// checkSite crawls a started site and reports every missing and every unexpected finding.
func checkSite(t *testing.T, s *site) *report.Report {
	t.Helper()
	want, named, err := s.expectations()
	if err != nil {
		t.Fatal(err)
	}
	checked := map[string]bool{}
	for _, id := range coreRules {
		checked[id] = true
	}
	for id := range named {
		checked[id] = true
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rep, err := scan.Run(ctx, s.options())
	if err != nil {
		t.Fatalf("scan.Run: %v", err)
	}
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
					k, w, g, f.Element, f.Attribute, s.normalize(f.URL), s.normalize(f.Message)))
			}
		}
	}
	for _, e := range rep.Errors {
		ok := false
		for _, sub := range s.errors {
			ok = ok || strings.Contains(s.normalize(e.URL+" "+e.Error), s.normalize(sub))
		}
		if !ok {
			problems = append(problems, fmt.Sprintf("crawl error %s: %s", s.normalize(e.URL), s.normalize(e.Error)))
		}
	}
	t.Logf("site %s: %d expected finding(s), %d produced by the checked rules, %d page(s) crawled",
		s.name, total(want), total(got), len(rep.Pages))
	if len(problems) > 0 {
		t.Errorf("site %s: %d problem(s):\n\t%s", s.name, len(problems), strings.Join(problems, "\n\t"))
		if testing.Verbose() {
			for _, p := range rep.Pages {
				t.Logf("page %s (final %s, status %d, err %q)", s.normalize(p.URL), s.normalize(p.FinalURL), p.Status, p.Error)
			}
		}
	}
	if r := s.guard.list(); len(r) > 0 {
		t.Logf("site %s: the dial guard refused %v (fine if the fixture means it)", s.name, r)
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
			checkSite(t, startSite(t, name))
		})
	}
	if n == 0 {
		t.Fatal("no fixture site found")
	}
}

// TestFixtureHarness checks the harness itself: marker parsing, and that it does fail on a
// missing and on an unexpected finding.
func TestFixtureHarness(t *testing.T) {
	t.Parallel()
	toks, err := parseTokens("mixed-content-blockable insecure-link*2 mixed-content-upgradeable@uir")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"mixed-content-blockable": 1, "insecure-link": 2, "mixed-content-upgradeable@csp-upgrade-insecure-requests": 1}
	if fmt.Sprint(toks) != fmt.Sprint(want) {
		t.Errorf("parseTokens = %v, want %v", toks, want)
	}
	line := `.a { background: image-set(url(http://x/1.png) 1x, url(http://x/2.png) 2x); } /* want: mixed-content-upgradeable*2 */`
	if m := wantCommRE.FindStringSubmatch(line); m == nil || strings.TrimSpace(m[1]) != "mixed-content-upgradeable*2" {
		t.Errorf("CSS marker read as %q", m)
	}
	for _, bad := range []string{"no-such-rule", "insecure-link*x", "Insecure-Link"} {
		if _, err := parseTokens(bad); err == nil {
			t.Errorf("parseTokens(%q): want an error", bad)
		}
	}
	s := &site{vars: map[string]string{"tls": "https://www.example.com:1", "http": "http://www.example.com:2", "cdn": "https://cdn.example.com:1", "cdn_http": "http://cdn.example.com:2"}}
	rep := &report.Report{Findings: []report.Finding{
		{Rule: "insecure-link", Page: "https://www.example.com:1/", Line: 3},
		{Rule: "mixed-content-blockable", Page: "https://www.example.com:1/a.html", Line: 7, Stylesheet: "https://cdn.example.com:1/s.css"},
		{Rule: "mixed-content-blockable", Page: "https://www.example.com:1/b.html", Line: 7, Stylesheet: "https://cdn.example.com:1/s.css"},
		{Rule: "hsts-missing", Page: "https://www.example.com:1/", Line: 0},
	}}
	got, _ := s.produced(rep, map[string]bool{"insecure-link": true, "mixed-content-blockable": true})
	wantGot := map[string]int{"insecure-link {{tls}}/:3": 1, "mixed-content-blockable css:/s.css:7": 1}
	if fmt.Sprint(got) != fmt.Sprint(wantGot) {
		t.Errorf("produced = %v, want %v", got, wantGot)
	}
}
