package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/padlock-scan/padlock/report"
)

const invCheckoutPage = `<!doctype html><title>Checkout</title>
<form action="/pay"><input name="cardnumber" autocomplete="cc-number">
<button onclick="return check(this.form)">Pay</button></form>
<script>window.dataLayer = ["checkout\u0007"];
</script>`

// TestInventoryProposeCheckRoundTrip: a crawl's payment-page scripts are proposed as entries
// with empty approvals; check names each empty field at its line and exits 2; filled in, the
// file checks clean, a crawl with it finds every script authorized, nothing more is proposed,
// and a script injected later fails the gate as script-unauthorized.
func TestInventoryProposeCheckRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	srv, ca := site(t, map[string]string{"/": `<a href="/checkout">pay</a><script>home()</script>`, "/checkout": invCheckoutPage})
	first := filepath.Join(dir, "first.json")
	if code, _, stderr := runCLI(t, ctx, "crawl", "-q", "--ca-file", ca, "-o", first, srv.URL+"/"); code != 0 {
		t.Fatalf("first crawl: exit %d\n%s", code, stderr)
	}

	code, proposal, stderr := runCLI(t, ctx, "inventory", "propose", first)
	if code != 0 {
		t.Fatalf("propose: exit %d\n%s", code, stderr)
	}
	for _, want := range []string{
		"scripts:\n  - inline-sha256: ", "event handler at line 3 of " + srv.URL + "/checkout", `beginning "return check(this.form)"`,
		`inline script at line 4 of ` + srv.URL + `/checkout, beginning "window.dataLayer = [\"checkout\\u0007\"];\n"`,
		`justification: ""`, `owner: ""`, `approved: ""`,
	} {
		if !strings.Contains(proposal, want) {
			t.Errorf("the proposal lacks %q:\n%s", want, proposal)
		}
	}
	if strings.Contains(proposal, "home()") || strings.Count(proposal, "inline-sha256:") != 2 {
		t.Errorf("the proposal should hold the two scripts of the payment page only:\n%s", proposal)
	}
	invFile := filepath.Join(dir, "inventory.yml")
	if err := os.WriteFile(invFile, []byte(proposal), 0o600); err != nil {
		t.Fatal(err)
	}

	code, _, stderr = runCLI(t, ctx, "inventory", "check", invFile)
	if code != exitTrouble {
		t.Fatalf("check of an unfilled proposal: exit %d, want 2\n%s", code, stderr)
	}
	lines := regexp.MustCompile(regexp.QuoteMeta(invFile)+`:(\d+): (justification|owner|approved) is empty`).FindAllStringSubmatch(stderr, -1)
	if len(lines) != 6 {
		t.Errorf("check names %d empty fields, want 6 (three per entry):\n%s", len(lines), stderr)
	}
	fileLines := strings.Split(proposal, "\n")
	for _, m := range lines {
		var n int
		for _, c := range m[1] {
			n = n*10 + int(c-'0')
		}
		if n < 1 || n > len(fileLines) || !strings.Contains(fileLines[n-1], m[2]+":") && !strings.Contains(fileLines[n-1], "inline-sha256:") {
			t.Errorf("problem %q does not point at its key or entry (line %d is %q)", m[0], n, fileLines[n-1])
		}
	}

	filled := strings.NewReplacer(`justification: ""`, "justification: checkout UI", `owner: ""`, "owner: web", `approved: ""`, "approved: 2026-11-20").Replace(proposal)
	if err := os.WriteFile(invFile, []byte(filled), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, stderr := runCLI(t, ctx, "inventory", "check", invFile); code != 0 || !strings.Contains(out, "2 entries, no problem") {
		t.Fatalf("check of the filled file: exit %d\n%s%s", code, out, stderr)
	}
	if code, out, _ := runCLI(t, ctx, "inventory", "propose", "--inventory", invFile, first); code != 0 || strings.Contains(out, "inline-sha256") {
		t.Errorf("propose with the inventory: exit %d, proposes again:\n%s", code, out)
	}

	second := filepath.Join(dir, "second.json")
	if code, _, stderr := runCLI(t, ctx, "crawl", "-q", "--ca-file", ca, "--inventory", invFile, "-o", second, srv.URL+"/"); code != 0 {
		t.Fatalf("crawl with the inventory: exit %d\n%s", code, stderr)
	}
	rep, err := report.ReadFile(second)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Inventory == nil || len(rep.Inventory.Pages) != 1 || len(rep.Inventory.Pages[0].Scripts) != 2 {
		t.Fatalf("inventory view: %+v", rep.Inventory)
	}
	for _, s := range rep.Inventory.Pages[0].Scripts {
		if s.Status != "authorized" || s.Owner != "web" || s.Approved != "2026-11-20" {
			t.Errorf("script %+v, want authorized by the filled entry", s)
		}
	}

	skimmed, ca2 := site(t, map[string]string{"/checkout": invCheckoutPage + `<script>fetch("https://skimmer.invalid/")</script>`})
	code, _, stderr = runCLI(t, ctx, "crawl", "--ca-file", ca2, "--inventory", invFile, "-o", filepath.Join(dir, "third.json"), skimmed.URL+"/checkout")
	if code != 1 || !strings.Contains(stderr, "script-unauthorized") {
		t.Errorf("a script injected after approval: exit %d, want 1 with script-unauthorized\n%s", code, stderr)
	}
}

// TestInventoryProblemsInTheConfigFile: a bad scripts: entry of padlock.yml, or a bad
// --inventory file, stops the crawl before it starts with the file and line.
func TestInventoryProblemsInTheConfigFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "padlock.yml")
	os.WriteFile(cfg, []byte("max-pages: 5\nscripts:\n  - url: https://js.pay.test/v3/\n    content: any\n    owner: payments\n"), 0o600)
	code, _, stderr := runCLI(t, context.Background(), "crawl", "--config", cfg, "https://127.0.0.1:1/")
	if code != exitTrouble || !strings.Contains(stderr, cfg+":3: scripts: justification is empty") || !strings.Contains(stderr, "and 1 more problem:") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
	inv := filepath.Join(dir, "inv.yml")
	os.WriteFile(inv, []byte("- origin: https://js.pay.test/path\n  content: any\n"), 0o600)
	code, _, stderr = runCLI(t, context.Background(), "crawl", "--inventory", inv, "https://127.0.0.1:1/")
	if code != exitTrouble || !strings.Contains(stderr, inv+`:1: origin "https://js.pay.test/path"`) {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
}

// TestScriptsSettingPrintsItsEntries: watch hashes every setting's value with %#v to tell
// configurations apart across restarts; scripts: must print its entries, never an address.
func TestScriptsSettingPrintsItsEntries(t *testing.T) {
	t.Parallel()
	data := []byte("scripts:\n  - url: https://js.pay.test/v3/\n    content: any\n    justification: j\n    owner: o\n    approved: 2026-11-02\n")
	a, err := parseConfig("padlock.yml", data)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := parseConfig("padlock.yml", data)
	sa, sb := fmt.Sprintf("%#v", a.vals["scripts"]), fmt.Sprintf("%#v", b.vals["scripts"])
	if sa != sb || !strings.Contains(sa, "https://js.pay.test/v3/") {
		t.Errorf("two reads of one scripts: print\n%s\n%s", sa, sb)
	}
}
