package sitetest

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/padlock-scan/padlock/internal/sitetest/testnet"
)

// Host names of a fixture site. The httptest certificate covers example.com and *.example.com;
// every name reaches the loopback servers through crawler.Config.Resolve.
const (
	SiteHost = "www.example.com" // the crawled site (in scope)
	CDNHost  = "cdn.example.com" // another host: out of scope, sub-resources only
)

// Site is one running fixture site: the same files (or handler) served over https and http.
type Site struct {
	Name      string
	TLS, HTTP *httptest.Server
	TLSPort   string
	HTTPPort  string
	// Vars are the placeholder values ({{tls}}, {{http}}, {{cdn}}, {{cdn_http}}, {{tls_port}},
	// {{http_port}}), set before the first request; a test may add its own.
	Vars map[string]string
	// Guard is the crawl's dialer (Options): it refuses every address that is not loopback.
	Guard *testnet.Guard

	files   fs.FS // nil for a handler site
	routes  []route
	expects []string // routes.txt "expect" lines, placeholders replaced: "URL rule..."
	errors  []string // routes.txt "error" lines: substrings of expected crawl errors
}

// route is one routes.txt line that changes an answer.
type route struct {
	scheme string // "https", "http" or "" for both
	path   string
	status int    // 3xx with location, or another status for the file
	loc    string // redirect target
	header [2]string
}

// Start serves the fixture site in folder dir over https and http until the test ends.
func Start(t testing.TB, dir string) *Site {
	t.Helper()
	return StartFS(t, filepath.Base(dir), os.DirFS(dir))
}

// StartFS serves the fixture site held in files (an fstest.MapFS, say) until the test ends.
func StartFS(t testing.TB, name string, files fs.FS) *Site {
	t.Helper()
	s := &Site{Name: name, files: files, Guard: &testnet.Guard{}}
	s.start(t, s.handler("https"), s.handler("http"))
	if err := s.readRoutes(); err != nil {
		t.Fatal(err)
	}
	return s
}

// StartHandler serves h over https and http, as fixture sites are served, until the test
// ends. h gets the site, for its Vars.
func StartHandler(t testing.TB, h func(s *Site, w http.ResponseWriter, r *http.Request)) *Site {
	t.Helper()
	s := &Site{Name: t.Name(), Guard: &testnet.Guard{}}
	hf := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h(s, w, r) })
	s.start(t, hf, hf)
	return s
}

// start serves the two handlers until the test ends and sets the placeholder values.
// Handlers may use s.Vars: requests come only after start returns.
func (s *Site) start(t testing.TB, tlsHandler, httpHandler http.Handler) {
	s.TLS = httptest.NewUnstartedServer(tlsHandler)
	s.HTTP = httptest.NewUnstartedServer(httpHandler)
	// The crawler's TLS probes (legacy versions) make the server log handshake errors.
	s.TLS.Config.ErrorLog = testnet.QuietLog()
	s.TLS.StartTLS()
	s.HTTP.Start()
	t.Cleanup(s.TLS.Close)
	t.Cleanup(s.HTTP.Close)
	s.TLSPort = testnet.Port(s.TLS)
	s.HTTPPort = testnet.Port(s.HTTP)
	s.Vars = map[string]string{
		"tls":       "https://" + SiteHost + ":" + s.TLSPort,
		"http":      "http://" + SiteHost + ":" + s.HTTPPort,
		"cdn":       "https://" + CDNHost + ":" + s.TLSPort,
		"cdn_http":  "http://" + CDNHost + ":" + s.HTTPPort,
		"tls_port":  s.TLSPort,
		"http_port": s.HTTPPort,
	}
}

var placeholderRE = regexp.MustCompile(`\{\{([a-z_]+)\}\}`)

// Expand replaces the placeholders of s; an unknown one is left as it is (and shows up in the
// crawl as a broken URL).
func (s *Site) Expand(text string) string {
	return placeholderRE.ReplaceAllStringFunc(text, func(m string) string {
		if v, ok := s.Vars[m[2:len(m)-2]]; ok {
			return v
		}
		return m
	})
}

// Normalize writes the site's origins back as placeholders, for readable messages.
func (s *Site) Normalize(text string) string {
	for _, k := range []string{"cdn_http", "cdn", "http", "tls"} {
		text = strings.ReplaceAll(text, s.Vars[k], "{{"+k+"}}")
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
func (s *Site) readRoutes() error {
	f, err := s.files.Open("routes.txt")
	if errors.Is(err, fs.ErrNotExist) {
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
		line = s.Expand(line)
		fields := strings.Fields(line)
		bad := fmt.Errorf("%s/routes.txt:%d: cannot parse %q", s.Name, n, line)
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
		var r route
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
func (s *Site) handler(scheme string) http.Handler {
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
		body, err := fs.ReadFile(s.files, p[1:])
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
			body = []byte(s.Expand(string(body)))
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
