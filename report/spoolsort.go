package report

import (
	"bufio"
	"cmp"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
)

// DefaultSpillBytes is how many bytes of records one sorter keeps in memory before it writes
// them out as a sorted run (see sorter).
const DefaultSpillBytes = 4 << 20

// fanIn is how many runs of one level a sorter keeps before it merges them into one run of the
// next level (a tiered merge: a run written out is level 0). Each record is then written again
// only about log16(runs) times, and at most fanIn-1 runs wait at each level, so a pass holds few
// read buffers however large the report. Merging only the newest runs keeps the runs being
// merged adjacent, so equal records keep their order. (Merging the newest half of 64 runs each
// time, as before, rewrote one ever-growing run again and again: at 100,000 pages the spool wrote
// about seven times the report's size and took a quarter of the crawl's CPU.)
const fanIn = 16

// codec turns a record into bytes and back, and estimates what it costs in memory. A codec
// without size (jsonCodec) is costly to run and has no cheaper estimate: the sorter encodes each
// record once, as it is added, counts those bytes (and the record, as long again) and writes
// them when it spills.
type codec[T any] struct {
	enc  func(dst []byte, v *T) []byte
	dec  func(b []byte, v *T) error
	size func(v *T) int
	// key, when set, decodes from the start of an encoded record (it may be cut short) the
	// fields the sorter's order reads. A merge holds the next record of every run; one larger
	// than maxKeptBuf is held as those fields and where it is, and read whole when its turn
	// comes, so that runs each ending in an inventory entry of 100,000 payment pages are not
	// all in memory at once.
	key func(b []byte, v *T) error
}

// sorter orders records that need not fit in memory: an external merge sort. Records are kept
// in memory until they pass the spill threshold; then they are sorted and written to the
// spool's file as one run, and the memory is reused. each merges the runs and what is still in
// memory, in order; records that compare equal come out in the order they were added. With no
// run written, nothing touches the disk, and the order is the same either way: a report that
// spilled is byte for byte the one that did not.
type sorter[T any] struct {
	less  func(a, b *T) bool
	codec codec[T]
	limit int
	file  *spoolFile

	mem      []T
	encoded  []byte  // codec without size: mem's records encoded, one after the other
	ends     []int   // where each of mem's records ends in encoded
	order    []int32 // mem's indexes in order, once sorted (sortMem)
	memBytes int
	sorted   bool
	runs     []run
	n        int
	buf      []byte
	length   [binary.MaxVarintLen64]byte // a record's length, as write puts it before the record
}

// run is a section of the spool file holding records in order, each a uvarint length and the
// record's bytes.
type run struct {
	off, size int64
	n         int
	level     int // how many merges its records went through
}

func newSorter[T any](file *spoolFile, limit int, less func(a, b *T) bool, c codec[T]) *sorter[T] {
	if limit <= 0 {
		limit = DefaultSpillBytes
	}
	return &sorter[T]{less: less, codec: c, limit: limit, file: file}
}

// len is the number of records added.
func (s *sorter[T]) len() int { return s.n }

// add keeps v, writing a run out when memory passes the threshold.
func (s *sorter[T]) add(v T) error {
	s.mem = append(s.mem, v)
	s.sorted = false
	s.n++
	if s.codec.size == nil {
		from := len(s.encoded)
		s.encoded = s.codec.enc(s.encoded, &s.mem[len(s.mem)-1]) // not &v: that would move v to the heap
		s.ends = append(s.ends, len(s.encoded))
		s.memBytes += 64 + 2*(len(s.encoded)-from)
	} else {
		s.memBytes += s.codec.size(&s.mem[len(s.mem)-1])
	}
	if s.memBytes >= s.limit {
		return s.spill()
	}
	return nil
}

// sortMem orders the records in memory: their indexes, not the records, which are large
// (moving scriptUse records of 300 bytes about made most of the inventory's spooling).
func (s *sorter[T]) sortMem() {
	if s.sorted {
		return
	}
	s.order = s.order[:0]
	for i := range s.mem {
		s.order = append(s.order, int32(i))
	}
	// Stable: records that compare equal keep the order they came in. A pattern-defeating
	// quicksort with the index as the last key is that, and a fifth faster than sort.Stable's
	// merging on a spill of 20,000 inventory sightings.
	mem, less := s.mem, s.less
	slices.SortFunc(s.order, func(i, j int32) int {
		switch {
		case less(&mem[i], &mem[j]):
			return -1
		case less(&mem[j], &mem[i]):
			return 1
		}
		return cmp.Compare(i, j)
	})
	s.sorted = true
}

