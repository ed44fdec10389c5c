package crawler

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"sync"

	"github.com/padlock-scan/padlock/internal/hashtab"
)

// The resource checks' memory. A full check of a 100,000-page shop meets about a million
// distinct sub-resource URLs; what is kept for each is a slot of 9 bytes in an open-addressing
// table (checkTable: the URL's 64-bit hash and a byte, the number of its plain answer), 10-16
// bytes a URL with the table's slack, outside the Go heap where the system maps memory
// (resources_mem.go). The URLs whose answer is not plain take 12 bytes more in a second table.
// The answers are numbered by answerStore: a plain answer (HEAD, no redirect, no error) is one
// shared Fetch in memory, any other answer (a script's hashes, its CORS headers, redirects,
// errors) is written to a temporary file and read back when a page meets the URL again, the
// last few hundred read kept decoded.

// checkShards splits the table so that growing one part copies a sixty-fourth of it, and the
// workers rarely wait on each other's lock.
const checkShards = 64

// checkTable maps a check's key hash to its answer number. A check being made sits in inflight
// until it is answered, so the pages that meet it meanwhile wait for that one request.
type checkTable struct {
	shards [checkShards]checkShard
}

type checkShard struct {
	mu sync.Mutex
	// all has every hash in the shard (by its bits below the shard's, h<<6) with the number of
	// its plain answer, or viaOthers for an answer numbered in others: a byte a slot beside the
	// hash's 8, where most URLs get one of a site's few plain answers. Slots by mappedSlots.
	all      hashtab.Map[uint8]
	others   hashtab.Map[uint32]
	inflight map[uint64]*checkEntry
	released bool // the crawl ended: its slots were handed back
}

// viaOthers marks a hash whose answer number is in checkShard.others.
const viaOthers = 255

type checkEntry struct {
	once  sync.Once
	fetch *Fetch
}

func (t *checkTable) shard(h uint64) *checkShard { return &t.shards[h>>58] }

// get returns h's answer number; the shard's lock is held.
func (s *checkShard) get(h uint64) (uint32, bool) {
	v, ok := s.all.Get(h << 6)
	switch {
	case !ok:
		return 0, false
	case v == viaOthers:
		return s.others.Get(h << 6)
	}
	return uint32(v) | plainAnswer, true
}

// put sets h's answer number; the shard's lock is held.
func (s *checkShard) put(h uint64, n uint32) {
	if s.released {
		return
	}
	if s.all.Slots == nil {
		s.all.Slots, s.others.Slots = mappedSlots[uint8], mappedSlots[uint32]
	}
	if n&plainAnswer != 0 && n&^plainAnswer < viaOthers {
		s.all.Put(h<<6, uint8(n&^plainAnswer))
		return
	}
	s.all.Put(h<<6, viaOthers)
	s.others.Put(h<<6, n)
}

// release hands the table's slots back; a check after it is answered but not kept.
func (t *checkTable) release() {
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		s.all.Release()
		s.others.Release()
		s.released = true
		s.mu.Unlock()
	}
}

// plainAnswer marks an answer number that indexes answerStore.plain.
const plainAnswer = 1 << 31

// answerStore numbers the checks' answers: shared plain answers in memory, the others on disk.
type answerStore struct {
	mu      sync.Mutex
	plain   []*Fetch
	plainOf map[plainKey]uint32
	// The other answers, each a record of file; one that could not be written is kept in kept
	// instead.
	file recordFile
	kept map[uint32]*Fetch
	// recent are the answers last read back, by number modulo its size: the script every
	// page links is read once.
	recent [512]struct {
		n uint32
		f *Fetch
	}
}

type plainKey struct {
	status int
	ct     string
	https  int8 // the https copy: 0 not probed, 1 not available, 2 available
}

// isPlain says whether f is an answer every URL that got the same status, type and https
// verdict can share (its URL and FinalURL are the reference's own).
func isPlain(f *Fetch) bool {
	return f.Method == http.MethodHead && f.Err == "" && len(f.Redirects) == 0 && f.Header == nil
}

