// Package redisq shares one crawl among many processes through Redis: a crawler.Frontier kept
// in Redis (frontier.go, scripts.go), the crawl's record that workers read their settings from,
// and a stream of the pages the workers fetched, which the process that started the crawl
// merges into its one report.
package redisq

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/padlock-scan/padlock/crawler"
)

// Options tune a client; the frontier URL's query sets them
// (redis://HOST:PORT/DB?lease=10s&retry=30s&ttl=24h).
type Options struct {
	Lease time.Duration // a job's lease; also how long the crawl must stay idle to be over (default 10s)
	Retry time.Duration // how long Redis errors are retried before the crawl fails (default 30s)
	TTL   time.Duration // how long a crawl's keys live without a heartbeat (default 24h)
}

// Client is a connection to the Redis that holds the crawls.
type Client struct {
	rdb  *redis.Client
	opt  Options
	addr string
}

// Open connects to a frontier URL: redis://[:PASSWORD@]HOST:PORT/DB, or rediss:// for TLS.
func Open(raw string) (*Client, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
		return nil, fmt.Errorf("bad frontier %q: want redis://HOST:PORT/DB", raw)
	}
	opt := Options{Lease: 10 * time.Second, Retry: 30 * time.Second, TTL: 24 * time.Hour}
	q := u.Query()
	for name, d := range map[string]*time.Duration{"lease": &opt.Lease, "retry": &opt.Retry, "ttl": &opt.TTL} {
		if v := q.Get(name); v != "" {
			x, err := time.ParseDuration(v)
			if err != nil || x <= 0 {
				return nil, fmt.Errorf("bad frontier %q: %s=%q is not a duration", raw, name, v)
			}
			*d = x
		}
		q.Del(name)
	}
	if len(q) > 0 {
		for k := range q {
			return nil, fmt.Errorf("bad frontier %q: unknown parameter %q (lease, retry, ttl)", raw, k)
		}
	}
	u.RawQuery = ""
	ro, err := redis.ParseURL(u.String())
	if err != nil {
		return nil, fmt.Errorf("bad frontier %q: %v", raw, err)
	}
	ro.MaxRetries = -1 // Client.retry retries, for as long as Options.Retry says
	ro.DialTimeout = 2 * time.Second
	ro.ReadTimeout = 2 * time.Second
	ro.WriteTimeout = 2 * time.Second
	return &Client{rdb: redis.NewClient(ro), opt: opt, addr: ro.Addr}, nil
}

// Close closes the connections.
func (c *Client) Close() error { return c.rdb.Close() }

// Options returns the client's options.
func (c *Client) Options() Options { return c.opt }

