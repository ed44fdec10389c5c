package render

// The browser's DevTools pipe, shared between chromedp and the capture of pages.
//
// chromedp starts and stops the browser and keeps the sessions it opens itself (the flows' tabs).
// Capture opens its tabs with raw commands on the same pipe: one Target.attachToTarget (flatten)
// and one batch of Enable calls, where a chromedp tab costs a dozen round trips and turns on
// domains capture does not need (DOM, CSS, Log, Inspector: the renderer then reports every DOM
// node). chromedp 0.23 drops the messages of sessions it did not open, so the mux sits between
// chromedp and the browser: it reads every message the browser sends, keeps the replies to its
// own commands (ids from muxBase up) and the events of its own sessions, and hands the rest to
// chromedp unchanged. Messages are JSON objects, each ended by a NUL byte.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/chromedp/cdproto"
	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// muxBase is the first id of the mux's own commands; chromedp counts its ids from 1, and the
// browser takes ids that fit 32 bits.
const muxBase = int64(1) << 30

// errLost is the error of a call whose browser went away.
var errLost = errors.New("render: lost the connection to the browser")

// mux is one browser's DevTools pipe. Safe for concurrent use.
type mux struct {
	toBrowser, fromBrowser   *os.File   // the browser's fd 3 (commands) and fd 4 (replies, events), our ends
	toChromedp, fromChromedp *os.File   // the browser's side of chromedp's pipe
	child                    []*os.File // the browser's ends, closed once it started

	wmu sync.Mutex // one message at a time on toBrowser

	mu       sync.Mutex
	next     int64
	calls    map[int64]*pending
	sessions map[target.SessionID]func(*cdproto.Message) // ours; nil once forgotten, until detached
	lost     chan struct{}                               // closed when the browser's pipe ends
	closed   bool
}

// pending is a command of the mux waiting for its reply. then, when set, runs on the reply in
// the reader, before any later message is routed (a session's handler is in place before its
// first event).
type pending struct {
	reply chan *cdproto.Message
	then  func(*cdproto.Message)
}

// newMux makes the mux of a browser whose chromedp pipe ends are chromedpR (the browser reads
// commands from it) and chromedpW (the browser writes to it); these stay chromedp's to close.
// It returns the ends the browser gets instead, as its fds 3 and 4.
func newMux(chromedpR, chromedpW *os.File) (m *mux, browserR, browserW *os.File, err error) {
	m = &mux{next: muxBase, calls: map[int64]*pending{}, sessions: map[target.SessionID]func(*cdproto.Message){},
		lost: make(chan struct{})}
	if m.fromChromedp, err = dupFile(chromedpR); err != nil {
		return nil, nil, nil, err
	}
	if m.toChromedp, err = dupFile(chromedpW); err != nil {
		m.fromChromedp.Close()
		return nil, nil, nil, err
	}
	var r1, w1, r2, w2 *os.File
	if r1, w1, err = os.Pipe(); err == nil {
		if r2, w2, err = os.Pipe(); err != nil {
			r1.Close()
			w1.Close()
		}
	}
	if err != nil {
		m.fromChromedp.Close()
		m.toChromedp.Close()
		return nil, nil, nil, err
	}
	m.toBrowser, m.fromBrowser, m.child = w1, r2, []*os.File{r1, w2}
	go m.readBrowser()
	go m.readChromedp()
	return m, r1, w2, nil
}

// started closes the browser's ends of the pipe in this process once the browser has its own
// copies (or did not start): the browser's exit then ends the pipe.
func (m *mux) started() {
	m.mu.Lock()
	child := m.child
	m.child = nil
	m.mu.Unlock()
	for _, f := range child {
		f.Close()
	}
}

