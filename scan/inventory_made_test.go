package scan

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"reflect"
	"testing"

	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/report"
	"github.com/padlock-scan/padlock/rules"
)

// The inventory makes an external script's entry once and reuses it for the next pages that
// include the script the same way; each page's entry must still be exactly the one a fresh
// inventory makes for that page: a change of the page's site (the party), of the integrity
// attribute, or of the check (absent, another body, truncated) makes it anew.
func TestInventoryReusedEntriesMatchFresh(t *testing.T) {
	body := []byte("window.widget = 1;\n")
	s256, s384 := sha256.Sum256(body), sha512.Sum384(body)
	good := "sha384-" + base64.StdEncoding.EncodeToString(s384[:])
	bad := "sha384-" + base64.StdEncoding.EncodeToString(make([]byte, 48))
	fetch := func(mut func(*crawler.Fetch)) *crawler.Fetch {
		f := &crawler.Fetch{Status: 200, Size: int64(len(body)), SHA256: hex.EncodeToString(s256[:]),
			SHA384: base64.StdEncoding.EncodeToString(s384[:])}
		if mut != nil {
			mut(f)
		}
		return f
	}
	const script = "https://cdn.vendor.test/widget.js"
	steps := []struct {
		name, page, integrity string
		fetch                 *crawler.Fetch
	}{
		{"first sighting", "https://www.shop.test/a", good, fetch(nil)},
		{"same way on another page", "https://www.shop.test/b", good, fetch(nil)},
		{"integrity that does not match", "https://www.shop.test/c", bad, fetch(nil)},
		{"integrity that matches again", "https://www.shop.test/d", good, fetch(nil)},
		{"truncated body", "https://www.shop.test/g", good, fetch(func(f *crawler.Fetch) { f.Truncated = true })},
		{"no check", "https://www.shop.test/e", good, nil},
		{"another body", "https://www.shop.test/f", good, fetch(func(f *crawler.Fetch) { f.SHA256, f.SHA384, f.Size = "00", "AA==", 1 })},
		{"the body again", "https://www.shop.test/f2", good, fetch(nil)},
		{"a failed check", "https://www.shop.test/h", good, fetch(func(f *crawler.Fetch) { f.Status = 404 })},
		{"a page on the script's own site", "https://www.vendor.test/", good, fetch(nil)},
		{"back on the shop", "https://www.shop.test/i", good, fetch(nil)},
		{"no integrity", "https://www.shop.test/j", "", fetch(nil)},
	}
	cfg := &rules.Config{}
	entryOf := func(inv *inventory, page string, integrity string, f *crawler.Fetch) report.Script {
		var got []report.Script
		inv.uses = func(key string, s report.Script, _ string, _ bool) {
			if key == "x "+script {
				got = append(got, s)
			}
		}
		p := &crawler.Page{URL: page, FinalURL: page}
		p.Resources = []crawler.Resource{{URL: script, Kind: crawler.KindScript, Element: "script", Attribute: "src", Integrity: integrity, Fetch: f}}
		inv.add(p, false)
		if len(got) != 1 {
			t.Fatalf("%s: %d uses of the script, want 1", page, len(got))
		}
		return got[0]
	}
	reused := &inventory{cfg: cfg}
	for _, st := range steps {
		got := entryOf(reused, st.page, st.integrity, st.fetch)
		want := entryOf(&inventory{cfg: cfg}, st.page, st.integrity, st.fetch)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: entry %+v, a fresh inventory makes %+v", st.name, got, want)
		}
	}
	if len(reused.made) != 1 {
		t.Errorf("%d entries kept for one script URL", len(reused.made))
	}
}
