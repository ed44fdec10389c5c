package redisq

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/padlock-scan/padlock/crawler"
)

// Crawler returns a crawl function for scan.Options.Crawler: it records crawl id (NewID when
// empty) with the settings of the crawl it is given, takes part in it like any worker, and
// merges the pages every worker streams, handing each to visit once. announce, when set, is
// told the ID once the crawl is recorded (so that workers can be pointed at it). render goes
// into the record for the workers (Record.Render).
func (c *Client) Crawler(id string, announce func(id string), render json.RawMessage) func(ctx context.Context, cfg *crawler.Config, visit func(*crawler.Page)) (*crawler.Result, error) {
	return func(ctx context.Context, cfg *crawler.Config, visit func(*crawler.Page)) (*crawler.Result, error) {
		if id == "" {
			id = NewID()
		}
		return c.start(ctx, id, cfg, visit, announce, render)
	}
}

func (c *Client) start(ctx context.Context, id string, cfg *crawler.Config, visit func(*crawler.Page), announce func(string), render json.RawMessage) (*crawler.Result, error) {
	if err := validID(id); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	rec, err := recordOf(cfg, c.opt.Lease, id, c.key)
	if err != nil {
		return nil, err
	}
	rec.Render = render
	b, _ := json.Marshal(rec)
	p := prefix(id)
	worker := workerID()
	start := "s:" + worker
	var created int64
	if err := c.retry(ctx, func(ctx context.Context) error {
		var err error
		created, err = createScript.Run(ctx, c.rdb, nil, p, worker, c.opt.Lease.Milliseconds(), start, b,
			int64(c.opt.TTL/time.Millisecond), crawlsKey, id).Int64()
		return err
	}); err != nil {
		return nil, err
	}
	if created == 0 {
		return nil, fmt.Errorf("crawl %q exists on redis %s: choose another --crawl-id", id, c.addr)
	}
	if announce != nil {
		announce(id)
	}
	f := newFrontier(c, id, worker, rec, cfg.Concurrency)
	f.holdStart(start)
	defer f.stop()

	// The merge takes this process's own pages as they come (a page is merged before its job is
	// done, as a worker's is streamed: were this process to die, there would be no report
	// anyway) and the workers' from the stream.
	m := crawler.NewMerge(cfg, visit)
	defer m.Close() // the pages it holds, when the crawl fails before Finish
	var mergeMu sync.Mutex
	merge := func(pt crawler.Part) {
		mergeMu.Lock()
		defer mergeMu.Unlock()
		m.Add(pt)
		if cfg.Progress != nil && pt.Page != nil {
			cfg.Progress(crawler.Progress{Pages: m.Pages(), Queued: f.Queued()})
		}
	}

	// This process's part: a crawl like any worker's.
	local := *cfg
	local.Shared = &crawler.Shared{Frontier: f, Emit: merge}
	local.Progress = nil
	type outcome struct {
		res *crawler.Result
		err error
	}
	part := make(chan outcome, 1)
	go func() {
		res, err := crawler.Crawl(ctx, &local, nil)
		part <- outcome{res, err}
	}()

	last := "0"
	var localDone, sawEnd, stopped bool
	for {
		// Read what the workers streamed; block briefly so that the loop also notices the end.
		// Once this process's part is over, so is the crawl: the last read does not block.
		block := 50 * time.Millisecond
		if localDone {
			block = -1
		}
		var streams []redis.XStream
		err := c.retry(ctx, func(ctx context.Context) error {
			var err error
			streams, err = c.rdb.XRead(ctx, &redis.XReadArgs{Streams: []string{p + "results", last}, Count: 64, Block: block}).Result()
			return err
		})
		if err != nil && !errors.Is(err, redis.Nil) {
			if ctx.Err() != nil {
				stopped = true
				break
			}
			f.fail(err)
			<-part
			c.finish(id, true)
			return nil, err
		}
		n := 0
		for _, s := range streams {
			for _, msg := range s.Messages {
				last = msg.ID
				n++
				raw, _ := msg.Values["part"].(string)
				var pt crawler.Part
				if err := json.Unmarshal([]byte(raw), &pt); err != nil {
					continue // not a part this padlock wrote
				}
				merge(pt)
			}
		}
		if n > 0 {
			c.retry(ctx, func(ctx context.Context) error {
				return c.rdb.XTrimMinID(ctx, p+"results", last).Err()
			})
			continue
		}
		if !localDone {
			select {
			case <-part:
				localDone = true
				if ferr := f.Err(); ferr != nil {
					c.finish(id, true)
					return nil, ferr
				}
				if ctx.Err() != nil {
					stopped = true
				}
			default:
			}
		}
		if stopped || sawEnd {
			break
		}
		// Every page was streamed before its job was done: once the crawl is over, one more
		// read that finds nothing new and the stream is through. A local part that ended
		// without asking for work never queued its start URLs (--wait-for gave up): the crawl
		// is over too.
		sawEnd = localDone && (f.finishedCrawl() || !f.askedNext())
	}
	if !localDone {
		<-part
	}
	f.Close()
	f.releasePending()
	res, err := m.Finish(f, stopped || ctx.Err() != nil)
	if stopped && ctx.Err() != nil {
		err = ctx.Err()
	}
	if ferr := f.Err(); ferr != nil {
		c.finish(id, true)
		return nil, ferr
	}
	c.finish(id, stopped)
	return res, err
}

