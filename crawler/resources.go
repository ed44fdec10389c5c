package crawler

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/padlock-scan/padlock/internal/hashtab"
	"github.com/padlock-scan/padlock/internal/jsnorm"
)

// resourceCache requests each sub-resource URL at most once per crawl and shares the outcome
// between every page that references it. Stylesheets are fetched and parsed once. Entries stay
// small (a 100,000-page shop has some 930,000 distinct sub-resource URLs): 9 bytes of table a
// URL outside the Go heap, plain HEAD answers shared, the others on disk (resources_store.go).
type resourceCache struct {
	cr *crawl
	mu sync.Mutex
	// sheets are the stylesheets read, by normalised URL, while they hold at most
	// maxSheetRefs references in all (each sheet counts one more); a sheet read past that
	// goes to sheetFile, found by its URL's hash in spilled: a site linking another stylesheet
	// URL from every page (a cache-busting query) does not keep each sheet's references in
	// memory.
	sheets    map[string]*sheetEntry
	sheetRefs int
	spilled   hashtab.Map[uint32]
	sheetFile recordFile
	// sheetsRead are the sheets last read back, by record number modulo its size: a sheet that
	// every page links but that came after the bound is read once, not once a page.
	sheetsRead [64]struct {
		n uint32
		e *sheetEntry
	}
	// checks are keyed by a 64-bit hash of the normalised URL (and what the check asks), not
	// the URL: a full check meets a million distinct sub-resources on a 100,000-page shop, and
	// their keys were most of its memory. Two URLs share an entry only if their hashes collide
	// (about 1 in 36 million at a million URLs; the seed is random per run, so a site cannot
	// aim at it). The table keeps a number per hash; answers numbers the answers
	// (resources_store.go).
	checks  checkTable
	answers answerStore
	seed    maphash.Seed
	types   sharedSet // interned Content-Type values (intern)
	// headers are the kept header sets without a Location, shared (keepHeaders).
	headers sharedSet
	// noHTTPS holds the origins (scheme://host:port) whose https copy failed before any answer:
	// nothing listens, the name does not resolve, or the TLS handshake failed (no TLS on that
	// port, a bad certificate). Every URL of such an origin fails the same way, so its other
	// http: URLs are not probed again (one origin, one entry).
	noHTTPS sync.Map
}

type sheetEntry struct {
	once  sync.Once
	fetch *Fetch
	refs  []Resource // the references written in the sheet, each once
	cut   int        // references beyond --max-refs-per-page, not kept
}

// maxSheetRefs bounds the references (and sheets) the stylesheet cache keeps in memory: a
// shop's few stylesheets fit many times over (a reference takes some 300 bytes). A variable for
// the tests.
var maxSheetRefs = 16_384

// sheetFor returns the stylesheet cache's entry for key, creating it under the cache's lock;
// a sheet written to disk is read back (an entry already filled, for this caller alone).
func (rc *resourceCache) sheetFor(key string) *sheetEntry {
	rc.mu.Lock()
	if e, ok := rc.sheets[key]; ok {
		rc.mu.Unlock()
		return e
	}
	if n, ok := rc.spilled.Get(maphash.String(rc.seed, key)); ok {
		r := &rc.sheetsRead[n%uint32(len(rc.sheetsRead))]
		if r.e != nil && r.n == n {
			e := r.e
			rc.mu.Unlock()
			return e
		}
		sp, ok := rc.sheetFile.span(int(n))
		rc.mu.Unlock()
		e, read := readSheet(sp, ok)
		if read {
			rc.mu.Lock()
			r.n, r.e = n, e
			rc.mu.Unlock()
		}
		return e
	}
	defer rc.mu.Unlock()
	if rc.sheets == nil {
		rc.sheets = map[string]*sheetEntry{}
	}
	e := new(sheetEntry)
	rc.sheets[key] = e
	return e
}

