package crawler

import "sync"

// A page's references are collected once each: a hostile (or careless) page that repeats one
// link half a million times, or links one stylesheet two thousand times, makes one reference
// with a count, not half a million. And a page keeps at most Config.MaxRefsPerPage different
// references; the rest are counted and reported, so a page's size in memory and in the report is
// bounded by the settings, not by the site.

// refSet is the references of one document in the order first met, each once.
type refSet struct {
	max  int // different references kept at most; 0 keeps all
	list []Resource
	*refIndex
	cut int // references not kept: different ones beyond max
}

// refIndex finds a reference in a refSet's list by URL. byURL is the index in list of the last
// reference with a URL; prev links each reference to the one before it with the same URL (-1
// ends the chain). One URL is nearly always one reference, so a lookup hashes a string and
// compares one entry. The list becomes the page's; the index is only needed while the page is
// collected, so it is used again (refIndexes) rather than made for every page.
type refIndex struct {
	byURL map[string]int32
	prev  []int32
}

// refIndexes holds the indexes of documents done with (release).
var refIndexes = sync.Pool{New: func() any { return &refIndex{byURL: make(map[string]int32, 64)} }}

// maxPooledRefs bounds the index kept for another page: a page with more references (a hostile
// one) leaves its index to the garbage collector.
const maxPooledRefs = 2048

func newRefSet(max, sizeHint int) *refSet { return refSetOf(max, make([]Resource, 0, sizeHint)) }

// refSetOf is a set collecting into list (empty).
func refSetOf(max int, list []Resource) *refSet {
	return &refSet{max: max, list: list, refIndex: refIndexes.Get().(*refIndex)}
}

// resourceLists holds the reference lists of pages their consumer released (Page.Release),
// emptied, for the next page: a shop page's list (some 80 references of 256 bytes) was a
// quarter of the bytes a crawl allocated.
var resourceLists sync.Pool

// newPageRefSet is newRefSet for a page, its list taken from resourceLists when one is there.
func newPageRefSet(max, sizeHint int) *refSet {
	if l, ok := resourceLists.Get().(*[]Resource); ok {
		return refSetOf(max, (*l)[:0])
	}
	return newRefSet(max, sizeHint)
}

// Release gives p's references back for another page of the crawl and sets p.Resources to nil.
// Call it once nothing holds p.Resources or a pointer into them: the consumer of a crawl calls
// it when its rules and report have copied what they keep. Not calling it only costs an
// allocation.
func (p *Page) Release() {
	rs := p.Resources
	p.Resources = nil
	if cap(rs) == 0 || cap(rs) > maxPooledRefs {
		return // a hostile page's long list goes to the garbage collector
	}
	rs = rs[:cap(rs)]
	clear(rs) // nothing of this page stays reachable through the pool
	resourceLists.Put(&rs)
}

// release gives the set's index back for another document; the set takes no more references.
func (s *refSet) release() {
	ix := s.refIndex
	s.refIndex = nil
	if ix == nil || len(ix.prev) > maxPooledRefs {
		return
	}
	clear(ix.byURL)
	ix.prev = ix.prev[:0]
	refIndexes.Put(ix)
}

// add records r (its URL set), or counts one more use of the same reference made earlier, and
// returns its index in list; -1 when r was cut at max.
func (s *refSet) add(r Resource) int {
	n := max(r.Count, 1)
	head, seen := s.byURL[r.URL]
	if seen {
		for i := head; i >= 0; i = s.prev[i] {
			if sameRef(&s.list[i], &r) {
				s.list[i].Count += n
				return int(i)
			}
		}
	}
	if s.full() {
		s.cut += n
		return -1
	}
	if !seen {
		head = -1
	}
	r.Count = n
	s.list = append(s.list, r)
	s.prev = append(s.prev, head)
	s.byURL[r.URL] = int32(len(s.list) - 1)
	return len(s.list) - 1
}

// full reports whether no different reference may be added.
func (s *refSet) full() bool { return s.max > 0 && len(s.list) >= s.max }

// sameRef reports whether two references are one: equal in everything but where they were
// written (Line, Raw) and what was learnt of them since (Count, Fetch, the parsed URL).
func sameRef(a, b *Resource) bool {
	x, y := *a, *b
	x.Line, x.Raw, x.Count, x.Fetch, x.parsed = 0, "", 0, nil, nil
	y.Line, y.Raw, y.Count, y.Fetch, y.parsed = 0, "", 0, nil, nil
	return x == y
}
