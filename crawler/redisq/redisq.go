// Package redisq shares one crawl among many processes through Redis: a crawler.Frontier kept
// in Redis (frontier.go, scripts.go), the crawl's record that workers read their settings from,
// and a stream of the pages the workers fetched, which the process that started the crawl
// merges into its one report.
package redisq

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
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
	key  []byte // from KeyEnv: seals the crawl's secrets in its record (nil: none given)
}

// KeyEnv names the environment variable that holds the key sealing a crawl's headers, cookies
// and basic auth in Redis (AES-256-GCM; any string of 16 bytes or more, hashed to the key: use
// a random one, such as the output of openssl rand -base64 32). The starting process and every
// worker need the same.
const KeyEnv = "PADLOCK_FRONTIER_KEY"

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
	c := &Client{rdb: redis.NewClient(ro), opt: opt, addr: ro.Addr}
	if k := os.Getenv(KeyEnv); k != "" {
		if len(k) < 16 {
			return nil, fmt.Errorf("%s is %d bytes: want 16 or more (openssl rand -base64 32)", KeyEnv, len(k))
		}
		sum := sha256.Sum256([]byte(k))
		c.key = sum[:]
	}
	return c, nil
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
	Version        int           `json:"version"`
	StartURLs      []string      `json:"start_urls"`
	MaxPages       int           `json:"max_pages"`
	MaxDepth       int           `json:"max_depth,omitempty"`
	NoFollow       bool          `json:"no_follow,omitempty"`
	CheckResources string        `json:"check_resources"`
	Timeout        time.Duration `json:"timeout"`
	MaxBody        int64         `json:"max_body"`
	MaxRedirects   int           `json:"max_redirects"`
	MaxRefsPerPage int           `json:"max_refs_per_page"`
	UserAgent      string        `json:"user_agent"`
	Sealed         []byte        `json:"sealed,omitempty"` // the secrets, sealed with the key (AES-256-GCM: nonce, then sealed JSON)
	KeepCookies    bool          `json:"keep_cookies,omitempty"`
	Resolve        []string      `json:"resolve,omitempty"`
	CAPEM          string        `json:"ca_pem,omitempty"` // the --ca-file's contents
	Insecure       bool          `json:"insecure,omitempty"`
	FirstParty     []string      `json:"first_party,omitempty"`
	Include        []string      `json:"include,omitempty"`
	Exclude        []string      `json:"exclude,omitempty"`
	IgnoreRobots   bool          `json:"ignore_robots,omitempty"`
	Sitemaps       []string      `json:"sitemaps,omitempty"`
	Delay          time.Duration `json:"delay,omitempty"`
	Entries        []string      `json:"entries,omitempty"`
	NormScripts    bool          `json:"normalize_scripts,omitempty"`
	// Render is what the workers render with (scan.SharedRender: the mode, rules and script
	// inventory; opaque here); none when the crawl renders no page. A worker that cannot read it
	// streams its pages unrendered and the starting process renders them.
	Render  json.RawMessage `json:"render,omitempty"`
	Lease   time.Duration   `json:"lease"`
	Created time.Time       `json:"created"`

	secrets secrets // Sealed, opened
}

// secrets are the settings that are never stored in clear: they go into Record.Sealed.
type secrets struct {
	Headers   map[string][]string `json:"headers,omitempty"`
	Cookies   []crawler.Cookie    `json:"cookies,omitempty"`
	BasicAuth string              `json:"basic_auth,omitempty"`
}

func (s *secrets) empty() bool {
	return len(s.Headers) == 0 && len(s.Cookies) == 0 && s.BasicAuth == ""
}

// version 2: the secrets sealed, cookies, basic auth, entries (a version 1 worker would crawl
// without them).
const recordVersion = 2

// recordOf is cfg's record for crawl id; its secrets are sealed with key (an error without one).
func recordOf(cfg *crawler.Config, lease time.Duration, id string, key []byte) (*Record, error) {
	r := &Record{Version: recordVersion, StartURLs: cfg.StartURLs, MaxPages: cfg.MaxPages, MaxDepth: cfg.MaxDepth,
		NoFollow: cfg.NoFollow, CheckResources: cfg.CheckResources, Timeout: cfg.Timeout, MaxBody: cfg.MaxBody,
		MaxRedirects: cfg.MaxRedirects, MaxRefsPerPage: cfg.MaxRefsPerPage, UserAgent: cfg.UserAgent,
		KeepCookies: cfg.KeepCookies, Resolve: cfg.Resolve, Insecure: cfg.Insecure, FirstParty: cfg.FirstParty,
		IgnoreRobots: cfg.IgnoreRobots, Sitemaps: cfg.Sitemaps, Delay: cfg.Delay, Entries: cfg.Entries,
		NormScripts: cfg.NormalizeScripts, Lease: lease, Created: time.Now().UTC()}
	r.secrets = secrets{Headers: cfg.Headers, Cookies: cfg.Cookies, BasicAuth: cfg.BasicAuth}
	if !r.secrets.empty() {
		if key == nil {
			return nil, fmt.Errorf("the crawl's headers, cookies or basic auth would be stored in Redis in clear: set %s (a random key, such as the output of openssl rand -base64 32) here and for every worker", KeyEnv)
		}
		b, _ := json.Marshal(r.secrets)
		sealed, err := seal(key, id, b)
		if err != nil {
			return nil, err
		}
		r.Sealed = sealed
	}
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
		MaxRefsPerPage: r.MaxRefsPerPage, UserAgent: r.UserAgent, Headers: r.secrets.Headers, Resolve: r.Resolve,
		Insecure: r.Insecure, FirstParty: r.FirstParty, IgnoreRobots: r.IgnoreRobots, Sitemaps: r.Sitemaps, Delay: r.Delay,
		Cookies: r.secrets.Cookies, BasicAuth: r.secrets.BasicAuth, KeepCookies: r.KeepCookies, Entries: r.Entries,
		NormalizeScripts: r.NormScripts}
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
	if len(r.Sealed) > 0 {
		if c.key == nil {
			return nil, fmt.Errorf("crawl %q holds sealed headers, cookies or basic auth: set %s to the key of the process that started it", id, KeyEnv)
		}
		b, err := open(c.key, id, r.Sealed)
		if err == nil {
			err = json.Unmarshal(b, &r.secrets)
		}
		if err != nil {
			return nil, fmt.Errorf("crawl %q: its sealed headers, cookies and basic auth do not open with this %s (not the starting process's key)", id, KeyEnv)
		}
	}
	return &r, nil
}

// seal encrypts b with key (AES-256-GCM), bound to crawl id: a random nonce, then the sealed
// bytes.
func seal(key []byte, id string, b []byte) ([]byte, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return gcm.Seal(nonce, nonce, b, []byte(id)), nil
}

// open reverses seal.
func open(key []byte, id string, b []byte) ([]byte, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	if len(b) < gcm.NonceSize() {
		return nil, errors.New("short")
	}
	return gcm.Open(nil, b[:gcm.NonceSize()], b[gcm.NonceSize():], []byte(id))
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
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