// settle keeps the sheet of key, just filled, in memory while there is room, else writes it to
// the sheets' file (the callers holding e go on using it).
func (rc *resourceCache) settle(key string, e *sheetEntry) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.sheetRefs+len(e.refs)+1 <= maxSheetRefs {
		rc.sheetRefs += len(e.refs) + 1
		return
	}
	n, written := rc.sheetFile.add("padlock-sheets-*", appendSheet(nil, e))
	if !written {
		return // no disk: it stays in memory
	}
	rc.spilled.Put(maphash.String(rc.seed, key), uint32(n))
	delete(rc.sheets, key)
	sheetsSpilled.Add(1)
}

// sheetsSpilled counts the sheets settle wrote to disk, in all crawls of the process (tests).
var sheetsSpilled atomic.Int64

// appendSheet encodes a filled sheet entry for readSheet: its fetch (appendFetch), the
// references cut, and its references as JSON.
func appendSheet(b []byte, e *sheetEntry) []byte {
	var f []byte
	if e.fetch != nil {
		f = appendFetch(nil, e.fetch)
	}
	b = binary.AppendUvarint(b, uint64(len(f)))
	b = append(b, f...)
	b = binary.AppendUvarint(b, uint64(e.cut))
	refs, err := json.Marshal(e.refs)
	if err != nil {
		panic(err) // a Resource always encodes
	}
	return append(b, refs...)
}

// readSheet reads back the sheet entry at sp (ok false: the crawl is over), filled, and says
// whether it was read; a record that cannot be read gives a sheet that failed, saying why.
func readSheet(sp recordSpan, ok bool) (*sheetEntry, bool) {
	e := new(sheetEntry)
	e.once.Do(func() {})
	fail := func(why string) (*sheetEntry, bool) {
		e.fetch, e.refs, e.cut = &Fetch{Err: "padlock could not read this stylesheet back from its temporary file: " + why}, nil, 0
		return e, false
	}
	if !ok {
		return fail("the crawl is over")
	}
	b, err := sp.read()
	if err != nil {
		return fail(err.Error())
	}
	n, k := binary.Uvarint(b)
	if k <= 0 || uint64(len(b)-k) < n {
		return fail("unreadable record")
	}
	if n > 0 {
		if e.fetch, ok = readFetch(b[k : k+int(n)]); !ok {
			return fail("unreadable record")
		}
	}
	b = b[k+int(n):]
	cut, k := binary.Uvarint(b)
	if k <= 0 || json.Unmarshal(b[k:], &e.refs) != nil {
		return fail("unreadable record")
	}
	e.cut = int(cut)
	return e, true
}

// attach fetches the page's stylesheets (adding the references inside them to the page's set,
// p.refs) and, per Config.CheckResources, requests its other sub-resources, setting
// Resource.Fetch. A page that reaches --max-refs-per-page reads no more stylesheets; what was
// cut is reported once.
func (rc *resourceCache) attach(ctx context.Context, p *Page) {
	pageHTTPS := strings.HasPrefix(p.FinalURL, "https:")
	refs := p.refs
	sheetsLeft := 0 // stylesheets not read: the page was full
	type flatKey struct {
		key                           string
		upgraded, inherited, restrict bool
	}
	flattened := map[flatKey]*Fetch{}
	// Stylesheets first: their references become resources of the page. A sheet linked many
	// times with the same flags is one reference, so it is flattened once.
	for i, n := 0, len(refs.list); i < n; i++ {
		r := refs.list[i]
		if r.Kind != KindStylesheet || r.Rel == "preload" {
			continue
		}
		u, err := url.Parse(r.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			continue
		}
		if pageHTTPS && !r.UpgradedByCSP && !PotentiallyTrustworthy(u) {
			continue // browsers block it, so nothing inside it loads
		}
		if refs.full() {
			sheetsLeft++
			continue
		}
		key := r.URL
		if r.UpgradedByCSP && u.Scheme == "http" {
			u = upgraded(u)
			key = NormalizeURL(u)
		}
		d := sheetRefs{refs: refs, upgraded: r.UpgradedByCSP, inherited: r.UpgradeInherited}
		restrict := pageHTTPS && !r.UpgradedByCSP
		once := flatKey{key, d.upgraded, d.inherited, restrict}
		if f, ok := flattened[once]; ok {
			refs.list[i].Fetch = f // the same sheet linked again (with other attributes): read once
			continue
		}
		f := rc.flatten(ctx, u, key, map[string]bool{}, restrict, d)
		refs.list[i].Fetch, flattened[once] = f, f
	}
	p.Resources, p.refs = refs.list, nil
	refs.release()
	if refs.cut > 0 || sheetsLeft > 0 {
		msg := fmt.Sprintf("the page makes more than %d different references (--max-refs-per-page): %d not kept", refs.max, refs.cut)
		if sheetsLeft > 0 {
			msg += fmt.Sprintf(", %d stylesheet(s) not read", sheetsLeft)
		}
		rc.cr.addError(Error{URL: p.FinalURL, Err: msg, Kind: ErrorTooManyRefs})
	}
	if rc.cr.cfg.CheckResources == CheckNone {
		return
	}
	var todo []int
	for i := range p.Resources {
		if r := &p.Resources[i]; r.Fetch == nil && rc.wantCheck(r) {
			if u := r.Parsed(); u == nil || !webURL(u) { // parsed here, before the workers share it
				continue
			}
			todo = append(todo, i)
		}
	}
	rc.checkAll(ctx, p.Resources, todo)
}

