package main

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	"go.yaml.in/yaml/v3"

	"github.com/padlock-scan/padlock/alert"
	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/crawler/redisq"
	"github.com/padlock-scan/padlock/gate"
	"github.com/padlock-scan/padlock/history"
	scriptinv "github.com/padlock-scan/padlock/inventory"
	"github.com/padlock-scan/padlock/render"
	"github.com/padlock-scan/padlock/report"
	"github.com/padlock-scan/padlock/rules"
	"github.com/padlock-scan/padlock/scan"
)

// kind is the type of a setting's value: which flag it has and how padlock.yml spells it.
type kind int

const (
	kindInt      kind = iota
	kindBool          // a flag without a value; true or false in the file
	kindDuration      // a Go duration: 15s, 1m
	kindString
	kindList    // a repeatable flag; a list in the file, where a single value is a list of one
	kindEntries // mappings in the file only, read by the setting's own reader
)

// value is one setting's value, in the field of its kind.
type value struct {
	n       int
	b       bool
	d       time.Duration
	s       string
	list    []string
	reasons map[string]string // allow-script: the reason given with each pattern (file only)
	ignores []gate.Ignore     // ignore
	// scripts: the script inventory, held by value so that %#v (watch's configHash) shows its
	// entries, not an address; Entries is nil when the file has none.
	scripts scriptinv.Inventory
}

// setting is one crawl setting. The table below is the only place a setting is spelled: its flag,
// its padlock.yml key, how the two merge and how its values are checked all come from the entry.
type setting struct {
	name    string   // the flag and the padlock.yml key
	aliases []string // short flags
	kind    kind
	def     value  // the flag's default
	usage   string // the flag's help; `WORD` names its value
	example string // a good value other than the default, as typed after the flag (TestSettingsTable uses it)
	// field is the crawler.Config field the setting fills: each value is checked by the crawler's
	// rules (crawler.CheckValue), and Validate's complaints about the field name this setting.
	field string
	// check says what is wrong with one value (a list's items one at a time, in v.s) before the
	// crawler's rules for field; nil when any value of the kind will do.
	check func(v value) error
	// whenUsed: check reads a file, so it runs only on the value the crawl uses (a flag may
	// replace a missing file that padlock.yml names).
	whenUsed bool
	args     string // what an argument is called, when the command line gives the setting as arguments instead of a flag
	fileOnly bool   // no flag: the setting is written in padlock.yml only
	with     string // the setting given with this one: either on the command line replaces both of the file's
	// command names the one command that has the setting besides the crawl's ("watch": the
	// schedule, the store, the alerts); "" for a crawl setting, which every crawling command has.
	command string
	secret  bool // its values are never shown: messages name the setting only
	// read replaces the kind's reader of the file's value.
	read func(n *yaml.Node) (value, []*yaml.Node, *valueError)
	// set puts a checked value where it goes.
	set func(c *crawlConfig, v value)
}

// crawlConfig is everything a crawl runs with, typed: the audit's options and where the reports go.
type crawlConfig struct {
	scan     scan.Options
	out      output
	baseline string   // the baseline report, read once every setting is checked
	enable   []string // rules.Select's arguments, from rule and disable
	disable  []string
	watch    watchSettings // padlock watch's own settings
}

