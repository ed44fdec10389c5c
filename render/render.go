// Package render loads pages in headless Chromium and records what the browser really
// requested: every request with its initiator (the script or page that caused it), what
// Chromium did about mixed content (blocked, upgraded, warned), the scripts it ran with the
// SHA-256 of the body it got, and the DOM once the page settled. It captures through the
// DevTools protocol (chromedp/cdproto), not by re-parsing the DOM.
//
// It knows nothing about rules or reports: scan turns a Result into references the rules judge.
// It sits beside crawler in the one-way import order and imports no padlock package.
//
// One browser process serves a bounded pool of tabs (Options.Concurrency); each page gets a
// fresh incognito browser context, so no cookie or storage bleeds from page to page. The
// browser is restarted after Options.RestartAfter pages and when it dies; a page that failed
// because the browser died is retried once on the new one.
package render

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/chromedp"
)

// Defaults of Options.
const (
	DefaultConcurrency  = 2
	DefaultTimeout      = 30 * time.Second
	DefaultQuiet        = 500 * time.Millisecond
	DefaultRestartAfter = 500
)

// Candidates are the browser names looked up on PATH when Options.Chrome is empty, in order.
// The headless shells come first: they render the same pages with the same verdicts (the
// Chromium conformance test) for about a third of the CPU of the full browser's headless mode,
// which starts two renderers per page where the shell starts one.
var Candidates = []string{"chromium-headless-shell", "chrome-headless-shell", "chromium", "chromium-browser", "google-chrome"}

// ErrNoBrowser is wrapped by the error FindChrome returns when no browser is found.
var ErrNoBrowser = errors.New("no Chromium browser found")

// FindChrome returns the browser to run: path itself when set (it must exist), else the first
// of Candidates on PATH. The error names what was tried and how to install a browser.
func FindChrome(path string) (string, error) {
	if path != "" {
		p, err := exec.LookPath(path)
		if err != nil {
			return "", fmt.Errorf("%w: --chrome %s: %v", ErrNoBrowser, path, err)
		}
		return p, nil
	}
	for _, name := range Candidates {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: looked for %s on PATH; install one (Debian/Ubuntu: apt-get install chromium-headless-shell) "+
		"or name it with --chrome PATH", ErrNoBrowser, strings.Join(Candidates, ", "))
}

// Options configure a Browser.
type Options struct {
	Chrome       string        // browser executable; "" looks up Candidates on PATH
	Concurrency  int           // tabs at once; 0 means DefaultConcurrency
	Timeout      time.Duration // per page, from navigation to settled; 0 means DefaultTimeout
	Quiet        time.Duration // quiet window after load (no new request, no DOM change); 0 means DefaultQuiet
	RestartAfter int           // pages before the browser is restarted; 0 means DefaultRestartAfter
	UserAgent    string        // sent by the browser; "" keeps Chromium's

	// Headers are added to requests whose URL InScope accepts (the user's headers, cookies
	// included), and to no other. ScopeHosts are the hosts InScope can accept: requests to
	// them are intercepted (Fetch domain) to add the headers; InScope decides per request.
	Headers    http.Header
	ScopeHosts []string
	InScope    func(rawURL string) bool
	// Cookies are set in each page's browser context before it loads (flow_credentials.go): the
	// user's and a flow's, each for one origin InScope accepts. BasicAuth (USER:PASS) answers the
	// auth challenges of the origins InScope accepts (Fetch.authRequired), and no other.
	Cookies   []SiteCookie
	BasicAuth string

	// HostResolverRules is Chromium's --host-resolver-rules ("MAP shop.test:443 127.0.0.1:8443").
	HostResolverRules string
	// SPKIs are base64 SHA-256 hashes of public keys the browser trusts as if a public CA had
	// issued them (--ignore-certificate-errors-spki-list): the CA of --ca-file, for instance.
	SPKIs []string

	// Warnf receives notes meant for the user (once each), such as running without the
	// sandbox. nil discards them.
	Warnf func(format string, args ...any)
	// Lazy defers starting the browser process to the first Render, so a crawl that renders
	// no page (render mode auto on a site without payment pages) costs no browser. Start
	// still finds the browser, and fails when there is none.
	Lazy bool
	// ScriptDigest, when set, gives a second digest of each script body the browser got
	// (Script.Digest): scan's normalized SHA-256, for inventory entries that authorize it.
	ScriptDigest func(body []byte) string
	// ExtraFlags are more Chromium switches (tests).
	ExtraFlags map[string]any
}

