package report

import (
	"hash/maphash"
	"math/bits"
	"net/url"
)

// keySeed is the seed of every key hash in a process: sets built from two reports must agree.
var keySeed = maphash.MakeSeed()

// keyHash is a string key (a URL, a finding's Comparison.Key) as 64 bits. Comparing two large
// reports keeps these rather than the strings, so memory is a few bytes a page and a finding
// however long their URLs; two keys that collide would be taken for one, a chance of about
// n²/2⁶⁵ (one in 37 million for a million keys), and the seed is new for every run.
func keyHash(s string) uint64 { return maphash.String(keySeed, s) }

// KeySet is a set of string keys kept as their 64-bit hashes (see keyHash): the baseline's
// findings, a report's pages. The zero value is an empty set; it costs 9-14 bytes a key (a Go
// map of the hashes costs 10-21, and one with a value beside each hash twice that).
type KeySet struct{ t hashMap[struct{}] }

// Add puts key in the set.
func (s *KeySet) Add(key string) { s.t.put(keyHash(key), struct{}{}) }

// Has reports whether key was added.
func (s *KeySet) Has(key string) bool {
	_, ok := s.t.get(keyHash(key))
	return ok
}

// Len is the number of keys in the set.
func (s *KeySet) Len() int { return s.t.n }

// hashMap maps 64-bit hashes to values in an open-addressing table: the hashes in one slice,
// the values in another, no pointers for the collector to follow when V has none. It is at
// most 7/8 full and grows by half, so between 58% and 88% of its slots are used. The zero
// value is an empty map.
type hashMap[V any] struct {
	keys []uint64 // 0: an empty slot (a hash of 0 is kept as 1)
	vals []V
	n    int
}

// slot is where h lives in keys, or the empty slot where it would go.
func (m *hashMap[V]) slot(h uint64) int {
	i, _ := bits.Mul64(h, uint64(len(m.keys))) // the hash scaled to the table
	for m.keys[i] != 0 && m.keys[i] != h {
		if i++; int(i) == len(m.keys) {
			i = 0
		}
	}
	return int(i)
}

func (m *hashMap[V]) get(h uint64) (V, bool) {
	var zero V
	if m.n == 0 {
		return zero, false
	}
	if h == 0 {
		h = 1
	}
	i := m.slot(h)
	if m.keys[i] != h {
		return zero, false
	}
	return m.vals[i], true
}

// ptr returns where h's value is, adding h with the zero value when it is not there.
func (m *hashMap[V]) ptr(h uint64) *V {
	if h == 0 {
		h = 1
	}
	if (m.n+1)*8 > len(m.keys)*7 {
		old, oldVals := m.keys, m.vals
		size := max(len(old)+len(old)/2, 16)
		m.keys, m.vals = make([]uint64, size), make([]V, size)
		for i, k := range old {
			if k != 0 {
				j := m.slot(k)
				m.keys[j], m.vals[j] = k, oldVals[i]
			}
		}
	}
	i := m.slot(h)
	if m.keys[i] == 0 {
		m.keys[i] = h
		m.n++
	}
	return &m.vals[i]
}

func (m *hashMap[V]) put(h uint64, v V) { *m.ptr(h) = v }

// looseHash is the hash of what sameButScheme compares: host name and request URI.
func looseHash(u string) uint64 {
	p, err := url.Parse(u)
	if err != nil {
		return keyHash("\x00" + u) // matches only itself, as sameButScheme does
	}
	return keyHash(p.Hostname() + "\x00" + p.RequestURI())
}
