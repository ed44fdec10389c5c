package render

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// Landing is a page a flow reached: the page there after step Step (1-based).
type Landing struct {
	Step int
	URL  string
}

// FlowResult is what replaying a flow gave: the pages it reached, in order, and the cookies
// the browser held at the end for the origins InScope accepts (a cart, a session), for the
// pages audited after it.
type FlowResult struct {
	Landings []Landing
	Cookies  []SiteCookie
}

// FlowError is a flow step that failed: the flow's name, the step (1-based), its type and first
// selector, the page it failed on, why, and a PNG screenshot of the page then (nil when none
// could be taken).
type FlowError struct {
	Flow       string
	Step       int
	Type       string
	Selector   string
	URL        string
	Err        error
	Screenshot []byte
}

func (e *FlowError) Error() string {
	what := e.Type
	if e.Selector != "" {
		what += " " + e.Selector
	}
	return fmt.Sprintf("flow %q step %d (%s) failed: %v", e.Flow, e.Step, what, e.Err)
}

func (e *FlowError) Unwrap() error { return e.Err }

// RunFlow replays f in a fresh incognito tab of the pool, with the user's headers, cookies and
// basic auth as every page gets them; getenv fills the steps' {{env.NAME}}. A step that fails
// ends the flow with a *FlowError; the result then holds what was reached before it.
func (b *Browser) RunFlow(ctx context.Context, f *Flow, getenv func(string) string) (*FlowResult, error) {
	select {
	case b.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-b.slots }()
	b.mu.RLock()
	bctx, gen, closed, stale, o := b.ctx, b.gen, b.closed, b.stale, b.opts
	b.mu.RUnlock()
	if !closed && (bctx == nil || stale || !alive(bctx)) {
		// (the browser starts with the first page, died, or does not trust keys Trust added:
		// start it)
		if err := b.restart(gen); err != nil {
			return nil, err
		}
		b.mu.RLock()
		bctx, closed = b.ctx, b.closed
		b.mu.RUnlock()
	}
	if closed || bctx == nil || !alive(bctx) {
		return nil, errors.New("render: the browser is not running")
	}
	tctx, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
	defer cancel()
	stop := context.AfterFunc(ctx, cancel)
	defer stop()
	err := chromedp.Do(tctx)
	if err == nil {
		tg := chromedp.FromContext(tctx).Target
		err = chromedp.Listen(tctx, func(ev any) { credentialEvent(tg, &o, ev) })
	}
	if err == nil {
		err = chromedp.Do(tctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
				return err
			}
			return enableCredentials(ctx, tg, &o)
		}))
	}
	if err != nil {
		return nil, fmt.Errorf("render: open a tab for flow %q: %w", f.Name(), err)
	}
	r := &flowRun{tctx: tctx, flow: f, getenv: getenv, o: &o}
	res := &FlowResult{}
	for i := range f.Steps {
		s := &f.Steps[i]
		if err := r.step(s); err != nil {
			fe := &FlowError{Flow: f.Name(), Step: i + 1, Type: s.Type, Selector: s.FirstSelector(), Err: err}
			if ctx.Err() != nil {
				fe.Err = ctx.Err()
			}
			fe.URL, _ = shortCall(tctx, chromedp.Location())
			fe.Screenshot, _ = shortCall(tctx, chromedp.CaptureScreenshot())
			res.Cookies = r.cookies(res.Landings)
			return res, fe
		}
		if u, err := shortCall(tctx, chromedp.Location()); err == nil && strings.HasPrefix(u, "http") &&
			(len(res.Landings) == 0 || res.Landings[len(res.Landings)-1].URL != u) {
			res.Landings = append(res.Landings, Landing{Step: i + 1, URL: u})
		}
	}
	res.Cookies = r.cookies(res.Landings)
	return res, nil
}

// flowRun is one replay in progress.
type flowRun struct {
	tctx   context.Context
	flow   *Flow
	getenv func(string) string
	o      *Options
}

// shortCall runs a at most five seconds on the tab: what a failed step leaves to look at.
func shortCall[T any](tctx context.Context, a chromedp.Action[T]) (T, error) {
	ctx, cancel := context.WithTimeout(tctx, 5*time.Second)
	defer cancel()
	return chromedp.Run(ctx, a)
}