// checkAll checks the resources rs[i] for i in todo on at most --concurrency workers (the
// requests themselves share the crawl's --concurrency slots), and stops taking new ones when ctx
// ends: a page with 200,000 images neither starts 200,000 goroutines nor outlives Ctrl-C.
func (rc *resourceCache) checkAll(ctx context.Context, rs []Resource, todo []int) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(len(todo), rc.cr.cfg.Concurrency) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				k := int(next.Add(1)) - 1
				if k >= len(todo) {
					return
				}
				r := &rs[todo[k]]
				r.Fetch = rc.check(ctx, r.Parsed(), r.URL, checkNeeds(r))
			}
		}()
	}
	wg.Wait()
}

// wantCheck says whether padlock requests the resource itself at this check level.
func (rc *resourceCache) wantCheck(r *Resource) bool {
	switch r.Kind {
	case KindLink, KindRefresh:
		return false // navigations: in-scope ones are crawled as pages, others are never fetched
	case KindScript:
		return true
	case KindFrame:
		if u, err := url.Parse(r.URL); err == nil && rc.cr.cfg.InScope(u) {
			return false // crawled as a page of its own
		}
	}
	return rc.cr.cfg.CheckResources == CheckAll
}

// sheet fetches a stylesheet once per crawl and keeps the references written in it.
func (rc *resourceCache) sheet(ctx context.Context, u *url.URL, key string) *sheetEntry {
	e := rc.sheetFor(key)
	e.once.Do(func() {
		f, body, kind := rc.cr.request(ctx, u, reqOpts{get: true, keep: true, headers: true})
		defer releaseBody(body)
		defer rc.settle(key, e) // a sheet that failed too: a 404 on every page's own URL is one entry each
		e.fetch = f
		if f.Err != "" || f.Status >= 400 {
			if f.Err == "" {
				kind = ErrorStatus
			}
			rc.cr.addError(Error{URL: u.String(), Err: "stylesheet: " + fetchProblem(f), Kind: kind})
			return
		}
		if f.Truncated {
			rc.cr.addError(Error{URL: u.String(), Err: fmt.Sprintf("stylesheet truncated at %d bytes", rc.cr.cfg.MaxBody), Kind: ErrorTooLarge})
		}
		final, err := url.Parse(f.FinalURL)
		if err != nil {
			final = u
		}
		var css []byte
		if body != nil {
			css = body.Bytes()
		}
		refs, cut := extractCSS(final, css, 1, rc.cr.cfg.MaxRefsPerPage)
		e.refs, e.cut = slices.Clone(refs), cut // without the list's room to grow: it is kept
		sheet := final.String()
		for i := range e.refs {
			e.refs[i].Stylesheet = sheet
		}
	})
	return e
}

