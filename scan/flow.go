package scan

// Recorded browser flows (--flow): each is replayed in the render browser before the crawl. The
// pages it reaches join the crawl (crawler.Config.Entries), each audited as a rendered page with
// the flow's name and step; the cookies the browser held at the end (a cart, a session) go with
// the crawl's and the browser's requests to the site's own origins. A step that fails is an
// error naming the flow, step, type and selector, with a screenshot beside the report; the crawl
// goes on with what the flows reached, and Run returns the error.

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/render"
	"github.com/padlock-scan/padlock/report"
)

// FlowOptions are the recorded flows of an audit.
type FlowOptions struct {
	Flows []*render.Flow
	// Env fills the steps' {{env.NAME}}; nil reads the process's environment.
	Env func(string) string
	// Shots is the folder a failed step's screenshot (flow-NAME-stepN.png) is written to; ""
	// writes none.
	Shots string
}

// flowPages are the pages the flows reached and what went wrong.
type flowPages struct {
	marks  map[string]flowMark // normalised URL -> the first flow step that reached it
	errs   []report.Error
	failed error // the first flow that failed
}

type flowMark struct {
	flow string
	step int
}

// flowsNeedBrowser turns render mode on (auto) when flows are given without it: they are
// replayed in its browser.
func flowsNeedBrowser(opt *Options) {
	if len(opt.Flows.Flows) > 0 && (opt.Render.Mode == "" || opt.Render.Mode == RenderOff) {
		opt.Render.Mode = RenderAuto
	}
}

// runFlows replays the flows in rd's browser and adds what they reached to cfg.
func runFlows(ctx context.Context, opt *Options, cfg *crawler.Config, rd *renderer) *flowPages {
	fp := &flowPages{marks: map[string]flowMark{}}
	if len(opt.Flows.Flows) == 0 || rd == nil {
		return fp
	}
	if cfg.WaitFor > 0 {
		// The flows need the site up too: wait first (the crawl then does not wait again).
		if errs, err := crawler.WaitForStarts(ctx, cfg); err != nil || errs != nil {
			return fp // the crawl reports why
		}
	}
	env := opt.Flows.Env
	if env == nil {
		env = os.Getenv
	}
	for _, f := range opt.Flows.Flows {
		rd.pinLeaves(ctx, cfg, f.NavigateURLs(env))
		res, err := rd.browser.RunFlow(ctx, f, env)
		if res != nil {
			for _, l := range res.Landings {
				if u, ok := crawler.ParseURL(l.URL); ok {
					key := crawler.NormalizeURL(u)
					if _, seen := fp.marks[key]; !seen {
						fp.marks[key] = flowMark{f.Name(), l.Step}
						cfg.Entries = append(cfg.Entries, l.URL)
					}
				}
			}
			rd.browser.AddCookies(res.Cookies)
			cfg.Cookies = append(cfg.Cookies, crawlCookies(res.Cookies)...)
		}
		if err != nil {
			fp.fail(f, err, opt.Flows.Shots)
		}
		if ctx.Err() != nil {
			break
		}
	}
	return fp
}

// fail records a flow that failed, and writes the screenshot of a failed step.
func (fp *flowPages) fail(f *render.Flow, err error, shots string) {
	msg, at := err.Error(), f.File
	if fe, ok := err.(*render.FlowError); ok {
		if fe.URL != "" {
			at = fe.URL
		}
		if shots != "" && len(fe.Screenshot) > 0 {
			name := filepath.Join(shots, fmt.Sprintf("flow-%s-step%d.png", fileSlug(fe.Flow), fe.Step))
			if werr := writeShot(name, fe.Screenshot); werr == nil {
				msg += "; screenshot " + name
			}
		}
	}
	fp.errs = append(fp.errs, report.Error{URL: at, Error: msg})
	if fp.failed == nil {
		fp.failed = fmt.Errorf("%s (an audit that did not reach the flow's pages must not pass)", msg)
	}
}

// mark is the flow and step that reached p, if one did.
func (fp *flowPages) mark(p *crawler.Page) (string, int) {
	if len(fp.marks) == 0 {
		return "", 0
	}
	for _, raw := range []string{p.URL, p.FinalURL} {
		if u, ok := crawler.ParseURL(raw); ok {
			if m, ok := fp.marks[crawler.NormalizeURL(u)]; ok {
				return m.flow, m.step
			}
		}
	}
	return "", 0
}

var slugOut = regexp.MustCompile(`[^a-z0-9]+`)

// fileSlug is a flow's name as a file name part: lower case letters, digits and dashes.
func fileSlug(name string) string {
	s := strings.Trim(slugOut.ReplaceAllString(strings.ToLower(name), "-"), "-")
	if s == "" {
		return "flow"
	}
	return s
}

// crawlCookies are a flow's cookies as the crawl's: each for its origin's host only.
func crawlCookies(cs []render.SiteCookie) []crawler.Cookie {
	var out []crawler.Cookie
	for _, sc := range cs {
		u, err := url.Parse(sc.URL)
		if err != nil || u.Hostname() == "" {
			continue
		}
		c := sc.Cookie
		if c.Valid() != nil {
			continue // a value the browser keeps but a Cookie header cannot carry as it is
		}
		out = append(out, crawler.Cookie{Name: c.Name, Value: c.Value, Domain: strings.ToLower(u.Hostname()), HostOnly: true,
			Path: c.Path, Secure: u.Scheme == "https", HTTPOnly: c.HttpOnly, Expires: c.Expires})
	}
	return out
}

// writeShot writes a screenshot, making its folder (the reports' folder, written later) first.
func writeShot(name string, png []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	return os.WriteFile(name, png, 0o644)
}

// pinLeaves has the browser trust, under --ca-file, the leaves of the https hosts in urls that
// the file's certificates vouch for, as the crawl's pages have the leaves it verified trusted
// (startRenderer): the flows run before the crawl verified any. It shakes hands with each host
// (through --resolve and the crawl's dialer) and checks the chain as the crawl would; a host
// that does not answer is left to fail in the browser.
func (rd *renderer) pinLeaves(ctx context.Context, cfg *crawler.Config, urls []string) {
	if rd.pins == nil {
		return
	}
	dial := cfg.DialContext
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	seen := map[string]bool{}
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil || u.Scheme != "https" || u.Hostname() == "" || seen[u.Host] {
			continue
		}
		seen[u.Host] = true
		host, port := u.Hostname(), u.Port()
		if port == "" {
			port = "443"
		}
		dctx, cancel := context.WithTimeout(ctx, timeout)
		c, err := dial(dctx, "tcp", cfg.DialAddr(host, port))
		if err == nil {
			tc := tls.Client(c, &tls.Config{ServerName: host, InsecureSkipVerify: true}) // checked by pins.leaf
			if tc.HandshakeContext(dctx) == nil {
				if k, ok := rd.pins.leaf(host, tc.ConnectionState().PeerCertificates); ok {
					rd.browser.Trust(k)
				}
			}
			tc.Close()
		}
		cancel()
	}
}
