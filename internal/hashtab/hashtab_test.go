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

// A map with Slots takes its tables from it and hands each back when it moves to a larger one
// and on Release.
func TestMapSlots(t *testing.T) {
	live := 0
	m := Map[uint32]{Slots: func(n int) ([]uint64, []uint32, func()) {
		live++
		return make([]uint64, n), make([]uint32, n), func() { live-- }
	}}
	const mix = 0x9e3779b97f4a7c15
	for i := range uint64(10_000) {
		m.Put(i*mix, uint32(i))
		if live != 1 {
			t.Fatalf("%d tables held after %d puts, want 1", live, i+1)
		}
	}
	var five uint64 = 5
	five *= mix
	if v, ok := m.Get(five); !ok || v != 5 {
		t.Errorf("Get = %d, %v", v, ok)
	}
	m.Release()
	if live != 0 || m.Len() != 0 {
		t.Errorf("after Release: %d tables held, Len %d", live, m.Len())
	}
	if _, ok := m.Get(five); ok {
		t.Error("a released map still answers")
	}
}