// settingsTable lists every setting of padlock crawl, in the order of its help.
func settingsTable() []setting {
	return []setting{
		{name: "urls", kind: kindList, args: "start URL", field: "StartURLs", example: "https://127.0.0.1/shop/",
			set: func(c *crawlConfig, v value) { c.scan.Crawl.StartURLs = v.list }},
		{name: "max-pages", kind: kindInt, def: value{n: crawler.DefaultMaxPages}, example: "500",
			usage: "stop after `N` HTML pages",
			check: func(v value) error { return atLeast(v.n, 1) },
			set:   func(c *crawlConfig, v value) { c.scan.Crawl.MaxPages, c.scan.Settings.MaxPages = v.n, v.n }},
		{name: "max-depth", kind: kindInt, field: "MaxDepth", example: "3",
			usage: "link depth `N` from a start URL (0: unlimited)",
			set:   func(c *crawlConfig, v value) { c.scan.Crawl.MaxDepth, c.scan.Settings.MaxDepth = v.n, v.n }},
		{name: "no-follow", kind: kindBool, example: "true",
			usage: "check only the start URLs and their sub-resources; follow no links, sitemaps or frames",
			set:   func(c *crawlConfig, v value) { c.scan.Crawl.NoFollow, c.scan.Settings.NoFollow = v.b, v.b }},
		{name: "check-resources", kind: kindString, def: value{s: crawler.CheckAll}, field: "CheckResources", example: "scripts",
			usage: "which sub-resources padlock requests itself, each URL once (`LEVEL`): all (redirects, https copies, scripts and stylesheets), scripts (scripts and stylesheets), none (stylesheets only)",
			set: func(c *crawlConfig, v value) {
				c.scan.Crawl.CheckResources, c.scan.Settings.CheckResources = v.s, v.s
			}},
		{name: "concurrency", aliases: []string{"c"}, kind: kindInt, def: value{n: crawler.DefaultConcurrency}, example: "4",
			usage: "`N` parallel requests",
			check: func(v value) error { return between(v.n, 1, 256) },
			set:   func(c *crawlConfig, v value) { c.scan.Crawl.Concurrency = v.n }},
		{name: "timeout", kind: kindDuration, def: value{d: crawler.DefaultTimeout}, example: "30s",
			usage: "per-request timeout (Go `DURATION`: 15s, 1m)",
			check: positive,
			set:   func(c *crawlConfig, v value) { c.scan.Crawl.Timeout = v.d }},
		{name: "delay", kind: kindDuration, field: "Delay", example: "1s",
			usage: "least time between two page requests to one host (`DURATION`; robots.txt's Crawl-delay may ask more), for production sites",
			set:   func(c *crawlConfig, v value) { c.scan.Crawl.Delay = v.d }},
		{name: "resolve", kind: kindList, field: "Resolve", example: "shop.test:443:127.0.0.1",
			usage: "connect to ADDR for HOST:PORT, as curl's --resolve (`HOST:PORT:ADDR`, HOST may be *; repeatable)",
			set:   func(c *crawlConfig, v value) { c.scan.Crawl.Resolve = v.list }},
		{name: "ca-file", kind: kindString, field: "CAFile", whenUsed: true, example: "preview-ca.pem",
			usage: "extra trusted root certificates (`PEM` file), for a preview deployment with its own CA",
			set:   func(c *crawlConfig, v value) { c.scan.Crawl.CAFile = v.s }},
		{name: "header", aliases: []string{"H"}, kind: kindList, example: "X-Token: a",
			usage: "`\"K: V\"` header sent only to the start URLs' origins, never to third parties or after a redirect off them (repeatable)",
			check: func(v value) error {
				name, _, err := cutHeader(v.s)
				if err != nil {
					return err
				}
				return crawler.CheckValue("Headers", name)
			},
			set: func(c *crawlConfig, v value) {
				c.scan.Crawl.Headers = http.Header{}
				for _, h := range v.list {
					name, val, _ := cutHeader(h) // checked
					c.scan.Crawl.Headers.Add(name, val)
				}
				c.scan.Settings.Headers = headerNames(c.scan.Crawl.Headers)
			}},
		// What reaches the checkout (reach.go): credentials sent only where -H goes, the report
		// recording their names, never their values.
		{name: "cookie", kind: kindList, secret: true, example: "session=abc",
			usage: "`NAME=VALUE` cookie sent only where -H goes (repeatable)",
			check: func(v value) error { _, err := crawler.ParseCookie(v.s); return err },
			set:   setCookies},
		{name: "cookies", kind: kindString, whenUsed: true, example: "cookies.txt",
			usage: "Netscape cookies.txt `FILE` (as curl and browser extensions export it): its cookies are sent only where -H goes, by their domain, path, secure flag and expiry",
			check: func(v value) error { _, err := crawler.ReadCookieFile(v.s); return err },
			set:   setCookieFile},
		{name: "basic-auth", kind: kindString, secret: true, example: "preview:pw",
			usage: "`USER:PASS` for HTTP basic auth, sent only where -H goes (or set PADLOCK_BASIC_AUTH, which keeps it out of shell history and logs)",
			field: "BasicAuth",
			set: func(c *crawlConfig, v value) {
				c.scan.Crawl.BasicAuth, c.scan.Settings.BasicAuth = v.s, v.s != ""
			}},
		{name: "keep-cookies", kind: kindBool, example: "true",
			usage: "keep the cookies the site sets during the crawl (a cart, a session) and send them back, only where -H goes",
			set: func(c *crawlConfig, v value) {
				c.scan.Crawl.KeepCookies, c.scan.Settings.KeepCookies = v.b, v.b
			}},
		{name: "wait-for", kind: kindDuration, example: "2m",
			usage: "ask the start URLs again until they answer (2xx or 3xx) or `DURATION` passes, for a preview that comes up after the job starts",
			check: func(v value) error {
				if v.d < 0 {
					return errors.New("must not be negative")
				}
				return nil
			},
			set: func(c *crawlConfig, v value) {
				c.scan.Crawl.WaitFor = v.d
				if v.d > 0 {
					c.scan.Settings.WaitFor = v.d.String()
				}
			}},
		{name: "payment-page", kind: kindList, example: "/checkout/pay",
			usage: "page URLs matching `REGEX` are payment pages whatever their content, for card fields padlock cannot see (repeatable)",
			check: checkRegexp,
			set: func(c *crawlConfig, v value) {
				c.scan.Rules.PaymentPages, c.scan.Settings.PaymentPages = compileChecked(v.list), v.list
			}},
		{name: "flows", aliases: []string{"flow"}, kind: kindList, whenUsed: true, example: "checkout.json",
			usage: "Chrome DevTools Recorder export `FILE` replayed in the browser before the crawl: the pages it reaches are audited as rendered pages, and a step that fails is exit 2 (repeatable; --flow too)",
			check: func(v value) error { _, err := render.ReadFlow(v.s); return err },
			set: func(c *crawlConfig, v value) {
				c.scan.Flows.Flows, c.scan.Settings.Flows = nil, nil
				for _, file := range v.list {
					f, _ := render.ReadFlow(file) // checked
					c.scan.Flows.Flows = append(c.scan.Flows.Flows, f)
					c.scan.Settings.Flows = append(c.scan.Settings.Flows, f.Name())
				}
			}},
		{name: "first-party", kind: kindList, field: "FirstParty", example: "static.test",
			usage: "registrable `DOMAIN` that counts as the site's own besides the start URLs' (repeatable)",
			set: func(c *crawlConfig, v value) {
				c.scan.Crawl.FirstParty, c.scan.Rules.FirstParty, c.scan.Settings.FirstParty = v.list, v.list, v.list
			}},
		{name: "allow-script", kind: kindList, example: "https://js.pay.test",
			usage: "approved third-party script `ORIGIN` or host pattern such as *.provider.test: inventoried, not flagged (repeatable)",
			check: func(v value) error { return rules.ValidateOriginPattern(v.s) },
			read:  readAllowScript,
			set: func(c *crawlConfig, v value) {
				c.scan.Rules.AllowScript, c.scan.Settings.AllowScript = v.list, v.list
				c.scan.Rules.ScriptJustifications = v.reasons
			}},
		{name: "format", aliases: []string{"f"}, kind: kindList, example: "sarif",
			usage: "report `FORMAT`: " + strings.Join(report.Formats(), ", ") + " (repeatable; default json)",
			check: func(v value) error { _, err := report.New(v.s); return err },
			set: func(c *crawlConfig, v value) {
				c.out.formats = v.list
				if len(v.list) == 0 {
					c.out.formats = []string{"json"}
				}
			}},
		{name: "output", aliases: []string{"o"}, kind: kindString, example: "reports/",
			usage: "where reports go: a file for one format, a folder for several, - for standard output (`PATH`; default padlock-report.<format>)",
			set:   func(c *crawlConfig, v value) { c.out.path = v.s }},
		{name: "fail-on", kind: kindString, def: value{s: "error"}, example: "warning",
			usage: "lowest severity that makes exit 1 (`LEVEL`): error, warning, info or never",
			check: func(v value) error {
				if _, err := report.ParseFailOn(v.s); err != nil {
					return errors.New("want error, warning, info or never")
				}
				return nil
			},
			set: func(c *crawlConfig, v value) {
				c.out.failOn, _ = report.ParseFailOn(v.s) // checked
				c.scan.Settings.FailOn = v.s
			}},
		{name: "fail-on-crawl-errors", kind: kindBool, example: "true",
			usage: "any page that fails to load fails the gate (start URLs and the baseline's payment pages always do)",
			set: func(c *crawlConfig, v value) {
				c.out.failOnCrawlErrors, c.scan.Settings.FailOnCrawlErrors = v.b, v.b
			}},
		{name: "user-agent", kind: kindString, def: value{s: crawler.DefaultUserAgent}, example: "padlock-ci/1",
			usage: "User-Agent `STRING` (robots.txt groups are matched against it)",
			set:   func(c *crawlConfig, v value) { c.scan.Crawl.UserAgent = v.s }},
		{name: "exclude", kind: kindList, example: "/admin",
			usage: "do not crawl pages whose URL matches `REGEX` (repeatable)",
			check: checkRegexp,
			set: func(c *crawlConfig, v value) {
				c.scan.Crawl.Exclude, c.scan.Settings.Exclude = compileChecked(v.list), v.list
			}},
		{name: "include", kind: kindList, example: "/shop",
			usage: "crawl only pages whose URL matches one `REGEX` (repeatable; start URLs always)",
			check: checkRegexp,
			set: func(c *crawlConfig, v value) {
				c.scan.Crawl.Include, c.scan.Settings.Include = compileChecked(v.list), v.list
			}},
		{name: "ignore-robots", kind: kindBool, example: "true",
			usage: "ignore robots.txt (respected by default, with its Crawl-delay)",
			set: func(c *crawlConfig, v value) {
				c.scan.Crawl.IgnoreRobots, c.scan.Settings.IgnoreRobots = v.b, v.b
			}},
		{name: "sitemap", kind: kindList, field: "Sitemaps", example: "https://127.0.0.1/s.xml",
			usage: "sitemap `URL` to read besides /sitemap.xml and robots.txt's Sitemap: lines (repeatable)",
			set:   func(c *crawlConfig, v value) { c.scan.Crawl.Sitemaps = v.list }},
		{name: "max-body", kind: kindString, def: value{s: "10MB"}, example: "512KB",
			usage: "bytes of a page or stylesheet that are read (`SIZE`: 10MB, 512KB); longer ones are cut and reported",
			check: func(v value) error { _, err := parseSize(v.s); return err },
			set:   func(c *crawlConfig, v value) { c.scan.Crawl.MaxBody, _ = parseSize(v.s) }, // checked
		},
		{name: "max-refs-per-page", kind: kindInt, def: value{n: crawler.DefaultMaxRefsPerPage}, example: "2000",
			usage: "different references kept per page, its stylesheets' included (`N`); a page with more has the cut reported",
			check: func(v value) error { return atLeast(v.n, 1) },
			set:   func(c *crawlConfig, v value) { c.scan.Crawl.MaxRefsPerPage = v.n }},
		{name: "insecure", kind: kindBool, example: "true",
			usage: "go on past an invalid certificate on the site's own hosts (it is still reported)",
			set:   func(c *crawlConfig, v value) { c.scan.Crawl.Insecure = v.b }},
		// endpoints are written in the file (a site's webhook receivers do not change per run);
		// padlock tls takes them as arguments too.
		{name: "endpoints", kind: kindList, fileOnly: true, field: "Endpoints", example: "https://127.0.0.1/webhooks/stripe",
			usage: "`URL`s that are not pages (webhook receivers, APIs): their TLS is checked like the crawled origins', nothing is fetched; an http: one is insecure-endpoint",
			set: func(c *crawlConfig, v value) {
				c.scan.Crawl.Endpoints = append(c.scan.Crawl.Endpoints, v.list...)
				c.scan.Settings.Endpoints = c.scan.Crawl.Endpoints
			}},
		{name: "render", kind: kindString, def: value{s: scan.RenderOff}, example: "auto",
			usage: "also load pages in headless Chromium and report what it really requests (`MODE`): off, auto (payment pages, pages loading a payment provider's script, pages built by script) or all",
			check: func(v value) error {
				switch v.s {
				case scan.RenderOff, scan.RenderAuto, scan.RenderAll:
					return nil
				}
				return errors.New("want off, auto or all")
			},
			set: func(c *crawlConfig, v value) {
				c.scan.Render.Mode = v.s
				if v.s != scan.RenderOff {
					c.scan.Settings.Render = v.s
				}
			}},
		// Fleet mode (fleet.go): many sites, one audit each.
		{name: "sites", kind: kindString, whenUsed: true, example: "sites.txt",
			usage: "crawl every site of `FILE` as its own audit (one start URL a line, optional settings after it: https://a.example max-pages=50 render=auto), one report each in --output's folder, with an index",
			check: func(v value) error {
				if v.s == "" {
					return nil
				}
				_, err := os.Stat(v.s)
				return err
			},
			set: func(c *crawlConfig, v value) { c.out.sitesFile = v.s }},
		{name: "sites-at-once", kind: kindInt, def: value{n: 4}, example: "8",
			usage: "with --sites: `N` sites crawled at once",
			check: func(v value) error { return between(v.n, 1, 256) },
			set:   func(c *crawlConfig, v value) { c.out.sitesAtOnce = v.n }},
		// A crawl shared over Redis (crawler/redisq, worker_cmd.go).
		{name: "frontier", kind: kindString, example: "redis://127.0.0.1:6379/0",
			usage: "share the crawl over Redis (`URL` redis://HOST:PORT/DB[?lease=10s&retry=30s&ttl=24h]): this process starts it, takes part and writes the report; padlock worker joins it",
			check: unlessEmpty(redisq.Check),
			set:   func(c *crawlConfig, v value) { c.out.frontier = v.s }},
		{name: "crawl-id", kind: kindString, example: "nightly-1",
			usage: "the shared crawl's `ID` (default: a new random one, printed), which padlock worker --crawl-id names",
			check: unlessEmpty(redisq.CheckID),
			set:   func(c *crawlConfig, v value) { c.out.crawlID = v.s }},
		{name: "chrome", kind: kindString, example: "/usr/bin/chromium",
			usage: "the Chromium `PATH` of --render (default: chromium-headless-shell, chrome-headless-shell, chromium, chromium-browser or google-chrome on PATH)",
			set:   func(c *crawlConfig, v value) { c.scan.Render.Browser.Chrome = v.s }},
		{name: "render-concurrency", kind: kindInt, def: value{n: render.DefaultConcurrency}, example: "4",
			usage: "`N` browser tabs at once in --render",
			check: func(v value) error { return between(v.n, 1, 64) },
			set:   func(c *crawlConfig, v value) { c.scan.Render.Browser.Concurrency = v.n }},
		{name: "render-timeout", kind: kindDuration, def: value{d: render.DefaultTimeout}, example: "1m",
			usage: "how long --render waits for a page to settle (`DURATION`); a page that does not is reported with what was captured",
			check: positive,
			set:   func(c *crawlConfig, v value) { c.scan.Render.Browser.Timeout = v.d }},
		{name: "quiet", aliases: []string{"q"}, kind: kindBool, example: "true",
			usage: "print nothing on standard error but errors",
			set:   func(c *crawlConfig, v value) { c.out.quiet = v.b }},
		{name: "baseline", kind: kindString, whenUsed: true, example: "baseline.json",
			usage: "a previous JSON `REPORT`: findings are marked new or known, fixed ones listed, and only new ones fail the gate",
			check: func(v value) error { _, err := os.Stat(v.s); return err },
			set:   func(c *crawlConfig, v value) { c.baseline = v.s }},
		{name: "rule", kind: kindList, with: "disable", example: "insecure-link",
			usage: "run only this `RULE` (repeatable; padlock rules lists them)",
			check: checkRuleID,
			set:   func(c *crawlConfig, v value) { c.enable = v.list }},
		{name: "disable", kind: kindList, with: "rule", example: "hsts-missing",
			usage: "do not run this `RULE` (repeatable), e.g. hsts-missing on a preview host",
			check: checkRuleID,
			set:   func(c *crawlConfig, v value) { c.disable = v.list }},
		// The script inventory (PCI DSS 6.4.3): a file of its own (--inventory, or inventory: in
		// padlock.yml), or its entries under scripts: in padlock.yml. The file replaces scripts:.
		{name: "inventory", kind: kindString, whenUsed: true, example: "inventory.yml",
			usage: "script inventory `FILE`: payment-page scripts must match its entries (URL, pattern, origin or inline hash, with approved hashes, justification, owner, date); replaces scripts: of padlock.yml",
			check: func(v value) error { _, err := scriptinv.Load(v.s); return err },
			set: func(c *crawlConfig, v value) {
				if v.s != "" {
					c.scan.Inventory, _ = scriptinv.Load(v.s) // checked
				}
			}},
		{name: "scripts", kind: kindEntries, fileOnly: true, example: `[{url: "https://js.pay.test/v3/", content: any, justification: card fields, owner: payments, approved: 2026-11-02}]`,
			read: readScripts,
			set: func(c *crawlConfig, v value) {
				if c.scan.Inventory == nil && v.scripts.Entries != nil {
					inv := v.scripts
					c.scan.Inventory = &inv
				}
			}},
		// ignore has no flag: an accepted finding needs a written reason, which belongs in a file
		// under review, not in a command line.
		{name: "ignore", kind: kindEntries, fileOnly: true, example: `[{url: "http://x.test/*", reason: legacy partner}]`,
			read: readIgnore,
			set:  func(c *crawlConfig, v value) { c.out.ignores = v.ignores }},
		// padlock watch (watch.go): when it runs, where it keeps the history, whom it alerts.
		{name: "every", command: "watch", kind: kindDuration, example: "24h",
			usage: "run every `DURATION` (24h, 168h for weekly); or --cron, or --once",
			check: func(v value) error {
				if v.d < 0 {
					return errors.New("must be positive")
				}
				return nil
			},
			set: func(c *crawlConfig, v value) { c.watch.every = v.d }},
		{name: "cron", command: "watch", kind: kindString, example: "0 3 * * 1",
			usage: "run on a cron `SCHEDULE`: minute hour day month weekday, local time (\"0 3 * * 1\": Mondays at 03:00)",
			check: checkCron,
			set:   func(c *crawlConfig, v value) { c.watch.cron = v.s }},
		{name: "once", command: "watch", kind: kindBool, example: "true",
			usage: "run once and exit (from cron or CI): exit 1 when the run alerted",
			set:   func(c *crawlConfig, v value) { c.watch.once = v.b }},
		{name: "store", command: "watch", kind: kindString, def: value{s: history.DefaultPath}, example: "shop-history.db",
			usage: "the history `FILE` (SQLite): runs, scripts and headers of payment pages, findings, alerts, reports",
			set:   func(c *crawlConfig, v value) { c.watch.store = v.s }},
		{name: "keep-reports", command: "watch", kind: kindInt, def: value{n: history.DefaultKeepReports}, example: "52",
			usage: "keep the reports of the last `N` runs in the store (and the baseline's, always); 0 keeps every run's report",
			check: func(v value) error { return atLeast(v.n, 0) },
			set:   func(c *crawlConfig, v value) { c.watch.keepReports = v.n }},
		{name: "alert-webhook", command: "watch", kind: kindString, example: "https://hooks.example/padlock",
			usage: "POST each alert as JSON to `URL` (https, or http to a loopback host); retried, and kept for the next run when it fails",
			check: func(v value) error { return alert.CheckURL(v.s) },
			set:   func(c *crawlConfig, v value) { c.watch.webhook = v.s }},
		{name: "alert-slack", command: "watch", kind: kindString, example: "https://hooks.slack.com/services/T0/B0/X",
			usage: "post each alert to a Slack incoming-webhook `URL`",
			check: func(v value) error { return alert.CheckURL(v.s) },
			set:   func(c *crawlConfig, v value) { c.watch.slack = v.s }},
		{name: "alert-secret", command: "watch", kind: kindString, example: "s3cret",
			usage: "sign webhook bodies with HMAC-SHA256 under `SECRET` (header X-Padlock-Signature: sha256=HEX); default $PADLOCK_ALERT_SECRET",
			set:   func(c *crawlConfig, v value) { c.watch.secret = v.s }},
	}
}