func (o *Options) defaults() {
	orDefault(&o.Concurrency, DefaultConcurrency)
	orDefault(&o.Timeout, DefaultTimeout)
	orDefault(&o.Quiet, DefaultQuiet)
	orDefault(&o.RestartAfter, DefaultRestartAfter)
	if o.Warnf == nil {
		o.Warnf = func(string, ...any) {}
	}
}

// orDefault sets *v to def when it is not positive.
func orDefault[T int | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// crawlSwitches are the Chromium switches of every render: headless, no GPU, nothing the
// browser would fetch for itself (updates, sync, first-run pages), no QUIC (the crawl's
// servers speak TCP), no sound, and every site in a process of its own (site isolation, which
// the headless shell leaves off by default): a cross-site frame is then a target of its own.
var crawlSwitches = []string{"headless", "disable-gpu", "no-first-run", "disable-background-networking",
	"disable-component-update", "disable-sync", "disable-quic", "mute-audio",
	"site-per-process"}

// Browser is one Chromium process and its pool of tabs. Safe for concurrent use.
type Browser struct {
	opts  Options
	exec  string
	slots chan struct{} // the tab pool

	// mu guards what follows; a restart holds it for writing while the browser starts.
	mu       sync.RWMutex
	gen      int // bumped by each start
	ctx      context.Context
	mux      *mux // the browser's DevTools pipe, shared with chromedp (mux.go)
	cancel   func()
	pages    int // pages begun on this browser process
	restarts int
	closed   bool
	warming  bool // Warm started the browser in the background
	stale    bool // Trust added keys the running browser was not started with
	// inflight counts the pages in progress on each browser generation; a browser replaced
	// while some are (retired) ends when its last one is done.
	inflight map[int]int
	retired  map[int]func()
	// spares are tabs opened ahead for the next pages on the current browser process; opening
	// counts those being opened. Together at most Concurrency: the tab pool bounds the
	// renderer processes, spares included.
	spares  []*tab
	opening int
}

// takeTab returns a tab of the browser of generation gen: a spare one when there is, else one
// opened now; and has another spare opened meanwhile. open is the time the page waited for it.
func (b *Browser) takeTab(bctx context.Context, m *mux, gen int) (t *tab, open time.Duration) {
	start := time.Now()
	b.mu.Lock()
	if b.gen == gen && len(b.spares) > 0 {
		t, b.spares = b.spares[0], b.spares[1:]
	}
	b.mu.Unlock()
	go b.openSpare(bctx, m, gen)
	if t == nil {
		t = openTab(bctx, m, &b.opts)
	}
	return t, time.Since(start)
}

// openSpare opens a tab for a later page, unless enough are open or opening.
func (b *Browser) openSpare(bctx context.Context, m *mux, gen int) {
	b.mu.Lock()
	if b.closed || b.gen != gen || len(b.spares)+b.opening >= b.opts.Concurrency {
		b.mu.Unlock()
		return
	}
	b.opening++
	b.mu.Unlock()
	t := openTab(bctx, m, &b.opts)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.opening--
	if b.closed || b.gen != gen || t.openErr != nil {
		t.cancel()
		return
	}
	b.spares = append(b.spares, t)
}

// dropSpares closes the spare tabs. b.mu is held for writing.
func (b *Browser) dropSpares() {
	for _, t := range b.spares {
		t.cancel()
	}
	b.spares = nil
}

// Start finds and launches the browser.
func Start(opts Options) (*Browser, error) {
	opts.defaults()
	p, err := FindChrome(opts.Chrome)
	if err != nil {
		return nil, err
	}
	opts.SPKIs = slices.Clone(opts.SPKIs)
	b := &Browser{opts: opts, exec: p, slots: make(chan struct{}, opts.Concurrency), inflight: map[int]int{}, retired: map[int]func(){}}
	if os.Geteuid() == 0 {
		opts.Warnf("render: running Chromium without its sandbox (--no-sandbox): padlock runs as root, where Chromium's sandbox cannot start")
	}
	if opts.Lazy {
		return b, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.launch(); err != nil {
		return nil, err
	}
	return b, nil
}

// launch starts a browser process. b.mu is held for writing.
func (b *Browser) launch() error {
	flags := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(b.exec), chromedp.WindowSize(1280, 1024))
	for _, name := range crawlSwitches {
		flags = append(flags, chromedp.Flag(name, true))
	}
	// Site isolation stays on: a cross-site frame (payment fields, 3-D Secure) is a target of its
	// own, which capture's session reports (Target.setAutoAttach, flatten) and holds until the
	// frame's session is listening (capture.go's attachFrame). No spare renderer: with site
	// isolation Chromium keeps one started ahead that no fresh context uses (3.4 renderer
	// processes a benchsite page with it, 1.1 without).
	flags = append(flags, chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints,SpareRendererForSitePerProcess"))
	if os.Geteuid() == 0 {
		flags = append(flags, chromedp.NoSandbox)
	}
	if b.opts.UserAgent != "" {
		flags = append(flags, chromedp.UserAgent(b.opts.UserAgent))
	}
	if b.opts.HostResolverRules != "" {
		flags = append(flags, chromedp.Flag("host-resolver-rules", b.opts.HostResolverRules))
	}
	if len(b.opts.SPKIs) > 0 {
		flags = append(flags, chromedp.Flag("ignore-certificate-errors-spki-list", strings.Join(b.opts.SPKIs, ",")))
	}
	for k, v := range b.opts.ExtraFlags {
		flags = append(flags, chromedp.Flag(k, v))
	}
	var m *mux
	var merr error
	flags = append(flags, chromedp.ModifyCmdFunc(func(cmd *exec.Cmd) { m, merr = interpose(cmd) }))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), flags...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	// No deadline on the first run: it would bound the browser's whole life.
	err := chromedp.Do(ctx)
	if m != nil {
		m.started()
	}
	if err == nil {
		err = merr
	}
	if err != nil {
		cancelCtx()
		cancelAlloc()
		return fmt.Errorf("render: start %s: %w", b.exec, err)
	}
	b.dropSpares()
	b.ctx, b.mux, b.gen, b.pages, b.stale = ctx, m, b.gen+1, 0, false
	b.cancel = func() { cancelCtx(); cancelAlloc() }
	return nil
}

// Warm starts a Lazy browser in the background, and opens the first pages' tabs, so that the
// first pages do not wait for the browser's start (about 2 s under load); the crawl goes on
// meanwhile. A start that fails is
// tried again by the first Render. Nothing happens when the browser runs or is starting.
func (b *Browser) Warm() {
	b.mu.Lock()
	if b.ctx != nil || b.closed || b.warming {
		b.mu.Unlock()
		return
	}
	b.warming = true
	gen := b.gen
	b.mu.Unlock()
	go func() {
		if b.restart(gen) != nil {
			return
		}
		// The first pages' tabs too, each a fresh incognito context as any page's.
		b.mu.RLock()
		ctx, m, gen := b.ctx, b.mux, b.gen
		b.mu.RUnlock()
		for range b.opts.Concurrency {
			go b.openSpare(ctx, m, gen)
		}
	}()
}

// PID is the browser process's id (0 when it is not running).
func (b *Browser) PID() int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.ctx == nil {
		return 0
	}
	if c := chromedp.FromContext(b.ctx); c != nil && c.Browser != nil {
		if p := c.Browser.Process(); p != nil {
			return p.Pid
		}
	}
	return 0
}

