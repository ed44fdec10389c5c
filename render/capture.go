package render

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto"
	"github.com/chromedp/cdproto/audits"
	"github.com/chromedp/cdproto/cdp"
	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/chromedp/cdproto/debugger"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// Mixed-content outcomes, from Audits MixedContentIssue and Network.loadingFailed.
const (
	MixedBlocked  = "blocked"  // Chromium refused the request
	MixedUpgraded = "upgraded" // Chromium fetched it over https instead
	MixedWarning  = "warning"  // Chromium loaded it over http and warned
)

// Request is one request the browser made (or refused to make) while rendering the page.
type Request struct {
	URL    string // as requested (before any upgrade)
	Method string
	// Type is the DevTools resource type: Document, Stylesheet, Image, Media, Font, Script,
	// TextTrack, XHR, Fetch, Prefetch, EventSource, WebSocket, Manifest, Ping, CSPViolationReport,
	// Preflight, Other.
	Type     string
	FrameURL string // URL of the document that made the request
	Frame    bool   // made by a frame's document, not the page's own
	// InitiatorType is the DevTools initiator type: parser, script, preload, SignedExchange,
	// preflight, other.
	InitiatorType string
	// Initiator is the URL of the script that made the request (the page's URL for an inline
	// script), or of the document or stylesheet whose parser did; "" when unknown.
	Initiator string
	Stack     []string // script URLs on the initiating stack, innermost first, without repeats

	Status   int    // status of the final response; 0 when none arrived
	MimeType string // of the final response
	FinalURL string // URL of the final response (after redirects and upgrades)
	Failed   string // Network.loadingFailed errorText
	Blocked  string // Network.loadingFailed blockedReason (mixed-content, csp, ...)
	// Mixed is what Chromium did about mixed content: MixedBlocked, MixedUpgraded,
	// MixedWarning, or "" when it raised no mixed-content issue.
	Mixed string

	id network.RequestID
}

// Script is a script the browser loaded from a URL, or an inline script a script inserted.
type Script struct {
	URL string // "" for an inline script (Inline)
	// Inline is a script element with text and no src that a script (or, for a loader inline
	// itself, the page) inserted: its SHA256 is of the text the browser ran. The inline scripts
	// of the markup are not listed (the static crawl reads them).
	Inline bool
	// InjectedBy is the script (or, for an inline script, the page) that inserted it; "" when
	// the page's markup did.
	InjectedBy string
	SHA256     string // hex SHA-256 of the body the browser got; "" when it could not be read
	Digest     string // Options.ScriptDigest of that body, when set
	Size       int
	Frame      bool // loaded by a frame's document

	sum [32]byte // an Inline script's SHA-256, to match it with the script elements added
}

// FrameDOM is the DOM of one frame of the page (a payment provider's card fields, say).
type FrameDOM struct {
	URL string // the frame document's URL
	DOM string // its DOM as HTML
}

// Result is what rendering one page captured.
type Result struct {
	URL         string
	FinalURL    string // the main document's URL after redirects
	Status      int    // the main document's status
	ContentType string
	Requests    []Request  // in the order the browser made them
	Scripts     []Script   // scripts the browser loaded, in request order
	DOM         string     // the page's DOM as HTML once settled (or when the time ran out)
	Frames      []string   // URLs of the frame documents the page loaded, markup- or script-inserted
	FrameDOMs   []FrameDOM // the DOM of each frame once the page settled, frames of frames included
	Err         string     // the page failed to load, or did not settle in time; what was captured is kept
	TimedOut    bool       // the page did not settle within Options.Timeout
	Crashed     bool       // the browser died during the page
	Retried     bool       // the page was rendered a second time after a crash
	Elapsed     time.Duration
	// Where the time went: opening the tab and its incognito context, the navigation (until
	// the response committed), waiting for the page to settle, reading the DOM and the
	// script bodies.
	Timing struct{ Open, Navigate, Settle, Collect time.Duration }
}

// mutationBinding is the binding the page's MutationObserver calls on DOM changes.
const mutationBinding = "__padlockDOMChanged"

