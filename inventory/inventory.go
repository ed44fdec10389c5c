// Package inventory reads a script inventory (PCI DSS 6.4.3: every payment-page script
// authorized, with a written justification) and checks pages' scripts against it. An entry
// identifies scripts by exact URL, URL pattern, origin, or, for inline scripts, the SHA-256 of
// their text; it authorizes their content by a list of SHA-256 hashes, by normalized hashes
// (comments and white space left out, internal/jsnorm), or as any content (content: any, for
// provider SDKs that must be loaded from the provider and cannot be pinned).
//
// The inventory is configuration: it is read here and its verdicts on each page are handed to
// the rules as facts (rules.InventoryFacts); the rules never read it.
package inventory

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/rules"
)

// Inventory is a parsed script inventory.
type Inventory struct {
	// File is where it was read from (padlock.yml for a scripts: key), for messages.
	File    string
	Entries []Entry
}

// Entry is one entry of the inventory.
type Entry struct {
	// Name is optional; messages and reports name the entry by it, else by what identifies it.
	Name string `yaml:"name"`
	// Exactly one of these identifies the scripts the entry is about.
	URL          string `yaml:"url"`           // the script's exact URL
	URLPattern   string `yaml:"url-pattern"`   // a glob on the script's URL: * matches any run of characters
	Origin       string `yaml:"origin"`        // an origin (https://js.provider.test) or host pattern (*.provider.test), as --allow-script
	InlineSHA256 string `yaml:"inline-sha256"` // the hex SHA-256 of an inline script's text
	// What content is authorized (not for inline entries, whose hash is their content).
	SHA256           []string `yaml:"sha256"`            // hex SHA-256 of the bytes served
	NormalizedSHA256 []string `yaml:"normalized-sha256"` // hex SHA-256 of the text without comments and white space
	Content          string   `yaml:"content"`           // "any": whatever the URL serves
	// The approval.
	Justification string `yaml:"justification"`
	Owner         string `yaml:"owner"`
	Approved      string `yaml:"approved"` // YYYY-MM-DD
	Expires       string `yaml:"expires"`  // YYYY-MM-DD, optional: the last day the approval holds
	// Pages limits the entry to pages whose URL matches one of these globs (default: every
	// payment page); it also makes the inventory check those pages when they are not payment pages.
	Pages []string `yaml:"pages"`
	// Required: the pages the entry applies to must load a script it identifies.
	Required bool `yaml:"required"`
	// Line is the entry's line in its file.
	Line int `yaml:"-"`

	lines map[string]int // the line of each key, for problems
}

// Match is how the entry identifies scripts: url, url-pattern, origin or inline-sha256.
func (e *Entry) Match() string {
	switch {
	case e.URL != "":
		return "url"
	case e.URLPattern != "":
		return "url-pattern"
	case e.Origin != "":
		return "origin"
	}
	return "inline-sha256"
}

// Identity is the value the entry matches scripts by.
func (e *Entry) Identity() string {
	switch {
	case e.URL != "":
		return e.URL
	case e.URLPattern != "":
		return e.URLPattern
	case e.Origin != "":
		return e.Origin
	}
	return e.InlineSHA256
}

// Label is how messages name the entry: its name, else its identity.
func (e *Entry) Label() string {
	if e.Name != "" {
		return e.Name
	}
	return e.Identity()
}

// specificity orders the ways of identifying a script: an exact URL says more than a pattern,
// a pattern more than an origin.
func (e *Entry) specificity() int {
	switch e.Match() {
	case "url", "inline-sha256":
		return 3
	case "url-pattern":
		return 2
	}
	return 1
}

// NeedsNormalized says some entry authorizes by normalized hash, so the crawl must compute it
// (crawler.Config.NormalizeScripts).
func (inv *Inventory) NeedsNormalized() bool {
	if inv == nil {
		return false
	}
	for i := range inv.Entries {
		if len(inv.Entries[i].NormalizedSHA256) > 0 {
			return true
		}
	}
	return false
}

// Load reads an inventory file: a list of entries, or a mapping whose scripts: key holds one
// (so padlock.yml itself may be given). Every problem is reported, each as FILE:LINE: message.
func Load(path string) (*Inventory, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// dateLayout is how approved and expires are written.
const dateLayout = "2006-01-02"

// Expired says the entry's expires date is past at now: the entry holds through that day, in
// UTC.
func (e *Entry) Expired(now time.Time) bool {
	if e.Expires == "" {
		return false
	}
	d, err := time.Parse(dateLayout, e.Expires)
	return err == nil && !now.UTC().Before(d.AddDate(0, 0, 1))
}

// ErrInvalid is wrapped by every error that says an inventory is not valid.
var ErrInvalid = errors.New("invalid script inventory")

// Problem is one problem of an inventory file, at a line.
type Problem struct {
	File string
	Line int
	Msg  string
}

func (p Problem) Error() string { return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg) }

// Problems are every problem of an inventory file, in line order.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// Is makes Problems match ErrInvalid.
func (ps Problems) Is(target error) bool { return target == ErrInvalid }

// problem is what is wrong with an entry, and the key it is about ("" for the entry).
type problem struct{ key, msg string }

