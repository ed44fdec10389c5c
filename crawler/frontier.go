package crawler

import (
	"cmp"
	"encoding/binary"
	"hash/maphash"
	"net/url"
	"os"
	"sync"

	"github.com/padlock-scan/padlock/internal/hashtab"
)

// job is one page to fetch.
type job struct {
	u      *url.URL
	depth  int
	parent string
	frame  bool
	uir    bool // a frame whose parent's upgrade-insecure-requests it inherits
	start  bool // a start URL the user gave (sitemap URLs are depth 0 too, but not starts)
}

// frontier is the crawl's work: the page URLs seen, the jobs waiting, the jobs in flight, and
// the --max-pages slots. Workers take jobs with next and say done when through with one; the
// crawl is over when nothing waits and nothing in flight can add more.
type frontier struct {
	seen seenSet // normalised page URLs: queued once, or claimed by a redirect
	max  int     // --max-pages

	mu       sync.Mutex
	cond     sync.Cond
	queue    jobQueue
	held     []job // jobs waiting for a --max-pages slot that a fetch in flight may give back
	active   int   // jobs taken and not done, and other producers (begin)
	admitted int   // page fetches started and not given back
	dropped  int   // jobs taken but never fetched: the crawl was interrupted first or mid-fetch
	closed   bool
}

func newFrontier(maxPages int) *frontier {
	f := &frontier{max: maxPages}
	f.cond.L = &f.mu
	return f
}

// claim marks a page URL (NormalizeURL form) seen and reports whether it was new.
func (f *frontier) claim(key string) bool { return f.seen.add(key) }

// has reports whether a page URL (NormalizeURL form) was seen.
func (f *frontier) has(key string) bool { return f.seen.has(key) }

// seenSet is a set of URLs (or other keys) kept as their 64-bit hashes in a hashtab.Map
// (no values): 9 to 14 bytes a key however long it is, where a map of the strings took about
// 150. Two keys whose hashes collide would count as one, a chance of about n²/2⁶⁵ (one in 37
// million for a million URLs); the seed is new for every set, so such a pair would not be lost
// twice. Safe for concurrent use.
type seenSet struct {
	mu     sync.Mutex
	seed   maphash.Seed
	seeded bool
	m      hashtab.Map[struct{}]
}

func (s *seenSet) hash(key string) uint64 {
	if !s.seeded {
		s.seed, s.seeded = maphash.MakeSeed(), true
	}
	return maphash.String(s.seed, key)
}

// add inserts key and reports whether it was new.
func (s *seenSet) add(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.hash(key)
	if _, ok := s.m.Get(h); ok {
		return false
	}
	s.m.Put(h, struct{}{})
	return true
}

// has reports whether key was added.
func (s *seenSet) has(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.m.Get(s.hash(key))
	return ok
}

// bytesPerKey is the table's size over the keys it holds.
func (s *seenSet) bytesPerKey() float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return float64(s.m.Bytes()) / float64(max(s.m.Len(), 1))
}

// push queues a job (its URL claimed first).
func (f *frontier) push(j job) {
	f.mu.Lock()
	f.queue.push(j)
	f.cond.Signal()
	f.mu.Unlock()
}

// next blocks until there is a job, or returns false when the crawl is over: nothing waits and
// nothing in flight can add more, or the frontier was closed.
func (f *frontier) next() (job, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for {
		// With every --max-pages slot taken, a job taken now could only be held (admit): the
		// jobs wait in the queue (on disk past a few thousand) until a fetch in flight gives
		// its slot back, or the crawl is over with them not crawled. (Taking them to hold
		// them moved the whole queue into memory, parsed: a site ten times larger than
		// --max-pages held nine tenths of its URLs in memory at the end.)
		for (f.queue.len() == 0 || f.admitted >= f.max) && f.active > 0 && !f.closed {
			f.cond.Wait()
		}
		if f.closed || f.queue.len() == 0 || f.admitted >= f.max {
			f.closed = true
			f.cond.Broadcast()
			return job{}, false
		}
		if j, ok := f.queue.pop(); ok {
			f.active++
			return j, true
		}
	}
}

// begin counts a producer that is not a job (sitemap discovery) as work in flight; it ends with
// done.
func (f *frontier) begin() {
	f.mu.Lock()
	f.active++
	f.mu.Unlock()
}

// done ends a job taken with next, or the work of begin.
func (f *frontier) done() {
	f.mu.Lock()
	f.active--
	f.cond.Broadcast()
	f.mu.Unlock()
}

// close ends the crawl: next returns false from now on.
func (f *frontier) close() {
	f.mu.Lock()
	f.closed = true
	f.cond.Broadcast()
	f.mu.Unlock()
}

// admit takes a --max-pages slot for j's fetch. When every slot is taken, a fetch in flight may
// yet turn out not to be an HTML page and give its slot back: j is held until then, and admit
// returns false (what is still held at the end was not crawled). next hands out no job while
// every slot is taken, so at most the jobs taken before the last slot went are held.
func (f *frontier) admit(j job) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.admitted >= f.max {
		f.held = append(f.held, j)
		return false
	}
	f.admitted++
	return true
}

// giveBack returns a slot whose fetch was not an HTML page, and queues a held job again.
func (f *frontier) giveBack() {
	f.mu.Lock()
	f.admitted--
	if n := len(f.held); n > 0 {
		f.queue.push(f.held[n-1])
		f.held = f.held[:n-1]
	}
	f.cond.Signal() // a slot is free: a job waiting in the queue may go
	f.mu.Unlock()
}