// mutationScript runs in every document before its own scripts: it reports DOM changes, at
// most one call per 50 ms, so the quiet window can wait for the DOM to settle; and the text of
// each script element without src added to the document (scriptTextPrefix), which tells an
// injected inline script from eval'd code (scriptParsed).
const mutationScript = `(function () {
  var b = window.` + mutationBinding + `; if (!b) return; var due = false;
  function text(n) { try { b("` + scriptTextPrefix + `" + n.text); } catch (e) {} }
  new MutationObserver(function (recs) {
    for (var i = 0; i < recs.length; i++) {
      for (var j = 0, ns = recs[i].addedNodes; j < ns.length; j++) {
        var n = ns[j];
        if (n.nodeName === "SCRIPT" && !n.hasAttribute("src")) text(n);
        else if (n.querySelectorAll) { var ss = n.querySelectorAll("script:not([src])"); for (var k = 0; k < ss.length; k++) text(ss[k]); }
      }
    }
    if (due) return; due = true;
    setTimeout(function () { due = false; try { b(""); } catch (e) {} }, 50);
  }).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
})();`

// scriptTextPrefix starts a binding call that carries the text of a script element added to
// a document.
const scriptTextPrefix = "script:"

// mixedRank orders the outcomes of mixed-content issues, weakest first.
var mixedRank = map[string]int{MixedWarning: 1, MixedUpgraded: 2, MixedBlocked: 3}

// tab holds the events of one page, under a lock.
type tab struct {
	mu        sync.Mutex
	opts      *Options
	mainFrame cdp.FrameID
	pageURL   string
	reqs      map[network.RequestID]*Request
	order     []*Request
	issues    map[string]issue // by insecure URL, for issues that name no request
	loaded    bool
	active    map[network.RequestID]bool // scripts, stylesheets and frame documents still loading
	last      time.Time                  // last new request or DOM change
	changed   chan struct{}              // pinged on every event that matters to settling
	bodies    sync.WaitGroup
	ctx       context.Context // ends when the tab closes
	s         session         // the tab's DevTools session
	frames    []session       // the sessions of its out-of-process frames (attachFrame)
	cancel    func()          // closes the tab and its incognito context
	openErr   error           // opening the tab failed
	opened    time.Duration   // how long opening took
	sums      map[network.RequestID]bodySum
	inline    []Script          // injected inline scripts, their text hashed (inlineScript)
	elements  map[[32]byte]bool // SHA-256 of the texts of script elements added to a document
	docStatus int
	docType   string
	docURL    string
	docErr    string
}

// issue is a mixed-content issue that named no request: Chromium's outcome, the document
// that made the request (MainResourceURL) and whether that is a frame's.
type issue struct {
	out   string
	doc   string
	frame bool
	typ   audits.MixedContentResourceType
}

// issueTypes maps the resource type of a mixed-content issue to the DevTools resource type of
// the request it stands for; Resource (fetch, WebSocket...) and the rest stay Other.
var issueTypes = map[audits.MixedContentResourceType]network.ResourceType{
	audits.MixedContentResourceTypeAudio: network.ResourceTypeMedia, audits.MixedContentResourceTypeVideo: network.ResourceTypeMedia,
	audits.MixedContentResourceTypeBeacon: network.ResourceTypePing, audits.MixedContentResourceTypePing: network.ResourceTypePing,
	audits.MixedContentResourceTypeEventSource: network.ResourceTypeEventSource, audits.MixedContentResourceTypeFont: network.ResourceTypeFont,
	audits.MixedContentResourceTypeFrame: network.ResourceTypeDocument, audits.MixedContentResourceTypeImage: network.ResourceTypeImage,
	audits.MixedContentResourceTypeManifest: network.ResourceTypeManifest, audits.MixedContentResourceTypePrefetch: network.ResourceTypePrefetch,
	audits.MixedContentResourceTypeScript: network.ResourceTypeScript, audits.MixedContentResourceTypeStylesheet: network.ResourceTypeStylesheet,
	audits.MixedContentResourceTypeTrack: network.ResourceTypeTextTrack, audits.MixedContentResourceTypeXMLHTTPRequest: network.ResourceTypeXHR,
}

// bodySum is the hash and size of a script body.
type bodySum struct {
	sha256, digest string
	size           int
}

func (t *tab) ping() {
	select {
	case t.changed <- struct{}{}:
	default:
	}
}

