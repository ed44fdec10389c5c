package report

import (
	"runtime"
	"strconv"
	"testing"
)

func TestKeySet(t *testing.T) {
	var s KeySet
	if s.Has("a") || s.Len() != 0 {
		t.Fatal("the zero KeySet is not empty")
	}
	for i := range 10000 {
		s.Add(strconv.Itoa(i))
		s.Add(strconv.Itoa(i)) // twice: one key
	}
	if s.Len() != 10000 {
		t.Fatalf("Len = %d, want 10000", s.Len())
	}
	for i := range 20000 {
		if got := s.Has(strconv.Itoa(i)); got != (i < 10000) {
			t.Fatalf("Has(%d) = %v", i, got)
		}
	}
}

// TestKeySetBytesPerKey pins what comparing two large reports costs a page and a finding: a
// KeySet keeps 9-14 bytes a key whatever the number of keys. A Go map of the hashes
// (map[uint64]struct{}) takes up to 21 after it grows; the old KeySet was one.
func TestKeySetBytesPerKey(t *testing.T) {
	worst := 0.0
	for n := 50_000; n <= 400_000; n += 25_000 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		var s KeySet
		for i := range n {
			s.t.Put(uint64(i)*0x9e3779b97f4a7c15+1, struct{}{})
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		per := float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
		runtime.KeepAlive(&s)
		worst = max(worst, per)
	}
	t.Logf("at most %.1f bytes a key", worst)
	if worst > 15 {
		t.Errorf("a KeySet takes up to %.1f bytes a key, want at most 15", worst)
	}
}