// crawlFlags are padlock crawl's flags: --config, the one that is not a setting (it says where
// the settings are), then one per setting.
func crawlFlags() []cli.Flag {
	flags := []cli.Flag{&cli.StringFlag{Name: "config", Usage: "YAML `FILE` with the same settings (default: padlock.yml in the working folder, if present); flags override it"}}
	for _, s := range settingsTable() {
		if f := s.flag(); f != nil && s.command == "" {
			flags = append(flags, f)
		}
	}
	return flags
}

// flag is the setting's command-line flag; nil when it has none.
func (s *setting) flag() cli.Flag {
	if s.args != "" || s.fileOnly {
		return nil
	}
	switch s.kind {
	case kindInt:
		return &cli.IntFlag{Name: s.name, Aliases: s.aliases, Value: s.def.n, Usage: s.usage}
	case kindBool:
		return &cli.BoolFlag{Name: s.name, Aliases: s.aliases, Value: s.def.b, Usage: s.usage}
	case kindDuration:
		return &cli.DurationFlag{Name: s.name, Aliases: s.aliases, Value: s.def.d, Usage: s.usage}
	case kindString:
		return &cli.StringFlag{Name: s.name, Aliases: s.aliases, Value: s.def.s, Usage: s.usage}
	case kindList:
		return &cli.StringSliceFlag{Name: s.name, Aliases: s.aliases, Usage: s.usage}
	}
	panic("settings: no flag for the kind of " + s.name)
}