// stackURLs lists the script URLs of a stack, innermost first, async parents included.
func stackURLs(st *runtime.StackTrace) []string {
	var out []string
	for ; st != nil; st = st.Parent {
		for _, f := range st.CallFrames {
			if f.URL != "" && !slices.Contains(out, f.URL) {
				out = append(out, f.URL)
			}
		}
	}
	return out
}

func (t *tab) request(id network.RequestID, url, method, typ string, frame cdp.FrameID, docURL string, in *network.Initiator) *Request {
	r := &Request{URL: url, Method: method, Type: typ, FrameURL: docURL, id: id}
	r.Frame = frame != "" && frame != t.mainFrame
	if in != nil {
		r.InitiatorType = string(in.Type)
		r.Stack = stackURLs(in.Stack)
		switch {
		case len(r.Stack) > 0:
			r.Initiator = r.Stack[0]
		case in.URL != "":
			r.Initiator = in.URL
		case in.Type == network.InitiatorTypeScript:
			r.Initiator = docURL
		}
	}
	if typ == string(network.ResourceTypeDocument) && frame == t.mainFrame {
		r.Initiator, r.InitiatorType = "", "" // the navigation itself
	}
	t.reqs[id] = r
	t.order = append(t.order, r)
	return r
}

// event records an event of s, the tab's session or one of its frames'.
func (t *tab) event(s session, ev any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		if ev.Request == nil {
			return
		}
		if old, ok := t.reqs[ev.RequestID]; ok && ev.RedirectResponse != nil {
			// A redirect (or an upgrade, which Chromium reports as an internal redirect): the
			// same request goes on to another URL.
			old.FinalURL = ev.Request.URL
			t.last = time.Now()
			return
		}
		t.request(ev.RequestID, ev.Request.URL, ev.Request.Method, string(ev.Type), ev.FrameID, ev.DocumentURL, ev.Initiator)
		t.last = time.Now()
		switch ev.Type {
		case network.ResourceTypeScript, network.ResourceTypeStylesheet, network.ResourceTypeDocument:
			t.active[ev.RequestID] = true
		}
	case *network.EventWebSocketCreated:
		t.request(ev.RequestID, ev.URL, "GET", string(network.ResourceTypeWebSocket), "", t.pageURL, ev.Initiator)
		t.last = time.Now()
	case *network.EventResponseReceived:
		r := t.reqs[ev.RequestID]
		if r == nil || ev.Response == nil {
			return
		}
		r.Status, r.MimeType, r.FinalURL = int(ev.Response.Status), ev.Response.MimeType, ev.Response.URL
		if ev.Type == network.ResourceTypeDocument && ev.FrameID == t.mainFrame {
			t.docStatus, t.docType, t.docURL = r.Status, r.MimeType, ev.Response.URL
		}
	case *network.EventLoadingFinished:
		delete(t.active, ev.RequestID)
		r := t.reqs[ev.RequestID]
		if r != nil && r.Type == string(network.ResourceTypeScript) {
			t.bodies.Add(1)
			go t.body(s, ev.RequestID)
		}
	case *network.EventLoadingFailed:
		delete(t.active, ev.RequestID)
		r := t.reqs[ev.RequestID]
		if r == nil {
			return
		}
		r.Failed, r.Blocked = ev.ErrorText, string(ev.BlockedReason)
		if ev.BlockedReason == network.BlockedReasonMixedContent {
			r.Mixed = MixedBlocked
		}
		if r.Type == string(network.ResourceTypeDocument) && !r.Frame && r.Initiator == "" && t.docStatus == 0 {
			t.docErr = ev.ErrorText
		}
	case *audits.EventIssueAdded:
		if ev.Issue == nil || ev.Issue.Details == nil || ev.Issue.Details.MixedContentIssueDetails == nil {
			return
		}
		d := ev.Issue.Details.MixedContentIssueDetails
		var out string
		switch d.ResolutionStatus {
		case audits.MixedContentResolutionStatusMixedContentBlocked:
			out = MixedBlocked
		case audits.MixedContentResolutionStatusMixedContentAutomaticallyUpgraded:
			out = MixedUpgraded
		case audits.MixedContentResolutionStatusMixedContentWarning:
			out = MixedWarning
		default:
			return
		}
		if d.Request != nil {
			if r := t.reqs[d.Request.RequestID]; r != nil {
				// Chromium can raise two issues for one request (an image preload: blocked and
				// upgraded): the stronger outcome stands, as for Chromium's own verdict.
				if mixedRank[out] > mixedRank[r.Mixed] {
					r.Mixed = out
				}
				return
			}
		}
		if d.ResourceType == audits.MixedContentResourceTypeForm || strings.Contains(d.InsecureURL, "#") {
			// No request: a form's action is only a warning until submitted, and a URL with a
			// fragment names an SVG reference Chromium resolves without a request of that name.
			return
		}
		if mixedRank[out] < mixedRank[t.issues[d.InsecureURL].out] {
			return // two issues about one URL (a preload blocked, its image upgraded): the stronger stands
		}
		t.issues[d.InsecureURL] = issue{out, d.MainResourceURL, d.Frame != nil && d.Frame.FrameID != t.mainFrame, d.ResourceType}
	case *runtime.EventBindingCalled:
		if ev.Name == mutationBinding {
			t.last = time.Now()
			if text, ok := strings.CutPrefix(ev.Payload, scriptTextPrefix); ok {
				t.elements[sha256.Sum256([]byte(text))] = true
			}
		}
	case *debugger.EventScriptParsed:
		t.scriptParsed(s, ev)
		return
	case *page.EventLoadEventFired:
		if s.id != t.s.id {
			return // a frame's load: the page is ready at its own
		}
		t.loaded = true
	default:
		return
	}
	t.ping()
}