// timeout is how long step s may wait for its element, expression or page.
func (r *flowRun) timeout(s *Step) time.Duration {
	switch {
	case s.Timeout > 0:
		return time.Duration(s.Timeout) * time.Millisecond
	case r.flow.Timeout > 0:
		return r.flow.Timeout
	case s.Navigates():
		return max(DefaultStepTimeout, r.o.Timeout)
	}
	return DefaultStepTimeout
}

// navMark is a property set on the page's window before each step: gone after it, the page
// navigated.
const navMark = "__padlockFlowMark"

// step replays one step and waits for the page it leads to.
func (r *flowRun) step(s *Step) error {
	ctx, cancel := context.WithTimeout(r.tctx, r.timeout(s))
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("window."+navMark+" = true")); err != nil {
		return err
	}
	value := ""
	if s.Value != nil {
		v, err := expandEnv(*s.Value, r.getenv)
		if err != nil {
			return err
		}
		value = v
	}
	var err error
	switch s.Type {
	case StepSetViewport:
		err = chromedp.Do(ctx, chromedp.EmulateViewport(s.Width, s.Height))
	case StepNavigate:
		var u string
		if u, err = expandEnv(s.URL, r.getenv); err == nil {
			err = chromedp.Do(ctx, chromedp.Navigate(u))
		}
	case StepClick, StepDoubleClick, StepHover:
		err = r.pointer(ctx, s)
	case StepChange:
		_, err = r.find(ctx, s, "change", value)
	case StepKeyDown, StepKeyUp:
		err = r.key(ctx, s)
	case StepWaitForElement:
		_, err = r.find(ctx, s, "count", "")
	case StepWaitForExpression:
		err = r.waitExpression(ctx, s)
	case StepScroll:
		err = r.scroll(ctx, s)
	default:
		err = fmt.Errorf("unknown step type %q", s.Type)
	}
	if err != nil {
		if ctx.Err() != nil && r.tctx.Err() == nil {
			return fmt.Errorf("%w after %s", errStepTimeout(s), r.timeout(s))
		}
		return err
	}
	return r.settle(ctx, s)
}

// errStepTimeout says what a step was waiting for when its time ran out.
func errStepTimeout(s *Step) error {
	switch {
	case len(s.Selectors) > 0:
		return errors.New("no element matched its selectors")
	case s.Type == StepWaitForExpression:
		return errors.New("the expression stayed false")
	}
	return errors.New("the page did not answer")
}

