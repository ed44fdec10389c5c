package redisq_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/crawler/redisq"
	"github.com/padlock-scan/padlock/internal/redistest"
)

func job(t *testing.T, raw string) crawler.Job {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return crawler.Job{URL: u, Key: crawler.NormalizeURL(u)}
}

// take takes jobs from f, ending each (Done), until it has n distinct URLs (failing after the
// deadline), and returns them sorted.
func take(t *testing.T, f *redisq.Frontier, n int, within time.Duration) []string {
	t.Helper()
	got := make(chan []string, 1)
	go func() {
		seen := map[string]bool{}
		var urls []string
		for len(urls) < n {
			j, ok := f.Next()
			if !ok {
				break
			}
			f.Done(j)
			if u := j.URL.String(); !seen[u] {
				seen[u] = true
				urls = append(urls, u)
			}
		}
		got <- urls
	}()
	select {
	case urls := <-got:
		slices.Sort(urls)
		return urls
	case <-time.After(within):
		f.Close()
		t.Fatalf("%d jobs not handed out within %s", n, within)
		return nil
	}
}

// TestCrashBetweenGroupCommits: a page's links and its Done go to Redis in group commits, the
// Done never before the links. A process that dies after the commit that queued a page's links
// and before the one that ends the page loses nothing: its lease lapses and the page is handed
// out again, with its links queued; one that dies before either commit leaves the page leased,
// handed out again when the lease lapses (and its links come again with its fetch).
func TestCrashBetweenGroupCommits(t *testing.T) {
	srv := redistest.Start(t)
	const lease = 300 * time.Millisecond
	c, err := redisq.Open(srv.URL("lease=" + lease.String()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, tc := range []struct {
		name      string
		committed bool // the links' group commit went out before the crash
	}{{"links committed", true}, {"nothing committed", false}} {
		t.Run(tc.name, func(t *testing.T) {
			id := "crash" + fmt.Sprint(tc.committed)
			home := "https://shop.test/"
			a, err := c.TestFrontier(context.Background(), id, &crawler.Config{StartURLs: []string{home}, IgnoreRobots: true})
			if err != nil {
				t.Fatal(err)
			}
			a.Add([]crawler.Job{job(t, home)})
			if j, ok := a.Next(); !ok || j.URL.String() != home {
				t.Fatalf("took %v, want the home page", j.URL)
			}
			links := []string{"https://shop.test/a", "https://shop.test/b", "https://shop.test/c"}
			var jobs []crawler.Job
			for _, l := range links {
				jobs = append(jobs, job(t, l))
			}
			if !tc.committed {
				a.Halt() // the process dies before the commit of the page's links
			}
			a.Add(jobs)
			a.Sync()
			a.Halt() // and before the commit of its Done
			a.Done(job(t, home))
			a.Crash()

			b := c.TestJoin(id, 1)
			defer b.Stop()
			want := []string{home}
			if tc.committed {
				want = append(links, home)
			}
			got := take(t, b, len(want), 20*lease)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("after the crash the other process took %v, want %v (the page again, and its links when they were committed)", got, want)
			}
		})
	}
}

// TestTakenAheadGoBack: a process keeps jobs taken ahead (leased to it); when it stops, they go
// back to the queue at once for the others, not after their lease.
func TestTakenAheadGoBack(t *testing.T) {
	srv := redistest.Start(t)
	const lease = time.Minute
	c, err := redisq.Open(srv.URL("lease=" + lease.String()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	a, err := c.TestFrontier(context.Background(), "ahead", &crawler.Config{StartURLs: []string{"https://shop.test/"}, IgnoreRobots: true})
	if err != nil {
		t.Fatal(err)
	}
	var jobs []crawler.Job
	var want []string
	for i := range 20 {
		j := job(t, fmt.Sprintf("https://shop.test/p/%d", i))
		jobs = append(jobs, j)
		want = append(want, j.URL.String())
	}
	a.Add(jobs)
	a.Sync() // in Redis before the other process asks (a crawl with nothing queued or leased is over)
	ahead := c.TestJoin("ahead", 16)
	first, ok := ahead.Next()
	if !ok {
		t.Fatal("no job")
	}
	if n := ahead.Ahead(); n == 0 {
		t.Fatal("the process took no job ahead")
	}
	ahead.Drop(first) // the crawler gives back the job it was handed and will not fetch
	ahead.Done(first)
	ahead.Stop()

	a.Sync()
	got := take(t, a, len(want), lease/4)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("the other process took %v, want every job %v", got, want)
	}
	a.Stop()
}

// redisCalls is the number of commands Redis ran since the last CONFIG RESETSTAT, those its
// scripts called included, the calls of the scripts themselves and of the test left out.
func redisCalls(t *testing.T, srv *redistest.Server) (calls, scripts int) {
	t.Helper()
	info, err := srv.Do("INFO", "commandstats")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(info, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(l), ":calls=")
		if !ok {
			continue
		}
		n, _ := strconv.Atoi(rest[:strings.IndexByte(rest, ',')])
		switch name = strings.TrimPrefix(name, "cmdstat_"); name {
		case "evalsha", "eval":
			scripts += n
		case "info", "config|resetstat", "hello", "client|setinfo", "script|load":
		default:
			calls += n
		}
	}
	return calls, scripts
}

// TestRedisCallsPerURL: redis-server's CPU goes to the commands the frontier's scripts call, a
// microsecond or so each. A URL queued, handed out and done costs about two (its claim in the
// seen-set and its --max-pages slot): the jobs are queued with one call a host, taken with one
// a host, their leases set and ended with one call for all, the counters set once a call. It
// was 21 calls a URL (six to queue it, twelve to hand it out, three to end it).
func TestRedisCallsPerURL(t *testing.T) {
	srv := redistest.Start(t)
	c, err := redisq.Open(srv.URL("lease=1m")) // no heartbeat during the test
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	a, err := c.TestFrontier(context.Background(), "calls", &crawler.Config{StartURLs: []string{"https://shop.test/"}, IgnoreRobots: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop()
	const n = 1000
	var want []string
	var jobs []crawler.Job
	for i := range n {
		raw := fmt.Sprintf("https://shop.test/p/%d", i)
		if i%2 == 1 {
			raw = fmt.Sprintf("http://shop.test/p/%d", i) // two hosts
		}
		jobs = append(jobs, job(t, raw))
		want = append(want, raw)
		if len(jobs) == 50 { // one page's links
			a.Add(jobs)
			jobs = nil
		}
	}
	if _, err := srv.Do("CONFIG", "RESETSTAT"); err != nil {
		t.Fatal(err)
	}
	a.Sync()
	queued, _ := redisCalls(t, srv)
	if _, err := srv.Do("CONFIG", "RESETSTAT"); err != nil {
		t.Fatal(err)
	}
	b := c.TestJoin("calls", 64)
	defer b.Stop()
	got := take(t, b, n, time.Minute)
	b.Sync()
	taken, scripts := redisCalls(t, srv)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("took %d jobs, want the %d queued", len(got), len(want))
	}
	t.Logf("Redis calls: %d to queue %d URLs, %d to hand them out and end them (in %d script calls)", queued, n, taken, scripts)
	if per := float64(queued) / n; per > 1.2 {
		t.Errorf("queueing a URL took %.1f Redis calls; want about one (its claim)", per)
	}
	if per := float64(taken) / n; per > 2.5 {
		t.Errorf("handing a URL out and ending it took %.1f Redis calls; want about one (its slot) and a few a script call", per)
	}
}

// TestHeldJobDoneKeepsItsNextLease: a job held for a --max-pages slot has no lease, so its Done
// ends none; it ended the lease the same job held once a slot was given back and it was taken
// again, and with nothing leased the crawl could end with jobs still held (TestSlotsGivenBack
// failed so, one run in 20-40).
func TestHeldJobDoneKeepsItsNextLease(t *testing.T) {
	srv := redistest.Start(t)
	c, err := redisq.Open(srv.URL("lease=1m"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	a, err := c.TestFrontier(context.Background(), "held", &crawler.Config{StartURLs: []string{"https://shop.test/"}, IgnoreRobots: true, MaxPages: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop()
	a.Add([]crawler.Job{job(t, "https://shop.test/a.pdf"), job(t, "https://shop.test/b.html")})
	a.Sync()
	next := func() crawler.Job {
		t.Helper()
		j, ok := a.Next()
		if !ok {
			t.Fatal("no job")
		}
		return j
	}
	pdf, page := next(), next()
	if !a.Admit(pdf) || a.Admit(page) {
		t.Fatal("want the first job with the slot, the second held")
	}
	a.GiveBack(pdf) // not a page: its slot goes to the held job, queued again
	a.Done(pdf)
	a.Sync()
	again := next()
	a.Done(page) // the held one's Done, after the job was taken again with the slot
	a.Sync()
	if n, err := srv.Do("ZCARD", "padlock:{held}:leases"); err != nil || n != "1" {
		t.Errorf("leases in Redis: %s (%v), want 1: the job taken again with the slot", n, err)
	}
	if again.Key != page.Key || !a.Admit(again) {
		t.Errorf("taken again: %s, admitted %v", again.Key, a.Admit(again))
	}
}