// scriptParsed notes a script V8 compiled while another script ran (the stack names that one)
// and that has no URL: an inline script element a script inserted, or eval'd code; its text is
// read and hashed (inlineScript), and capturePage keeps it when a script element of the same
// text was added to a document (mutationScript). t.mu is held.
func (t *tab) scriptParsed(s session, ev *debugger.EventScriptParsed) {
	if ev.URL != "" || ev.StackTrace == nil || ev.HasSourceURL {
		return
	}
	by := ""
	for st := ev.StackTrace; st != nil && by == ""; st = st.Parent {
		for _, f := range st.CallFrames {
			if f.URL != "" {
				by = f.URL
				break
			}
		}
	}
	if by == "" {
		return
	}
	var aux struct {
		FrameID cdp.FrameID `json:"frameId"`
	}
	_ = json.Unmarshal(ev.ExecutionContextAuxData, &aux)
	frame := aux.FrameID != "" && aux.FrameID != t.mainFrame
	t.bodies.Add(1)
	go t.inlineScript(s, ev.ScriptID, Script{InjectedBy: by, Inline: true, Frame: frame})
}

// inlineScript reads the text of an injected inline script and hashes it.
func (t *tab) inlineScript(s session, id cdp.ScriptID, sc Script) {
	defer t.bodies.Done()
	ctx, cancel := context.WithTimeout(t.ctx, 5*time.Second)
	defer cancel()
	res, err := cdp.Call(ctx, s, debugger.GetScriptSource, debugger.GetScriptSourceParams{ScriptID: id})
	if err != nil {
		return
	}
	sum := sha256.Sum256([]byte(res.ScriptSource))
	sc.SHA256, sc.Size, sc.sum = hex.EncodeToString(sum[:]), len(res.ScriptSource), sum
	if t.opts.ScriptDigest != nil {
		sc.Digest = t.opts.ScriptDigest([]byte(res.ScriptSource))
	}
	t.mu.Lock()
	t.inline = append(t.inline, sc)
	t.mu.Unlock()
}

// body reads a script's body the browser got (on s, the session whose request it was) and
// hashes it.
func (t *tab) body(s session, id network.RequestID) {
	defer t.bodies.Done()
	ctx, cancel := context.WithTimeout(t.ctx, 5*time.Second)
	defer cancel()
	res, err := cdp.Call(ctx, s, network.GetResponseBody, network.GetResponseBodyParams{RequestID: id})
	if err != nil {
		return
	}
	sum := sha256.Sum256(res.Body)
	bs := bodySum{sha256: hex.EncodeToString(sum[:]), size: len(res.Body)}
	if t.opts.ScriptDigest != nil {
		bs.digest = t.opts.ScriptDigest(res.Body)
	}
	t.mu.Lock()
	t.sums[id] = bs
	t.mu.Unlock()
}