// spill writes what is in memory out as a run.
func (s *sorter[T]) spill() error {
	if len(s.mem) == 0 {
		return nil
	}
	s.sortMem()
	w, err := s.file.begin()
	if err != nil {
		return err
	}
	for _, i := range s.order {
		var err error
		if s.codec.size == nil {
			err = s.writeBytes(w, s.encoded[s.start(i):s.ends[i]])
		} else {
			err = s.write(w, &s.mem[i])
		}
		if err != nil {
			return err
		}
	}
	r, err := s.file.end(len(s.mem))
	if err != nil {
		return err
	}
	s.runs = append(s.runs, r)
	clear(s.mem) // keep no strings alive
	s.mem, s.memBytes = s.mem[:0], 0
	s.encoded, s.ends = s.encoded[:0], s.ends[:0]
	return s.settle()
}

// addEncoded adds one record given encoded, in parts, as codec.enc writes it: as a run of its
// own, so that a large record (an inventory entry of every payment page) is never held decoded
// to be sorted. What is in memory is written out first: records that compare equal keep the
// order they were added in.
func (s *sorter[T]) addEncoded(parts ...[]byte) error {
	if err := s.spill(); err != nil {
		return err
	}
	w, err := s.file.begin()
	if err != nil {
		return err
	}
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	if err := s.writeLen(w, n); err != nil {
		return err
	}
	for _, p := range parts {
		if _, err := w.Write(p); err != nil {
			return err
		}
	}
	r, err := s.file.end(1)
	if err != nil {
		return err
	}
	s.runs = append(s.runs, r)
	s.n++
	return s.settle()
}

// release writes what is in memory out as a run (spill) and lets the memory go (nil: nothing).
func (s *sorter[T]) release() error {
	if s == nil {
		return nil
	}
	if err := s.spill(); err != nil {
		return err
	}
	s.mem, s.encoded, s.ends, s.order, s.buf = nil, nil, nil, nil, nil
	return nil
}

// settle merges the newest runs while fanIn of them share a level. Levels never rise from
// older runs to newer ones, so the runs of the newest level are the last ones.
func (s *sorter[T]) settle() error {
	for len(s.runs) >= fanIn {
		level := s.runs[len(s.runs)-1].level
		from := len(s.runs)
		for from > 0 && s.runs[from-1].level == level {
			from--
		}
		if len(s.runs)-from < fanIn {
			return nil
		}
		if err := s.compact(from, level+1); err != nil {
			return err
		}
	}
	return nil
}

// start is where the i-th record in memory begins in encoded.
func (s *sorter[T]) start(i int32) int {
	if i == 0 {
		return 0
	}
	return s.ends[i-1]
}

func (s *sorter[T]) write(w *bufio.Writer, v *T) error {
	s.buf = s.codec.enc(s.buf[:0], v)
	err := s.writeBytes(w, s.buf)
	if cap(s.buf) > maxKeptBuf {
		s.buf = nil // one large record (a script on every payment page) does not keep its size
	}
	return err
}

// writeLen writes the length that comes before each record in a run.
func (s *sorter[T]) writeLen(w *bufio.Writer, n int) error {
	_, err := w.Write(s.length[:binary.PutUvarint(s.length[:], uint64(n))])
	return err
}

// maxKeptBuf is the largest record buffer a sorter or a cursor keeps for the next record.
const maxKeptBuf = 64 << 10

// writeBytes writes an encoded record.
func (s *sorter[T]) writeBytes(w *bufio.Writer, b []byte) error {
	if err := s.writeLen(w, len(b)); err != nil {
		return err
	}
	_, err := w.Write(b)
	return err
}

