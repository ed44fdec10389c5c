//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package crawler

// checksOffHeap says whether checkSlots keeps the large tables outside the Go heap here.
const checksOffHeap = false

// checkSlots makes the slots of a check table of n on the Go heap (no memory mapping here).
func checkSlots(n int) ([]uint64, []uint32, func()) { return heapSlots(n) }