// settled reports whether the load event fired and nothing happened for the quiet window: half
// of it when no script, stylesheet or frame document is still loading (only a timer can then
// start more), all of it otherwise. Images, fonts and media still loading do not count: their
// bodies start nothing.
func (t *tab) settled(quiet time.Duration) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.active) == 0 {
		quiet /= 2
	}
	return t.loaded && time.Since(t.last) >= quiet
}

// headerPatterns are the Fetch patterns that pause the requests that may carry the user's
// headers: those to ScopeHosts. InScope decides each one.
func headerPatterns(o *Options) []*fetch.RequestPattern {
	if len(o.Headers) == 0 && o.BasicAuth == "" || o.InScope == nil {
		return nil
	}
	var out []*fetch.RequestPattern
	for _, h := range o.ScopeHosts {
		for _, p := range []string{"*://" + h + "/*", "*://" + h + ":*"} {
			out = append(out, &fetch.RequestPattern{URLPattern: p, RequestStage: fetch.RequestStageRequest})
		}
	}
	return out
}

// continueWithHeaders lets a paused request go on, with the user's headers when InScope
// accepts its URL.
func continueWithHeaders(s cdp.Session, o *Options, ev *fetch.EventRequestPaused) {
	p := fetch.ContinueRequestParams{RequestID: ev.RequestID}
	if ev.Request != nil && o.InScope(ev.Request.URL) {
		seen := map[string]bool{}
		for k, vs := range o.Headers {
			seen[strings.ToLower(k)] = true
			p.Headers = append(p.Headers, &fetch.HeaderEntry{Name: k, Value: strings.Join(vs, ", ")})
		}
		for k, v := range ev.Request.Headers {
			if !seen[strings.ToLower(k)] {
				p.Headers = append(p.Headers, &fetch.HeaderEntry{Name: k, Value: fmt.Sprint(v)})
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), answerTime)
	defer cancel()
	_, _ = cdp.Call(ctx, s, fetch.ContinueRequest, p)
}

// outerHTML is the expression that reads a document's DOM as HTML.
const outerHTML = `document.documentElement ? document.documentElement.outerHTML : ""`

// frameDOMs reads the DOM of every frame of session s, below its root frame (the page's main
// frame) or with it (an out-of-process frame's session: root), each in an isolated world of
// its own (the page's scripts cannot see or change what is read). A frame that went away
// meanwhile is left out.
func frameDOMs(ctx context.Context, s cdp.Session, root bool) []FrameDOM {
	tree, err := cdp.Call(ctx, s, page.GetFrameTree, cdp.Empty{})
	if err != nil || tree.FrameTree == nil {
		return nil
	}
	var out []FrameDOM
	var walk func(ts []*page.FrameTree)
	walk = func(ts []*page.FrameTree) {
		for _, ft := range ts {
			if ft == nil || ft.Frame == nil {
				continue
			}
			if dom, ok := frameDOM(ctx, s, ft.Frame.ID); ok {
				out = append(out, FrameDOM{URL: ft.Frame.URL, DOM: dom})
			}
			walk(ft.ChildFrames)
		}
	}
	if root {
		walk([]*page.FrameTree{tree.FrameTree})
	} else {
		walk(tree.FrameTree.ChildFrames)
	}
	return out
}

// frameDOM reads one frame's DOM as HTML.
func frameDOM(ctx context.Context, s cdp.Session, id cdp.FrameID) (string, bool) {
	world, err := cdp.Call(ctx, s, page.CreateIsolatedWorld, page.CreateIsolatedWorldParams{FrameID: id, WorldName: "padlock"})
	if err != nil {
		return "", false
	}
	yes := true
	ev, err := cdp.Call(ctx, s, runtime.Evaluate, runtime.EvaluateParams{Expression: outerHTML, ContextID: world.ExecutionContextID, ReturnByValue: &yes})
	if err != nil || ev.ExceptionDetails != nil || ev.Result == nil {
		return "", false
	}
	var dom string
	if json.Unmarshal(ev.Result.Value, &dom) != nil {
		return "", false
	}
	return dom, true
}

// openTab opens a blank tab in a new incognito context of the browser of m, listening and with
// the DevTools domains capture needs enabled, ready for capturePage. Opening costs three round
// trips (context, target, session) and one batch of Enable calls, plus a renderer process;
// Browser opens the next tab while the current page renders.
func openTab(bctx context.Context, m *mux, o *Options) *tab {
	start := time.Now()
	ctx, cancelCtx := context.WithCancel(bctx)
	t := &tab{opts: o, reqs: map[network.RequestID]*Request{}, issues: map[string]issue{}, active: map[network.RequestID]bool{},
		sums: map[network.RequestID]bodySum{}, elements: map[[32]byte]bool{}, changed: make(chan struct{}, 1), ctx: ctx}
	var bc cdp.BrowserContextID
	var once sync.Once
	t.cancel = func() {
		once.Do(func() {
			cancelCtx()
			if t.s.id != "" {
				m.forget(t.s.id)
			}
			t.mu.Lock()
			for _, fs := range t.frames {
				m.forget(fs.id)
			}
			t.mu.Unlock()
			if bc != "" {
				// Disposing of the context closes its tab and ends its renderer.
				dctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				_, _ = cdp.Call(dctx, session{m: m}, target.DisposeBrowserContext, target.DisposeBrowserContextParams{BrowserContextID: bc})
				cancel()
			}
		})
	}
	t.openErr = func() error {
		if m == nil {
			return errLost
		}
		browser := session{m: m}
		res, err := cdp.Call(ctx, browser, target.CreateBrowserContext, target.CreateBrowserContextParams{})
		if err != nil {
			return err
		}
		bc = res.BrowserContextID
		window := true // a new context has no window to put a tab in
		tg, err := cdp.Call(ctx, browser, target.CreateTarget, target.CreateTargetParams{URL: "about:blank", BrowserContextID: bc, NewWindow: &window})
		if err != nil {
			return err
		}
		t.mainFrame = cdp.FrameID(tg.TargetID)
		if t.s, err = m.attach(ctx, tg.TargetID, t.message); err != nil {
			return err
		}
		err = t.s.batch(ctx, captureCalls(true)...)
		if err != nil {
			return err
		}
		return enableCredentials(ctx, t.s, o)
	}()
	t.opened = time.Since(start)
	return t
}

// captureCalls are the calls that make a session report what capture reads: a tab's (withPage,
// its Page domain enabled too) and an out-of-process frame's (without it).
func captureCalls(withPage bool) []call {
	buf := int64(64 << 20)
	calls := []call{
		{network.Enable.Method, network.EnableParams{MaxTotalBufferSize: &buf, MaxResourceBufferSize: &buf}},
		{audits.Enable.Method, cdp.Empty{}},
	}
	if withPage {
		calls = append(calls, call{page.Enable.Method, page.EnableParams{}})
	}
	return append(calls,
		call{runtime.Enable.Method, cdp.Empty{}},              // the binding calls the page makes are events of Runtime
		call{debugger.Enable.Method, debugger.EnableParams{}}, // scriptParsed: injected inline scripts
		skipPauses,
		call{runtime.AddBinding.Method, runtime.AddBindingParams{Name: mutationBinding}},
		call{page.AddScriptToEvaluateOnNewDocument.Method, page.AddScriptToEvaluateOnNewDocumentParams{Source: mutationScript}},
		autoAttach)
}

// captured are the events capture reads; the session's other events are not decoded.
var captured = map[cdproto.MethodType]bool{
	cdproto.MethodType(network.RequestWillBeSent.Method): true, cdproto.MethodType(network.WebSocketCreated.Method): true,
	cdproto.MethodType(network.ResponseReceived.Method): true, cdproto.MethodType(network.LoadingFinished.Method): true,
	cdproto.MethodType(network.LoadingFailed.Method): true, cdproto.MethodType(audits.IssueAdded.Method): true,
	cdproto.MethodType(runtime.BindingCalled.Method): true, cdproto.MethodType(page.LoadEventFired.Method): true,
	cdproto.MethodType(fetch.RequestPaused.Method): true, cdproto.MethodType(fetch.AuthRequired.Method): true,
	cdproto.MethodType(debugger.ScriptParsed.Method): true,
}

// message handles an event of the tab's session (on the mux's reader: it does not block).
func (t *tab) message(msg *cdproto.Message) { t.sessionMessage(t.s, msg) }

// sessionMessage handles an event of s, the tab's session or a frame's.
func (t *tab) sessionMessage(s session, msg *cdproto.Message) {
	if string(msg.Method) == target.AttachedToTarget.Method {
		t.attachFrame(s, msg)
		return
	}
	if !captured[msg.Method] {
		return
	}
	ev, err := cdproto.UnmarshalMessage(msg, chromedp.DefaultUnmarshalOptions)
	if err != nil || credentialEvent(s, t.opts, ev) {
		return
	}
	t.event(s, ev)
}

// autoAttach has a session report the out-of-process frames of its document (cross-site
// frames, with site isolation on: card fields, 3-D Secure) as sessions of their own, each
// paused until attachFrame let it go, so that none of its requests is missed.
var autoAttach = call{target.SetAutoAttach.Method, target.SetAutoAttachParams{AutoAttach: true, WaitForDebuggerOnStart: true,
	Flatten: func() *bool { yes := true; return &yes }(), Filter: target.Filter{{Type: "iframe"}, {Exclude: true}}}}

// skipPauses keeps the Debugger domain, enabled for scriptParsed, from ever pausing the page (a
// debugger statement, anti-debugging loops).
var skipPauses = call{debugger.SetSkipAllPauses.Method, debugger.SetSkipAllPausesParams{Skip: true}}

// attachFrame takes the session of an out-of-process frame of parent (Target.attachedToTarget):
// its events go to the tab as the page's do (from the first, the handler being in place before
// the reader routes another message), and once the domains capture reads are on, the frame runs.
func (t *tab) attachFrame(parent session, msg *cdproto.Message) {
	var ev target.EventAttachedToTarget
	if jsonv2.Unmarshal(msg.Params, &ev, chromedp.DefaultUnmarshalOptions) != nil || ev.SessionID == "" {
		return
	}
	fs := session{m: parent.m, id: ev.SessionID}
	if !parent.m.adopt(ev.SessionID, func(msg *cdproto.Message) { t.sessionMessage(fs, msg) }) {
		return
	}
	t.mu.Lock()
	t.frames = append(t.frames, fs)
	t.mu.Unlock()
	go func() { // not on the reader: these wait for replies
		ctx, cancel := context.WithTimeout(t.ctx, answerTime)
		defer cancel()
		_ = fs.batch(ctx, captureCalls(false)...)
		_ = enableFetch(ctx, fs, t.opts)
		_ = fs.Call(ctx, runtime.RunIfWaitingForDebugger.Method, nil, nil)
	}()
}

// capturePage renders url in t, a tab openTab opened, and closes it. open is the time spent
// waiting for the tab.
func capturePage(ctx context.Context, t *tab, url string, open time.Duration) *Result {
	start := time.Now().Add(-open)
	o, tctx := t.opts, t.ctx
	res := &Result{URL: url}
	defer t.cancel()
	// Stop with the caller too.
	stop := context.AfterFunc(ctx, t.cancel)
	defer stop()
	if t.openErr != nil {
		res.Err = "render: open a tab: " + t.openErr.Error()
		res.Elapsed = time.Since(start)
		return res
	}
	t.mu.Lock()
	t.pageURL, t.last, t.loaded = url, time.Now(), false
	t.mu.Unlock()

	res.Timing.Open = open
	mark := time.Now()
	deadline := time.Now().Add(o.Timeout)
	dctx, dcancel := context.WithDeadline(tctx, deadline)
	defer dcancel()
	nav, err := cdp.Call(dctx, t.s, page.Navigate, page.NavigateParams{URL: url})
	switch {
	case err != nil && dctx.Err() != nil && tctx.Err() == nil:
		res.Err, res.TimedOut = fmt.Sprintf("the page did not load within %s", o.Timeout), true
	case err != nil:
		res.Err = "render: " + err.Error()
	case nav.ErrorText != "":
		res.Err = "render: " + nav.ErrorText
	}
	res.Timing.Navigate, mark = time.Since(mark), time.Now()
	if res.Err == "" {
		// Page ready: the load event and a quiet window (no new request, no DOM change),
		// within the page's time.
		tick := time.NewTicker(o.Quiet / 10)
	wait:
		for !t.settled(o.Quiet) {
			select {
			case <-t.changed:
			case <-tick.C:
			case <-dctx.Done():
				if tctx.Err() == nil {
					res.Err, res.TimedOut = fmt.Sprintf("the page did not settle within %s", o.Timeout), true
				}
				break wait
			}
		}
		tick.Stop()
	}
	res.Timing.Settle, mark = time.Since(mark), time.Now()
	// The DOM as it stands, even after a timeout (a little extra time for that).
	if tctx.Err() == nil {
		ectx, ecancel := context.WithTimeout(tctx, 3*time.Second)
		if dom, ok := frameDOM(ectx, t.s, t.mainFrame); ok {
			res.DOM = dom
		}
		res.FrameDOMs = frameDOMs(ectx, t.s, false)
		t.mu.Lock()
		frames := slices.Clone(t.frames)
		t.mu.Unlock()
		for _, fs := range frames {
			res.FrameDOMs = append(res.FrameDOMs, frameDOMs(ectx, fs, true)...)
		}
		ecancel()
	}
	t.bodies.Wait()
	res.Timing.Collect = time.Since(mark)

	t.mu.Lock()
	defer t.mu.Unlock()
	res.Status, res.ContentType, res.FinalURL = t.docStatus, t.docType, t.docURL
	if res.Err == "" && t.docErr != "" {
		res.Err = "render: " + t.docErr
	}
	if res.Err == "" && res.Status >= 400 {
		// A challenge or a refusal is an error, not an empty page.
		res.Err = fmt.Sprintf("render: the page answered HTTP %d to the browser", res.Status)
	}
	// Chromium requests an upgraded URL over https from the start, and its issue may name no
	// request: the request to the https copy is the one the page asked for over http.
	for u, is := range t.issues {
		rest, ok := strings.CutPrefix(u, "http://")
		if !ok {
			continue
		}
		for _, r := range t.order {
			if r.URL == "https://"+rest && r.Mixed == "" {
				r.URL, r.Mixed = u, is.out
				if r.FinalURL == "" {
					r.FinalURL = "https://" + rest
				}
				delete(t.issues, u)
				break
			}
		}
	}
	seen := map[string]bool{}
	for _, r := range t.order {
		if o := t.issues[r.URL].out; mixedRank[o] > mixedRank[r.Mixed] {
			r.Mixed = o // an issue without a request about the same URL: the stronger outcome stands
		}
		seen[r.URL] = true
		res.Requests = append(res.Requests, *r)
		if r.Type == string(network.ResourceTypeDocument) && r.Frame {
			res.Frames = append(res.Frames, r.URL)
		}
		if r.Type == string(network.ResourceTypeScript) && r.Status > 0 {
			s := Script{URL: r.URL, Frame: r.Frame}
			if r.InitiatorType == string(network.InitiatorTypeScript) {
				s.InjectedBy = r.Initiator
			}
			if sum, ok := t.sums[r.id]; ok {
				s.SHA256, s.Digest, s.Size = sum.sha256, sum.digest, sum.size
			}
			res.Scripts = append(res.Scripts, s)
		}
	}
	// Injected inline scripts (not eval'd code: a script element of that text was added), once
	// each, in a stable order (their texts were read concurrently).
	var inl []Script
	for _, sc := range t.inline {
		if t.elements[sc.sum] && !slices.ContainsFunc(inl, func(o Script) bool { return o.sum == sc.sum && o.InjectedBy == sc.InjectedBy }) {
			inl = append(inl, sc)
		}
	}
	slices.SortStableFunc(inl, func(a, b Script) int {
		return strings.Compare(a.InjectedBy+" "+a.SHA256, b.InjectedBy+" "+b.SHA256)
	})
	res.Scripts = append(res.Scripts, inl...)
	// Issues about URLs no request event named: WebSockets refused before they were created,
	// frames refused before their navigation started. The document that made the request is
	// the initiator (a script of it, unless its markup names the URL).
	var rest []string
	for u := range t.issues {
		if !seen[u] {
			rest = append(rest, u)
		}
	}
	slices.Sort(rest)
	for _, u := range rest {
		is := t.issues[u]
		r := Request{URL: u, Type: string(network.ResourceTypeOther), Mixed: is.out, FrameURL: is.doc, Frame: is.frame}
		if r.FrameURL == "" {
			r.FrameURL = url
		}
		r.Initiator = r.FrameURL
		if typ, ok := issueTypes[is.typ]; ok {
			r.Type = string(typ)
		}
		if strings.HasPrefix(u, "ws:") {
			r.Type, r.InitiatorType = string(network.ResourceTypeWebSocket), string(network.InitiatorTypeScript)
		}
		res.Requests = append(res.Requests, r)
	}
	res.Elapsed = time.Since(start)
	return res
}