// drop counts a job taken with next that the crawl will not fetch after all (interrupted): it
// is not crawled, like the jobs still waiting.
func (f *frontier) drop() {
	f.mu.Lock()
	f.dropped++
	f.mu.Unlock()
}

// queued is the number of jobs waiting.
func (f *frontier) queued() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.queue.len()
}

// left is the number of jobs never fetched: waiting, held for a slot, or dropped.
func (f *frontier) left() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.queue.len() + f.queue.lost + len(f.held) + f.dropped
}

// release frees what the queue holds on disk; the crawl calls it when done.
func (f *frontier) release() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queue.release()
}

// jobQueue is the frontier's FIFO. A site's links are found far faster than its pages are
// fetched, so on a large site most of it waits here: past queueInMemory jobs, the newest are
// encoded (URL, depth, parent, flags) and, past queueChunk bytes, written to an unlinked
// temporary file in chunks that are read back in order. Memory stays flat in pages.
type jobQueue struct {
	front []job    // the oldest jobs, ready
	disk  []qchunk // then these, in order
	back  []byte   // then these, encoded
	nback int      // jobs in back
	file  *os.File // holds disk; nil until a chunk is written
	off   int64    // where file ends
	n     int      // jobs in all
	err   error    // a chunk that could not be written or read: those jobs are lost
	lost  int      // how many
	inMem int      // queueInMemory, changed by tests
	chunk int      // queueChunk, changed by tests
}

type qchunk struct {
	off  int64
	size int
	n    int
}

const (
	queueInMemory = 4096
	queueChunk    = 1 << 20
)

func (q *jobQueue) len() int { return q.n }

func (q *jobQueue) push(j job) {
	q.n++
	if len(q.disk) == 0 && q.nback == 0 && len(q.front) < cmp.Or(q.inMem, queueInMemory) {
		q.front = append(q.front, j)
		return
	}
	q.back = appendJob(q.back, j)
	q.nback++
	if len(q.back) >= cmp.Or(q.chunk, queueChunk) {
		q.spill()
	}
}

// spill writes back out as a chunk.
func (q *jobQueue) spill() {
	if q.file == nil && q.err == nil {
		f, err := os.CreateTemp("", "padlock-queue-*")
		if err != nil {
			q.err = err
			return // kept in memory
		}
		_ = os.Remove(f.Name()) // it lives while open; where it cannot be removed, release does
		q.file = f
	}
	if q.err != nil {
		return
	}
	if _, err := q.file.WriteAt(q.back, q.off); err != nil {
		q.err = err
		return
	}
	q.disk = append(q.disk, qchunk{off: q.off, size: len(q.back), n: q.nback})
	q.off += int64(len(q.back))
	q.back, q.nback = q.back[:0], 0
}

// pop takes the oldest job; false when the ones left could not be read back (counted lost).
func (q *jobQueue) pop() (job, bool) {
	for len(q.front) == 0 && q.n > 0 {
		q.refill()
	}
	if len(q.front) == 0 {
		return job{}, false
	}
	j := q.front[0]
	q.front[0] = job{}
	q.front = q.front[1:]
	q.n--
	return j, true
}

// refill moves the next chunk, from disk or from back, into front.
func (q *jobQueue) refill() {
	var b []byte
	want := 0
	if len(q.disk) > 0 {
		c := q.disk[0]
		q.disk = q.disk[1:]
		b, want = make([]byte, c.size), c.n
		if _, err := q.file.ReadAt(b, c.off); err != nil {
			q.n -= c.n
			q.lost += c.n
			q.err = err
			return
		}
	} else {
		b, want = q.back, q.nback
		q.back, q.nback = nil, 0
	}
	q.front = q.front[:0]
	for len(b) > 0 {
		var j job
		var ok bool
		if j, b, ok = readJob(b); !ok {
			q.n -= want - len(q.front)
			q.lost += want - len(q.front)
			return
		}
		q.front = append(q.front, j)
	}
}

func (q *jobQueue) release() {
	if q.file != nil {
		name := q.file.Name()
		q.file.Close()
		_ = os.Remove(name)
		q.file = nil
	}
}

// appendJob encodes j: its URL, depth, flags and parent.
func appendJob(dst []byte, j job) []byte {
	dst = appendQString(dst, j.u.String())
	dst = binary.AppendUvarint(dst, uint64(j.depth))
	var flags byte
	if j.frame {
		flags |= 1
	}
	if j.uir {
		flags |= 2
	}
	if j.start {
		flags |= 4
	}
	dst = append(dst, flags)
	return appendQString(dst, j.parent)
}

func appendQString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

func readQString(b []byte) (string, []byte, bool) {
	n, k := binary.Uvarint(b)
	if k <= 0 || uint64(len(b)-k) < n {
		return "", nil, false
	}
	return string(b[k : k+int(n)]), b[k+int(n):], true
}

// readJob decodes what appendJob wrote.
func readJob(b []byte) (job, []byte, bool) {
	raw, b, ok := readQString(b)
	if !ok {
		return job{}, nil, false
	}
	u, err := url.Parse(raw)
	if err != nil {
		return job{}, nil, false
	}
	depth, k := binary.Uvarint(b)
	if k <= 0 || len(b) <= k {
		return job{}, nil, false
	}
	flags := b[k]
	parent, b, ok := readQString(b[k+1:])
	if !ok {
		return job{}, nil, false
	}
	return job{u: u, depth: int(depth), parent: parent, frame: flags&1 != 0, uir: flags&2 != 0, start: flags&4 != 0}, b, true
}
