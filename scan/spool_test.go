package scan

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/report"
)

// The spool writes pages straight from the crawler's values: the JSON must be the same as
// when the report keeps them in memory.
func TestSpooledReportMatchesInMemory(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		switch r.URL.Path {
		case "/":
			fmt.Fprint(w, `<title>"home" <3</title><link rel=stylesheet href="/s.css"><script src="http://cdn.test/a.js"></script>
<img src="/x.png" srcset="/x2.png 2x"><a href="/b">b</a><form action="http://f.test/post"></form>`)
		case "/b":
			fmt.Fprint(w, `<p>b</p><iframe src="/c"></iframe>`)
		case "/c":
			fmt.Fprint(w, `<p>c</p>`)
		case "/s.css":
			w.Header().Set("Content-Type", "text/css")
			fmt.Fprint(w, "body{background:url(http://img.test/bg.png)}\n@font-face{src:url(/f.woff2)}")
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	clock := func() time.Time { return time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC) }
	render := func(spool bool) []byte {
		rep, err := Run(context.Background(), Options{Crawl: crawler.Config{StartURLs: []string{srv.URL + "/"}, Concurrency: 1,
			IgnoreRobots: true, CheckResources: crawler.CheckNone}, Now: clock, Spool: spool})
		if err != nil {
			t.Fatal(err)
		}
		defer rep.Close()
		var b bytes.Buffer
		w, _ := report.New("json")
		if err := w.Write(&b, rep); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	mem, spooled := render(false), render(true)
	if !bytes.Equal(mem, spooled) {
		t.Errorf("spooled JSON differs from in-memory JSON:\n%s\nwant:\n%s", spooled, mem)
	}
	if !bytes.Contains(mem, []byte(`"resources": [`)) {
		t.Errorf("no resources in the report:\n%s", mem)
	}
}
