package report

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// trickle returns at most n bytes a read, as a pipe does.
type trickle struct {
	r     io.Reader
	n     int
	reads int
}

func (t *trickle) Read(p []byte) (int, error) {
	t.reads++
	return t.r.Read(p[:min(len(p), t.n)])
}

// A big value read a little at a time is scanned again only as the buffer doubles, not after
// every read: through a pipe that was quadratic in the value's size.
func TestJSONReaderScansLinearly(t *testing.T) {
	const size = 4 << 20
	val := `["` + strings.Repeat("x", size) + `"]`
	tr := &trickle{r: strings.NewReader(val + " 1"), n: 1 << 10}
	j := newJSONReader(tr)
	v, err := j.value()
	if err != nil || len(v) != len(val) {
		t.Fatalf("value: %d bytes, %v; want %d", len(v), err, len(val))
	}
	if tr.reads < size/(1<<10) {
		t.Fatalf("%d reads: the trickle did not trickle", tr.reads)
	}
	if j.scans > 12 {
		t.Errorf("the value was scanned %d times over %d reads; want one scan per doubling of the buffer (about 6)", j.scans, tr.reads)
	}
}

// A value nested deeper than encoding/json allows is refused at that depth, without the rest of
// the input being read first.
func TestJSONReaderStopsAtMaxDepth(t *testing.T) {
	deep := strings.NewReader(`{"version":1,"config":` + strings.Repeat("[", 16<<20))
	cr := &countingReader{r: deep}
	_, err := read(cr, true)
	if err == nil || !strings.Contains(err.Error(), "exceeded max depth") {
		t.Errorf("error %v, want exceeded max depth", err)
	}
	if cr.n > 1<<20 {
		t.Errorf("read %d bytes of a 16 MB nest before refusing it; want the first level past the limit to end it", cr.n)
	}
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// A reader that keeps giving nothing and no error is given up on, as bufio does.
func TestJSONReaderNoProgress(t *testing.T) {
	j := newJSONReader(emptyReader{})
	if _, err := j.value(); !errors.Is(err, io.ErrNoProgress) {
		t.Errorf("error %v, want io.ErrNoProgress", err)
	}
}

type emptyReader struct{}

func (emptyReader) Read([]byte) (int, error) { return 0, nil }
