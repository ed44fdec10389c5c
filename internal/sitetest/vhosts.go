package sitetest

import (
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// Route is one answer of VHosts.
type Route struct {
	Status int // 0: 200
	Type   string
	Header []string // "Name: value"
	Body   string
}

// HTML, JS and CSS are routes with a body of that type and the given headers ("Name: value").
func HTML(body string, header ...string) Route {
	return Route{Type: "text/html; charset=utf-8", Body: body, Header: header}
}

func JS(body string, header ...string) Route {
	return Route{Type: "text/javascript; charset=utf-8", Body: body, Header: header}
}

func CSS(body string, header ...string) Route {
	return Route{Type: "text/css; charset=utf-8", Body: body, Header: header}
}

// VHosts serves routes by host name (port ignored) and path, replacing {{name}} placeholders
// in bodies and headers, and counts the requests per method, host and path.
type VHosts struct {
	routes map[string]Route // "host/path"
	// Vars are the placeholder values; set them before the crawl starts.
	Vars map[string]string

	mu    sync.Mutex
	count map[string]int // "METHOD host/path"
}

// NewVHosts returns virtual hosts with no route.
func NewVHosts() *VHosts {
	return &VHosts{routes: map[string]Route{}, Vars: map[string]string{}, count: map[string]int{}}
}

// Add serves r at hostPath ("host/path").
func (v *VHosts) Add(hostPath string, r Route) { v.routes[hostPath] = r }

// Expand replaces the placeholders in s.
func (v *VHosts) Expand(s string) string {
	for k, val := range v.Vars {
		s = strings.ReplaceAll(s, "{{"+k+"}}", val)
	}
	return s
}

// Requests returns how many method requests hostPath ("host/path") received.
func (v *VHosts) Requests(method, hostPath string) int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.count[method+" "+hostPath]
}

func (v *VHosts) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	key := strings.ToLower(host) + r.URL.Path
	v.mu.Lock()
	v.count[r.Method+" "+key]++
	v.mu.Unlock()
	rt, ok := v.routes[key]
	if !ok {
		http.NotFound(w, r)
		return
	}
	for _, h := range rt.Header {
		k, val, _ := strings.Cut(h, ":")
		w.Header().Add(strings.TrimSpace(k), v.Expand(strings.TrimSpace(val)))
	}
	body := v.Expand(rt.Body)
	if rt.Type != "" {
		w.Header().Set("Content-Type", rt.Type)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	status := rt.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = io.WriteString(w, body)
	}
}