// settle waits for what the step set off: a navigation the recording asserted (the mark gone and
// the document loaded), or, for any other step, a navigation that starts within a moment.
func (r *flowRun) settle(ctx context.Context, s *Step) error {
	const js = `(function () { return !window.` + navMark + ` ? document.readyState : "same"; })()`
	deadline := time.Now().Add(300 * time.Millisecond)
	for {
		state, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		switch {
		case err == nil && state == "complete":
			return nil
		case err == nil && state == "same" && !s.Navigates() && time.Now().After(deadline):
			return nil
		case ctx.Err() != nil:
			if s.Navigates() {
				return fmt.Errorf("the page it leads to did not load within %s", r.timeout(s))
			}
			return nil
		}
		// (an error is a document going away mid-call: ask again)
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// found is what flowJS answers.
type found struct {
	OK       bool    `json:"ok"`
	Selector string  `json:"selector"`
	X        float64 `json:"x"`
	Y        float64 `json:"y"`
	W        float64 `json:"w"`
	H        float64 `json:"h"`
	Count    int     `json:"count"`
}

// find asks flowJS to act on the step's element until it is there (or ctx ends): "locate"
// scrolls it into view and gives its box, "change" sets its value, "count" checks how many match
// as the step's operator and count say.
func (r *flowRun) find(ctx context.Context, s *Step, action, value string) (found, error) {
	want := map[string]any{"op": s.Operator, "count": 1, "visible": s.Visible != nil && *s.Visible}
	if s.Count != nil {
		want["count"] = *s.Count
	}
	args, _ := json.Marshal([]any{s.Selectors, action, value, want})
	expr := "(" + flowJS + ").apply(null, " + string(args) + ")"
	for {
		f, err := chromedp.Run(ctx, chromedp.Evaluate[found](expr))
		if err == nil && f.OK {
			return f, nil
		}
		select {
		case <-ctx.Done():
			return f, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// pointer clicks, double-clicks or hovers the step's element, at its offset when the recording
// has one, else at its centre.
func (r *flowRun) pointer(ctx context.Context, s *Step) error {
	f, err := r.find(ctx, s, "locate", "")
	if err != nil {
		return err
	}
	x, y := f.X+f.W/2, f.Y+f.H/2
	if s.OffsetX != nil && s.OffsetY != nil {
		x, y = f.X+*s.OffsetX, f.Y+*s.OffsetY
	}
	if s.Type == StepHover {
		return chromedp.Do(ctx, chromedp.MouseEvent(chromedp.MouseMoved, x, y))
	}
	clicks := 1
	if s.Type == StepDoubleClick {
		clicks = 2
	}
	return chromedp.Do(ctx, chromedp.MouseEvent(chromedp.MouseMoved, x, y),
		chromedp.MouseClickXY(x, y, chromedp.ClickCount(clicks)))
}

// key presses or releases a key, named as Recorder names it ("Enter", "Tab", "a").
func (r *flowRun) key(ctx context.Context, s *Step) error {
	var events []*input.DispatchKeyEventParams
	if rs := []rune(s.Key); len(rs) == 1 {
		events = kb.Encode(rs[0])
	} else {
		for rn, k := range kb.Keys {
			if k.Key == s.Key {
				events = kb.Encode(rn)
				break
			}
		}
	}
	if events == nil {
		return fmt.Errorf("unknown key %q", s.Key)
	}
	return chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		for _, ev := range events {
			if (ev.Type == kb.KeyUp) != (s.Type == StepKeyUp) {
				continue
			}
			if _, err := chromedp.Call(ctx, input.DispatchKeyEvent, *ev); err != nil {
				return err
			}
		}
		return nil
	}))
}

// waitExpression waits until the step's expression (awaited when a promise) is truthy.
func (r *flowRun) waitExpression(ctx context.Context, s *Step) error {
	expr, err := expandEnv(s.Expression, r.getenv)
	if err != nil {
		return err
	}
	await := func(p *runtime.EvaluateParams) { t := true; p.AwaitPromise = &t }
	js := "(async function () { return !!(" + expr + "); })()"
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js, await))
		if err == nil && ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// scroll scrolls the step's element, or the window, to x, y.
func (r *flowRun) scroll(ctx context.Context, s *Step) error {
	if len(s.Selectors) > 0 {
		_, err := r.find(ctx, s, "scroll", fmt.Sprintf("%g,%g", s.X, s.Y))
		return err
	}
	_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf("window.scrollTo(%g, %g), true", s.X, s.Y)))
	return err
}

// cookies are the cookies the tab holds for the pages reached on origins InScope accepts, each
// for its origin (a cookie on a path is asked for with the pages under it).
func (r *flowRun) cookies(landings []Landing) []SiteCookie {
	if r.o.InScope == nil {
		return nil
	}
	urls := map[string][]string{} // origin -> its pages reached
	var origins []string
	for _, l := range landings {
		u, err := url.Parse(l.URL)
		if err != nil || !r.o.InScope(l.URL) {
			continue
		}
		origin := u.Scheme + "://" + u.Host
		if urls[origin] == nil {
			origins = append(origins, origin)
			urls[origin] = []string{origin + "/"}
		}
		urls[origin] = append(urls[origin], l.URL)
	}
	var out []SiteCookie
	for _, origin := range origins {
		get := func(ctx context.Context, _ *chromedp.Target) (network.GetCookiesResult, error) {
			return chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: urls[origin]})
		}
		got, err := shortCall(r.tctx, chromedp.Action[network.GetCookiesResult](get))
		if err != nil {
			continue
		}
		for _, c := range got.Cookies {
			hc := &http.Cookie{Name: c.Name, Value: c.Value, Path: c.Path, HttpOnly: c.HTTPOnly}
			if !c.Session && c.Expires > 0 {
				hc.Expires = time.Unix(int64(c.Expires), 0)
			}
			out = append(out, SiteCookie{URL: origin, Cookie: hc})
		}
	}
	return out
}

