// Package demo serves padlock's built-in demo shop: a small coffee shop with real examples of
// every problem padlock reports, shipped inside the binary (the files under site/) and served on
// loopback only.
//
// Start listens on two loopback ports, one for HTTPS and one for plain HTTP, and serves several
// made-up host names on both, chosen by the Host header: the shop (www.padlock-shop.test), its
// static host (static.padlock-shop.test), third-party sites (a CDN, an ad network, an analytics
// service, a payment provider), a legacy image host without HTTPS (img.oldcdn.test) and a host
// on a documentation IP address (203.0.113.7). Nothing resolves those names: the crawler reaches
// them through Demo.Resolve ("*:PORT:127.0.0.1", as curl --resolve), and every URL in the shop
// carries one of the two demo ports, so a crawl of the demo never leaves 127.0.0.1. HTTPS uses
// certificates made at start, signed by a throw-away CA (Demo.RootCAs).
//
// The files under site/<host>/ are written with placeholders that are replaced when the demo
// starts, so they stay readable:
//
//	{{shop}}        https://www.padlock-shop.test:TLSPORT (likewise static, cdn, widgets,
//	                oldcdn, stats, pay and ip for the other hosts)
//	{{shop_http}}   http://www.padlock-shop.test:HTTPPORT (and so on for every host)
//	{{tls_port}}    the HTTPS port; {{http_port}} the HTTP port
//	{{sri:HOST/PATH}} the sha384 integrity value of that file as served
package demo

import (
	"bytes"
	"context"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"embed"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/padlock-scan/padlock/internal/certs"
)

//go:embed site
var siteFS embed.FS

// Host names of the demo. They are under .test (RFC 6761), which never resolves on the Internet.
const (
	ShopHost    = "www.padlock-shop.test"    // the shop: the pages padlock crawls
	StaticHost  = "static.padlock-shop.test" // the shop's own static files (same site)
	CDNHost     = "cdn.fastcdn.test"         // a third-party CDN
	WidgetsHost = "widgets.adnetwork.test"   // a third-party widget and ad network
	OldCDNHost  = "img.oldcdn.test"          // a legacy image host with no HTTPS copy of its files
	StatsHost   = "stats.trackly.test"       // a third-party analytics service
	PayHost     = "pay.securepay.test"       // a payment provider
	IPHost      = "203.0.113.7"              // a banner host on an IP address (TEST-NET-3)
)

// vhost is one demo host: where its files are and how it answers on each scheme.
type vhost struct {
	name string // host name, and the folder under site/
	key  string // placeholder key: {{key}} and {{key_http}}
	// https and http say whether the host serves its files on that scheme; when it does not,
	// every path answers 404 there (a legacy host without HTTPS content, say).
	https, http bool
	// upgrade makes the plain-HTTP side redirect to HTTPS (301), except below keepHTTP.
	upgrade  bool
	keepHTTP []string
	// header is sent with every answer of the host; tlsHeader only over HTTPS.
	header, tlsHeader map[string]string
}

var vhosts = []vhost{
	{name: ShopHost, key: "shop", https: true, http: true, upgrade: true, keepHTTP: []string{"/legacy/"},
		tlsHeader: map[string]string{"Strict-Transport-Security": "max-age=31536000; includeSubDomains"}},
	{name: StaticHost, key: "static", https: true, http: true},
	{name: CDNHost, key: "cdn", https: true, http: true,
		header: map[string]string{"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=31536000, immutable"}},
	{name: WidgetsHost, key: "widgets", https: true, http: true},
	{name: OldCDNHost, key: "oldcdn", http: true},
	{name: StatsHost, key: "stats", https: true, http: true},
	{name: PayHost, key: "pay", https: true, http: true},
	{name: IPHost, key: "ip", http: true},
}

// route is a special answer: a redirect or extra headers for one path.
type route struct {
	host     string
	scheme   string // "https", "http" or "" for both
	path     string
	status   int    // a redirect status, or 0 to serve the file
	location string // redirect target, with placeholders
	header   map[string]string
}

