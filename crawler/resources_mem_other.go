//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package crawler

// checksOffHeap says whether mapMemory maps memory outside the Go heap here.
const checksOffHeap = false

// mapMemory maps nothing here: the checks' tables stay on the Go heap.
func mapMemory(int) ([]byte, func()) { return nil, nil }