// validate checks one entry (its fields decoded) and completes it: URLs normalized, hashes in
// lower case. It returns what is wrong, in the order of the fields.
func (e *Entry) validate() []problem {
	var bad []problem
	ids := 0
	for _, v := range []string{e.URL, e.URLPattern, e.Origin, e.InlineSHA256} {
		if strings.TrimSpace(v) != "" {
			ids++
		}
	}
	switch {
	case ids == 0:
		bad = append(bad, problem{"", "an entry needs one of url, url-pattern, origin or inline-sha256 (what identifies the script)"})
	case ids > 1:
		bad = append(bad, problem{"", "an entry has one of url, url-pattern, origin or inline-sha256, not several"})
	}
	if e.URL != "" {
		u, ok := crawler.ParseURL(strings.TrimSpace(e.URL))
		if !ok || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad = append(bad, problem{"url", fmt.Sprintf("url %q: want an absolute http or https URL", e.URL)})
		} else {
			e.URL = crawler.NormalizeURL(u)
		}
	}
	if e.URLPattern != "" && !strings.Contains(e.URLPattern, "*") {
		bad = append(bad, problem{"url-pattern", fmt.Sprintf("url-pattern %q has no *: use url for one exact URL", e.URLPattern)})
	}
	if e.Origin != "" {
		if err := rules.ValidateOriginPattern(e.Origin); err != nil {
			bad = append(bad, problem{"origin", fmt.Sprintf("origin %q: %v", e.Origin, err)})
		}
	}
	inline := e.InlineSHA256 != ""
	if inline {
		if h, ok := hexHash(e.InlineSHA256); ok {
			e.InlineSHA256 = h
		} else {
			bad = append(bad, problem{"inline-sha256", fmt.Sprintf("inline-sha256 %q: want 64 hex digits", e.InlineSHA256)})
		}
	}
	for _, list := range []struct {
		key string
		hs  []string
	}{{"sha256", e.SHA256}, {"normalized-sha256", e.NormalizedSHA256}} {
		for i, h := range list.hs {
			if v, ok := hexHash(h); ok {
				list.hs[i] = v
			} else {
				bad = append(bad, problem{list.key, fmt.Sprintf("%s %q: want 64 hex digits (openssl dgst -sha256 prints them)", list.key, h)})
			}
		}
	}
	hashes := len(e.SHA256) + len(e.NormalizedSHA256)
	switch {
	case e.Content != "" && e.Content != "any":
		bad = append(bad, problem{"content", fmt.Sprintf("content %q: the only value is any", e.Content)})
	case inline && (hashes > 0 || e.Content != ""):
		bad = append(bad, problem{"", "an inline-sha256 entry authorizes exactly that text: it takes no sha256, normalized-sha256 or content"})
	case !inline && ids == 1 && hashes == 0 && e.Content == "":
		bad = append(bad, problem{"", "say what content is authorized: sha256, normalized-sha256 (lists of hashes) or content: any"})
	case e.Content == "any" && hashes > 0:
		bad = append(bad, problem{"content", "content: any authorizes every content: drop sha256 and normalized-sha256, or content"})
	}
	if e.Justification == "" {
		bad = append(bad, problem{"justification", "justification is empty: PCI DSS 6.4.3 asks why each payment-page script is needed"})
	}
	if e.Owner == "" {
		bad = append(bad, problem{"owner", "owner is empty: who approved the script and answers for it"})
	}
	approved, err := time.Parse(dateLayout, strings.TrimSpace(e.Approved))
	switch {
	case strings.TrimSpace(e.Approved) == "":
		bad = append(bad, problem{"approved", "approved is empty: the date the script was approved, such as 2026-11-02"})
	case err != nil:
		bad = append(bad, problem{"approved", fmt.Sprintf("approved %q: want a date such as 2026-11-02", e.Approved)})
	}
	if e.Expires != "" {
		exp, xerr := time.Parse(dateLayout, strings.TrimSpace(e.Expires))
		switch {
		case xerr != nil:
			bad = append(bad, problem{"expires", fmt.Sprintf("expires %q: want a date such as 2027-11-02", e.Expires)})
		case err == nil && exp.Before(approved):
			bad = append(bad, problem{"expires", fmt.Sprintf("expires %s is before approved %s", e.Expires, e.Approved)})
		}
	}
	for _, p := range e.Pages {
		if strings.TrimSpace(p) == "" {
			bad = append(bad, problem{"pages", "pages: an empty pattern"})
		}
	}
	return bad
}

// hexHash is h as 64 lower-case hex digits, if it is one.
func hexHash(h string) (string, bool) {
	h = strings.ToLower(strings.TrimSpace(h))
	if len(h) != 64 {
		return "", false
	}
	for _, c := range h {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return "", false
		}
	}
	return h, true
}

// Glob reports whether s matches the pattern p, in which * matches any run of characters
// (slashes too) and every other character itself.
func Glob(p, s string) bool {
	star, next := -1, 0 // the last * of p seen, and where in s its run ends
	i, j := 0, 0
	for j < len(s) {
		switch {
		case i < len(p) && p[i] == '*':
			star, next = i, j
			i++
		case i < len(p) && p[i] == s[j]:
			i++
			j++
		case star >= 0:
			next++
			i, j = star+1, next
		default:
			return false
		}
	}
	for i < len(p) && p[i] == '*' {
		i++
	}
	return i == len(p)
}
