package redisq

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/padlock-scan/padlock/crawler"
)

// Frontier is a crawler.Frontier kept in Redis and shared by every worker of one crawl: the
// seen-set holds 8-byte URL hashes; each host has its queue and a next allowed fetch time, so
// --delay and robots.txt Crawl-delay hold across workers; every job handed out is leased, the
// lease renewed by a heartbeat and reclaimed when it lapses (the worker stopped); the crawl is
// over when nothing was queued or leased for a whole lease period. Redis errors are retried for
// Options.Retry, then the frontier closes and Err says why.
type Frontier struct {
	c      *Client
	p      string // key prefix: padlock:{ID}:
	worker string
	lease  time.Duration
	idle   time.Duration // how long nothing queued or leased ends the crawl
	robots int           // 1: robots.txt is read (each host waits for its record), 0: --ignore-robots
	delay  time.Duration
	max    int

	mu        sync.Mutex
	known     map[uint64]struct{} // hashes this worker added or saw as seen, not as frames under upgrade-insecure-requests
	leased    map[string]struct{} // lease ids in flight
	acks      []string            // leases done, ended with the next call to Redis
	start     string              // the starting process's lease until its start URLs are queued
	slots     map[string]bool     // jobs Next handed out -> whether they got a --max-pages slot
	pending   []pendingJob        // jobs taken from Redis with the last call, not handed out yet
	asked     bool                // Next was called
	skips     []string            // skip hashes not sent yet
	skipSent  map[uint64]struct{}
	delays    map[string]bool
	queued    int
	movedN    int64
	moved     map[string]bool
	finished  bool
	err       error
	closed    chan struct{}
	closeOnce sync.Once
	stopBeat  chan struct{}
	beatDone  chan struct{}
}

// pendingJob is a job Next took from Redis for a later call.
type pendingJob struct {
	job   crawler.Job
	entry string
	slot  bool
}

// nextBatch is how many jobs one call to Redis takes at most: the next calls to Next hand them
// out without a round trip (each is leased, and renewed by the heartbeat, from the start).
const nextBatch = 4

// idleWindow is how long a crawl must have nothing queued or leased to be over: all work that
// can queue more holds a lease (see nextScript), so it only rides out a worker between two calls.
const idleWindow = 500 * time.Millisecond

// maxKnown bounds the worker's local memory of seen URLs (a couple of MB): past it, the memory
// starts again (Redis stays the truth; a link seen again costs a few bytes more in the call that
// queues its page's links). At a million the worker's RSS grew with the site (43 MB at 10,000
// pages, 60 MB at 100,000).
const maxKnown = 1 << 16

func newFrontier(c *Client, id, worker string, rec *Record) *Frontier {
	f := &Frontier{c: c, p: prefix(id), worker: worker, lease: rec.Lease, idle: min(rec.Lease, idleWindow), delay: rec.Delay, max: rec.MaxPages,
		known: map[uint64]struct{}{}, leased: map[string]struct{}{}, slots: map[string]bool{}, skipSent: map[uint64]struct{}{},
		delays: map[string]bool{}, moved: map[string]bool{}, closed: make(chan struct{}),
		stopBeat: make(chan struct{}), beatDone: make(chan struct{})}
	if f.max <= 0 {
		f.max = crawler.DefaultMaxPages
	}
	if !rec.IgnoreRobots {
		f.robots = 1
	}
	go f.heartbeat()
	return f
}

func prefix(id string) string { return "padlock:{" + id + "}:" }

func hash(key string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(key))
	return h.Sum64()
}

func hashBytes(h uint64) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], h)
	return string(b[:])
}

// wireJob is a job as queued: after the 8-byte hash of its key.
type wireJob struct {
	U string `json:"u"`
	D int    `json:"d,omitempty"`
	P string `json:"p,omitempty"`
	F bool   `json:"f,omitempty"`
	X bool   `json:"x,omitempty"`
	S bool   `json:"s,omitempty"`
}