// fromFlag is the value of the setting's flag: the command line's, or the default.
func (s *setting) fromFlag(c *cli.Context) value {
	switch s.kind {
	case kindInt:
		return value{n: c.Int(s.name)}
	case kindBool:
		return value{b: c.Bool(s.name)}
	case kindDuration:
		return value{d: c.Duration(s.name)}
	case kindString:
		return value{s: c.String(s.name)}
	case kindList:
		return value{list: c.StringSlice(s.name)}
	}
	return value{}
}

// each is v cut into the values checked one at a time: a list's items, else v itself.
func (s *setting) each(v value) []value {
	if s.kind == kindEntries {
		return nil // the reader checks each entry
	}
	if s.kind != kindList {
		return []value{v}
	}
	out := make([]value, len(v.list))
	for i, item := range v.list {
		out[i] = value{s: item}
	}
	return out
}

// checkOne says what is wrong with one value of the setting (one item of a list): its own
// check, then the crawler's rules for its field.
func (s *setting) checkOne(v value) error {
	if s.check != nil {
		if err := s.check(v); err != nil {
			return err
		}
	}
	if s.field == "" {
		return nil
	}
	switch s.kind {
	case kindInt:
		return crawler.CheckValue(s.field, v.n)
	case kindDuration:
		return crawler.CheckValue(s.field, v.d)
	}
	return crawler.CheckValue(s.field, v.s)
}

