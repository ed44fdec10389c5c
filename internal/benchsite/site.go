// Package benchsite serves a generated shop of N pages on loopback for benchmarks: 20-40 KB
// pages with about 10 links and about 40 sub-resource URLs each, some over plain HTTP and some on
// third-party hosts. Pages are generated on request from their number, so the site costs no
// memory however large it is, and every run sees the same bytes.
package benchsite

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/padlock-scan/padlock/internal/certs"
)

// Site is a running generated shop.
type Site struct {
	Pages    int
	StartURL string
	Resolve  []string // --resolve entries mapping the made-up host names to loopback
	RootCAs  *x509.CertPool

	// Requests counts every request the servers answered; PageGETs the page requests among them.
	Requests, PageGETs atomic.Int64

	tlsSrv, plainSrv *httptest.Server
	tlsPort          int
	plainPort        int
	caPEM            []byte
}

// CAPEM returns the site's CA certificate in PEM, for --ca-file.
func (s *Site) CAPEM() []byte { return s.caPEM }

// Hosts of the generated site.
const (
	ShopHost   = "www.benchshop.test"
	StaticHost = "static.benchshop.test" // same site, other host
	CDNHost    = "cdn.fastcdn.test"      // third party
	AdsHost    = "ads.adnetwork.test"    // third party, also over http
)

// Start serves a site of n pages.
func Start(n int) *Site {
	s := &Site{Pages: n}
	s.tlsSrv = httptest.NewUnstartedServer(http.HandlerFunc(s.serveTLS))
	s.tlsSrv.EnableHTTP2 = false
	cert, pool, caPEM := certificate(ShopHost, StaticHost, CDNHost, AdsHost)
	s.caPEM = caPEM
	s.tlsSrv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	s.tlsSrv.StartTLS()
	s.plainSrv = httptest.NewServer(http.HandlerFunc(s.servePlain))
	s.tlsPort = s.tlsSrv.Listener.Addr().(*net.TCPAddr).Port
	s.plainPort = s.plainSrv.Listener.Addr().(*net.TCPAddr).Port
	s.RootCAs = pool
	s.Resolve = []string{fmt.Sprintf("*:%d:127.0.0.1", s.tlsPort), fmt.Sprintf("*:%d:127.0.0.1", s.plainPort)}
	s.StartURL = s.url(ShopHost, "/p/0")
	return s
}

// Close stops the servers.
func (s *Site) Close() {
	s.tlsSrv.Close()
	s.plainSrv.Close()
}

// certificate makes a throw-away CA and a leaf for the names.
func certificate(names ...string) (tls.Certificate, *x509.CertPool, []byte) {
	now := time.Now()
	ca, err := certs.NewCA("benchsite CA", now.Add(-time.Hour), now.Add(24*time.Hour))
	if err != nil {
		panic(err)
	}
	leaf, err := ca.Leaf(names, now.Add(-time.Hour), now.Add(24*time.Hour), certs.LeafOptions{})
	if err != nil {
		panic(err)
	}
	return leaf, ca.Pool, ca.PEM()
}

func (s *Site) url(host, path string) string {
	return fmt.Sprintf("https://%s:%d%s", host, s.tlsPort, path)
}

func (s *Site) plainURL(host, path string) string {
	return fmt.Sprintf("http://%s:%d%s", host, s.plainPort, path)
}

func (s *Site) serveTLS(w http.ResponseWriter, r *http.Request) {
	s.Requests.Add(1)
	s.serve(w, r)
}

func (s *Site) servePlain(w http.ResponseWriter, r *http.Request) {
	s.Requests.Add(1)
	s.serve(w, r)
}

func (s *Site) serve(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == "/robots.txt":
		fmt.Fprint(w, "User-agent: *\nAllow: /\n")
	case strings.HasPrefix(p, "/p/"):
		i, err := strconv.Atoi(strings.TrimPrefix(p, "/p/"))
		if err != nil || i < 0 || i >= s.Pages {
			http.NotFound(w, r)
			return
		}
		if r.Method == http.MethodGet {
			s.PageGETs.Add(1)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Strict-Transport-Security", "max-age=31536000")
		w.Write(s.page(i))
	case strings.HasSuffix(p, ".css"):
		w.Header().Set("Content-Type", "text/css")
		fmt.Fprintf(w, ".hero{background:url(/img/hero.jpg)}\n@font-face{font-family:x;src:url(/fonts/x.woff2)}\n.icon{background-image:url(%s)}\n", s.plainURL(AdsHost, "/img/icon.png"))
	case strings.HasSuffix(p, ".js"):
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, "(function(){var shop={};shop.cart=[];window.shop=shop;})();\n")
	default:
		w.Header().Set("Content-Type", contentType(p))
		w.Write([]byte("0123456789abcdef"))
	}
}