// askedNext reports whether Next was called.
func (f *Frontier) askedNext() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.asked
}

// holdStart takes over the lease the crawl's record was created with (createScript): the
// heartbeat renews it until the first Next.
func (f *Frontier) holdStart(id string) {
	f.mu.Lock()
	f.start = id
	f.leased[id] = struct{}{}
	f.mu.Unlock()
}

// finishedCrawl reports whether Redis said the crawl is over.
func (f *Frontier) finishedCrawl() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.finished
}

// finish closes the crawl: workers still on it stop, and its keys go (the done marker lives on
// a little, for workers that ask late).
func (c *Client) finish(id string, interrupted bool) {
	p := prefix(id)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	keys := []string{p + "rec", p + "seen", p + "ready", p + "nextat", p + "delays", p + "leases", p + "ldata", p + "admitted",
		p + "held", p + "skipped", p + "skipjobs", p + "uir", p + "plain", p + "moved", p + "stats", p + "idle", p + "results", p + "workers", p + "rwait", p + "takers", p + "quiet"}
	hosts, _ := c.rdb.SMembers(ctx, p+"hosts").Result()
	for _, h := range hosts {
		keys = append(keys, p+"q:"+h)
	}
	keys = append(keys, p+"hosts")
	pipe := c.rdb.TxPipeline()
	pipe.SetNX(ctx, p+"done", "closed", 0) // or how nextScript found it over
	pipe.PExpire(ctx, p+"done", 10*time.Minute)
	pipe.ZRem(ctx, crawlsKey, id)
	for i := 0; i < len(keys); i += 256 {
		pipe.Del(ctx, keys[i:min(i+256, len(keys))]...)
	}
	pipe.Exec(ctx)
	_ = interrupted
}

// publisher is Shared.Emit: each part goes to the crawl's stream with the next group commit,
// before its job is done (Done follows it in the same commit or a later one).
func (c *Client) publisher(f *Frontier, p string) func(crawler.Part) {
	return func(pt crawler.Part) {
		b, err := json.Marshal(pt)
		if err != nil {
			f.fail(fmt.Errorf("a page does not encode: %w", err))
			return
		}
		f.mu.Lock()
		f.group.parts = append(f.group.parts, string(b))
		f.backlog++
		backlog := f.backlog
		f.mu.Unlock()
		f.wake()
		if backlog > maxBacklog/2 {
			// Near the mark, each part is sent at once, and the stream's length is known
			// exactly (the other processes' parts with it).
			f.flush()
			f.mu.Lock()
			backlog = f.backlog
			f.mu.Unlock()
		}
		if backlog > maxBacklog {
			n := c.drain(f, p, backlog)
			f.mu.Lock()
			f.backlog = min(f.backlog, n+int64(len(f.group.parts)))
			f.mu.Unlock()
		}
	}
}

// maxBacklog is how many parts the stream may hold before a worker waits for the starting
// process to read them (its merge, the rules and the report are slower than many workers'
// fetches): Redis then holds a few megabytes of pages, not the crawl's.
var maxBacklog int64 = 1024

// drain waits until the stream is down to half maxBacklog, and returns its length. It waits no
// longer once nobody has read from it for a lease period (the starting process is gone: the
// workers end the crawl).
func (c *Client) drain(f *Frontier, p string, n int64) int64 {
	last, since := n, time.Now()
	for n > maxBacklog/2 && time.Since(since) < f.lease {
		select {
		case <-f.closed:
			return n
		case <-time.After(20 * time.Millisecond):
		}
		if f.run(func(ctx context.Context) error {
			var err error
			n, err = c.rdb.XLen(ctx, p+"results").Result()
			return err
		}) != nil {
			return n
		}
		if n < last {
			last, since = n, time.Now()
		}
	}
	return n
}

