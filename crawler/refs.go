package crawler

// A page's references are collected once each: a hostile (or careless) page that repeats one
// link half a million times, or links one stylesheet two thousand times, makes one reference
// with a count, not half a million. And a page keeps at most Config.MaxRefsPerPage different
// references; the rest are counted and reported, so a page's size in memory and in the report is
// bounded by the settings, not by the site.

// refSet is the references of one document in the order first met, each once.
type refSet struct {
	max  int // different references kept at most; 0 keeps all
	list []Resource
	// byURL is the index in list of the last reference with a URL; prev links each reference
	// to the one before it with the same URL (-1 ends the chain). One URL is nearly always one
	// reference, so a lookup hashes a string and compares one entry.
	byURL map[string]int32
	prev  []int32
	cut   int // references not kept: different ones beyond max
}

func newRefSet(max, sizeHint int) *refSet {
	return &refSet{max: max, list: make([]Resource, 0, sizeHint), byURL: make(map[string]int32, sizeHint)}
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