// flatten adds the references of a stylesheet and of the sheets it @imports to the page, each
// sheet fetched
// once per crawl, and returns the sheet's fetch. visited guards against import cycles. Fills
// never wait on each other (imports are followed here, outside the cache), so two pages meeting
// a cycle from opposite ends cannot deadlock.
func (rc *resourceCache) flatten(ctx context.Context, u *url.URL, key string, visited map[string]bool, restrict bool, d sheetRefs) *Fetch {
	visited[key] = true
	e := rc.sheet(ctx, u, key)
	if restrict && e.fetch != nil && leftTrust(e.fetch) {
		return e.fetch // redirected through http: browsers block it at that hop, nothing inside loads
	}
	d.refs.cut += e.cut
	for _, ref := range e.refs {
		at := d.add(ref)
		if ref.Kind != KindStylesheet || at < 0 {
			continue
		}
		iu, err := url.Parse(ref.URL)
		if err != nil || visited[ref.URL] || (iu.Scheme != "http" && iu.Scheme != "https") {
			continue // an import cycle, or nothing to fetch
		}
		if restrict && !PotentiallyTrustworthy(iu) {
			continue // a blocked import: its content never loads
		}
		f := rc.flatten(ctx, iu, ref.URL, visited, restrict, d) // may grow the page's list: index it after
		d.refs.list[at].Fetch = f
	}
	return e.fetch
}

// sheetRefs adds a stylesheet's references to a page, with the upgrade flags of the link that
// loads it.
type sheetRefs struct {
	refs                *refSet
	upgraded, inherited bool
}

// add adds ref and returns its index in the page's set, -1 when the page is full.
func (d sheetRefs) add(ref Resource) int {
	ref.UpgradedByCSP, ref.UpgradeInherited = d.upgraded, d.inherited
	return d.refs.add(ref)
}

// need says what a check must learn about a sub-resource.
type need struct {
	body    bool // GET and hash the bytes: scripts (inventory) and anything with integrity (SRI)
	headers bool // keep CORS headers: integrity or crossorigin make them matter
	form    bool // a form target: HEAD only, never a GET fallback
}

func checkNeeds(r *Resource) need {
	return need{
		body:    r.Kind == KindScript || r.Integrity != "",
		headers: r.Integrity != "" || r.HasCrossOrigin,
		form:    r.Kind == KindForm,
	}
}

// check requests one sub-resource once per crawl for each thing it must learn: scripts and
// resources with integrity with GET (their bytes are hashed), the rest with HEAD. A URL met
// first as an image and later as a script is fetched again with GET; never the other way.
// For http: URLs it also asks whether the https: copy answers, which tells the user whether
// changing the scheme is the fix. key is the URL in NormalizeURL form (references already are).
func (rc *resourceCache) check(ctx context.Context, u *url.URL, key string, n need) *Fetch {
	ckey := key
	switch {
	case n.body:
		ckey += "\x00get"
	case n.headers:
		ckey += "\x00headers"
	}
	h := maphash.String(rc.seed, ckey)
	if h == 0 {
		h = 1 // 0 marks an empty slot
	}
	sh := rc.checks.shard(h)
	sh.mu.Lock()
	if n, ok := sh.get(h); ok {
		sh.mu.Unlock()
		return rc.answers.get(n)
	}
	e := sh.inflight[h]
	if e == nil {
		if sh.inflight == nil {
			sh.inflight = map[uint64]*checkEntry{}
		}
		e = &checkEntry{}
		sh.inflight[h] = e
	}
	sh.mu.Unlock()
	e.once.Do(func() {
		f, _, _ := rc.cr.request(ctx, u, reqOpts{get: n.body, headers: n.headers || n.body})
		if !n.body && (f.Status == http.StatusMethodNotAllowed || f.Status == http.StatusNotImplemented) && !n.form {
			f, _, _ = rc.cr.request(ctx, u, reqOpts{get: true, headers: n.headers}) // HEAD refused: ask again with GET
		}
		if u.Scheme == "http" && rc.cr.cfg.CheckResources == CheckAll {
			ok := rc.cr.httpsCopy(ctx, u, f)
			f.HTTPSAvailable = &ok
		}
		e.fetch = rc.record(h, f, key)
	})
	return e.fetch
}

