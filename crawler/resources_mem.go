package crawler

import (
	"sync/atomic"
	"unsafe"
)

// What a full check keeps for each distinct URL lives outside the Go heap where the system maps
// memory (mapMemory): the collector neither scans it nor counts it when it lets the heap grow
// (by the live heap's size again, GOGC=100), so a million URLs cost their bytes once, not
// twice. The memory goes back to the system when a table grows and when the crawl ends.

// minMapped is the size from which mappedSlots maps a table's slots: 64 shards of smaller tables
// are at most 1 MB of heap.
const minMapped = 16 << 10

// mappedBytes counts the bytes mapMemory has mapped and not yet handed back.
var mappedBytes atomic.Int64

// mappedSlots makes the zeroed slots of a check table of n (hashtab.Map.Slots): the hashes,
// then the values.
func mappedSlots[V uint8 | uint32](n int) ([]uint64, []V, func()) {
	size := n * (8 + int(unsafe.Sizeof(V(0))))
	if size >= minMapped {
		if b, release := mapMemory(size); b != nil {
			p := unsafe.Pointer(unsafe.SliceData(b))
			return unsafe.Slice((*uint64)(p), n), unsafe.Slice((*V)(unsafe.Add(p, 8*n)), n), release
		}
	}
	return make([]uint64, n), make([]V, n), nil
}

// offsetChunk is how many offsets an offsetList keeps in one piece (512 KB).
const offsetChunk = 1 << 16

// offsetList is a growing list of file offsets, in pieces of offsetChunk made by mapMemory
// (the pages are the system's to fill as they are written): it grows without copying, and
// without the collector's headroom.
type offsetList struct {
	chunks   [][]int64
	releases []func()
	n        int
}

func (l *offsetList) len() int { return l.n }

func (l *offsetList) at(i int) int64 { return l.chunks[i/offsetChunk][i%offsetChunk] }

func (l *offsetList) add(v int64) {
	if l.n == len(l.chunks)*offsetChunk {
		var c []int64
		b, release := mapMemory(offsetChunk * 8)
		if b != nil {
			c = unsafe.Slice((*int64)(unsafe.Pointer(unsafe.SliceData(b))), offsetChunk)
		} else {
			c = make([]int64, offsetChunk)
		}
		l.chunks, l.releases = append(l.chunks, c), append(l.releases, release)
	}
	l.chunks[l.n/offsetChunk][l.n%offsetChunk] = v
	l.n++
}

// release hands the list's pieces back and empties it.
func (l *offsetList) release() {
	for _, r := range l.releases {
		if r != nil {
			r()
		}
	}
	*l = offsetList{}
}
