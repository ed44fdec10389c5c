package rules

import (
	"testing"

	"github.com/padlock-scan/padlock/crawler"
)

func TestInsecurePage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		requested string
		final     string
		status    int
		err       string
		res       []crawler.Resource
		want      bool
	}{
		{name: "http page", requested: testHTTPPage, final: testHTTPPage, status: 200, want: true},
		{name: "http page with findings elsewhere", requested: testHTTPPage, final: testHTTPPage, status: 200, want: true,
			res: []crawler.Resource{html(crawler.KindScript, "script", "src", "http://cdn.other.test/a.js")}},
		{name: "http 404 page was still served", requested: testHTTPPage, final: testHTTPPage, status: 404, want: true},
		{name: "https redirected to http", requested: testHTTPSPage, final: testHTTPPage, status: 200, want: true},
		{name: "http redirected to https", requested: testHTTPPage, final: testHTTPSPage, status: 200, want: false},
		{name: "http answering a redirect to a page crawled on its own", requested: testHTTPPage, final: testHTTPPage, status: 301, want: false},
		{name: "http 308", requested: testHTTPPage, final: testHTTPPage, status: 308, want: false},
		{name: "https page", requested: testHTTPSPage, final: testHTTPSPage, status: 200, want: false},
		{name: "upper-case scheme", requested: "HTTP://www.shop.test/", final: "HTTP://www.shop.test/", status: 200, want: true},
		{name: "localhost", requested: "http://localhost:8080/", final: "http://localhost:8080/", status: 200, want: false},
		{name: "sub.localhost", requested: "http://app.localhost/", final: "http://app.localhost/", status: 200, want: false},
		{name: "127.0.0.1", requested: "http://127.0.0.1:3000/", final: "http://127.0.0.1:3000/", status: 200, want: false},
		{name: "127.0.0.2", requested: "http://127.0.0.2/", final: "http://127.0.0.2/", status: 200, want: false},
		{name: "::1", requested: "http://[::1]:8080/", final: "http://[::1]:8080/", status: 200, want: false},
		{name: "localhost.example.com", requested: "http://localhost.example.com/", final: "http://localhost.example.com/", status: 200, want: true},
		{name: "IP literal", requested: "http://192.0.2.10/", final: "http://192.0.2.10/", status: 200, want: true},
		{name: "fetch failed", requested: testHTTPPage, final: testHTTPPage, err: "timeout after 15s", want: false},
		{name: "body error after a response", requested: testHTTPPage, final: testHTTPPage, status: 200, err: "unexpected EOF", want: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := &crawler.Page{URL: tc.requested, FinalURL: tc.final, Status: tc.status, Err: tc.err}
			p.Resources = tc.res
			fs := runOne(t, insecurePage(), p)
			if !tc.want {
				if len(fs) != 0 {
					t.Fatalf("got %+v, want none", fs)
				}
				return
			}
			if len(fs) != 1 {
				t.Fatalf("got %d findings, want exactly one per page: %+v", len(fs), fs)
			}
			want := Finding{Rule: "insecure-page", Severity: Error, Page: tc.final, URL: tc.final, Source: crawler.SourceHTML}
			checkFinding(t, fs[0], want, []string{"served over plain HTTP"})
		})
	}
}
