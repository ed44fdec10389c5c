// Command padlock crawls a website and reports what breaks the browser's padlock or widens its
// attack surface: mixed content, third-party scripts, Subresource Integrity, TLS and HSTS.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	stopProfile := startCPUProfile(os.Getenv("PADLOCK_CPUPROFILE"))
	code := run(ctx, os.Args, os.Stdout, os.Stderr)
	stopProfile()
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
	f, err := os.Create(path)
	if err == nil {
		err = pprof.Lookup("allocs").WriteTo(f, 0)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "padlock: PADLOCK_MEMPROFILE:", err)
	}
}