func encodeJob(j crawler.Job) (h uint64, host, entry string) {
	h = hash(j.Key)
	b, _ := json.Marshal(wireJob{U: j.URL.String(), D: j.Depth, P: j.Parent, F: j.Frame, X: j.UIR, S: j.Start})
	return h, hostKey(j.URL), hashBytes(h) + string(b)
}

// hostKey is a host's queue: its origin, as the throttle spaces requests and as the crawler
// names it to Delay (scheme://host:port, the port always given).
func hostKey(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if strings.EqualFold(u.Scheme, "https") {
			port = "443"
		}
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Hostname()) + ":" + port
}

func decodeJob(entry string) (crawler.Job, error) {
	if len(entry) < 8 {
		return crawler.Job{}, errors.New("short job")
	}
	var w wireJob
	if err := json.Unmarshal([]byte(entry[8:]), &w); err != nil {
		return crawler.Job{}, err
	}
	u, err := url.Parse(w.U)
	if err != nil {
		return crawler.Job{}, err
	}
	return crawler.Job{URL: u, Key: crawler.NormalizeURL(u), Depth: w.D, Parent: w.P, Frame: w.F, UIR: w.X, Start: w.S}, nil
}

// run runs fn until it succeeds, retrying Redis errors for the client's retry period. A
// failure past it closes the frontier.
func (f *Frontier) run(fn func(ctx context.Context) error) error {
	if err := f.Err(); err != nil {
		return err
	}
	err := f.c.retry(context.Background(), fn)
	if err != nil {
		f.fail(err)
	}
	return err
}

func (f *Frontier) fail(err error) {
	f.mu.Lock()
	if f.err == nil {
		f.err = err
	}
	f.mu.Unlock()
	f.Close()
}

// Err is why the frontier failed (Redis unreachable past the retry period), or nil.
func (f *Frontier) Err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

func (f *Frontier) Seen(key string) bool {
	f.mu.Lock()
	_, ok := f.known[hash(key)]
	f.mu.Unlock()
	return ok
}

// Reached: a key Seen reports was sent to Redis as reached plainly already.
func (f *Frontier) Reached(string, bool) {}

func (f *Frontier) remember(h uint64) {
	if len(f.known) >= maxKnown {
		clear(f.known)
	}
	f.known[h] = struct{}{}
}

func (f *Frontier) Add(jobs []crawler.Job) {
	f.mu.Lock()
	skips := f.skips
	f.skips = nil
	f.mu.Unlock()
	if len(jobs) == 0 && len(skips) == 0 {
		return
	}
	args := make([]any, 0, 3+4*len(jobs)+len(skips))
	args = append(args, f.p, len(jobs))
	hs := make([]uint64, len(jobs))
	for i, j := range jobs {
		h, host, entry := encodeJob(j)
		hs[i] = h
		uir := "0"
		if j.UIR {
			uir = "1"
		}
		args = append(args, hashBytes(h), host, uir, entry)
	}
	args = append(args, len(skips))
	for _, s := range skips {
		args = append(args, s)
	}
	if f.run(func(ctx context.Context) error { return addScript.Run(ctx, f.c.rdb, nil, args...).Err() }) != nil {
		return
	}
	f.mu.Lock()
	for i, j := range jobs {
		if !j.UIR {
			f.remember(hs[i])
		}
	}
	f.mu.Unlock()
}

func (f *Frontier) Claim(key string) bool {
	h := hash(key)
	var added int64
	if f.run(func(ctx context.Context) error {
		var err error
		added, err = f.c.rdb.SAdd(ctx, f.p+"seen", hashBytes(h)).Result()
		return err
	}) != nil {
		return false
	}
	f.mu.Lock()
	f.remember(h)
	f.mu.Unlock()
	return added == 1
}

func (f *Frontier) Skip(key string) {
	h := hash(key)
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.skipSent[h]; ok {
		return
	}
	if len(f.skipSent) >= maxKnown {
		clear(f.skipSent)
	}
	f.skipSent[h] = struct{}{}
	f.skips = append(f.skips, hashBytes(h))
}