var routes = []route{
	// An https link that ends on http: the old catalogue URL moved to the legacy folder.
	{host: ShopHost, scheme: "https", path: "/catalog", status: http.StatusMovedPermanently, location: "{{shop_http}}/legacy/spring-catalog.html"},
	{host: ShopHost, path: "/promo", status: http.StatusFound, location: "{{shop}}/category/coffee.html"},
	{host: ShopHost, scheme: "https", path: "/newsletter/subscribe", status: http.StatusSeeOther, location: "{{shop}}/?subscribed=1"},
	{host: ShopHost, scheme: "https", path: "/cart/add", status: http.StatusSeeOther, location: "{{shop}}/cart.html"},
	{host: ShopHost, scheme: "https", path: "/checkout/pay", status: http.StatusSeeOther, location: "{{shop}}/cart.html"},
	// A policy that was only ever tried in report-only mode: it enforces nothing.
	{host: ShopHost, scheme: "https", path: "/checkout.html", header: map[string]string{
		"Content-Security-Policy-Report-Only": "script-src 'self' {{pay}}; report-uri /csp-report"}},
	// An https image that the static host redirects to the legacy http image host.
	{host: StaticHost, scheme: "https", path: "/img/badges/secure-checkout.svg", status: http.StatusFound, location: "{{oldcdn_http}}/badges/secure-checkout.svg"},
}

// contentTypes maps file extensions to the Content-Type served.
var contentTypes = map[string]string{
	".html":  "text/html; charset=utf-8",
	".css":   "text/css; charset=utf-8",
	".js":    "text/javascript; charset=utf-8",
	".svg":   "image/svg+xml",
	".xml":   "application/xml",
	".txt":   "text/plain; charset=utf-8",
	".woff2": "font/woff2",
	".mp4":   "video/mp4",
}

// textExt lists the extensions whose files get their placeholders replaced.
var textExt = map[string]bool{".html": true, ".css": true, ".js": true, ".svg": true, ".xml": true, ".txt": true}

// Demo is a running demo shop.
type Demo struct {
	// StartURL is the shop's home page, the URL to crawl.
	StartURL string
	// Resolve holds the curl-style --resolve entries that send every demo host name (any name,
	// in fact) on the two demo ports to 127.0.0.1.
	Resolve []string
	// RootCAs trusts the demo CA, which signed every demo certificate.
	RootCAs *x509.CertPool
	// CACertPEM is the demo CA certificate, for --ca-file.
	CACertPEM []byte
	// TLSAddr and HTTPAddr are the loopback addresses of the HTTPS and HTTP listeners.
	TLSAddr, HTTPAddr string

	tlsSrv, httpSrv *http.Server
	files           map[string]map[string][]byte // host -> path -> body as served
	vars            map[string]string            // placeholder values
	done            sync.WaitGroup
	closeOnce       sync.Once
	stopCtx         func() bool
}

