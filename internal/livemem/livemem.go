// Package livemem measures the live heap for tests that bound what a piece of padlock holds
// while it works (a diff of two large reports, a watch's run): what a collection marked, sampled
// as the work goes, not what the process's RSS says (which a test's own setup moves).
package livemem

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"time"
)

// Bytes collects and returns what the collection found live (/gc/heap/live:bytes).
func Bytes() uint64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// Sampler samples the live heap every few milliseconds from Start to Stop. A collection also
// marks what was allocated while it ran, so one sample can be high with garbage made meanwhile;
// the peak is the highest of the lowest of any three samples in a row: memory held for a while,
// not a burst of garbage.
type Sampler struct {
	peak    uint64
	last    [3]uint64
	samples int
	done    chan struct{}
	wg      sync.WaitGroup
}

func (h *Sampler) sample() {
	h.last[h.samples%3] = Bytes()
	if h.samples++; h.samples >= 3 {
		h.peak = max(h.peak, min(h.last[0], h.last[1], h.last[2]))
	}
}

// Start starts sampling.
func (h *Sampler) Start() {
	h.done = make(chan struct{})
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		for {
			select {
			case <-h.done:
				return
			case <-time.After(5 * time.Millisecond):
				h.sample()
			}
		}
	}()
}

// Stop ends the sampling and returns the peak (0 when fewer than three samples were taken).
func (h *Sampler) Stop() uint64 {
	close(h.done)
	h.wg.Wait()
	return h.peak
}
