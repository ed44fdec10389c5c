//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package crawler

import (
	"syscall"
	"unsafe"
)

// checksOffHeap says whether checkSlots keeps the large tables outside the Go heap here.
const checksOffHeap = true

// checkSlots makes the zeroed slots of a check table of n (12 bytes a slot) in memory mapped
// from the system once they pass minMapped: the collector neither scans them nor counts them
// when it lets the heap grow (by the live heap's size again), so a million URLs cost their 12
// bytes a slot once, not twice. The memory goes back to the system when the table grows or the
// crawl ends.
func checkSlots(n int) ([]uint64, []uint32, func()) {
	if n*12 < minMapped {
		return heapSlots(n)
	}
	b, err := syscall.Mmap(-1, 0, n*12, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return heapSlots(n)
	}
	mappedBytes.Add(int64(len(b)))
	p := unsafe.Pointer(unsafe.SliceData(b))
	keys := unsafe.Slice((*uint64)(p), n)
	vals := unsafe.Slice((*uint32)(unsafe.Add(p, 8*n)), n)
	return keys, vals, func() {
		mappedBytes.Add(-int64(len(b)))
		_ = syscall.Munmap(b)
	}
}