// readBrowser routes what the browser sends until the pipe ends.
func (m *mux) readBrowser() {
	defer m.end()
	r := bufio.NewReaderSize(m.fromBrowser, 1<<20)
	for {
		raw, err := r.ReadBytes(0)
		if err != nil {
			return
		}
		msg := new(cdproto.Message)
		if jsonv2.Unmarshal(raw[:len(raw)-1], msg, chromedp.DefaultUnmarshalOptions) != nil {
			continue
		}
		if m.route(msg) {
			continue
		}
		if _, err := m.toChromedp.Write(raw); err != nil {
			return
		}
	}
}

// route handles a message of the mux's own, and reports whether it was one.
func (m *mux) route(msg *cdproto.Message) bool {
	switch {
	case msg.ID >= muxBase:
		m.mu.Lock()
		p := m.calls[msg.ID]
		delete(m.calls, msg.ID)
		m.mu.Unlock()
		if p != nil {
			if p.then != nil && msg.Error == nil {
				p.then(msg)
			}
			p.reply <- msg
		}
		return true
	case msg.ID != 0 || msg.Method == "":
		return false
	case msg.SessionID != "" && string(msg.Method) == target.DetachedFromTarget.Method:
		// A frame's session detached (reported on its parent's session): keep the map small.
		var ev target.EventDetachedFromTarget
		m.mu.Lock()
		h, ours := m.sessions[msg.SessionID]
		if jsonv2.Unmarshal(msg.Params, &ev, chromedp.DefaultUnmarshalOptions) == nil && ours {
			delete(m.sessions, ev.SessionID)
		}
		m.mu.Unlock()
		if h != nil {
			h(msg)
		}
		return ours
	case msg.SessionID != "":
		m.mu.Lock()
		h, ours := m.sessions[msg.SessionID]
		m.mu.Unlock()
		if h != nil {
			h(msg)
		}
		return ours
	case string(msg.Method) == target.DetachedFromTarget.Method:
		// chromedp complains of a detach of a session it does not know: keep ours.
		var ev target.EventDetachedFromTarget
		if jsonv2.Unmarshal(msg.Params, &ev, chromedp.DefaultUnmarshalOptions) != nil {
			return false
		}
		m.mu.Lock()
		_, ours := m.sessions[ev.SessionID]
		delete(m.sessions, ev.SessionID)
		m.mu.Unlock()
		return ours
	}
	return false
}

// readChromedp passes chromedp's commands on to the browser until chromedp closes its end.
func (m *mux) readChromedp() {
	r := bufio.NewReaderSize(m.fromChromedp, 64<<10)
	for {
		raw, err := r.ReadBytes(0)
		if err != nil {
			m.fromChromedp.Close()
			m.wmu.Lock()
			m.toBrowser.Close()
			m.wmu.Unlock()
			return
		}
		m.wmu.Lock()
		_, err = m.toBrowser.Write(raw)
		m.wmu.Unlock()
		if err != nil {
			// The browser is gone: readBrowser ends too. Drain chromedp until it closes.
			_, _ = io.Copy(io.Discard, r)
			m.fromChromedp.Close()
			return
		}
	}
}

// end fails the calls in flight and tells chromedp the browser is gone.
func (m *mux) end() {
	m.mu.Lock()
	m.closed = true
	calls := m.calls
	m.calls = map[int64]*pending{}
	m.sessions = map[target.SessionID]func(*cdproto.Message){}
	m.mu.Unlock()
	close(m.lost)
	for _, p := range calls {
		close(p.reply)
	}
	m.fromBrowser.Close()
	m.toChromedp.Close()
	m.started()
}

