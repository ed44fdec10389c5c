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
	"sync/atomic"
	"time"

	"github.com/padlock-scan/padlock/crawler"
)

// Frontier is a crawler.Frontier kept in Redis and shared by every worker of one crawl: the
// seen-set holds 8-byte URL hashes; each host has its queue and a next allowed fetch time, so
// --delay and robots.txt Crawl-delay hold across workers; every job handed out is leased, the
// lease renewed by a heartbeat and reclaimed when it lapses (the worker stopped); the crawl is
// over once nothing is queued or leased and every process taking part has found it so, or
// nothing was queued or leased for a whole lease period (a process killed). Redis errors are
// retried for Options.Retry, then the frontier closes and Err says why.
type Frontier struct {
	c      *Client
	p      string // key prefix: padlock:{ID}:
	worker string
	lease  time.Duration
	idle   time.Duration // how long nothing queued or leased ends the crawl whatever the takers (see nextScript)
	robots int           // 1: robots.txt is read (each host waits for its record), 0: --ignore-robots
	delay  time.Duration
	max    int

	ahead int // how many jobs the pump keeps taken ahead (see pump)

	// commitMu makes the group commits one at a time, in order: a page's lease never ends in
	// Redis before its links are queued and its part streamed.
	commitMu sync.Mutex
	halted   atomic.Bool // nothing more is sent (tests: a process killed)

	mu     sync.Mutex
	known  map[uint64]struct{} // hashes this worker added or saw as seen, not as frames under upgrade-insecure-requests
	leased map[string]struct{} // lease ids in flight
	group  group               // what the next commit sends
	start  string              // the starting process's lease until its start URLs are queued
	slots  map[string]bool     // jobs Next handed out -> whether they got a --max-pages slot
	// held counts the jobs Admit refused (held for a --max-pages slot: no lease) whose Done has
	// not come yet: that Done must not end a lease, which the same job may hold by then, taken
	// again once a slot was given back (it ended the crawl with jobs still held).
	held      map[string]int
	pending   []pendingJob  // jobs taken ahead, not handed out yet
	waiters   int           // calls to Next waiting for a job
	avail     chan struct{} // closed (and replaced) when the pump has an answer for the waiters
	backlog   int64         // the stream's length at the last commit, plus the parts since
	asked     bool          // Next was called
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
	kick      chan struct{} // wakes the pump
	pumpDone  chan struct{}
}

// group is what one commit sends (groupLua): several pages' links, skips, parts streamed and
// leases done, in the order they came.
type group struct {
	adds  []any    // 4 a job: hash, host, uir, entry
	skips []string // hashes of URLs skipped (Skip)
	gives []string // hashes of jobs whose --max-pages slot goes back (GiveBack)
	parts []any    // crawler.Part JSON
	acks  []string // leases done
}

func (g *group) empty() bool {
	return len(g.adds) == 0 && len(g.skips) == 0 && len(g.gives) == 0 && len(g.parts) == 0 && len(g.acks) == 0
}

// pendingJob is a job Next took from Redis for a later call.
type pendingJob struct {
	job   crawler.Job
	entry string
	slot  bool
}

// minAhead is how many jobs the pump keeps taken ahead at least (half the concurrency when it
// is more): Next hands them out without a round trip (each is leased, and renewed by the
// heartbeat, from the start; a process that stops gives them back at once).
const minAhead = 4

// groupWait is how long the pump waits for more pages' links and leases done to send them in
// one commit, unless a call to Next waits, the jobs taken ahead run low, or the group is full
// (groupMax leases done). Nothing waits on it: a page's lease covers it until its commit.
const (
	groupWait = 5 * time.Millisecond
	groupMax  = 32
)

// maxKnown bounds the worker's local memory of seen URLs (a couple of MB): past it, the memory
// starts again (Redis stays the truth; a link seen again costs a few bytes more in the call that
// queues its page's links). At a million the worker's RSS grew with the site (43 MB at 10,000
// pages, 60 MB at 100,000).
const maxKnown = 1 << 16