func (f *Frontier) SkipJob(j crawler.Job) {
	f.run(func(ctx context.Context) error {
		return f.c.rdb.SAdd(ctx, f.p+"skipjobs", hashBytes(hash(j.Key))).Err()
	})
}

// Next polls Redis for a job: at once when one is due, else after the time the next host may be
// fetched, at most 50ms later.
func (f *Frontier) Next() (crawler.Job, bool) {
	for {
		select {
		case <-f.closed:
			return crawler.Job{}, false
		default:
		}
		var res []any
		f.mu.Lock()
		if len(f.pending) > 0 {
			pj := f.pending[0]
			f.pending = f.pending[1:]
			f.slots[pj.entry[:8]] = pj.slot
			f.mu.Unlock()
			return pj.job, true
		}
		f.asked = true
		if f.start != "" {
			// This process asks for work: its start URLs are queued, and its lease on the
			// start ends with this call.
			delete(f.leased, f.start)
			f.acks = append(f.acks, f.start)
			f.start = ""
		}
		f.mu.Unlock()
		args := f.ackArgs([]any{f.p, f.worker, f.lease.Milliseconds(), f.delay.Milliseconds(), f.idle.Milliseconds(), f.max, nextBatch, f.robots})
		err := f.run(func(ctx context.Context) error {
			var err error
			res, err = nextScript.Run(ctx, f.c.rdb, nil, args...).Slice()
			return err
		})
		if err != nil {
			return crawler.Job{}, false
		}
		kind, _ := res[0].(string)
		if kind == "lost" {
			f.fail(fmt.Errorf("the crawl is gone from redis %s (restarted without its data, or expired): its frontier is lost", f.c.addr))
			return crawler.Job{}, false
		}
		if kind == "done" {
			f.mu.Lock()
			f.finished = true
			f.mu.Unlock()
			f.Close()
			return crawler.Job{}, false
		}
		queued, _ := res[3].(int64)
		moved, _ := res[4].(int64)
		f.mu.Lock()
		f.queued, f.movedN = int(queued), moved
		f.mu.Unlock()
		if kind == "wait" {
			ms, _ := res[1].(int64)
			d := min(max(time.Duration(ms)*time.Millisecond, time.Millisecond), 50*time.Millisecond)
			select {
			case <-f.closed:
			case <-time.After(d):
			}
			continue
		}
		var jobs []pendingJob
		for i := 5; i+1 < len(res); i += 2 {
			entry, _ := res[i].(string)
			slot, _ := res[i+1].(int64)
			j, err := decodeJob(entry)
			if err != nil {
				f.fail(fmt.Errorf("redis frontier: a queued job does not decode: %w", err))
				return crawler.Job{}, false
			}
			jobs = append(jobs, pendingJob{job: j, entry: entry, slot: slot == 1})
		}
		if len(jobs) == 0 {
			continue
		}
		f.mu.Lock()
		for _, pj := range jobs {
			if pj.slot {
				f.leased[pj.entry[:8]] = struct{}{}
			}
		}
		f.pending = append(f.pending, jobs[1:]...)
		f.slots[jobs[0].entry[:8]] = jobs[0].slot
		f.mu.Unlock()
		return jobs[0].job, true
	}
}

// releasePending queues the jobs taken from Redis and never handed out again (this process stops
// before the crawl is over, or the crawl was cut short: they count as not crawled).
func (f *Frontier) releasePending() {
	f.mu.Lock()
	args := []any{f.p, f.worker}
	for _, pj := range f.pending {
		if pj.slot { // a job held for a --max-pages slot is in the held list already
			delete(f.leased, pj.entry[:8])
			args = append(args, pj.entry[:8])
		}
	}
	f.pending = nil
	f.mu.Unlock()
	if len(args) > 2 {
		f.run(func(ctx context.Context) error { return releaseScript.Run(ctx, f.c.rdb, nil, args...).Err() })
	}
}