// add numbers f, key being the URL it answers for.
func (st *answerStore) add(f *Fetch, key string) (uint32, *Fetch) {
	if isPlain(f) {
		k := plainKey{f.Status, f.ContentType, 0}
		if f.HTTPSAvailable != nil {
			k.https = 1
			if *f.HTTPSAvailable {
				k.https = 2
			}
		}
		st.mu.Lock()
		defer st.mu.Unlock()
		if n, ok := st.plainOf[k]; ok {
			return n, st.plain[n&^plainAnswer]
		}
		if st.plainOf == nil {
			st.plainOf = map[plainKey]uint32{}
		}
		n := uint32(len(st.plain)) | plainAnswer
		p := &Fetch{Method: f.Method, Status: f.Status, ContentType: f.ContentType, HTTPSAvailable: f.HTTPSAvailable}
		st.plain = append(st.plain, p)
		st.plainOf[k] = n
		return n, p
	}
	if f.FinalURL == key {
		f.FinalURL = key
	}
	if f.URL == key {
		f.URL = key
	}
	b := appendFetch(nil, f)
	st.mu.Lock()
	defer st.mu.Unlock()
	i, written := st.file.add("padlock-answers-*", b)
	n := uint32(i)
	if !written {
		if st.kept == nil {
			st.kept = map[uint32]*Fetch{}
		}
		st.kept[n] = f
		return n, f
	}
	st.remember(n, f)
	return n, f
}

func (st *answerStore) remember(n uint32, f *Fetch) {
	r := &st.recent[n%uint32(len(st.recent))]
	r.n, r.f = n, f
}

// get returns answer n; answers read from disk are shared read-only, like the plain ones.
func (st *answerStore) get(n uint32) *Fetch {
	st.mu.Lock()
	if n&plainAnswer != 0 {
		f := st.plain[n&^plainAnswer]
		st.mu.Unlock()
		return f
	}
	if r := st.recent[n%uint32(len(st.recent))]; r.f != nil && r.n == n {
		st.mu.Unlock()
		return r.f
	}
	sp, ok := st.file.span(int(n))
	if !ok { // released
		st.mu.Unlock()
		return &Fetch{Err: "padlock could not read this check back: the crawl is over"}
	}
	if sp.off < 0 {
		f := st.kept[n]
		st.mu.Unlock()
		return f
	}
	st.mu.Unlock()
	var f *Fetch
	b, err := sp.read()
	if err == nil {
		var ok bool
		if f, ok = readFetch(b); !ok {
			err = errors.New("unreadable record")
		}
	}
	if err != nil {
		return &Fetch{Err: fmt.Sprintf("padlock could not read this check back from its temporary file: %v", err)}
	}
	st.mu.Lock()
	st.remember(n, f)
	st.mu.Unlock()
	return f
}

// release closes and removes the answers' file and hands back their offsets; the crawl is over.
func (st *answerStore) release() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.file.release()
}

// recordFile appends records to a temporary file and reads them back by number: the answers
// and stylesheets a crawl keeps on disk. The file is removed as soon as it is made where the
// system allows (it lives while open), else by release. Not safe for concurrent use: its owner
// locks, and reads a record's span (span, then read) outside its lock.
type recordFile struct {
	file *os.File
	offs offsetList // record i is at offs.at(i); -1 when it could not be written
	end  int64
	err  error // the file could not be made or written: every later record is not written either
}

// add appends b as the next record (the file named after pattern, made at the first) and
// returns its number; written is false when it could not be written (the owner keeps it).
func (rf *recordFile) add(pattern string, b []byte) (n int, written bool) {
	n = rf.offs.len()
	if rf.file == nil && rf.err == nil {
		rf.file, rf.err = os.CreateTemp("", pattern)
		if rf.err == nil {
			_ = os.Remove(rf.file.Name()) // it lives while open; where it cannot be removed, release does
		}
	}
	if rf.err == nil {
		_, rf.err = rf.file.WriteAt(b, rf.end)
	}
	if rf.err != nil {
		rf.offs.add(-1)
		return n, false
	}
	rf.offs.add(rf.end)
	rf.end += int64(len(b))
	return n, true
}

// recordSpan is where a record lies: bytes [off, end) of file; off is -1 for one not written.
type recordSpan struct {
	file     *os.File
	off, end int64
}

// span returns record n's span; false once the file is released.
func (rf *recordFile) span(n int) (recordSpan, bool) {
	if n >= rf.offs.len() {
		return recordSpan{}, false
	}
	sp := recordSpan{file: rf.file, off: rf.offs.at(n), end: rf.end}
	if n+1 < rf.offs.len() {
		// A record not written (-1) comes only after the last one written, which ends at end.
		if next := rf.offs.at(n + 1); next >= 0 {
			sp.end = next
		}
	}
	return sp, true
}

