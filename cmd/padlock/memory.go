package main

import (
	"os"
	"strconv"
	"strings"
)

// peakMemory returns the process's peak resident set size in bytes, where the system tells it
// (Linux /proc/self/status VmHWM); ok is false elsewhere.
func peakMemory() (bytes int64, ok bool) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, found := strings.CutPrefix(line, "VmHWM:"); found {
			f := strings.Fields(rest)
			if len(f) >= 1 {
				kb, err := strconv.ParseInt(f[0], 10, 64)
				return kb << 10, err == nil
			}
		}
	}
	return 0, false
}