func contentType(p string) string {
	switch {
	case strings.HasSuffix(p, ".jpg"):
		return "image/jpeg"
	case strings.HasSuffix(p, ".png"):
		return "image/png"
	case strings.HasSuffix(p, ".woff2"):
		return "font/woff2"
	case strings.HasSuffix(p, ".mp4"):
		return "video/mp4"
	}
	return "application/octet-stream"
}

const filler = "Hand-made in small batches from responsibly sourced materials; each piece is inspected before it ships. "

// page renders page i: deterministic for i, 20-40 KB, ~10 links, ~40 sub-resource URLs.
func (s *Site) page(i int) []byte {
	rng := rand.New(rand.NewPCG(uint64(i), 42))
	var b strings.Builder
	b.Grow(40 << 10)
	fmt.Fprintf(&b, "<!doctype html>\n<html lang=en><head><meta charset=utf-8><title>Product %d</title>\n", i)
	fmt.Fprintf(&b, "<link rel=stylesheet href=\"%s\">\n", s.url(StaticHost, "/css/site.css"))
	fmt.Fprintf(&b, "<link rel=stylesheet href=\"/css/product.css\">\n")
	fmt.Fprintf(&b, "<link rel=icon href=\"/favicon.png\">\n<link rel=canonical href=\"%s\">\n", s.url(ShopHost, fmt.Sprintf("/p/%d", i)))
	fmt.Fprintf(&b, "<script src=\"/js/app.js\"></script>\n<script src=\"%s\"></script>\n", s.url(StaticHost, "/js/vendor.js"))
	fmt.Fprintf(&b, "<script src=\"%s\" integrity=\"sha384-AAAA\" crossorigin=anonymous></script>\n", s.url(CDNHost, "/lib/widget.js"))
	if i%10 == 0 {
		fmt.Fprintf(&b, "<script src=\"%s\"></script>\n", s.plainURL(AdsHost, "/tag.js"))
	}
	b.WriteString("<script>window.dataLayer=window.dataLayer||[];dataLayer.push({page:'product'});</script>\n</head><body>\n<nav>")
	// ~10 links: next page (so every page is reachable), random pages, some with fragments.
	fmt.Fprintf(&b, "<a href=\"/p/%d\">next</a>\n", (i+1)%s.Pages)
	for k := 0; k < 9; k++ {
		j := rng.IntN(s.Pages)
		switch k % 3 {
		case 0:
			fmt.Fprintf(&b, "<a href=\"/p/%d#reviews\">Product %d</a>\n", j, j)
		case 1:
			fmt.Fprintf(&b, "<a href=\"%s\">Product %d</a>\n", s.url(ShopHost, fmt.Sprintf("/p/%d", j)), j)
		default:
			fmt.Fprintf(&b, "<a href=\"/p/%d\">Product %d</a>\n", j, j)
		}
	}
	b.WriteString("</nav>\n<main>\n")
	// ~30 image URLs: unique product images (some srcset), shared first-party, third-party and
	// some over plain http.
	for k := 0; k < 8; k++ {
		fmt.Fprintf(&b, "<img src=\"/img/p%d-%d.jpg\" alt=\"view %d\">\n", i, k, k)
	}
	for k := 0; k < 4; k++ {
		fmt.Fprintf(&b, "<img src=\"/img/p%d-s%d.jpg\" srcset=\"/img/p%d-s%d@2x.jpg 2x, /img/p%d-s%d@3x.jpg 3x\">\n", i, k, i, k, i, k)
	}
	for k := 0; k < 5; k++ {
		fmt.Fprintf(&b, "<img src=\"%s\">\n", s.url(StaticHost, fmt.Sprintf("/img/badge%d.png", k)))
	}
	for k := 0; k < 3; k++ {
		fmt.Fprintf(&b, "<img src=\"%s\">\n", s.url(CDNHost, fmt.Sprintf("/img/p%d-cdn%d.jpg", i, k)))
	}
	if i%4 == 0 {
		fmt.Fprintf(&b, "<img src=\"%s\">\n", s.plainURL(AdsHost, fmt.Sprintf("/img/banner%d.png", i%50)))
	}
	fmt.Fprintf(&b, "<video poster=\"/img/p%d-poster.jpg\"><source src=\"/media/p%d.mp4\"></video>\n", i, i)
	fmt.Fprintf(&b, "<form action=\"/cart/add\" method=post><input name=qty value=1><button>Add</button></form>\n")
	// filler text to 20-40 KB
	target := 20<<10 + rng.IntN(20<<10)
	for b.Len() < target {
		fmt.Fprintf(&b, "<p class=desc>%s</p>\n", filler)
	}
	b.WriteString("</main></body></html>\n")
	return []byte(b.String())
}