// newFrontier is this process's part in crawl id, fetching concurrency pages at once.
func newFrontier(c *Client, id, worker string, rec *Record, concurrency int) *Frontier {
	f := &Frontier{c: c, p: prefix(id), worker: worker, lease: rec.Lease, idle: rec.Lease, delay: rec.Delay, max: rec.MaxPages,
		ahead: max(minAhead, concurrency/2), known: map[uint64]struct{}{}, leased: map[string]struct{}{}, slots: map[string]bool{}, held: map[string]int{},
		skipSent: map[uint64]struct{}{}, delays: map[string]bool{}, moved: map[string]bool{}, closed: make(chan struct{}),
		avail: make(chan struct{}), stopBeat: make(chan struct{}), beatDone: make(chan struct{}), kick: make(chan struct{}, 1),
		pumpDone: make(chan struct{})}
	if f.max <= 0 {
		f.max = crawler.DefaultMaxPages
	}
	if !rec.IgnoreRobots {
		f.robots = 1
	}
	go f.heartbeat()
	go f.pump()
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

// Add queues the jobs with the next group commit (see pump): the page whose links they are holds
// its lease until then, so a crash before the commit loses nothing (the page is fetched again).
func (f *Frontier) Add(jobs []crawler.Job) {
	if len(jobs) == 0 {
		f.wake()
		return
	}
	args := make([]any, 0, 4*len(jobs))
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
	f.mu.Lock()
	f.group.adds = append(f.group.adds, args...)
	for i, j := range jobs {
		if !j.UIR {
			f.remember(hs[i]) // sent: the commit settles it in Redis
		}
	}
	f.mu.Unlock()
	f.wake()
}

// wake tells the pump there is something to send or to take.
func (f *Frontier) wake() {
	select {
	case f.kick <- struct{}{}:
	default:
	}
}

// Claim commits the links queued before it first: a link queued by a page fetched earlier claims
// its URL first, as in one process.
func (f *Frontier) Claim(key string) bool {
	f.flush()
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
	f.group.skips = append(f.group.skips, hashBytes(h))
}

func (f *Frontier) SkipJob(j crawler.Job) {
	f.run(func(ctx context.Context) error {
		return f.c.rdb.SAdd(ctx, f.p+"skipjobs", hashBytes(hash(j.Key))).Err()
	})
}

// Next hands out a job the pump took ahead, or waits for the pump to take one.
func (f *Frontier) Next() (crawler.Job, bool) {
	for {
		f.mu.Lock()
		select {
		case <-f.closed:
			f.mu.Unlock()
			return crawler.Job{}, false
		default:
		}
		if len(f.pending) > 0 {
			pj := f.pending[0]
			f.pending = f.pending[1:]
			f.slots[pj.entry[:8]] = pj.slot
			low := f.low()
			f.mu.Unlock()
			if low {
				f.wake()
			}
			return pj.job, true
		}
		f.asked = true
		if f.start != "" {
			// This process asks for work: its start URLs are queued, and its lease on the
			// start ends with the commit after them.
			f.group.acks = append(f.group.acks, f.start)
			f.start = ""
		}
		f.waiters++
		avail := f.avail
		f.mu.Unlock()
		f.wake()
		select {
		case <-avail:
		case <-f.closed:
		}
		f.mu.Lock()
		f.waiters--
		f.mu.Unlock()
	}
}

// pump makes the calls to Redis for the page path, one at a time: it commits what the pages
// sent (their links, parts and leases done, grouped: several pages in one call) and keeps jobs
// taken ahead, so that neither a page's end nor a fetch slot waits for a round trip. It runs
// until the frontier closes.
func (f *Frontier) pump() {
	defer close(f.pumpDone)
	var retry <-chan time.Time
	for {
		select {
		case <-f.closed:
			return
		case <-f.kick:
		case <-retry:
		}
		retry = nil
		// A short wait groups more pages into one call, unless someone waits.
		deadline := time.NewTimer(groupWait)
	gather:
		for !f.urgent() {
			select {
			case <-f.closed:
				deadline.Stop()
				return
			case <-f.kick:
			case <-deadline.C:
				break gather
			}
		}
		deadline.Stop()
		wait, ok := f.step()
		if !ok {
			return
		}
		if wait > 0 {
			retry = time.After(wait)
		}
	}
}

// urgent: a call to Next waits, the jobs taken ahead run low, or the group is full.
func (f *Frontier) urgent() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.waiters > 0 || f.low() || len(f.group.acks) >= groupMax
}

// low: the jobs taken ahead run low (once this process asked for one: f.mu held).
func (f *Frontier) low() bool { return f.asked && len(f.pending) < f.ahead/2 }

// takeGroup appends the group to args (as groupLua reads it) and starts a new one.
func (f *Frontier) takeGroup(args []any) ([]any, group) {
	g := f.group
	f.group = group{}
	args = append(args, len(g.adds)/4)
	args = append(args, g.adds...)
	args = append(args, len(g.skips))
	for _, s := range g.skips {
		args = append(args, s)
	}
	args = append(args, len(g.gives))
	for _, h := range g.gives {
		args = append(args, h)
	}
	args = append(args, len(g.parts))
	args = append(args, g.parts...)
	args = append(args, len(g.acks))
	for _, id := range g.acks {
		args = append(args, id)
	}
	return args, g
}

// committed records that g is in Redis, the stream then backlog parts long.
func (f *Frontier) committed(g group, backlog int64) {
	f.mu.Lock()
	for _, id := range g.acks {
		delete(f.leased, id)
	}
	if len(g.parts) > 0 {
		f.backlog = backlog + int64(len(f.group.parts))
	}
	f.mu.Unlock()
}

