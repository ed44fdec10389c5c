package main

// What lets a crawl reach the checkout: the user's cookies, basic auth from the environment, the
// progress note while a preview comes up. The settings themselves are entries of settings.go.

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/internal/termsafe"
	"github.com/padlock-scan/padlock/scan"
)

// basicAuthEnv is the environment variable read when --basic-auth is not given: a CI secret
// stays out of the command line, the shell history and the job's log.
const basicAuthEnv = "PADLOCK_BASIC_AUTH"

// setCookies puts the --cookie values on the crawl; the report records their names.
func setCookies(c *crawlConfig, v value) {
	c.scan.Crawl.Cookies = nil
	for _, s := range v.list {
		ck, _ := crawler.ParseCookie(s) // checked
		c.scan.Crawl.Cookies = append(c.scan.Crawl.Cookies, ck)
	}
	c.scan.Settings.Cookies = cookieNames(c.scan.Crawl.Cookies)
}

// setCookieFile adds the cookies of a cookies.txt file to those of --cookie (set before it).
func setCookieFile(c *crawlConfig, v value) {
	if v.s == "" {
		return
	}
	cks, _ := crawler.ReadCookieFile(v.s) // checked
	c.scan.Crawl.Cookies = append(c.scan.Crawl.Cookies, cks...)
	c.scan.Settings.Cookies = cookieNames(c.scan.Crawl.Cookies)
}

// cookieNames are the names of cookies, sorted, each once.
func cookieNames(cks []crawler.Cookie) []string {
	var names []string
	for _, c := range cks {
		names = append(names, c.Name)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// headerNames are the names of the user's headers, sorted.
func headerNames(h http.Header) []string {
	var names []string
	for k := range h {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// basicAuthFromEnv fills in basic auth from PADLOCK_BASIC_AUTH when --basic-auth (and the
// config file) left it unset. The error names the variable, never its value.
func basicAuthFromEnv(opt *scan.Options, getenv func(string) string) error {
	env := getenv(basicAuthEnv)
	if opt.Crawl.BasicAuth != "" || env == "" {
		return nil
	}
	if err := crawler.CheckValue("BasicAuth", env); err != nil {
		_, err = reason(err, "")
		return usageErr("%s: %v", basicAuthEnv, err)
	}
	opt.Crawl.BasicAuth, opt.Settings.BasicAuth = env, true
	return nil
}

// waitingNote is the crawl's Waiting callback: a line on stderr when the wait begins and every
// few seconds after (never with --quiet).
func waitingNote(stderr io.Writer, quiet bool) func(crawler.Wait) {
	if quiet {
		return nil
	}
	var mu sync.Mutex
	var last time.Time
	return func(w crawler.Wait) {
		mu.Lock()
		defer mu.Unlock()
		if !last.IsZero() && time.Since(last) < progressLineEvery {
			return
		}
		last = time.Now()
		fmt.Fprintf(stderr, "padlock: waiting for %s to answer (%s of --wait-for %s; last try: %s)\n",
			termsafe.Line(w.URL), w.Waited.Round(time.Second), w.Limit, termsafe.Line(w.Last))
	}
}
