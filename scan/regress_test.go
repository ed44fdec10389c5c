package scan_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/scan"
)

// A preload as=style with integrity and crossorigin, answered with a valid
// Access-Control-Allow-Origin, must not draw sri-cors (its check keeps the CORS headers).
func TestPreloadWithIntegrityKeepsCORSHeaders(t *testing.T) {
	t.Parallel()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			port := strings.TrimPrefix(srv.URL, "http://127.0.0.1:")
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, `<link rel=preload as=style href="http://localhost:%s/x.css" integrity="sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" crossorigin=anonymous>`, port)
		case "/x.css":
			w.Header().Set("Content-Type", "text/css")
			w.Header().Set("Access-Control-Allow-Origin", "*")
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	rep, err := scan.Run(context.Background(), scan.Options{Crawl: crawler.Config{StartURLs: []string{srv.URL + "/"}, IgnoreRobots: true}})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings {
		if f.Rule == "sri-cors" || f.Rule == "sri-mismatch" {
			t.Errorf("false %s: %s", f.Rule, f.Message)
		}
	}
}