// Restarts is how many times the browser was started again (crash or page budget).
func (b *Browser) Restarts() int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.restarts
}

// Close ends the browser. Pages in progress end with an error.
func (b *Browser) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.dropSpares()
	if b.cancel != nil {
		b.cancel()
	}
	for gen, cancel := range b.retired {
		cancel()
		delete(b.retired, gen)
	}
	b.closed = true
	return nil
}

// Trust adds base64 SHA-256 hashes of public keys to those the browser trusts (Options.SPKIs):
// the leaf certificates the crawl verified against --ca-file, for servers that send no chain up
// to the CA (Chromium matches the list against the chain a server sends). Chromium reads the
// list at start, so a running browser is replaced before its next page; pages in progress on it
// finish there.
func (b *Browser) Trust(spkis ...string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, k := range spkis {
		if !slices.Contains(b.opts.SPKIs, k) {
			b.opts.SPKIs = append(b.opts.SPKIs, k)
			b.stale = b.ctx != nil
		}
	}
}

// retire ends the browser of generation gen (its cancel) now when no page is in progress on it
// or it is dead, else when its last page is done (pageDone). b.mu is held for writing.
func (b *Browser) retire(gen int, ctx context.Context, cancel func()) {
	if b.inflight[gen] == 0 || !alive(ctx) {
		cancel()
		return
	}
	b.retired[gen] = cancel
}