// Begin leases the producer's work (reading sitemaps) like a job: the crawl is not over while
// it runs, and its lease lapses if this worker stops.
func (f *Frontier) Begin() func() {
	id := "p:" + f.worker + ":" + strconv.FormatInt(time.Now().UnixNano(), 36)
	f.run(func(ctx context.Context) error {
		return beginScript.Run(ctx, f.c.rdb, nil, f.p, f.worker, f.lease.Milliseconds(), id).Err()
	})
	f.mu.Lock()
	f.leased[id] = struct{}{}
	f.mu.Unlock()
	return func() { f.ack(id) }
}

// ackArgs appends the leases done and the skips not sent yet to args, as ackLua reads them.
func (f *Frontier) ackArgs(args []any) []any {
	f.mu.Lock()
	acks, skips := f.acks, f.skips
	f.acks, f.skips = nil, nil
	f.mu.Unlock()
	args = append(args, len(acks))
	for _, id := range acks {
		args = append(args, id)
	}
	args = append(args, len(skips))
	for _, s := range skips {
		args = append(args, s)
	}
	return args
}

// ack ends the lease id now, with the leases done before it.
func (f *Frontier) ack(id string) {
	f.mu.Lock()
	delete(f.leased, id)
	f.acks = append(f.acks, id)
	f.mu.Unlock()
	f.flush()
}

// flush ends the leases done and sends the skips.
func (f *Frontier) flush() {
	args := f.ackArgs([]any{f.p, f.worker})
	if len(args) == 4 && args[2] == 0 && args[3] == 0 {
		return
	}
	f.run(func(ctx context.Context) error { return ackScript.Run(ctx, f.c.rdb, nil, args...).Err() })
}

// Done ends j's lease with the next call to Redis (the worker asks for its next job at once).
func (f *Frontier) Done(j crawler.Job) {
	id := hashBytes(hash(j.Key))
	f.mu.Lock()
	delete(f.slots, id) // dropped before Admit
	delete(f.leased, id)
	f.acks = append(f.acks, id)
	f.mu.Unlock()
}

func (f *Frontier) Close() {
	f.closeOnce.Do(func() { close(f.closed) })
}

// Admit: Next took the job's slot already (or held the job); a job that did not come from Next
// asks Redis.
func (f *Frontier) Admit(j crawler.Job) bool {
	h, host, entry := encodeJob(j)
	f.mu.Lock()
	slot, took := f.slots[hashBytes(h)]
	delete(f.slots, hashBytes(h))
	f.mu.Unlock()
	if took {
		return slot
	}
	var ok int64
	if f.run(func(ctx context.Context) error {
		var err error
		ok, err = admitScript.Run(ctx, f.c.rdb, nil, f.p, hashBytes(h), f.max, host, entry).Int64()
		return err
	}) != nil {
		return false
	}
	return ok == 1
}

func (f *Frontier) GiveBack(j crawler.Job) {
	f.run(func(ctx context.Context) error {
		return giveBackScript.Run(ctx, f.c.rdb, nil, f.p, hashBytes(hash(j.Key))).Err()
	})
}

// Drop puts a job this process took and will not fetch (it stops: interrupted before or during
// the fetch) back at the front of its host's queue at once, for the other processes: its lease
// would keep it from them for a lease period, and Done would end it with the job lost. A crawl
// that is cut short counts it as not crawled, as any job queued. A job held for a --max-pages
// slot has no lease, and stays held.
func (f *Frontier) Drop(j crawler.Job) {
	id := hashBytes(hash(j.Key))
	f.mu.Lock()
	delete(f.leased, id)
	f.mu.Unlock()
	f.run(func(ctx context.Context) error { return releaseScript.Run(ctx, f.c.rdb, nil, f.p, f.worker, id).Err() })
}

func (f *Frontier) Queued() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.queued
}

