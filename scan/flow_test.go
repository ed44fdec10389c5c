package scan_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/internal/sitetest"
	"github.com/padlock-scan/padlock/render"
	"github.com/padlock-scan/padlock/scan"
)

func readFlows(t *testing.T, names ...string) []*render.Flow {
	t.Helper()
	var out []*render.Flow
	for _, n := range names {
		f, err := render.ReadFlow(filepath.Join("testdata", "flows", n))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, f)
	}
	return out
}

// flowOptions crawls the shop with flows and no --render: the flows bring the browser.
func flowOptions(t *testing.T, sh *shop, s *sitetest.Site, flows ...string) scan.Options {
	opt := s.Options()
	opt.Render = shopBrowser(t, s)
	opt.Render.Mode = scan.RenderOff
	opt.Flows = scan.FlowOptions{Flows: readFlows(t, flows...), Shots: t.TempDir(), Env: func(k string) string {
		return map[string]string{"SHOP": s.Vars["tls"], "SHOP_PASS": "pw-of-ann"}[k]
	}}
	return opt
}

// TestFlowsReachTheCheckoutAndTheAccount: the checkout's card form shows only with the cart
// cookie the "Add to cart" button's script sets, the account page only after signing in; two
// Recorder flows reach them, and each is audited as a rendered page with its flow and step (the
// checkout as the payment page it is); the crawl sends the flows' cookies to the shop only.
func TestFlowsReachTheCheckoutAndTheAccount(t *testing.T) {
	sh, s := startShop(t)
	opt := flowOptions(t, sh, s, "checkout.json", "signin.json")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	rep, err := scan.Run(ctx, opt)
	if err != nil {
		t.Fatalf("%v\nerrors: %+v", err, rep.Errors)
	}
	defer rep.Close()
	checkout := sitetest.PageOf(t, rep, s.Vars["tls"]+"/checkout")
	if checkout.Flow != "Checkout" || checkout.FlowStep != 3 || !checkout.Payment || !checkout.Rendered {
		t.Errorf("checkout: flow %q step %d payment %v rendered %v", checkout.Flow, checkout.FlowStep, checkout.Payment, checkout.Rendered)
	}
	account := sitetest.PageOf(t, rep, s.Vars["tls"]+"/account")
	if account.Flow != "Sign in" || account.FlowStep != 5 || !account.Rendered || account.Status != 200 {
		t.Errorf("account: flow %q step %d rendered %v status %d", account.Flow, account.FlowStep, account.Rendered, account.Status)
	}
	sitetest.PageOf(t, rep, s.Vars["tls"]+"/orders") // a link of the account page, followed
	for _, e := range rep.Errors {
		if strings.Contains(e.Error, "flow") || strings.Contains(e.URL, "/checkout") || strings.Contains(e.URL, "/account") {
			t.Errorf("error: %+v", e)
		}
	}
	for _, r := range sh.requests() {
		if (r.host != sitetest.SiteHost || r.scheme != "https") && (strings.Contains(r.cookie, "cart=") || strings.Contains(r.cookie, "session=")) {
			t.Errorf("%s://%s%s got the shop's cookies: %q", r.scheme, r.host, r.path, r.cookie)
		}
	}
}

// TestBrokenFlow: a step whose element never appears fails the audit: the error names the flow,
// the step, its type and selector, a screenshot is saved, and the crawl's results are kept.
func TestBrokenFlow(t *testing.T) {
	sh, s := startShop(t)
	opt := flowOptions(t, sh, s, "broken.json")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rep, err := scan.Run(ctx, opt)
	if rep == nil {
		t.Fatalf("no report: %v", err)
	}
	defer rep.Close()
	want := `flow "Broken" step 2 (click #buy-now) failed: no element matched its selectors after 1.5s`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want %s", err, want)
	}
	shot := filepath.Join(opt.Flows.Shots, "flow-broken-step2.png")
	if b, err := os.ReadFile(shot); err != nil || len(b) < 8 || string(b[1:4]) != "PNG" {
		t.Errorf("screenshot %s: %v", shot, err)
	}
	found := false
	for _, e := range rep.Errors {
		found = found || strings.Contains(e.Error, want) && strings.Contains(e.Error, shot) && e.URL == s.Vars["tls"]+"/cart"
	}
	if !found {
		t.Errorf("the report's errors lack the flow's: %+v", rep.Errors)
	}
	sitetest.PageOf(t, rep, s.Vars["tls"]+"/") // the crawl went on
	if p := sitetest.PageOf(t, rep, s.Vars["tls"]+"/cart"); p.Flow != "Broken" || p.FlowStep != 1 {
		t.Errorf("/cart, reached before the failure: flow %q step %d", p.Flow, p.FlowStep)
	}
}

// TestFlowCAFileLeafOnly: under --ca-file, a flow's hosts whose servers send only their leaf are
// trusted by the leaf's key, as the crawl's pages are: the flows run before the crawl verified
// any leaf, so padlock checks the flow's hosts itself first.
func TestFlowCAFileLeafOnly(t *testing.T) {
	s := startRenderSite(t)
	s.opt.Crawl.CAFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(s.opt.Crawl.CAFile, s.caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	s.opt.Render.Browser.SPKIs, s.opt.Render.Browser.HostResolverRules = nil, ""
	s.opt.Render.Mode = scan.RenderOff // the flow brings the browser
	f, err := render.ParseFlow([]byte(`{"title": "SPA", "steps": [
  {"type": "navigate", "url": "{{env.SHOP}}/spa"},
  {"type": "waitForElement", "selectors": [["input[name=pan]"]]}]}`), "spa.json")
	if err != nil {
		t.Fatal(err)
	}
	s.opt.Flows = scan.FlowOptions{Flows: []*render.Flow{f}, Env: func(k string) string {
		return map[string]string{"SHOP": s.url("shop.test", "")}[k]
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	rep, err := scan.Run(ctx, s.opt)
	if err != nil {
		t.Fatalf("%v\nerrors: %+v", err, rep.Errors)
	}
	defer rep.Close()
	if p := sitetest.PageOf(t, rep, s.url("shop.test", "/spa")); p.Flow != "SPA" || !p.Rendered || !p.Payment {
		t.Errorf("/spa: flow %q rendered %v payment %v", p.Flow, p.Rendered, p.Payment)
	}
}
