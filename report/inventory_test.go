package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/rules"
)

// inventoryReport is a small report whose inventory check has a row of each status, an inline
// script whose text is markup, and an inventory file name with a control character.
func inventoryReport() *Report {
	entries := []rules.InventoryEntry{
		{Name: "widget", Match: "url", Identity: "https://cdn.test/w.js", Justification: "checkout <widget>", Owner: "web", Approved: "2026-01-10", Expires: "2026-11-01", Expired: true, Line: 2},
		{Name: "stripe", Match: "url", Identity: "https://js.stripe.test/v3/", Justification: "3-D Secure", Owner: "payments", Approved: "2026-02-02", ContentAny: true, Required: true, Line: 9},
	}
	ic := NewInventoryCheck("inv\x1b[31m.yml", entries)
	page := &crawler.Page{FinalURL: "https://shop.test/checkout"}
	page.Resources = []crawler.Resource{{URL: "https://cdn.test/w.js", Kind: crawler.KindScript, Line: 3, Fetch: &crawler.Fetch{SHA256: strings.Repeat("a", 64)}}}
	page.InlineScripts = []crawler.InlineScript{{Kind: "script", Line: 14, SHA256: strings.Repeat("b", 64), Snippet: `x = "</script><img src=x onerror=alert(1)>"`}}
	facts := &rules.InventoryFacts{
		Scripts: []rules.ScriptCheck{
			{Resource: &page.Resources[0], Status: rules.ScriptChanged, Entry: &entries[0], Detail: "served sha256 aaaa; authorized: sha256 cccc"},
			{Inline: &page.InlineScripts[0], Status: rules.ScriptUnauthorized},
		},
		Missing: []*rules.InventoryEntry{&entries[1]},
	}
	index := func(e *rules.InventoryEntry) int {
		for i := range entries {
			if &entries[i] == e {
				return i
			}
		}
		return -1
	}
	ic.AddPage(page, true, facts, index)
	r := &Report{Version: Version, Tool: Tool{Name: "padlock", Version: "test"}, StartURLs: []string{"https://shop.test/"},
		StartedAt: time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC), Inventory: ic}
	r.Finish()
	return r
}

func TestInventoryViewInEveryFormat(t *testing.T) {
	t.Parallel()
	r := inventoryReport()
	if got := r.Inventory.Entries[0].Pages; got != 1 {
		t.Errorf("the widget entry is counted on %d pages, want 1", got)
	}
	rows := r.Inventory.Pages[0].Scripts
	if len(rows) != 3 || rows[0].Status != "changed" || rows[1].Status != "unauthorized" || rows[2].Status != "missing" ||
		rows[1].Kind != "inline" || rows[1].Line != 14 || rows[2].URL != "https://js.stripe.test/v3/" || rows[0].Owner != "web" {
		t.Errorf("rows: %+v", rows)
	}

	var html bytes.Buffer
	if err := writeHTML(&html, r); err != nil {
		t.Fatal(err)
	}
	h := html.String()
	for _, want := range []string{
		`id="authorization"`, `data-status="changed"`, `data-status="unauthorized"`, `data-status="missing"`,
		"checkout &lt;widget&gt;", "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;", "inv[31m.yml", "1 unauthorized, 1 changed, 1 missing",
	} {
		if !strings.Contains(h, want) {
			t.Errorf("the HTML report lacks %q", want)
		}
	}
	if strings.Contains(h, "<img src=x") || strings.Contains(h, "\x1b") {
		t.Error("the HTML report lets the inline script's text or a control character through unescaped")
	}

	var sarif bytes.Buffer
	if err := writeSARIF(&sarif, r); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Runs []struct {
			Properties struct {
				ScriptInventory InventoryCheck `json:"scriptInventory"`
			} `json:"properties"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(sarif.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if got := log.Runs[0].Properties.ScriptInventory; len(got.Pages) != 1 || len(got.Pages[0].Scripts) != 3 {
		t.Errorf("SARIF run properties carry %+v, want the inventory check", got)
	}

	var js bytes.Buffer
	if err := writeJSON(&js, r); err != nil {
		t.Fatal(err)
	}
	back, err := read(bytes.NewReader(js.Bytes()), true)
	if err != nil {
		t.Fatalf("the JSON report does not read back: %v", err)
	}
	if back.Inventory == nil || back.Inventory.Pages[0].Scripts[1].Snippet != rows[1].Snippet {
		t.Errorf("the inventory check does not survive the JSON round trip: %+v", back.Inventory)
	}
}
