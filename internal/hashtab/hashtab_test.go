package hashtab

import "testing"

func TestMap(t *testing.T) {
	var m Map[uint64]
	for _, h := range []uint64{0, 1, 2, ^uint64(0)} { // 0 is kept as 1: the two are one key
		m.Put(h, h+10)
	}
	for h, want := range map[uint64]uint64{0: 11, 1: 11, 2: 12, ^uint64(0): 9} {
		if v, ok := m.Get(h); !ok || v != want {
			t.Errorf("get(%d) = %d, %v; want %d", h, v, ok, want)
		}
	}
	if _, ok := m.Get(3); ok {
		t.Error("get(3) found a key never put")
	}
	const mix = 0x9e3779b97f4a7c15   // keys are hashes: their high bits pick the slot
	for i := range uint64(100_000) { // grows many times
		m.Put(i*mix, i)
	}
	for i := range uint64(100_000) {
		if v, ok := m.Get(i * mix); !ok || v != i && i != 0 {
			t.Fatalf("Get(%d) = %d, %v after growing", i*mix, v, ok)
		}
	}
	if m.Len() != 100_000+2 { // 0, 2 and the largest; 0 again as i = 0
		t.Errorf("Len = %d, want %d", m.Len(), 100_000+2)
	}
}