// retry runs fn until it succeeds, Redis answering with an error of its own (a script error),
// ctx ending, or Redis failing for longer than the retry period.
func (c *Client) retry(ctx context.Context, fn func(ctx context.Context) error) error {
	var first time.Time
	wait := 50 * time.Millisecond
	for {
		err := fn(ctx)
		if err == nil || errors.Is(err, redis.Nil) {
			return err
		}
		var rerr redis.Error
		if errors.As(err, &rerr) && !strings.HasPrefix(err.Error(), "LOADING") && !strings.HasPrefix(err.Error(), "BUSY") {
			return fmt.Errorf("redis %s: %w", c.addr, err)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if first.IsZero() {
			first = time.Now()
		}
		if time.Since(first) > c.opt.Retry {
			return fmt.Errorf("redis %s unreachable for %s: %w", c.addr, c.opt.Retry, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(wait*2, time.Second)
	}
}

// Record is a crawl's settings as Redis keeps them: what every worker crawls with, except what
// is local to a machine (concurrency, Chromium).
type Record struct {
	Version        int                 `json:"version"`
	StartURLs      []string            `json:"start_urls"`
	MaxPages       int                 `json:"max_pages"`
	MaxDepth       int                 `json:"max_depth,omitempty"`
	NoFollow       bool                `json:"no_follow,omitempty"`
	CheckResources string              `json:"check_resources"`
	Timeout        time.Duration       `json:"timeout"`
	MaxBody        int64               `json:"max_body"`
	MaxRedirects   int                 `json:"max_redirects"`
	MaxRefsPerPage int                 `json:"max_refs_per_page"`
	UserAgent      string              `json:"user_agent"`
	Headers        map[string][]string `json:"headers,omitempty"`
	Resolve        []string            `json:"resolve,omitempty"`
	CAPEM          string              `json:"ca_pem,omitempty"` // the --ca-file's contents
	Insecure       bool                `json:"insecure,omitempty"`
	FirstParty     []string            `json:"first_party,omitempty"`
	Include        []string            `json:"include,omitempty"`
	Exclude        []string            `json:"exclude,omitempty"`
	IgnoreRobots   bool                `json:"ignore_robots,omitempty"`
	Sitemaps       []string            `json:"sitemaps,omitempty"`
	Delay          time.Duration       `json:"delay,omitempty"`
	Lease          time.Duration       `json:"lease"`
	Created        time.Time           `json:"created"`
}

const recordVersion = 1

func recordOf(cfg *crawler.Config, lease time.Duration) (*Record, error) {
	r := &Record{Version: recordVersion, StartURLs: cfg.StartURLs, MaxPages: cfg.MaxPages, MaxDepth: cfg.MaxDepth,
		NoFollow: cfg.NoFollow, CheckResources: cfg.CheckResources, Timeout: cfg.Timeout, MaxBody: cfg.MaxBody,
		MaxRedirects: cfg.MaxRedirects, MaxRefsPerPage: cfg.MaxRefsPerPage, UserAgent: cfg.UserAgent,
		Headers: cfg.Headers, Resolve: cfg.Resolve, Insecure: cfg.Insecure, FirstParty: cfg.FirstParty,
		IgnoreRobots: cfg.IgnoreRobots, Sitemaps: cfg.Sitemaps, Delay: cfg.Delay, Lease: lease, Created: time.Now().UTC()}
	for _, re := range cfg.Include {
		r.Include = append(r.Include, re.String())
	}
	for _, re := range cfg.Exclude {
		r.Exclude = append(r.Exclude, re.String())
	}
	if cfg.CAFile != "" {
		b, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, err
		}
		r.CAPEM = string(b)
	}
	return r, nil
}

// config is the crawl's crawler.Config on a worker: local gives what is the worker's own
// (Concurrency, DialContext, RootCAs as the base of the trusted roots, Progress).
func (r *Record) config(local *crawler.Config) (*crawler.Config, error) {
	cfg := &crawler.Config{StartURLs: r.StartURLs, MaxPages: r.MaxPages, MaxDepth: r.MaxDepth, NoFollow: r.NoFollow,
		CheckResources: r.CheckResources, Timeout: r.Timeout, MaxBody: r.MaxBody, MaxRedirects: r.MaxRedirects,
		MaxRefsPerPage: r.MaxRefsPerPage, UserAgent: r.UserAgent, Headers: r.Headers, Resolve: r.Resolve,
		Insecure: r.Insecure, FirstParty: r.FirstParty, IgnoreRobots: r.IgnoreRobots, Sitemaps: r.Sitemaps, Delay: r.Delay}
	if local != nil {
		cfg.Concurrency, cfg.DialContext, cfg.RootCAs, cfg.Progress = local.Concurrency, local.DialContext, local.RootCAs, local.Progress
	}
	for _, list := range []struct {
		from []string
		to   *[]*regexp.Regexp
	}{{r.Include, &cfg.Include}, {r.Exclude, &cfg.Exclude}} {
		for _, s := range list.from {
			re, err := regexp.Compile(s)
			if err != nil {
				return nil, err
			}
			*list.to = append(*list.to, re)
		}
	}
	if r.CAPEM != "" {
		pool := cfg.RootCAs
		if pool == nil {
			var err error
			if pool, err = x509.SystemCertPool(); err != nil || pool == nil {
				pool = x509.NewCertPool()
			}
		} else {
			pool = pool.Clone()
		}
		if !pool.AppendCertsFromPEM([]byte(r.CAPEM)) {
			return nil, errors.New("the crawl's CA file holds no certificate")
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

// crawlsKey is the sorted set of the crawls open on this Redis (id -> creation time), which
// a worker without a crawl ID joins.
const crawlsKey = "padlock:crawls"

var errNoCrawl = errors.New("no crawl")

// NewID is a fresh crawl ID.
func NewID() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// validID: an ID goes into key names.
func validID(id string) error {
	if id == "" || len(id) > 64 || strings.ContainsAny(id, "{}:\n\r \t") {
		return fmt.Errorf("bad crawl ID %q: want up to 64 letters, digits, - or _", id)
	}
	return nil
}

func (c *Client) load(ctx context.Context, id string) (*Record, error) {
	var b []byte
	err := c.retry(ctx, func(ctx context.Context) error {
		var err error
		b, err = c.rdb.Get(ctx, prefix(id)+"rec").Bytes()
		return err
	})
	if errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("%w %q on redis %s", errNoCrawl, id, c.addr)
	}
	if err != nil {
		return nil, err
	}
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("crawl %q: record does not decode: %v", id, err)
	}
	if r.Version != recordVersion {
		return nil, fmt.Errorf("crawl %q: record version %d; this padlock reads %d", id, r.Version, recordVersion)
	}
	return &r, nil
}

// Open lists the crawls open on this Redis, oldest first.
func (c *Client) Open(ctx context.Context) ([]string, error) {
	var ids []string
	err := c.retry(ctx, func(ctx context.Context) error {
		var err error
		ids, err = c.rdb.ZRange(ctx, crawlsKey, 0, -1).Result()
		return err
	})
	return ids, err
}

func workerID() string {
	h, _ := os.Hostname()
	return fmt.Sprintf("%s-%d-%s", h, os.Getpid(), NewID())
}

// Check checks a frontier URL without connecting.
func Check(raw string) error {
	c, err := Open(raw)
	if err != nil {
		return err
	}
	return c.Close()
}

// CheckID checks a crawl ID.
func CheckID(id string) error { return validID(id) }

// quiet drops go-redis's own log lines (a failed dial while Redis restarts): the retries decide,
// and a crawl that fails says why in its error.
type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

func init() { redis.SetLogger(quiet{}) }