// flowJS finds a step's element by its selectors (each a list of CSS, aria/, xpath/, text/ or
// pierce/ selectors, searched one inside the other's element or shadow root) and acts on it.
const flowJS = `function (selectors, action, value, want) {
  function deepAll(root, css) {
    var out = Array.prototype.slice.call(root.querySelectorAll(css));
    var all = root.querySelectorAll("*");
    for (var i = 0; i < all.length; i++) if (all[i].shadowRoot) out = out.concat(deepAll(all[i].shadowRoot, css));
    return out;
  }
  function name(el) {
    var n = el.getAttribute("aria-label");
    if (!n && el.getAttribute("aria-labelledby")) {
      var l = document.getElementById(el.getAttribute("aria-labelledby")); n = l && l.textContent;
    }
    if (!n && el.id) { var lb = document.querySelector('label[for="' + el.id.replace(/"/g, '\\"') + '"]'); n = lb && lb.textContent; }
    if (!n && el.closest && el.closest("label")) n = el.closest("label").textContent;
    if (!n) n = el.getAttribute("alt") || el.getAttribute("title") || el.getAttribute("placeholder");
    if (!n && (el.tagName === "INPUT" && /^(submit|button|reset)$/i.test(el.type))) n = el.value;
    if (!n) n = el.textContent;
    return (n || "").replace(/\s+/g, " ").trim();
  }
  function role(el) {
    var r = el.getAttribute("role"); if (r) return r;
    var t = el.tagName.toLowerCase();
    if (t === "button" || t === "input" && /^(submit|button|reset|image)$/i.test(el.type)) return "button";
    if (t === "a" && el.hasAttribute("href")) return "link";
    if (t === "input" && /^(checkbox|radio)$/i.test(el.type)) return el.type.toLowerCase();
    if (t === "input" || t === "textarea") return "textbox";
    if (t === "select") return "combobox";
    if (/^h[1-6]$/.test(t)) return "heading";
    if (t === "img") return "img";
    return "";
  }
  function matchAll(root, sel) {
    var scope = root.querySelectorAll ? root : document;
    if (sel.indexOf("aria/") === 0) {
      var m = /^aria\/(.*?)(?:\[role="?([^"\]]*)"?\])?$/.exec(sel), want = m[1].trim(), r = m[2];
      return deepAll(scope, "*").filter(function (el) { return name(el) === want && (!r || role(el) === r); });
    }
    if (sel.indexOf("xpath/") === 0) {
      var res = document.evaluate(sel.slice(6), root.nodeType ? root : document, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null), out = [];
      for (var i = 0; i < res.snapshotLength; i++) out.push(res.snapshotItem(i));
      return out;
    }
    if (sel.indexOf("text/") === 0) {
      var text = sel.slice(5);
      var hits = deepAll(scope, "*").filter(function (el) { return (el.innerText || el.textContent || "").indexOf(text) >= 0; });
      return hits.filter(function (el) { return !hits.some(function (o) { return o !== el && el.contains(o); }); });
    }
    if (sel.indexOf("pierce/") === 0) return deepAll(scope, sel.slice(7));
    return Array.prototype.slice.call(scope.querySelectorAll(sel));
  }
  function resolve(parts) {
    var root = document, els = [];
    for (var i = 0; i < parts.length; i++) {
      els = matchAll(root, parts[i]);
      if (!els.length) return [];
      if (i < parts.length - 1) root = els[0].shadowRoot || (els[0].contentDocument) || els[0];
    }
    return els;
  }
  function visible(el) {
    var st = getComputedStyle(el);
    return st.visibility !== "hidden" && st.display !== "none" && el.getClientRects().length > 0;
  }
  for (var s = 0; s < selectors.length; s++) {
    var els = resolve(selectors[s]), label = selectors[s].join(" >> ");
    if (action === "count") {
      if (want.visible) els = els.filter(visible);
      var n = els.length, c = want.count, ok = want.op === "==" ? n === c : want.op === "<=" ? n <= c : n >= c;
      if (ok) return {ok: true, selector: label, count: n};
      continue;
    }
    if (!els.length) continue;
    var el = els[0];
    if (action === "change") {
      el.focus();
      var proto = el.tagName === "SELECT" ? HTMLSelectElement.prototype : el.tagName === "TEXTAREA" ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
      var d = Object.getOwnPropertyDescriptor(proto, "value");
      if (d && d.set) d.set.call(el, value); else el.value = value;
      el.dispatchEvent(new Event("input", {bubbles: true}));
      el.dispatchEvent(new Event("change", {bubbles: true}));
      return {ok: true, selector: label};
    }
    if (action === "scroll") {
      var xy = value.split(","); el.scrollTo(+xy[0], +xy[1]);
      return {ok: true, selector: label};
    }
    if (!visible(el)) continue;
    el.scrollIntoView({block: "center", inline: "center"});
    var b = el.getBoundingClientRect();
    return {ok: true, selector: label, x: b.left, y: b.top, w: b.width, h: b.height};
  }
  return {ok: false};
}`
