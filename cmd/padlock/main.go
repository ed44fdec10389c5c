// Command padlock crawls a website and reports what breaks the browser's padlock or widens its
// attack surface: mixed content, third-party scripts, Subresource Integrity, TLS and HSTS.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	stopProfile := startCPUProfile(os.Getenv("PADLOCK_CPUPROFILE"))
	stopHeap := watchHeapPeak(os.Getenv("PADLOCK_HEAPPROFILE"))
	code := run(ctx, os.Args, os.Stdout, os.Stderr)
	stopProfile()
	stopHeap()
	writeAllocProfile(os.Getenv("PADLOCK_MEMPROFILE"))
	stop()
	os.Exit(code)
}

// startCPUProfile writes a CPU profile of the whole run to path (PADLOCK_CPUPROFILE, for
// performance work: `go tool pprof` reads it); nothing when path is empty.
func startCPUProfile(path string) (stop func()) {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "padlock: PADLOCK_CPUPROFILE:", err)
		return func() {}
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}

// writeAllocProfile writes the run's allocation profile to path (PADLOCK_MEMPROFILE, for
// performance work: `go tool pprof -sample_index=alloc_space` reads it); nothing when path is empty.
func writeAllocProfile(path string) {
	if path == "" {
		return
	}
	if err := writeProfile(path, "allocs"); err != nil {
		fmt.Fprintln(os.Stderr, "padlock: PADLOCK_MEMPROFILE:", err)
	}
}

// writeProfile writes the runtime profile name to path.
func writeProfile(path, name string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	err = pprof.Lookup(name).WriteTo(f, 0)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// watchHeapPeak writes a heap profile to path (PADLOCK_HEAPPROFILE, for memory work: `go tool
// pprof -sample_index=inuse_space` reads it) each time the live heap, looked at once a second,
// is the largest yet: the file ends as the profile nearest the run's peak, which the
// allocation profile written at exit (everything freed by then) cannot show. Nothing when
// path is empty.
func watchHeapPeak(path string) (stop func()) {
	if path == "" {
		return func() {}
	}
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		var peak uint64
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc <= peak {
				continue
			}
			peak = ms.HeapAlloc
			runtime.GC() // the profile's in-use figures are as of the last collection
			err := writeProfile(path+".tmp", "heap")
			if err == nil {
				err = os.Rename(path+".tmp", path)
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, "padlock: PADLOCK_HEAPPROFILE:", err)
				return
			}
		}
	}()
	return func() { close(done); <-finished }
}