// record keeps f as the answer for the check hashed h (of the URL key) and returns the Fetch
// to hand to pages: a plain answer is shared by every URL that got the same status, type and
// https verdict, with URL and FinalURL left empty (they are the reference's own URL).
func (rc *resourceCache) record(h uint64, f *Fetch, key string) *Fetch {
	f.ContentType = rc.intern(f.ContentType)
	num, f := rc.answers.add(f, key)
	sh := rc.checks.shard(h)
	sh.mu.Lock()
	sh.put(h, num)
	delete(sh.inflight, h)
	sh.mu.Unlock()
	return f
}

// release hands back the checks' table and closes their answers' file, once the crawl is over.
func (rc *resourceCache) release() {
	rc.checks.release()
	rc.answers.release()
	rc.mu.Lock()
	rc.sheetFile.release()
	rc.spilled.Release()
	clear(rc.sheetsRead[:])
	rc.mu.Unlock()
}

// intern keeps one copy of each Content-Type value.
func (rc *resourceCache) intern(s string) string {
	if s == "" {
		return s
	}
	return rc.types.share(s, func() any { return s }).(string)
}

// sharedSet keeps one copy of each value, by key, up to maxShared of them: a site answering
// every file with another Content-Type or header set (a hostile one) has its values kept with
// its answers, not in a table growing with them.
type sharedSet struct {
	m sync.Map
	n atomic.Int64 // values stored
}

// maxShared bounds a sharedSet: a site is expected to answer its files with a few.
const maxShared = 1024

// share returns the value stored under key, or else build's, stored while there is room.
func (s *sharedSet) share(key string, build func() any) any {
	if v, ok := s.m.Load(key); ok {
		return v
	}
	v := build()
	if s.n.Add(1) > maxShared {
		return v
	}
	v, _ = s.m.LoadOrStore(key, v)
	return v
}

// httpsCopy reports whether the https: twin of an http: URL answers with a success and, when
// the http answer had one, the same media type.
func (cr *crawl) httpsCopy(ctx context.Context, u *url.URL, plain *Fetch) bool {
	s := upgraded(u)
	o := origin(s)
	if _, down := cr.resources.noHTTPS.Load(o); down {
		return false
	}
	f, _, kind := cr.request(ctx, s, reqOpts{})
	if f.Status == http.StatusMethodNotAllowed || f.Status == http.StatusNotImplemented {
		f, _, kind = cr.request(ctx, s, reqOpts{get: true})
	}
	if f.Status == 0 && originDown(kind) {
		cr.resources.noHTTPS.Store(o, true)
	}
	if f.Err != "" || f.Status < 200 || f.Status >= 300 {
		return false
	}
	want, got := mediaType(plain.ContentType), mediaType(f.ContentType)
	return want == "" || plain.Status >= 300 || want == got
}

// originDown reports whether a request that got no answer failed for a reason shared by every
// URL of its origin: name, address, connection or TLS handshake (not a timeout, which may be
// one slow URL).
func originDown(kind ErrorKind) bool {
	switch kind {
	case ErrorDNS, ErrorRefused, ErrorBlocked, ErrorTLS, ErrorUntrusted:
		return true
	}
	return false
}

// leftTrust reports whether a fetch was redirected through a URL that is not potentially
// trustworthy (a browser in a secure context blocks the request at that hop).
func leftTrust(f *Fetch) bool {
	for _, h := range f.Redirects {
		if u, err := url.Parse(h.To); err == nil && !PotentiallyTrustworthy(u) {
			return true
		}
	}
	return false
}

// upgraded is the URL a browser's upgrade makes of an http: URL: https, port 80 becomes 443.
func upgraded(u *url.URL) *url.URL {
	s := *u
	s.Scheme = "https"
	if s.Port() == "80" {
		s.Host = s.Hostname()
		if strings.Contains(s.Host, ":") {
			s.Host = "[" + s.Host + "]"
		}
	}
	return &s
}