// send writes a command and returns its pending reply.
func (m *mux) send(sid target.SessionID, method string, params any, then func(*cdproto.Message)) (*pending, error) {
	var buf jsonv2.Value
	if params != nil {
		b, err := jsonv2.Marshal(params, chromedp.DefaultMarshalOptions)
		if err != nil {
			return nil, err
		}
		buf = b
	}
	p := &pending{reply: make(chan *cdproto.Message, 1), then: then}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil, errLost
	}
	id := m.next
	m.next++
	m.calls[id] = p
	m.mu.Unlock()
	raw, err := jsonv2.Marshal(&cdproto.Message{ID: id, SessionID: sid, Method: cdproto.MethodType(method), Params: buf}, chromedp.DefaultMarshalOptions)
	if err == nil {
		m.wmu.Lock()
		_, err = m.toBrowser.Write(append(raw, 0))
		m.wmu.Unlock()
	}
	if err != nil {
		m.mu.Lock()
		delete(m.calls, id)
		m.mu.Unlock()
		return nil, errLost
	}
	return p, nil
}

// wait waits for p's reply and decodes its result into res (when not nil).
func (m *mux) wait(ctx context.Context, method string, p *pending, res any) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case msg, ok := <-p.reply:
		switch {
		case !ok:
			return errLost
		case msg.Error != nil:
			return fmt.Errorf("%s: %w", method, msg.Error)
		case res != nil:
			return jsonv2.Unmarshal(msg.Result, res, chromedp.DefaultUnmarshalOptions)
		}
		return nil
	}
}

// session is a DevTools session of the mux (the browser's own when id is ""). It satisfies
// cdp.Session, so cdp.Call runs the typed commands of cdproto on it.
type session struct {
	m  *mux
	id target.SessionID
}

func (s session) Call(ctx context.Context, method string, params, res any) error {
	p, err := s.m.send(s.id, method, params, nil)
	if err != nil {
		return err
	}
	return s.m.wait(ctx, method, p, res)
}

// Subscribe is not used: a session's events go to the handler given to attach.
func (s session) Subscribe(string) (<-chan jsonv2.Value, func()) {
	ch := make(chan jsonv2.Value)
	close(ch)
	return ch, func() {}
}

// attach opens a flat session on a target; handle receives each of its events (on the mux's
// reader: it must not block), from the first.
func (m *mux) attach(ctx context.Context, id target.ID, handle func(*cdproto.Message)) (session, error) {
	var sid target.SessionID
	yes := true
	p, err := m.send("", target.AttachToTarget.Method, target.AttachToTargetParams{TargetID: id, Flatten: &yes}, func(msg *cdproto.Message) {
		var res target.AttachToTargetResult
		if jsonv2.Unmarshal(msg.Result, &res, chromedp.DefaultUnmarshalOptions) == nil {
			m.mu.Lock()
			m.sessions[res.SessionID] = handle
			m.mu.Unlock()
		}
	})
	if err != nil {
		return session{}, err
	}
	var res target.AttachToTargetResult
	if err := m.wait(ctx, target.AttachToTarget.Method, p, &res); err != nil {
		return session{}, err
	}
	sid = res.SessionID
	return session{m: m, id: sid}, nil
}

// adopt handles the events of a session the browser attached by itself (an auto-attached
// frame's), unless the mux has ended. Called on the reader (from a session's handler), it is in
// place before the reader routes the next message.
func (m *mux) adopt(sid target.SessionID, handle func(*cdproto.Message)) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return false
	}
	m.sessions[sid] = handle
	return true
}

// forget stops handling a session's events; they are dropped until the browser reports the
// session detached.
func (m *mux) forget(sid target.SessionID) {
	m.mu.Lock()
	if _, ok := m.sessions[sid]; ok {
		m.sessions[sid] = nil
	}
	m.mu.Unlock()
}

// batch sends the calls of a session at once and waits for all their replies.
func (s session) batch(ctx context.Context, calls ...call) error {
	ps := make([]*pending, len(calls))
	for i, c := range calls {
		p, err := s.m.send(s.id, c.method, c.params, nil)
		if err != nil {
			return err
		}
		ps[i] = p
	}
	var first error
	for i, p := range ps {
		if err := s.m.wait(ctx, calls[i].method, p, nil); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// call is one command of a batch.
type call struct {
	method string
	params any
}
