// Package hashtab maps 64-bit hashes to values in an open-addressing table: the hashes in one
// slice, the values in another, no pointers for the collector to follow when the values have
// none. It is how padlock keeps a large set of URLs or keys in a few bytes each (the resource
// checks' answers, the comparison of two reports): 9-14 bytes a hash for a set, where a Go map
// costs up to 38.
package hashtab

import (
	"math/bits"
	"unsafe"
)

// Map maps hashes to values. It is at most 7/8 full and grows by half, so between 58% and 88%
// of its slots are used. The keys must be well-mixed hashes (their high bits pick the slot); a
// hash of 0 is kept as 1 (the two are one key). The zero value is an empty map; it is not safe
// for concurrent use.
type Map[V any] struct {
	keys []uint64 // 0: an empty slot
	vals []V
	n    int
	// Slots, when set, makes the zeroed slots of a table of n and the function that hands them
	// back, called when the map moves to a larger table and by Release: a large map can live
	// outside the Go heap, where the collector neither scans it nor counts it when it lets the
	// heap grow (by the live heap's size again, by default). Nil: slices on the heap.
	Slots   func(n int) (keys []uint64, vals []V, release func())
	release func()
}

// slot is where h lives in keys, or the empty slot where it would go.
func (m *Map[V]) slot(h uint64) int {
	i, _ := bits.Mul64(h, uint64(len(m.keys))) // the hash scaled to the table
	for m.keys[i] != 0 && m.keys[i] != h {
		if i++; int(i) == len(m.keys) {
			i = 0
		}
	}
	return int(i)
}

// Len is the number of hashes in the map.
func (m *Map[V]) Len() int { return m.n }

// Bytes is the size of the map's table: its hashes and its values.
func (m *Map[V]) Bytes() int {
	var zero V
	return len(m.keys)*8 + len(m.vals)*int(unsafe.Sizeof(zero))
}

// Get returns h's value.
func (m *Map[V]) Get(h uint64) (V, bool) {
	var zero V
	if m.n == 0 {
		return zero, false
	}
	i := m.slot(max(h, 1))
	if m.keys[i] != max(h, 1) {
		return zero, false
	}
	return m.vals[i], true
}

// Put sets h's value.
func (m *Map[V]) Put(h uint64, v V) {
	h = max(h, 1)
	if (m.n+1)*8 > len(m.keys)*7 {
		old, oldVals, release := m.keys, m.vals, m.release
		size := max(len(old)+len(old)/2, 16)
		if m.Slots != nil {
			m.keys, m.vals, m.release = m.Slots(size)
		} else {
			m.keys, m.vals, m.release = make([]uint64, size), make([]V, size), nil
		}
		for i, k := range old {
			if k != 0 {
				j := m.slot(k)
				m.keys[j], m.vals[j] = k, oldVals[i]
			}
		}
		if release != nil {
			release()
		}
	}
	i := m.slot(h)
	if m.keys[i] == 0 {
		m.n++
	}
	m.keys[i], m.vals[i] = h, v
}

// Release empties the map and hands its slots back to Slots' release function.
func (m *Map[V]) Release() {
	if m.release != nil {
		m.release()
	}
	m.keys, m.vals, m.n, m.release = nil, nil, 0, nil
}