// WaitOpen waits for a crawl to be open on this Redis and returns the oldest. (`padlock
// worker` serving several crawls at once polls Open itself.)
func (c *Client) WaitOpen(ctx context.Context) (string, error) {
	for {
		ids, err := c.Open(ctx)
		if err != nil {
			return "", err
		}
		if len(ids) > 0 {
			return ids[0], nil
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// createScript: ARGV[2] worker, ARGV[3] lease (ms), ARGV[4] lease id, ARGV[5] the record,
// ARGV[6] its TTL (ms), ARGV[7] the key of the open crawls, ARGV[8] the crawl's ID. Records the
// crawl unless it exists (returns 0), with the starting process's lease on its start: workers
// that join before the start URLs are queued (--wait-for, a slow first answer) wait for them.
var createScript = redis.NewScript(luaPrelude + `
if redis.call('SET', p..'rec', ARGV[5], 'NX', 'PX', ARGV[6]) == false then return 0 end
redis.call('DEL', p..'done') -- an earlier crawl's marker under this ID (it lives on for late workers)
redis.call('ZADD', ARGV[7], now, ARGV[8])
redis.call('ZADD', p..'leases', now + tonumber(ARGV[3]), ARGV[4])
redis.call('HSET', p..'ldata', ARGV[4], ARGV[2]..'\n\n')
return 1
`)

// Renderer starts, on a worker, what renders the pages it fetches as the crawl's record asks
// (rec is Record.Render; cfg, the config the worker crawls with): render is called with each page
// before it is streamed, by the goroutine that fetched it, and returns what goes with it
// (Page.Rendered); stop is called when the worker's part is over.
type Renderer func(rec json.RawMessage, cfg *crawler.Config) (render func(context.Context, *crawler.Page) json.RawMessage, stop func(), err error)

// Join takes part in crawl id as a worker until it is over; with an empty id, in the oldest
// crawl open, waiting for one. local gives what is the worker's own (see Record.config);
// renderer, when set, renders the pages of a crawl that renders. It returns the crawl's ID.
func (c *Client) Join(ctx context.Context, id string, local *crawler.Config, renderer Renderer) (string, error) {
	if id == "" {
		var err error
		if id, err = c.WaitOpen(ctx); err != nil {
			return "", err
		}
	}
	if err := validID(id); err != nil {
		return id, err
	}
	var rec *Record
	for {
		// The workers may be started before the crawl: wait for its record.
		var err error
		rec, err = c.load(ctx, id)
		if err == nil {
			break
		}
		if !errors.Is(err, errNoCrawl) {
			return id, err
		}
		if done, _ := c.rdb.Exists(ctx, prefix(id)+"done").Result(); done == 1 {
			return id, nil // over already
		}
		select {
		case <-ctx.Done():
			return id, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	cfg, err := rec.config(local)
	if err != nil {
		return id, fmt.Errorf("crawl %q: %v", id, err)
	}
	conc := crawler.DefaultConcurrency
	if cfg.Concurrency > 0 {
		conc = cfg.Concurrency
	}
	f := newFrontier(c, id, workerID(), rec, conc)
	defer f.stop()
	emit := c.publisher(f, prefix(id))
	if len(rec.Render) > 0 && renderer != nil {
		if rec.CAPEM != "" {
			// The browser trusts the leaves the crawl verifies against the CA file (scan's
			// leaf pins read it from a file).
			dir, err := os.MkdirTemp("", "padlock-worker-")
			if err != nil {
				return id, err
			}
			defer os.RemoveAll(dir)
			cfg.CAFile = filepath.Join(dir, "ca.pem")
			if err := os.WriteFile(cfg.CAFile, []byte(rec.CAPEM), 0o600); err != nil {
				return id, err
			}
		}
		render, stop, err := renderer(rec.Render, cfg)
		if err != nil {
			return id, fmt.Errorf("crawl %q renders pages: %w", id, err)
		}
		if render != nil {
			defer stop()
			publish := emit
			emit = func(pt crawler.Part) {
				// The page's lease is held while it renders: a worker that dies rendering loses
				// nothing, and the worker keeps no outcome once it is streamed.
				if pt.Page != nil {
					pt.Page.Rendered = render(ctx, pt.Page)
				}
				publish(pt)
			}
		}
	}
	cfg.Shared = &crawler.Shared{Frontier: f, Join: true, Emit: emit}
	_, err = crawler.Crawl(ctx, cfg, nil)
	if ferr := f.Err(); ferr != nil {
		return id, ferr
	}
	if errors.Is(err, crawler.ErrNoStart) {
		err = nil // a worker fetches no start URL of its own
	}
	return id, err
}
