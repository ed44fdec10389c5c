package report

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"sync"

	"github.com/padlock-scan/padlock/crawler"
)

// Spool keeps the pages' resource lists in an unlinked temporary file instead of memory: on a
// 10,000-page crawl they are most of the report (about 40 references a page), and only the JSON
// writer needs them. Each page is stored as the exact bytes the JSON report will hold, so
// writing the report copies them instead of decoding and encoding again. Memory then grows
// with pages, not with references.
type Spool struct {
	mu  sync.Mutex
	f   *os.File
	w   *bufio.Writer // appends to f; flushed before the first read
	off int64
	out bytes.Buffer // reused between pages
	js  *jsonStream  // writes into out
	rs  []Resource   // reused between pages: a crawled page's resources in report form
}

// spoolRef locates one page's resources in the spool.
type spoolRef struct {
	s   *Spool
	off int64
	n   int
}

// NewSpool creates the spool file in the system's temporary folder. The file is removed at once
// (it lives while open), so nothing is left behind even if padlock is killed.
func NewSpool() (*Spool, error) {
	f, err := os.CreateTemp("", "padlock-spool-*")
	if err != nil {
		return nil, fmt.Errorf("resource spool: %w", err)
	}
	_ = os.Remove(f.Name()) // best effort: where an open file cannot be removed, Close removes it
	s := &Spool{f: f, w: bufio.NewWriterSize(f, 256<<10)}
	s.js = newJSONStreamTo(&s.out)
	return s, nil
}

// put stores a page as it appears in the JSON report and returns where it is.
func (s *Spool) put(p *Page) (*spoolRef, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.putLocked(p)
}

// putCrawled is put for a page whose resources are the crawler's, converted into a reused slice
// rather than new report values.
func (s *Spool) putCrawled(p *Page, rs []crawler.Resource) (*spoolRef, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rs = s.rs[:0]
	for i := range rs {
		s.rs = append(s.rs, fromResource(&rs[i]))
	}
	p.Resources = s.rs
	ref, err := s.putLocked(p)
	p.Resources = nil
	clear(s.rs) // keep no crawled strings alive
	return ref, err
}

func (s *Spool) putLocked(p *Page) (*spoolRef, error) {
	s.out.Reset()
	if err := s.js.page(p, pageIndent); err != nil {
		return nil, fmt.Errorf("resource spool: %w", err)
	}
	b := s.out.Bytes()
	if _, err := s.w.Write(b); err != nil {
		return nil, fmt.Errorf("resource spool: %w", err)
	}
	ref := &spoolRef{s: s, off: s.off, n: len(b)}
	s.off += int64(len(b))
	return ref, nil
}

// read returns the page's JSON as stored, in buf's memory (valid until buf is used again).
func (r *spoolRef) read(buf *bytes.Buffer) ([]byte, error) {
	if err := r.s.flush(); err != nil {
		return nil, err
	}
	buf.Reset()
	buf.Grow(r.n)
	b := buf.AvailableBuffer()[:r.n]
	if _, err := r.s.f.ReadAt(b, r.off); err != nil {
		return nil, fmt.Errorf("resource spool: %w", err)
	}
	return b, nil
}

// flush writes out what put has buffered, so reads see it.
func (s *Spool) flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("resource spool: %w", err)
	}
	return nil
}

// Close closes and removes the spool file.
func (s *Spool) Close() error {
	name := s.f.Name()
	err := s.f.Close()
	_ = os.Remove(name)
	return err
}

// AddPage appends a complete page to the report (later changes to it do not reach the JSON when
// a spool is in use). With a spool (UseSpool), the page goes to the spool as the JSON report
// will hold it and Page.Resources stays nil in memory: only the JSON writer needs them.
func (r *Report) AddPage(p Page) error {
	if r.spool != nil && len(p.Resources) > 0 {
		ref, err := r.spool.put(&p)
		if err != nil {
			return err
		}
		p.Resources, p.spooled = nil, ref
	}
	r.Pages = append(r.Pages, p)
	return nil
}

// AddCrawledPage appends a page whose resources are the crawler's: with a spool they are
// written straight from rs, never copied into report values; without, they are converted.
// p's own Resources are ignored.
func (r *Report) AddCrawledPage(p Page, rs []crawler.Resource) error {
	if r.spool == nil || len(rs) == 0 {
		p.Resources = make([]Resource, len(rs))
		for i := range rs {
			p.Resources[i] = fromResource(&rs[i])
		}
		return r.AddPage(p)
	}
	ref, err := r.spool.putCrawled(&p, rs)
	if err != nil {
		return err
	}
	p.Resources, p.spooled = nil, ref
	r.Pages = append(r.Pages, p)
	return nil
}

// UseSpool makes AddPage keep resources in s. Close releases it.
func (r *Report) UseSpool(s *Spool) { r.spool = s }

// Close releases the report's spool, if any. The report's pages lose their resources.
func (r *Report) Close() error {
	if r.spool == nil {
		return nil
	}
	err := r.spool.Close()
	r.spool = nil
	return err
}