// step is one call of the pump: the group, and a take of jobs when someone waits or the jobs
// taken ahead run low. It returns when to call again though nothing new came (no job was due),
// and false when the frontier is through.
func (f *Frontier) step() (time.Duration, bool) {
	f.commitMu.Lock()
	defer f.commitMu.Unlock()
	if f.halted.Load() {
		return 0, false
	}
	f.mu.Lock()
	want := 0
	if f.waiters > 0 || f.low() {
		want = min(f.ahead+f.waiters-len(f.pending), 64)
	}
	if want <= 0 {
		f.mu.Unlock()
		return 0, f.commitLocked()
	}
	args, g := f.takeGroup([]any{f.p, f.worker, f.lease.Milliseconds(), f.delay.Milliseconds(), f.idle.Milliseconds(), f.max, want, f.robots})
	f.mu.Unlock()
	var res []any
	if f.run(func(ctx context.Context) error {
		var err error
		res, err = nextScript.Run(ctx, f.c.rdb, nil, args...).Slice()
		return err
	}) != nil {
		return 0, false
	}
	kind, _ := res[0].(string)
	switch kind {
	case "lost":
		f.fail(fmt.Errorf("the crawl is gone from redis %s (restarted without its data, or expired): its frontier is lost", f.c.addr))
		return 0, false
	case "done":
		f.mu.Lock()
		f.finished = true
		f.mu.Unlock()
		f.Close()
		return 0, false
	}
	backlog, _ := res[2].(int64)
	f.committed(g, backlog)
	queued, _ := res[3].(int64)
	moved, _ := res[4].(int64)
	var jobs []pendingJob
	for i := 5; i+1 < len(res); i += 2 {
		entry, _ := res[i].(string)
		slot, _ := res[i+1].(int64)
		j, err := decodeJob(entry)
		if err != nil {
			f.fail(fmt.Errorf("redis frontier: a queued job does not decode: %w", err))
			return 0, false
		}
		jobs = append(jobs, pendingJob{job: j, entry: entry, slot: slot == 1})
	}
	f.mu.Lock()
	f.queued, f.movedN = int(queued), moved
	for _, pj := range jobs {
		if pj.slot {
			f.leased[pj.entry[:8]] = struct{}{}
		}
	}
	f.pending = append(f.pending, jobs...)
	close(f.avail)
	f.avail = make(chan struct{})
	waiting := f.waiters > 0
	f.mu.Unlock()
	if kind == "wait" {
		ms, _ := res[1].(int64)
		d := min(max(time.Duration(ms)*time.Millisecond, time.Millisecond), 50*time.Millisecond)
		if !waiting {
			d = 50 * time.Millisecond // only the jobs taken ahead are low: no hurry
		}
		return d, true
	}
	return 0, true
}

// commitLocked sends the group on its own (commitMu held).
func (f *Frontier) commitLocked() bool {
	if f.halted.Load() {
		return false
	}
	f.mu.Lock()
	if f.group.empty() {
		f.mu.Unlock()
		return true
	}
	args, g := f.takeGroup([]any{f.p, f.worker})
	f.mu.Unlock()
	var backlog int64
	if f.run(func(ctx context.Context) error {
		var err error
		backlog, err = commitScript.Run(ctx, f.c.rdb, nil, args...).Int64()
		return err
	}) != nil {
		return false
	}
	f.committed(g, backlog)
	return true
}

// flush commits the group now.
func (f *Frontier) flush() {
	f.commitMu.Lock()
	defer f.commitMu.Unlock()
	f.commitLocked()
}

// releasePending queues the jobs taken from Redis and never handed out again (this process stops
// before the crawl is over, or the crawl was cut short: they count as not crawled).
func (f *Frontier) releasePending() {
	<-f.pumpDone // the frontier is closed: nothing more is taken
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

// ack ends the lease id with the group, now.
func (f *Frontier) ack(id string) {
	f.mu.Lock()
	f.group.acks = append(f.group.acks, id)
	f.mu.Unlock()
	f.flush()
}

// Done ends j's lease with the next group commit, after the links its page queued and its part:
// a page is done in Redis only once they are there.
func (f *Frontier) Done(j crawler.Job) {
	id := hashBytes(hash(j.Key))
	f.mu.Lock()
	delete(f.slots, id)         // dropped before Admit
	if n := f.held[id]; n > 0 { // held: it has no lease to end
		if f.held[id] = n - 1; n == 1 {
			delete(f.held, id)
		}
		f.mu.Unlock()
		return
	}
	f.group.acks = append(f.group.acks, id)
	f.mu.Unlock()
	f.wake()
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
	if took && !slot {
		f.held[hashBytes(h)]++
	}
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

// GiveBack returns the job's --max-pages slot with the next group commit, before the job's
// lease ends (Done comes after it, in the same commit or a later one): the crawl cannot end
// with a held job waiting for the slot. It was a round trip of its own on the page path, made
// for every http: link that redirects (no page, so no slot).
func (f *Frontier) GiveBack(j crawler.Job) {
	f.mu.Lock()
	f.group.gives = append(f.group.gives, hashBytes(hash(j.Key)))
	f.mu.Unlock()
	f.wake()
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
	f.flush()
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
	f.flush()
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
	f.flush()
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
	if f.Err() == nil {
		// This process takes no more part: the crawl's end does not wait for it to say so.
		f.run(func(ctx context.Context) error { return f.c.rdb.ZRem(ctx, f.p+"takers", f.worker).Err() })
	}
}
