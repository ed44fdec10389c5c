package render_test

// BenchmarkRenderBenchsite renders the generated shop of internal/benchsite page by page
// through one Browser: pages/s, peak RSS of this process and of the browser's process tree
// (sampled), and where a page's time goes. Not a timed test: run it by hand,
//
//	go test ./render -run '^$' -bench RenderBenchsite -benchtime 1x
//
// PADLOCK_RENDER_BENCH_PAGES (default 200) and PADLOCK_RENDER_BENCH_TABS (default 2) set the
// size and the tab pool; PADLOCK_RENDER_BENCH_CHROME names the browser (default: the lookup of
// FindChrome) and PADLOCK_RENDER_BENCH_FLAGS adds Chromium switches (name or name=value, by
// spaces), to compare browsers and switches. PADLOCK_RENDER_BENCH_NO_THIRD=1 keeps the site's
// third-party hosts from resolving (their scripts and images fail at once), and
// PADLOCK_RENDER_BENCH_QUIET sets the quiet window (a duration; default DefaultQuiet);
// PADLOCK_RENDER_BENCH_PATH renders that path of the site (robots.txt, say) instead of its pages,
// to weigh a page's fixed cost.
//
// It also logs the CPU Chromium's processes used a page, by process type (browser, renderer,
// network and other utility processes, GPU), from /proc: each live process's utime+stime, and
// for the zygotes the CPU of the renderers they reaped (cutime+cstime), between the browser's
// start and the end of the pages.

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"

	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/internal/benchsite"
	"github.com/padlock-scan/padlock/render"
)

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// leafSPKI dials the site and hashes its leaf's public key, for --ignore-certificate-errors-spki-list.
func leafSPKI(b *testing.B, site *benchsite.Site) string {
	host := strings.TrimPrefix(site.StartURL, "https://")
	host, _, _ = strings.Cut(host, "/")
	_, port, _ := strings.Cut(host, ":")
	c, err := tls.Dial("tcp", "127.0.0.1:"+port, &tls.Config{ServerName: benchsite.ShopHost, RootCAs: site.RootCAs})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	h := sha256.Sum256(c.ConnectionState().PeerCertificates[0].RawSubjectPublicKeyInfo)
	return base64.StdEncoding.EncodeToString(h[:])
}

// treeRSS sums the proportional set size (PSS: shared pages split among the processes that
// share them, so the renderers' shared libraries count once) of pid and all its descendants,
// in bytes (0 without /proc).
func treeRSS(pid int) uint64 {
	children, _ := procTree()
	var sum uint64
	var walk func(int)
	walk = func(p int) {
		sum += pss(p)
		for _, c := range children[p] {
			walk(c)
		}
	}
	walk(pid)
	return sum
}