// compact merges the runs from the from-th on into one run of the given level.
func (s *sorter[T]) compact(from, level int) error {
	runs := s.runs[from:]
	w, err := s.file.begin()
	if err != nil {
		return err
	}
	n := 0
	write := func(v *T) error { n++; return s.write(w, v) }
	copyRaw := func(at int64, size int) error { // a large record: its bytes, not decoded
		n++
		if err := s.writeLen(w, size); err != nil {
			return err
		}
		_, err := io.Copy(w, io.NewSectionReader(s.file.f, at, int64(size)))
		return err
	}
	if err := s.merge(runs, false, write, copyRaw); err != nil {
		return err
	}
	r, err := s.file.end(n)
	if err != nil {
		return err
	}
	r.level = level
	s.runs = append(s.runs[:from:from], r)
	return nil
}

// each calls fn with every record in order (fn may change the record it is given; the change
// is not kept). It may be called again.
func (s *sorter[T]) each(fn func(*T) error) error {
	s.sortMem()
	if len(s.runs) == 0 {
		var v T // one copy for every record: fn's changes are not kept
		for _, i := range s.order {
			v = s.mem[i]
			if err := fn(&v); err != nil {
				return err
			}
		}
		return nil
	}
	return s.merge(s.runs, true, fn, nil)
}

// merge calls fn with the records of runs, and those in memory when withMem is set (sorted), in
// order: a k-way merge on a heap. With raw set, a large record the cursor left in the file (see
// codec.key) is given to raw as where it is, not read.
func (s *sorter[T]) merge(runs []run, withMem bool, fn func(*T) error, raw func(at int64, size int) error) error {
	if err := s.file.flush(); err != nil {
		return err
	}
	h := &cursorHeap[T]{less: s.less}
	for i, r := range runs {
		c := &cursor[T]{idx: i, r: bufio.NewReaderSize(io.NewSectionReader(s.file.f, r.off, r.size), cursorBuf), dec: s.codec.dec,
			key: s.codec.key, f: s.file.f, at: r.off}
		if ok, err := c.next(); err != nil {
			return err
		} else if ok {
			h.cs = append(h.cs, c)
		}
	}
	if withMem && len(s.mem) > 0 {
		c := &cursor[T]{idx: len(runs), mem: s.mem, order: s.order}
		c.next()
		h.cs = append(h.cs, c)
	}
	heap.Init(h)
	var v T // one copy for every record: fn's changes are not kept
	for len(h.cs) > 0 {
		c := h.cs[0]
		if c.lazyN > 0 && raw != nil {
			if err := raw(c.lazyAt, c.lazyN); err != nil {
				return err
			}
		} else {
			if err := c.load(); err != nil {
				return err
			}
			v = c.v
			if err := fn(&v); err != nil {
				return err
			}
		}
		ok, err := c.next()
		if err != nil {
			return err
		}
		if ok {
			heap.Fix(h, 0)
		} else {
			heap.Pop(h)
		}
	}
	return nil
}

// cursor reads one run (or the records in memory) in order.
type cursor[T any] struct {
	idx   int // the run's place: equal records come from the earlier run first
	v     T
	r     *bufio.Reader
	dec   func([]byte, *T) error
	buf   []byte
	mem   []T
	order []int32 // mem's indexes still to come, in order
	// A large record is decoded with key only (v holds its order's fields) and read from f
	// when load is called: it is lazyN bytes at lazyAt. at is where the reader is in f.
	key    func([]byte, *T) error
	f      *os.File
	at     int64
	lazyAt int64
	lazyN  int
}

// cursorBuf is a run cursor's read buffer.
const cursorBuf = 32 << 10

// load reads the whole of a record that next left in the file (a large one).
func (c *cursor[T]) load() error {
	if c.lazyN == 0 {
		return nil
	}
	b := make([]byte, c.lazyN)
	if _, err := c.f.ReadAt(b, c.lazyAt); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	c.v, c.lazyN = *new(T), 0
	if err := c.dec(b, &c.v); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	return nil
}

