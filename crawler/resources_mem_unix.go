//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package crawler

import "syscall"

// checksOffHeap says whether mapMemory maps memory outside the Go heap here.
const checksOffHeap = true

// mapMemory maps size zeroed bytes from the system, outside the Go heap, and returns them with
// the function that hands them back; nil when the system refuses.
func mapMemory(size int) ([]byte, func()) {
	b, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return nil, nil
	}
	mappedBytes.Add(int64(size))
	return b, func() {
		mappedBytes.Add(-int64(size))
		_ = syscall.Munmap(b)
	}
}
