package report

import (
	"io"
	"sync"
)

// pipeWriter is a buffered writer whose full buffers a second goroutine writes to the output, so
// that producing a large report (merging the spool's runs, reading page bytes back, encoding
// findings) and writing it out overlap on two cores instead of taking turns on one. It holds at
// most pipeBuffers buffers of pipeBufSize bytes. Writes after a failed write are dropped, and
// the first error comes back from Flush, as with bufio.Writer.
type pipeWriter struct {
	buf  []byte
	full chan []byte // buffers to write, in order; nil asks for an acknowledgement (Flush)
	free chan []byte // written buffers, for reuse
	ack  chan error  // the first write error so far, after every buffer sent before the nil
	once sync.Once
	done chan struct{}
}

const (
	pipeBufSize = 256 << 10
	pipeBuffers = 3
)

func newPipeWriter(w io.Writer) *pipeWriter {
	p := &pipeWriter{
		buf:  make([]byte, 0, pipeBufSize),
		full: make(chan []byte, pipeBuffers-1),
		free: make(chan []byte, pipeBuffers),
		ack:  make(chan error),
		done: make(chan struct{}),
	}
	for range pipeBuffers - 1 {
		p.free <- make([]byte, 0, pipeBufSize)
	}
	go p.drain(w)
	return p
}

// drain writes the buffers it is sent until full is closed.
func (p *pipeWriter) drain(w io.Writer) {
	defer close(p.done)
	var err error
	for b := range p.full {
		if b == nil {
			p.ack <- err
			continue
		}
		if err == nil {
			_, err = w.Write(b)
		}
		p.free <- b[:0]
	}
}

// send hands the current buffer to the writing goroutine and takes a free one.
func (p *pipeWriter) send() {
	if len(p.buf) == 0 {
		return
	}
	p.full <- p.buf
	p.buf = <-p.free
}

func (p *pipeWriter) Write(b []byte) (int, error) { return pipeAppend(p, b), nil }

func (p *pipeWriter) WriteString(s string) (int, error) { return pipeAppend(p, s), nil }

// pipeAppend copies b into p's buffers, sending each one that fills.
func pipeAppend[T ~string | ~[]byte](p *pipeWriter, b T) int {
	n := len(b)
	for len(b) > 0 {
		if len(p.buf) == cap(p.buf) {
			p.send()
		}
		c := min(len(b), cap(p.buf)-len(p.buf))
		p.buf = append(p.buf, b[:c]...)
		b = b[c:]
	}
	return n
}

func (p *pipeWriter) WriteByte(c byte) error {
	if len(p.buf) == cap(p.buf) {
		p.send()
	}
	p.buf = append(p.buf, c)
	return nil
}

// Flush writes out everything written so far and returns the first write error.
func (p *pipeWriter) Flush() error {
	p.send()
	p.full <- nil
	return <-p.ack
}

// Close stops the writing goroutine (after it wrote what it was sent); what was not flushed is
// dropped. It is safe to call more than once.
func (p *pipeWriter) Close() {
	p.once.Do(func() {
		close(p.full)
		<-p.done
	})
}