// pageDone counts a page of generation gen done, and ends that browser when it was retired and
// this was its last page.
func (b *Browser) pageDone(gen int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.inflight[gen]--; b.inflight[gen] > 0 {
		return
	}
	delete(b.inflight, gen)
	if cancel := b.retired[gen]; cancel != nil {
		delete(b.retired, gen)
		cancel()
	}
}

// alive reports whether the browser of ctx still answers.
func alive(ctx context.Context) bool {
	if ctx.Err() != nil {
		return false
	}
	c := chromedp.FromContext(ctx)
	if c == nil || c.Browser == nil {
		return false
	}
	select {
	case <-c.Browser.LostConnection:
		return false
	default:
		return true
	}
}

// restart replaces the browser of generation gen, unless another caller already did; it also
// starts a Lazy browser the first time (which is no restart).
func (b *Browser) restart(gen int) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return errors.New("render: browser closed")
	}
	if b.gen != gen {
		return nil
	}
	again := b.ctx != nil
	if b.cancel != nil {
		b.retire(b.gen, b.ctx, b.cancel)
		b.cancel = nil
	}
	if err := b.launch(); err != nil {
		return err
	}
	if again {
		b.restarts++ // counted when the new browser runs: a start that failed under load is no restart
	}
	return nil
}

// Render loads url in a fresh incognito tab and returns what the browser did. The error is
// non-nil only when the page could not be rendered at all (no browser, ctx ended); a page that
// failed to load or did not settle is a Result with Err set and what was captured.
func (b *Browser) Render(ctx context.Context, url string) (*Result, error) {
	select {
	case b.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-b.slots }()
	var crashed *Result // the first attempt, when the browser died under it
	var startErr error
	for starts := 0; ; {
		b.mu.Lock() // not RLock: pages is counted here
		if b.closed {
			b.mu.Unlock()
			return nil, errors.New("render: browser closed")
		}
		bctx, m, gen := b.ctx, b.mux, b.gen
		b.pages++
		ready := bctx != nil && b.pages <= b.opts.RestartAfter && !b.stale && alive(bctx)
		if ready {
			b.inflight[gen]++ // before the lock is let go: a restart now retires this browser, not ends it
		}
		b.mu.Unlock()
		if !ready {
			// A start can fail under load: three tries, then the page is given up.
			if starts++; starts > 3 {
				if crashed != nil {
					return crashed, nil
				}
				return nil, fmt.Errorf("render: the browser keeps dying at start: %w", startErr)
			}
			if err := b.restart(gen); err != nil {
				startErr = err
			}
			continue
		}
		t, open := b.takeTab(bctx, m, gen)
		res := capturePage(ctx, t, url, open)
		live := alive(bctx) // before pageDone, which may end a retired browser
		b.pageDone(gen)
		res.Retried = crashed != nil
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		if live {
			return res, nil
		}
		// The browser died under the page: the loop starts another and tries the page once more.
		res.Err, res.Crashed = "the browser crashed while rendering the page", true
		if crashed != nil {
			return res, nil
		}
		crashed = res
	}
}
