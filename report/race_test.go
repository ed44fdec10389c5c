//go:build race

package report

// raceEnabled says the tests run under the race detector, where sync.Pool drops a quarter of
// what it is given: pooled buffers (s2's hash tables) are made again then.
const raceEnabled = true