// read reads the record's bytes.
func (sp recordSpan) read() ([]byte, error) {
	b := make([]byte, sp.end-sp.off)
	_, err := sp.file.ReadAt(b, sp.off)
	return b, err
}

// release closes and removes the file and hands back the offsets.
func (rf *recordFile) release() {
	if rf.file != nil {
		name := rf.file.Name()
		rf.file.Close()
		_ = os.Remove(name)
		rf.file = nil
	}
	rf.err = os.ErrClosed
	rf.offs.release()
}

// appendFetch encodes f for readFetch: every field, nil and empty lists and maps told apart.
func appendFetch(b []byte, f *Fetch) []byte {
	for _, s := range []string{f.URL, f.Method, f.ContentType, f.FinalURL, f.Err, f.SHA256, f.NormSHA256, f.SHA384, f.SHA512} {
		b = appendQString(b, s)
	}
	b = binary.AppendVarint(b, int64(f.Status))
	b = binary.AppendVarint(b, f.Size)
	var flags byte
	if f.Truncated {
		flags |= 1
	}
	if f.HTTPSAvailable != nil {
		flags |= 2
		if *f.HTTPSAvailable {
			flags |= 4
		}
	}
	b = append(b, flags)
	b = appendCount(b, f.Redirects == nil, len(f.Redirects))
	for _, h := range f.Redirects {
		b = appendQString(b, h.From)
		b = appendQString(b, h.To)
		b = appendQString(b, h.Via)
		b = binary.AppendVarint(b, int64(h.Status))
		b = binary.AppendVarint(b, int64(h.Delay))
		b = binary.AppendVarint(b, int64(h.Line))
	}
	keys := make([]string, 0, len(f.Header))
	for k := range f.Header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = appendCount(b, f.Header == nil, len(keys))
	for _, k := range keys {
		v := f.Header[k]
		b = appendQString(b, k)
		b = appendCount(b, v == nil, len(v))
		for _, s := range v {
			b = appendQString(b, s)
		}
	}
	return b
}

// appendCount writes a list's length, 0 for a nil list.
func appendCount(b []byte, isNil bool, n int) []byte {
	if isNil {
		return binary.AppendUvarint(b, 0)
	}
	return binary.AppendUvarint(b, uint64(n)+1)
}

// fetchReader reads what appendFetch wrote; a short or bad record sets bad.
type fetchReader struct {
	b   []byte
	bad bool
}

func (r *fetchReader) str() string {
	s, rest, ok := readQString(r.b)
	if !ok {
		r.bad, rest = true, nil
	}
	r.b = rest
	return s
}

func (r *fetchReader) int() int64 {
	v, k := binary.Varint(r.b)
	if k <= 0 {
		r.bad, k = true, len(r.b)
	}
	r.b = r.b[k:]
	return v
}

// count reads appendCount's length: -1 for nil.
func (r *fetchReader) count() int {
	v, k := binary.Uvarint(r.b)
	if k <= 0 || v > uint64(len(r.b)) { // every element takes at least a byte
		r.bad = true
		return -1
	}
	r.b = r.b[k:]
	return int(v) - 1
}

func readFetch(b []byte) (*Fetch, bool) {
	r := &fetchReader{b: b}
	f := &Fetch{}
	for _, p := range []*string{&f.URL, &f.Method, &f.ContentType, &f.FinalURL, &f.Err, &f.SHA256, &f.NormSHA256, &f.SHA384, &f.SHA512} {
		*p = r.str()
	}
	f.Status = int(r.int())
	f.Size = r.int()
	if len(r.b) == 0 {
		return nil, false
	}
	flags := r.b[0]
	r.b = r.b[1:]
	f.Truncated = flags&1 != 0
	if flags&2 != 0 {
		ok := flags&4 != 0
		f.HTTPSAvailable = &ok
	}
	if n := r.count(); n >= 0 {
		f.Redirects = make([]Hop, n)
		for i := range f.Redirects {
			h := &f.Redirects[i]
			h.From, h.To, h.Via = r.str(), r.str(), r.str()
			h.Status, h.Delay, h.Line = int(r.int()), int(r.int()), int(r.int())
		}
	}
	if n := r.count(); n >= 0 {
		f.Header = make(http.Header, n)
		for range n {
			k := r.str()
			var v []string
			if m := r.count(); m >= 0 {
				v = make([]string, m)
				for j := range v {
					v[j] = r.str()
				}
			}
			f.Header[k] = v
		}
	}
	if r.bad || len(r.b) != 0 {
		return nil, false
	}
	return f, true
}