func mediaType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ""
	}
	return mt
}

// reqOpts say how request asks for a sub-resource.
type reqOpts struct {
	get     bool // GET and hash the body (HEAD otherwise)
	keep    bool // return the body too (stylesheets)
	headers bool // keep the CORS and type headers of the answer
}

// request makes one request for a sub-resource through the fetcher, following redirects to any
// http(s) URL and recording them. With o.keep it also returns the body, in a pooled buffer the
// caller releases (releaseBody). The kind says what went wrong when Err is set.
func (cr *crawl) request(ctx context.Context, u *url.URL, o reqOpts) (*Fetch, *bytes.Buffer, ErrorKind) {
	rq := fetchReq{method: http.MethodHead}
	if o.get {
		rq.method, rq.limit = http.MethodGet, cr.cfg.MaxBody+1
	}
	r := cr.fetch.fetch(ctx, u, &rq)
	f := &Fetch{URL: u.String(), Method: rq.method, FinalURL: r.final.String(), Redirects: r.hops, Status: r.status}
	// Status and headers are those of the last response: the redirect before a request that
	// got none.
	header := r.header
	if header == nil && len(r.hops) > 0 {
		f.Status, header = r.hops[len(r.hops)-1].Status, r.redirect
	}
	if header != nil {
		f.ContentType = header.Get("Content-Type")
		if o.headers {
			f.Header = cr.resources.keepHeaders(header) // CORS and type headers matter for SRI
		}
	}
	err := r.failure()
	if err != nil {
		f.Err = describeErr(err, cr.cfg.Timeout)
	}
	if err != nil || !o.get || r.stopped || r.body == nil {
		// (No body is read of an error answer: browsers neither run nor apply it.)
		r.release()
		return f, nil, errorKind(err)
	}
	body := r.bytes()
	if int64(len(body)) > cr.cfg.MaxBody {
		body = body[:cr.cfg.MaxBody]
		f.Truncated = true
	}
	f.Size = int64(len(body))
	h256 := sha256.Sum256(body)
	h384 := sha512.Sum384(body)
	h512 := sha512.Sum512(body)
	f.SHA256 = hex.EncodeToString(h256[:])
	f.SHA384 = base64.StdEncoding.EncodeToString(h384[:])
	f.SHA512 = base64.StdEncoding.EncodeToString(h512[:])
	if cr.cfg.NormalizeScripts && !o.keep { // o.keep: a stylesheet, which no inventory hashes
		f.NormSHA256 = jsnorm.Sum(body)
	}
	if !o.keep {
		r.release()
		return f, nil, ""
	}
	buf := r.body
	buf.Truncate(len(body))
	return f, buf, ""
}

// keptHeaders are the response headers of a sub-resource that rules look at.
var keptHeaders = []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Content-Type", "Strict-Transport-Security", "Location"}

// keepHeaders keeps the response headers rules look at, not every header of every resource.
// The values are copied (a value slice of the response shares one array with all its other
// headers), and equal sets without a Location, which most scripts and stylesheets of a site
// answer with, are one shared map: a Fetch's Header is read, never written.
func (rc *resourceCache) keepHeaders(h http.Header) http.Header {
	if len(h.Values("Location")) > 0 {
		return keptOf(h) // a redirect's target is its own: not shared
	}
	var key strings.Builder
	for _, k := range keptHeaders {
		for _, v := range h.Values(k) {
			key.WriteString(k)
			key.WriteByte(0)
			key.WriteString(v)
			key.WriteByte(0)
		}
	}
	return rc.headers.share(key.String(), func() any { return keptOf(h) }).(http.Header)
}

// keptOf copies the keptHeaders of h.
func keptOf(h http.Header) http.Header {
	out := http.Header{}
	for _, k := range keptHeaders {
		if v := h.Values(k); len(v) > 0 {
			out[k] = slices.Clone(v)
		}
	}
	return out
}

func fetchProblem(f *Fetch) string {
	if f.Err != "" {
		return f.Err
	}
	return fmt.Sprintf("HTTP %d %s", f.Status, http.StatusText(f.Status))
}