// Left counts the jobs queued and held for a --max-pages slot.
func (f *Frontier) Left() int {
	var n int64
	f.run(func(ctx context.Context) error {
		pipe := f.c.rdb.Pipeline()
		st := pipe.HMGet(ctx, f.p+"stats", "queued")
		held := pipe.LLen(ctx, f.p+"held")
		if _, err := pipe.Exec(ctx); err != nil {
			return err
		}
		n = held.Val()
		for _, v := range st.Val() {
			if s, ok := v.(string); ok {
				x, _ := strconv.ParseInt(s, 10, 64)
				n += x
			}
		}
		return nil
	})
	return int(n)
}

func (f *Frontier) Skipped() int {
	var n int64
	f.run(func(ctx context.Context) error {
		pipe := f.c.rdb.Pipeline()
		a := pipe.SCard(ctx, f.p+"skipped")
		b := pipe.SCard(ctx, f.p+"skipjobs")
		if _, err := pipe.Exec(ctx); err != nil {
			return err
		}
		n = a.Val() + b.Val()
		return nil
	})
	return int(n)
}

func (f *Frontier) Plain(key string) bool {
	var ok bool
	f.run(func(ctx context.Context) error {
		var err error
		ok, err = f.c.rdb.SIsMember(ctx, f.p+"plain", hashBytes(hash(key))).Result()
		return err
	})
	return ok
}

func (f *Frontier) MoveHost(host string) {
	f.mu.Lock()
	f.moved[host] = true
	f.mu.Unlock()
	f.run(func(ctx context.Context) error { return f.c.rdb.SAdd(ctx, f.p+"moved", host).Err() })
}

// Moved returns the hosts other workers' start URLs moved the crawl to, once each.
func (f *Frontier) Moved() []string {
	f.mu.Lock()
	stale := f.movedN > int64(len(f.moved)) || f.finished
	f.mu.Unlock()
	if !stale {
		return nil
	}
	var all []string
	if f.run(func(ctx context.Context) error {
		var err error
		all, err = f.c.rdb.SMembers(ctx, f.p+"moved").Result()
		return err
	}) != nil {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, h := range all {
		if !f.moved[h] {
			f.moved[h] = true
			out = append(out, h)
		}
	}
	return out
}

// Delay records the host's robots.txt record (its Crawl-delay, 0 for none): the crawler calls it
// for every origin once it has read robots.txt, before its first page there. Until a host's
// record is in Redis, Next hands out one job of it at a time (see nextScript).
func (f *Frontier) Delay(origin string, d time.Duration) {
	f.mu.Lock()
	sent := f.delays[origin]
	f.delays[origin] = true
	f.mu.Unlock()
	if !sent {
		f.run(func(ctx context.Context) error {
			return delayScript.Run(ctx, f.c.rdb, nil, f.p, origin, max(d, f.delay).Milliseconds()).Err()
		})
	}
}

// heartbeat renews this worker's leases every third of a lease period, and the keys' TTL every
// minute or so.
func (f *Frontier) heartbeat() {
	defer close(f.beatDone)
	tick := time.NewTicker(max(f.lease/3, 10*time.Millisecond))
	defer tick.Stop()
	var lastTTL time.Time
	for {
		select {
		case <-f.stopBeat:
			return
		case <-tick.C:
		}
		f.mu.Lock()
		args := []any{f.p, f.worker, f.lease.Milliseconds(), 0}
		for id := range f.leased {
			args = append(args, id)
		}
		f.mu.Unlock()
		if time.Since(lastTTL) > time.Minute {
			args[3] = int64(f.c.opt.TTL / time.Second)
			lastTTL = time.Now()
		}
		// One try: a heartbeat that fails is retried by the next tick; the jobs' own calls
		// decide when Redis is gone for good.
		ctx, cancel := context.WithTimeout(context.Background(), f.lease)
		renewScript.Run(ctx, f.c.rdb, nil, args...)
		cancel()
	}
}

// stop ends the leases done and the heartbeat (the worker is through with this crawl).
func (f *Frontier) stop() {
	f.Close()
	f.releasePending()
	if f.Err() == nil {
		f.flush()
	}
	select {
	case <-f.stopBeat:
	default:
		close(f.stopBeat)
	}
	<-f.beatDone
}