// Start generates the certificates, listens on two loopback ports and serves the demo shop
// until Close is called or ctx ends.
func Start(ctx context.Context) (*Demo, error) {
	certs, caDER, err := makeCertificates(time.Now())
	if err != nil {
		return nil, fmt.Errorf("demo certificates: %w", err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	d := &Demo{RootCAs: x509.NewCertPool()}
	d.RootCAs.AddCert(ca)
	d.CACertPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})

	var lc net.ListenConfig
	tlsLn, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	httpLn, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		tlsLn.Close()
		return nil, fmt.Errorf("demo: %w", err)
	}
	tlsPort := tlsLn.Addr().(*net.TCPAddr).Port
	httpPort := httpLn.Addr().(*net.TCPAddr).Port
	d.TLSAddr, d.HTTPAddr = tlsLn.Addr().String(), httpLn.Addr().String()
	d.vars = placeholderValues(tlsPort, httpPort)
	if d.files, err = render(siteFS, d.vars); err != nil {
		tlsLn.Close()
		httpLn.Close()
		return nil, err
	}
	d.StartURL = d.vars["shop"] + "/"
	d.Resolve = []string{
		"*:" + strconv.Itoa(tlsPort) + ":127.0.0.1",
		"*:" + strconv.Itoa(httpPort) + ":127.0.0.1",
	}

	quiet := log.New(io.Discard, "", 0) // TLS probes of hosts without a certificate are expected
	d.tlsSrv = &http.Server{Handler: d.handler("https"), ReadHeaderTimeout: 10 * time.Second, ErrorLog: quiet}
	d.httpSrv = &http.Server{Handler: d.handler("http"), ReadHeaderTimeout: 10 * time.Second, ErrorLog: quiet}
	tlsCfg := &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetCertificate: func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			if c, ok := certs[strings.ToLower(strings.TrimSuffix(hello.ServerName, "."))]; ok {
				return c, nil
			}
			return nil, fmt.Errorf("demo: no certificate for %q", hello.ServerName)
		},
	}
	d.done.Add(2)
	go func() {
		defer d.done.Done()
		_ = d.tlsSrv.Serve(tls.NewListener(tlsLn, tlsCfg))
	}()
	go func() {
		defer d.done.Done()
		_ = d.httpSrv.Serve(httpLn)
	}()
	d.stopCtx = context.AfterFunc(ctx, d.Close)
	return d, nil
}

// Close stops both servers and waits for them. It may be called more than once.
func (d *Demo) Close() {
	d.closeOnce.Do(func() {
		if d.stopCtx != nil {
			d.stopCtx()
		}
		d.tlsSrv.Close()
		d.httpSrv.Close()
		d.done.Wait()
	})
}

// URL returns the demo URL of a path on one of the demo hosts (ShopHost...), over https or
// plain http.
func (d *Demo) URL(host, p string, secure bool) string {
	for _, v := range vhosts {
		if v.name == host {
			if secure {
				return d.vars[v.key] + p
			}
			return d.vars[v.key+"_http"] + p
		}
	}
	return ""
}

// placeholderValues returns the value of every placeholder but {{sri:...}}.
func placeholderValues(tlsPort, httpPort int) map[string]string {
	vars := map[string]string{
		"tls_port":  strconv.Itoa(tlsPort),
		"http_port": strconv.Itoa(httpPort),
	}
	for _, v := range vhosts {
		vars[v.key] = "https://" + v.name + ":" + strconv.Itoa(tlsPort)
		vars[v.key+"_http"] = "http://" + v.name + ":" + strconv.Itoa(httpPort)
	}
	return vars
}

var placeholder = regexp.MustCompile(`\{\{\s*([a-z0-9_]+|sri:[^}\s]+)\s*\}\}`)