// pss reads a process's proportional set size in bytes.
func pss(pid int) uint64 {
	data, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/smaps_rollup")
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "Pss:" {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

func selfHWM() uint64 {
	data, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// benchFlags reads PADLOCK_RENDER_BENCH_FLAGS.
func benchFlags() map[string]any {
	out := map[string]any{}
	for _, f := range strings.Fields(os.Getenv("PADLOCK_RENDER_BENCH_FLAGS")) {
		if k, v, ok := strings.Cut(f, "="); ok {
			out[k] = v
		} else {
			out[f] = true
		}
	}
	return out
}

func BenchmarkRenderBenchsite(b *testing.B) {
	if _, err := render.FindChrome(""); err != nil {
		b.Skip(err)
	}
	n, tabs := envInt("PADLOCK_RENDER_BENCH_PAGES", 200), envInt("PADLOCK_RENDER_BENCH_TABS", 2)
	site := benchsite.Start(n)
	defer site.Close()
	for b.Loop() {
		rules := "MAP * 127.0.0.1"
		if os.Getenv("PADLOCK_RENDER_BENCH_NO_THIRD") != "" {
			rules = "MAP " + benchsite.CDNHost + " ~NOTFOUND, MAP " + benchsite.AdsHost + " ~NOTFOUND, " + rules
		}
		quiet, _ := time.ParseDuration(os.Getenv("PADLOCK_RENDER_BENCH_QUIET"))
		br, err := render.Start(render.Options{HostResolverRules: rules, SPKIs: []string{leafSPKI(b, site)},
			Concurrency: tabs, Chrome: os.Getenv("PADLOCK_RENDER_BENCH_CHROME"), ExtraFlags: benchFlags(), Quiet: quiet})
		if err != nil {
			b.Fatal(err)
		}
		cpu0 := chromeCPU(br.PID())
		var peak atomic.Uint64
		stop := make(chan struct{})
		sampled := make(chan struct{})
		go func() { // the browser's memory, sampled
			defer close(sampled)
			t := time.NewTicker(200 * time.Millisecond)
			defer t.Stop()
			for {
				if r := treeRSS(br.PID()); r > peak.Load() {
					peak.Store(r)
				}
				select {
				case <-stop:
					return
				case <-t.C:
				}
			}
		}()
		var (
			mu                sync.Mutex
			errs              int
			open, nav, settle time.Duration
			collect           time.Duration
			reqs              int
		)
		start := time.Now()
		next := atomic.Int64{}
		var wg sync.WaitGroup
		for range tabs {
			wg.Go(func() {
				for {
					i := int(next.Add(1)) - 1
					if i >= n {
						return
					}
					u := strings.Replace(site.StartURL, "/p/0", "/p/"+strconv.Itoa(i), 1)
					if path := os.Getenv("PADLOCK_RENDER_BENCH_PATH"); path != "" {
						u = strings.Replace(site.StartURL, "/p/0", path, 1) + "?" + strconv.Itoa(i) // one small document
					}
					res, err := br.Render(context.Background(), u)
					mu.Lock()
					if err != nil || res.Err != "" {
						errs++
					}
					if res != nil {
						open += res.Timing.Open
						nav += res.Timing.Navigate
						settle += res.Timing.Settle
						collect += res.Timing.Collect
						reqs += len(res.Requests)
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		elapsed := time.Since(start)
		cpu1 := chromeCPU(br.PID())
		close(stop)
		<-sampled
		_ = br.Close()
		var byType strings.Builder
		var total float64
		for _, typ := range []string{"browser", "renderer", "network", "utility", "gpu"} {
			d := (cpu1[typ] - cpu0[typ]) / float64(n)
			total += d
			byType.WriteString(" " + typ + " " + strconv.FormatFloat(d, 'f', 3, 64) + "s")
		}
		b.ReportMetric(total, "chrome-CPU-s/page")
		b.Logf("Chromium CPU a page:%s (total %.3fs)", byType.String(), total)
		avg := func(d time.Duration) string { return (d / time.Duration(n)).Round(time.Millisecond).String() }
		b.ReportMetric(float64(n)/elapsed.Seconds(), "pages/s")
		b.ReportMetric(float64(peak.Load())/(1<<20), "browser-peak-PSS-MB")
		b.ReportMetric(float64(selfHWM())/(1<<20), "self-peak-RSS-MB")
		b.ReportMetric(float64(errs), "errors")
		b.ReportMetric(float64(reqs)/float64(n), "requests/page")
		b.Logf("%d pages, %d tabs, %s: per page open %s, navigate %s, settle %s, collect %s", n, tabs,
			elapsed.Round(time.Millisecond), avg(open), avg(nav), avg(settle), avg(collect))
	}
}

// procTree reads /proc: the children of each process, and each process's stat fields after
// its name (state is [0], ppid [1]).
func procTree() (children map[int][]int, stat map[int][]string) {
	children, stat = map[int][]int{}, map[int][]string{}
	dirs, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, d := range dirs {
		data, err := os.ReadFile(d)
		if err != nil {
			continue
		}
		s := string(data)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 15 {
			continue
		}
		p, _ := strconv.Atoi(strings.Fields(s)[0])
		pp, _ := strconv.Atoi(f[1])
		children[pp] = append(children[pp], p)
		stat[p] = f
	}
	return children, stat
}

// chromeCPU sums the CPU seconds of the browser process pid and its descendants by type:
// browser, renderer (live ones, and those the zygotes reaped), network (the network service),
// utility (other utility processes, the zygotes themselves) and gpu.
func chromeCPU(pid int) map[string]float64 {
	out := map[string]float64{}
	children, stat := procTree()
	const hz = 100 // USER_HZ on Linux
	ticks := func(f []string, i int) float64 { v, _ := strconv.ParseFloat(f[i], 64); return v / hz }
	var walk func(int)
	walk = func(p int) {
		f := stat[p]
		if f != nil {
			cmd, _ := os.ReadFile("/proc/" + strconv.Itoa(p) + "/cmdline")
			typ := "browser"
			// (Chromium rewrites its children's titles: their arguments are one string, by spaces.)
			for _, a := range strings.FieldsFunc(string(cmd), func(r rune) bool { return r == 0 || r == ' ' }) {
				if t, ok := strings.CutPrefix(a, "--type="); ok {
					typ = t
				}
			}
			if typ == "utility" && strings.Contains(string(cmd), "network.mojom.NetworkService") {
				typ = "network"
			}
			if typ == "gpu-process" {
				typ = "gpu"
			}
			own := ticks(f, 11) + ticks(f, 12) // utime, stime (fields 14 and 15 of stat)
			switch typ {
			case "zygote":
				out["utility"] += own
				out["renderer"] += ticks(f, 13) + ticks(f, 14) // cutime, cstime: reaped renderers
			case "renderer", "browser", "network", "gpu":
				out[typ] += own
			default:
				out["utility"] += own
			}
		}
		for _, c := range children[p] {
			walk(c)
		}
	}
	walk(pid)
	return out
}