// text is one value as a message shows it.
func (s *setting) text(v value) string {
	if s.secret {
		return ""
	}
	switch s.kind {
	case kindInt:
		return strconv.Itoa(v.n)
	case kindDuration:
		return v.d.String()
	case kindBool:
		return strconv.FormatBool(v.b)
	}
	return s.show(v.s)
}

// show is a value written as text as a message shows it: words quoted, numbers and durations bare.
func (s *setting) show(text string) string {
	if s.kind == kindString || s.kind == kindList {
		return strconv.Quote(text)
	}
	return text
}

// settingByName finds a setting of the table.
func settingByName(name string) *setting {
	for _, s := range settingsTable() {
		if s.name == name {
			return &s
		}
	}
	return nil
}

// source is where a setting's value came from.
type source int

const (
	fromDefault source = iota
	fromFlag
	fromArgs
	fromFile
)

// merged is every setting's value, each from the command line when given there, else from the
// config file when it sets it, else the flag's default.
type merged struct {
	vals map[string]value
	from map[string]source
	file *configFile // nil without one
}

func mergeSettings(c *cli.Context, cf *configFile) *merged {
	m := &merged{vals: map[string]value{}, from: map[string]source{}, file: cf}
	for _, s := range settingsTable() {
		onCommandLine := s.args == "" && !s.fileOnly && (c.IsSet(s.name) || s.with != "" && c.IsSet(s.with))
		switch {
		case s.args != "" && c.NArg() > 0:
			m.vals[s.name], m.from[s.name] = value{list: c.Args().Slice()}, fromArgs
		case onCommandLine:
			m.vals[s.name], m.from[s.name] = s.fromFlag(c), fromFlag
		case cf != nil && cf.set[s.name]:
			m.vals[s.name], m.from[s.name] = cf.vals[s.name], fromFile
		case s.args != "" || s.fileOnly:
			m.vals[s.name], m.from[s.name] = s.def, fromDefault
		default:
			m.vals[s.name], m.from[s.name] = s.fromFlag(c), fromDefault
		}
	}
	return m
}

