package report

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
)

// TestPipeWriterBytes: whatever mix of Write, WriteString and WriteByte calls, and of sizes
// around the buffer size, the output is the input in order.
func TestPipeWriterBytes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, total := range []int{0, 1, pipeBufSize - 1, pipeBufSize, pipeBufSize + 1, 5*pipeBufSize + 17} {
		var want, got bytes.Buffer
		p := newPipeWriter(&got)
		for want.Len() < total {
			n := min(total-want.Len(), rng.IntN(3*pipeBufSize/2)+1)
			chunk := make([]byte, n)
			for i := range chunk {
				chunk[i] = byte(rng.Uint32())
			}
			want.Write(chunk)
			switch rng.IntN(3) {
			case 0:
				p.Write(chunk)
			case 1:
				p.WriteString(string(chunk))
			default:
				for _, c := range chunk {
					p.WriteByte(c)
				}
			}
			if rng.IntN(4) == 0 {
				if err := p.Flush(); err != nil {
					t.Fatal(err)
				}
				if got.Len() != want.Len() {
					t.Fatalf("after Flush: %d bytes written, want %d", got.Len(), want.Len())
				}
			}
		}
		if err := p.Flush(); err != nil {
			t.Fatal(err)
		}
		p.Close()
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("total %d: output differs from input (%d bytes, want %d)", total, got.Len(), want.Len())
		}
	}
}

// failAfter accepts n bytes, then fails every write.
type failAfter struct {
	n       int
	written bytes.Buffer
}

var errDiskFull = errors.New("disk full")

func (f *failAfter) Write(b []byte) (int, error) {
	if f.written.Len()+len(b) > f.n {
		return 0, errDiskFull
	}
	return f.written.Write(b)
}

// TestPipeWriterError: a failed write comes back from Flush (not lost in the writing goroutine),
// and nothing after it is written.
func TestPipeWriterError(t *testing.T) {
	out := &failAfter{n: pipeBufSize}
	p := newPipeWriter(out)
	defer p.Close()
	big := bytes.Repeat([]byte("x"), 4*pipeBufSize)
	p.Write(big)
	if err := p.Flush(); !errors.Is(err, errDiskFull) {
		t.Fatalf("Flush = %v, want %v", err, errDiskFull)
	}
	p.Write([]byte("more"))
	if err := p.Flush(); !errors.Is(err, errDiskFull) {
		t.Fatalf("second Flush = %v, want the first error again", err)
	}
	if out.written.Len() != pipeBufSize {
		t.Fatalf("%d bytes written, want %d", out.written.Len(), pipeBufSize)
	}
}

// TestWriteJSONError: the JSON writer reports a failing output (a full disk) instead of
// writing a short report silently, and leaves no goroutine behind.
func TestWriteJSONError(t *testing.T) {
	r := &Report{Version: Version}
	for i := range 2000 {
		r.Pages = append(r.Pages, Page{URL: "https://shop.test/p/" + string(rune('a'+i%26)), Status: 200})
	}
	before := runtime.NumGoroutine()
	if err := writeJSON(&failAfter{n: 1000}, r); !errors.Is(err, errDiskFull) {
		t.Fatalf("writeJSON = %v, want %v", err, errDiskFull)
	}
	var ok bytes.Buffer
	if err := writeJSON(&ok, r); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > before && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines after writing, %d before: the writing goroutine leaked", n, before)
	}
}