// render reads every file under site/ and replaces the placeholders of the text files. An
// unknown placeholder, or an integrity placeholder naming a missing file, is an error.
func render(fsys fs.FS, vars map[string]string) (map[string]map[string][]byte, error) {
	files := map[string]map[string][]byte{}
	var problems []string
	err := fs.WalkDir(fsys, "site", func(p string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		rel := strings.TrimPrefix(p, "site/")
		host, fp, _ := strings.Cut(rel, "/")
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		if textExt[path.Ext(fp)] {
			body = placeholder.ReplaceAllFunc(body, func(m []byte) []byte {
				name := string(placeholder.FindSubmatch(m)[1])
				if strings.HasPrefix(name, "sri:") {
					return m // second pass
				}
				v, ok := vars[name]
				if !ok {
					problems = append(problems, fmt.Sprintf("%s: unknown placeholder %s", rel, m))
				}
				return []byte(v)
			})
		}
		if files[host] == nil {
			files[host] = map[string][]byte{}
		}
		files[host]["/"+fp] = body
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("demo site: %w", err)
	}
	for host, hf := range files {
		for fp, body := range hf {
			if !bytes.Contains(body, []byte("{{")) {
				continue
			}
			hf[fp] = placeholder.ReplaceAllFunc(body, func(m []byte) []byte {
				name := string(placeholder.FindSubmatch(m)[1])
				target, _ := strings.CutPrefix(name, "sri:")
				th, tp, _ := strings.Cut(target, "/")
				tb, ok := files[th]["/"+tp]
				if !ok || bytes.Contains(tb, []byte("{{sri:")) {
					problems = append(problems, fmt.Sprintf("%s/%s: %s names no servable file", host, fp, m))
					return m
				}
				sum := sha512.Sum384(tb)
				return []byte("sha384-" + base64.StdEncoding.EncodeToString(sum[:]))
			})
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("demo site: %s", strings.Join(problems, "; "))
	}
	return files, nil
}

// handler serves the demo hosts on one scheme.
func (d *Demo) handler(scheme string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := strings.ToLower(r.Host)
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		host = strings.Trim(host, "[]")
		var vh *vhost
		for i := range vhosts {
			if vhosts[i].name == host {
				vh = &vhosts[i]
			}
		}
		if vh == nil {
			http.Error(w, "not a demo host: "+host, http.StatusNotFound)
			return
		}
		for k, v := range vh.header {
			w.Header().Set(k, v)
		}
		if scheme == "https" {
			for k, v := range vh.tlsHeader {
				w.Header().Set(k, v)
			}
		}
		p := path.Clean("/" + r.URL.Path)
		if strings.HasSuffix(r.URL.Path, "/") && p != "/" {
			p += "/"
		}
		if scheme == "http" && vh.upgrade && !hasAnyPrefix(p, vh.keepHTTP) {
			http.Redirect(w, r, d.vars[vh.key]+r.URL.RequestURI(), http.StatusMovedPermanently)
			return
		}
		for _, rt := range routes {
			if rt.host != host || rt.path != p || (rt.scheme != "" && rt.scheme != scheme) {
				continue
			}
			for k, v := range rt.header {
				w.Header().Set(k, d.expand(v))
			}
			if rt.status != 0 {
				http.Redirect(w, r, d.expand(rt.location), rt.status)
				return
			}
		}
		if scheme == "https" && !vh.https || scheme == "http" && !vh.http {
			http.NotFound(w, r)
			return
		}
		files := d.files[host]
		if strings.HasSuffix(p, "/") {
			p += "index.html"
		} else if _, ok := files[p+"/index.html"]; ok {
			http.Redirect(w, r, p+"/", http.StatusMovedPermanently)
			return
		}
		body, ok := files[p]
		status := http.StatusOK
		if !ok {
			status = http.StatusNotFound
			if body, ok = files["/404.html"]; !ok {
				http.NotFound(w, r)
				return
			}
			p = "/404.html"
		}
		ct, ok := contentTypes[path.Ext(p)]
		if !ok {
			ct = "application/octet-stream"
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		if r.Method != http.MethodHead {
			_, _ = w.Write(body)
		}
	})
}

// expand replaces the placeholders of a route's header or location.
func (d *Demo) expand(s string) string {
	return placeholder.ReplaceAllStringFunc(s, func(m string) string {
		return d.vars[placeholder.FindStringSubmatch(m)[1]]
	})
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// makeCertificates creates a CA and one leaf certificate per demo host name, all valid from an
// hour before now for 90 days. It returns the leaves by host name and the CA certificate.
func makeCertificates(now time.Time) (map[string]*tls.Certificate, []byte, error) {
	notBefore, notAfter := now.Add(-time.Hour), now.Add(90*24*time.Hour)
	ca, err := certs.NewCA("padlock demo CA", notBefore, notAfter)
	if err != nil {
		return nil, nil, err
	}
	leaves := map[string]*tls.Certificate{}
	for _, v := range vhosts {
		if net.ParseIP(v.name) != nil {
			continue // an IP-address host has no certificate: its https copy does not exist
		}
		leaf, err := ca.Leaf([]string{v.name}, notBefore, notAfter, certs.LeafOptions{})
		if err != nil {
			return nil, nil, err
		}
		leaves[v.name] = &leaf
	}
	if len(leaves) == 0 {
		return nil, nil, errors.New("no host names")
	}
	return leaves, ca.Cert.Raw, nil
}
