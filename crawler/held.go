package crawler

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sync"
)

// heldPages keeps pages until the end of the crawl: the frames that inherited their parent's
// upgrade-insecure-requests, judged once every way the crawl reaches them is known. A site whose
// every page embeds such a frame would otherwise hold a page (and its references) in memory
// for each: they are written as JSON records to a temporary file (the form a shared crawl hands
// pages on in, read back the same), kept in memory only where the file cannot be written.
// Safe for concurrent use.
type heldPages struct {
	mu   sync.Mutex
	file recordFile
	kept map[int]*Page // records not written
	n    int
}

// hold keeps p for each; p is not used after (its reference list goes back to the pool once
// written).
func (h *heldPages) hold(p *Page) {
	b, err := json.Marshal(p)
	h.mu.Lock()
	defer h.mu.Unlock()
	n, written := h.file.add("padlock-held-*", b)
	h.n = n + 1
	if err != nil || !written {
		if h.kept == nil {
			h.kept = map[int]*Page{}
		}
		h.kept[n] = p
		return
	}
	p.Release()
}

// each calls fn with the pages held, in the order held, and removes the file; onErr is told of
// a page that could not be read back.
func (h *heldPages) each(fn func(*Page), onErr func(Error)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := range h.n {
		if p, ok := h.kept[i]; ok {
			fn(p)
			continue
		}
		sp, _ := h.file.span(i)
		b, err := sp.read()
		p := new(Page)
		if err == nil {
			err = json.Unmarshal(b, p)
		}
		if err != nil {
			onErr(Error{Err: fmt.Sprintf("a frame page held to the end of the crawl could not be read back from its temporary file: %v", err)})
			continue
		}
		fn(p)
	}
	h.reset()
}

// settle delivers the pages held to visit, each judged first: a frame the crawl also reached
// outside such a frame (plain says so of its normalised URL) keeps no inherited upgrade.
func (h *heldPages) settle(plain func(key string) bool, visit func(*Page), onErr func(Error)) {
	h.each(func(p *Page) {
		if u, err := url.Parse(p.URL); err == nil && plain(NormalizeURL(u)) {
			p.dropInheritedUpgrade() // also reached outside such a frame: judged on its own
		}
		visit(p)
	}, onErr)
}

// drop forgets the pages held and removes the file (a crawl that ends without settling them).
func (h *heldPages) drop() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.reset()
}

// reset removes the file and forgets the pages; h.mu is held.
func (h *heldPages) reset() {
	h.file.release()
	h.kept, h.n = nil, 0
}