// check checks what the file did not: the values given on the command line, the files the
// config file names, and the settings that go together.
func (m *merged) check() error {
	for _, s := range settingsTable() {
		from := m.from[s.name]
		if from == fromFlag || from == fromArgs || from == fromFile && s.whenUsed {
			for _, v := range s.each(m.vals[s.name]) {
				if err := s.checkOne(v); err != nil {
					return m.problem(s.name, s.text(v), err)
				}
			}
		}
	}
	if name, err := checkTogether(m.vals); err != nil {
		return m.problem(name, "", err)
	}
	return nil
}

// problem phrases what is wrong with a setting's value (text, "" when the reason needs none) in
// the words of where the value came from: "--flag VALUE: reason" for a flag, "config FILE:LINE:
// key: reason, got VALUE" for the config file.
func (m *merged) problem(name, text string, err error) error {
	if m.from[name] == fromFile {
		return m.file.problem(m.file.lines[name], name, err, text)
	}
	what := "--" + name
	if m.from[name] == fromArgs {
		what = settingByName(name).args
	}
	if text, err = reason(err, text); text != "" {
		what += " " + text
	}
	return usageErr("%s: %v", what, err)
}

// reason is the value as a message shows it and what is wrong with it, without the crawler's
// naming of the field. The value is "" when the reason names it already (it quotes it, or it is the
// file system's error about that file).
func reason(err error, text string) (string, error) {
	var ce *crawler.ConfigError
	if errors.As(err, &ce) {
		err = ce.Err
	}
	var pe *fs.PathError
	if strings.HasPrefix(text, `"`) && strings.Contains(err.Error(), text) || errors.As(err, &pe) {
		text = ""
	}
	return text, err
}