func (c *cursor[T]) next() (bool, error) {
	if c.r == nil {
		if len(c.order) == 0 {
			return false, nil
		}
		c.v, c.order = c.mem[c.order[0]], c.order[1:]
		return true, nil
	}
	n, err := binary.ReadUvarint(c.r)
	if errors.Is(err, io.EOF) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("spool: %w", err)
	}
	c.at += int64(uvarintLen(n))
	c.lazyN = 0
	if n > maxKeptBuf && c.key != nil {
		c.v = *new(T)
		head, _ := c.r.Peek(int(min(n, cursorBuf)))
		if c.key(head, &c.v) == nil {
			if _, err := c.r.Discard(int(n)); err != nil {
				return false, fmt.Errorf("spool: %w", err)
			}
			c.lazyAt, c.lazyN = c.at, int(n)
			c.at += int64(n)
			return true, nil
		}
	}
	c.at += int64(n)
	if uint64(cap(c.buf)) < n {
		c.buf = make([]byte, n)
	}
	c.buf = c.buf[:n]
	if _, err := io.ReadFull(c.r, c.buf); err != nil {
		return false, fmt.Errorf("spool: %w", err)
	}
	c.v = *new(T)
	err = c.dec(c.buf, &c.v)
	if cap(c.buf) > maxKeptBuf {
		c.buf = nil // decoded: the record's strings are copies
	}
	if err != nil {
		return false, fmt.Errorf("spool: %w", err)
	}
	return true, nil
}

type cursorHeap[T any] struct {
	cs   []*cursor[T]
	less func(a, b *T) bool
}

func (h *cursorHeap[T]) Len() int { return len(h.cs) }
func (h *cursorHeap[T]) Less(i, j int) bool {
	a, b := h.cs[i], h.cs[j]
	if h.less(&a.v, &b.v) {
		return true
	}
	if h.less(&b.v, &a.v) {
		return false
	}
	return a.idx < b.idx
}
func (h *cursorHeap[T]) Swap(i, j int) { h.cs[i], h.cs[j] = h.cs[j], h.cs[i] }
func (h *cursorHeap[T]) Push(x any)    { h.cs = append(h.cs, x.(*cursor[T])) }
func (h *cursorHeap[T]) Pop() any {
	c := h.cs[len(h.cs)-1]
	h.cs = h.cs[:len(h.cs)-1]
	return c
}

// spoolFile is the one temporary file a spool's runs are appended to. It is removed as soon as
// it is created (it lives while open), so nothing is left behind however padlock ends, Ctrl-C
// and kill -9 included; where an open file cannot be removed, close removes it.
type spoolFile struct {
	f    *os.File
	w    *bufio.Writer
	off  int64 // where the file ends, buffered bytes included
	from int64 // where the run being written began
	err  error // the file could not be made (appendBlob)
}

func (sf *spoolFile) begin() (*bufio.Writer, error) {
	if sf.f == nil {
		f, err := os.CreateTemp("", "padlock-spool-*")
		if err != nil {
			return nil, fmt.Errorf("spool: %w", err)
		}
		_ = os.Remove(f.Name()) // best effort: where an open file cannot be removed, close removes it
		sf.f = f
		sf.w = bufio.NewWriterSize(f, 256<<10)
	}
	sf.from = sf.off
	return sf.w, nil
}

func (sf *spoolFile) end(n int) (run, error) {
	if err := sf.w.Flush(); err != nil {
		return run{}, fmt.Errorf("spool: %w", err)
	}
	pos, err := sf.f.Seek(0, io.SeekCurrent)
	if err != nil {
		return run{}, fmt.Errorf("spool: %w", err)
	}
	sf.off = pos
	return run{off: sf.from, size: pos - sf.from, n: n}, nil
}

// appendBlob adds b at the file's end (at off before the call). The file not made is an error
// that sticks; a write error sticks in the writer: both come back from flush.
func (sf *spoolFile) appendBlob(b []byte) {
	if _, err := sf.begin(); err != nil {
		sf.err = err
		return
	}
	_, _ = sf.w.Write(b)
	sf.off += int64(len(b))
}

func (sf *spoolFile) flush() error {
	if sf.err != nil {
		return sf.err
	}
	if sf.w == nil {
		return nil
	}
	if err := sf.w.Flush(); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	return nil
}

func (sf *spoolFile) close() error {
	if sf.f == nil {
		return nil
	}
	name := sf.f.Name()
	err := sf.f.Close()
	_ = os.Remove(name)
	sf.f = nil
	return err
}

// uvarintLen is how many bytes binary.PutUvarint writes for n.
func uvarintLen(n uint64) int {
	l := 1
	for ; n >= 0x80; n >>= 7 {
		l++
	}
	return l
}