// crawlerProblem phrases an error of crawler.Config.Validate as a problem of the setting that
// fills the field it names.
func (m *merged) crawlerProblem(err error) error {
	var ce *crawler.ConfigError
	if errors.As(err, &ce) {
		for _, s := range settingsTable() {
			if s.field == ce.Field && s.field != "" {
				return m.problem(s.name, s.show(ce.Value), ce.Err)
			}
		}
	}
	return usageErr("%v", err)
}

// checkTogether finds settings that do not go together: a format twice, several formats for
// standard output, a rule both on and off or none left. It names the setting to blame.
func checkTogether(vals map[string]value) (string, error) {
	formats := vals["format"].list
	seen := map[string]bool{}
	for _, f := range formats {
		if seen[f] {
			return "format", fmt.Errorf("%s given twice", f)
		}
		seen[f] = true
	}
	if vals["output"].s == "-" {
		if err := oneForStdout(formats); err != nil {
			return "output", err
		}
	}
	_, name, err := selectRules(vals)
	return name, err
}

// selectRules is the rules that run, nil for all, by the rule and disable settings; an error names
// the setting to blame.
func selectRules(vals map[string]value) ([]*rules.Rule, string, error) {
	on, off := vals["rule"].list, vals["disable"].list
	if len(on) == 0 && len(off) == 0 {
		return nil, "", nil
	}
	sel, err := rules.Select(on, off)
	if err != nil && len(off) > 0 {
		return nil, "disable", err
	}
	return sel, "rule", err
}

// crawlOptions turns flags (and the config file) into typed options; every problem is a usage
// error naming the flag or key.
func crawlOptions(c *cli.Context) (scan.Options, output, error) {
	cfg, _, err := configure(c)
	return cfg.scan, cfg.out, err
}

// configure is crawlOptions with the whole typed configuration and the merged settings, for the
// commands that crawl and have settings of their own (padlock watch).
func configure(c *cli.Context) (crawlConfig, *merged, error) {
	file, err := loadConfig(c)
	if err != nil {
		return crawlConfig{}, nil, err
	}
	m := mergeSettings(c, file)
	fleet := m.vals["sites"].s != "" && c.Command.Name == "crawl"
	if len(m.vals["urls"].list) == 0 && !fleet {
		return crawlConfig{}, nil, usageErr("%s needs at least one start URL (padlock %s https://shop.example/)", c.Command.Name, c.Command.Name)
	}
	if m.vals["sites"].s != "" {
		if !fleet {
			return crawlConfig{}, nil, usageErr("--sites is for padlock crawl")
		}
		if err := m.check(); err != nil {
			return crawlConfig{}, nil, err
		}
		opt, out, err := fleetOptions(m) // fleet.go
		return crawlConfig{scan: opt, out: out}, m, err
	}
	cfg, err := m.options()
	return cfg, m, err
}

// options checks the merged settings and turns them into the audit's options and outputs.
func (m *merged) options() (crawlConfig, error) {
	var err error
	if err := m.check(); err != nil {
		return crawlConfig{}, err
	}
	cfg := crawlConfig{scan: scan.Options{Settings: &report.Settings{}}}
	for _, s := range settingsTable() {
		s.set(&cfg, m.vals[s.name])
	}
	opt, out := &cfg.scan, &cfg.out
	if opt.Inventory != nil && opt.Inventory.File == "" && m.file != nil {
		opt.Inventory.File = m.file.path // scripts: of the config file
	}
	if err := opt.Crawl.Validate(); err != nil {
		return cfg, m.crawlerProblem(err)
	}
	if opt.Selected, _, err = selectRules(m.vals); err != nil {
		return cfg, err // checkTogether checked the selection
	}
	if opt.Selected != nil {
		on := map[string]bool{}
		for _, r := range opt.Selected {
			on[r.ID] = true
		}
		for _, id := range rules.IDs() {
			if !on[id] {
				opt.Settings.RulesDisabled = append(opt.Settings.RulesDisabled, id)
			}
		}
	}
	if cfg.baseline != "" {
		// read first: a bad baseline must fail before a long crawl, not after it
		if out.baseline, err = report.OpenFile(cfg.baseline, false); err != nil { // spooled: flat in its size
			return cfg, m.problem("baseline", strconv.Quote(cfg.baseline), err)
		}
	}
	return cfg, nil
}

func atLeast(n, lo int) error {
	if n < lo {
		return fmt.Errorf("must be %d or more", lo)
	}
	return nil
}

// positive checks a duration is above zero.
func positive(v value) error {
	if v.d <= 0 {
		return errors.New("must be positive")
	}
	return nil
}

func between(n, lo, hi int) error {
	if n < lo || n > hi {
		return fmt.Errorf("must be between %d and %d", lo, hi)
	}
	return nil
}

// cutHeader splits a header given as "Name: value".
func cutHeader(h string) (name, val string, err error) {
	k, v, ok := strings.Cut(h, ":")
	k = strings.TrimSpace(k)
	if !ok || k == "" || strings.ContainsAny(k, " \t\r\n") {
		return "", "", errors.New(`want "Name: value"`)
	}
	if strings.ContainsAny(v, "\r\n") {
		return "", "", errors.New("a value cannot contain a line break")
	}
	return k, strings.TrimSpace(v), nil
}

func checkRegexp(v value) error {
	_, err := regexp.Compile(v.s)
	return err
}

// compileChecked compiles expressions checkRegexp accepted.
func compileChecked(exprs []string) []*regexp.Regexp {
	var out []*regexp.Regexp
	for _, e := range exprs {
		out = append(out, regexp.MustCompile(e))
	}
	return out
}

func checkRuleID(v value) error {
	if _, ok := rules.ByID(strings.TrimSpace(v.s)); !ok {
		return fmt.Errorf("unknown rule %q (valid rules: %s)", v.s, strings.Join(rules.IDs(), ", "))
	}
	return nil
}

// parseSize reads 10MB, 512KB, 1GB or a plain number of bytes.
func parseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	var n int64
	if _, err := fmt.Sscanf(t, "%d", &n); err != nil || n <= 0 || fmt.Sprint(n) != t {
		return 0, errors.New("want a size such as 10MB, 512KB or 1048576")
	}
	return n * mult, nil
}
