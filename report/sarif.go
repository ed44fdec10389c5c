package report

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/rules"
)

// SARIF constants: the schema this writer targets (kept in testdata for the tests) and where
// padlock's documentation lives.
const (
	sarifVersion   = "2.1.0"
	sarifSchemaURI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	informationURI = "https://github.com/padlock-scan/padlock"
	// sarifSiteBase is the uriBaseId of pages on the first start URL's origin.
	sarifSiteBase = "SITE"
)

// The SARIF structs hold only what padlock writes. Field order follows the spec's examples.
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool               sarifTool                        `json:"tool"`
		AutomationDetails  *sarifAutomation                 `json:"automationDetails,omitempty"`
		OriginalURIBaseIDs map[string]sarifArtifactLocation `json:"originalUriBaseIds,omitempty"`
		Invocations        []sarifInvocation                `json:"invocations"`
		Results            []sarifResult                    `json:"results"`
		Properties         map[string]any                   `json:"properties,omitempty"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		Version        string      `json:"version,omitempty"`
		InformationURI string      `json:"informationUri"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID                   string             `json:"id"`
		Name                 string             `json:"name"`
		ShortDescription     sarifMessage       `json:"shortDescription"`
		FullDescription      sarifMessage       `json:"fullDescription"`
		Help                 sarifMultiMessage  `json:"help"`
		HelpURI              string             `json:"helpUri,omitempty"`
		DefaultConfiguration sarifConfiguration `json:"defaultConfiguration"`
		Properties           sarifRuleProps     `json:"properties"`
	}
	sarifRuleProps struct {
		Tags             []string `json:"tags"`
		SecuritySeverity string   `json:"security-severity"`
		Precision        string   `json:"precision"`
	}
	sarifConfiguration struct {
		Level string `json:"level"`
	}
	sarifMessage struct {
		Text string `json:"text"`
	}
	sarifMultiMessage struct {
		Text     string `json:"text"`
		Markdown string `json:"markdown,omitempty"`
	}
	sarifAutomation struct {
		ID string `json:"id"`
	}
	sarifArtifactLocation struct {
		URI       string `json:"uri"`
		URIBaseID string `json:"uriBaseId,omitempty"`
	}
	sarifInvocation struct {
		ExecutionSuccessful        bool                `json:"executionSuccessful"`
		StartTimeUTC               string              `json:"startTimeUtc,omitempty"`
		EndTimeUTC                 string              `json:"endTimeUtc,omitempty"`
		ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
		RuleConfigurationOverrides []sarifOverride     `json:"ruleConfigurationOverrides,omitempty"`
	}
	// sarifOverride turns a rule off for the run (--rule, --disable).
	sarifOverride struct {
		Descriptor    sarifDescriptorRef `json:"descriptor"`
		Configuration sarifEnabled       `json:"configuration"`
	}
	sarifDescriptorRef struct {
		ID    string `json:"id"`
		Index int    `json:"index"`
	}
	sarifEnabled struct {
		Enabled bool `json:"enabled"`
	}
	sarifNotification struct {
		Level      string            `json:"level"`
		Message    sarifMessage      `json:"message"`
		Properties map[string]string `json:"properties,omitempty"`
	}
	sarifResult struct {
		RuleID              string             `json:"ruleId"`
		RuleIndex           int                `json:"ruleIndex"`
		Level               string             `json:"level"`
		Message             sarifMessage       `json:"message"`
		Locations           []sarifLocation    `json:"locations"`
		PartialFingerprints map[string]string  `json:"partialFingerprints"`
		BaselineState       string             `json:"baselineState,omitempty"`
		Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
		Properties          map[string]any     `json:"properties,omitempty"`
	}
	sarifLocation struct {
		PhysicalLocation sarifPhysicalLocation `json:"physicalLocation"`
	}
	sarifPhysicalLocation struct {
		ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
		Region           sarifRegion           `json:"region"`
	}
	sarifRegion struct {
		StartLine int `json:"startLine"`
	}
	sarifSuppression struct {
		Kind          string            `json:"kind"`
		Status        string            `json:"status,omitempty"`
		Justification string            `json:"justification,omitempty"`
		Properties    map[string]string `json:"properties,omitempty"`
	}
)

// writeSARIF writes the report as a SARIF 2.1.0 log that GitHub code scanning accepts.
//
// Findings concern web pages, not files in the repository, so every location is a relative
// reference ("/checkout?step=2") against a uriBaseId whose absolute root sits in
// originalUriBaseIds: an absolute https: artifact URI makes GitHub reject the whole upload
// (github/codeql-action#754).
func writeSARIF(w io.Writer, r *Report) error { return writeSARIFMax(w, r, sarifMaxResults) }

// writeSARIFMax is writeSARIF with at most max results. It holds those results, never more of
// a spooled report's findings.
func writeSARIFMax(w io.Writer, r *Report, max int) error {
	findings, infos, left, err := sarifFindings(r, max)
	if err != nil {
		return err
	}
	index := make(map[string]int, len(infos))
	descs := make([]sarifRule, len(infos))
	for i, ri := range infos {
		index[ri.ID] = i
		descs[i] = sarifRuleFor(ri)
	}

	bases, err := newSARIFBases(r)
	if err != nil {
		return err
	}
	crawlErrs, err := r.errorList()
	if err != nil {
		return err
	}
	for _, f := range findings {
		bases.locate(f.Page) // every base id must be known before the run's head is written
	}

	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name: "padlock", Version: r.Tool.Version, InformationURI: informationURI, Rules: descs,
		}},
		OriginalURIBaseIDs: bases.roots,
		Invocations:        []sarifInvocation{sarifInvocationFor(r, left, index, crawlErrs)},
		Results:            []sarifResult{},
	}
	if host := bases.siteHost(); host != "" {
		// Distinct per site, so uploads for two sites into one repository do not close each
		// other's alerts; and per rule selection, so a run with a rule off does not close that
		// rule's alerts as if fixed.
		id := "padlock/" + host + "/"
		if r.Config != nil && len(r.Config.RulesDisabled) > 0 {
			id += selectionLabel(r.Config.RulesDisabled) + "/"
		}
		run.AutomationDetails = &sarifAutomation{ID: id}
	}
	if len(r.Fixed) > 0 {
		// Fixed findings are not emitted as baselineState "absent" results: code scanning
		// ignores baselineState and would show them as open alerts.
		run.Properties = map[string]any{"fixedFindings": len(r.Fixed)}
	}
	if r.Inventory != nil {
		// The PCI DSS 6.4.3 table (each payment page's scripts, status and approval) travels
		// with the results it explains; code scanning keeps run properties as they are.
		if run.Properties == nil {
			run.Properties = map[string]any{}
		}
		run.Properties["scriptInventory"] = r.Inventory
	}

	// The results, the bulk of the log, are written one at a time, so the log is never held
	// whole in memory.
	st := newJSONStream(w)
	defer st.close()
	err = st.object(sarifLog{Schema: sarifSchemaURI, Version: sarifVersion}, "", map[string]func(string) error{
		"runs": func(indent string) error {
			return st.array(1, indent, func(_ int, indent string) error {
				return st.object(&run, indent, map[string]func(string) error{
					"results": func(indent string) error {
						return st.array(len(findings), indent, func(i int, indent string) error {
							f := findings[i]
							return st.value(sarifResultFor(f, index[f.Rule], bases), indent)
						})
					},
				})
			})
		},
	})
	if err != nil {
		return err
	}
	return st.end()
}

// sarifMaxResults is GitHub code scanning's limit of results per run: a larger upload is not
// taken whole (github/docs sarif-limits).
const sarifMaxResults = 25000

// sarifFindings are the findings the log holds (withinResultLimit's choice, in report order),
// the rules of every finding, and how many findings were left out. A spooled report's
// findings are read twice, one at a time: once to count them by rank, once to keep the chosen.
func sarifFindings(r *Report, max int) (kept []Finding, infos []ruleInfo, left int, err error) {
	if r.spool == nil {
		all := sortedFindings(r.Findings)
		kept, left = withinResultLimit(all, max)
		return kept, allRules(all), left, nil
	}
	var firsts []Finding // each rule's first finding, for allRules
	seen := map[string]bool{}
	var perRank [20]int
	err = r.EachFinding(func(f *Finding) error {
		if !seen[f.Rule] {
			seen[f.Rule] = true
			firsts = append(firsts, *f)
		}
		perRank[resultRank(f)]++
		return nil
	})
	if err != nil {
		return nil, nil, 0, err
	}
	// Ranks below cut are kept whole; of rank cut, the first room in report order.
	cut, room := len(perRank), 0
	for rank, total := 0, 0; rank < len(perRank); rank++ {
		if total+perRank[rank] > max {
			cut, room = rank, max-total
			break
		}
		total += perRank[rank]
	}
	err = r.EachFinding(func(f *Finding) error {
		switch rank := resultRank(f); {
		case rank < cut:
		case rank == cut && room > 0:
			room--
		default:
			left++
			return nil
		}
		kept = append(kept, *f)
		return nil
	})
	return kept, allRules(firsts), left, err
}

// resultRank orders findings for the result limit: unsuppressed before suppressed, then
// errors, warnings and notes.
func resultRank(f *Finding) int {
	r := 0
	if f.Suppressed != nil {
		r = 10
	}
	return r + rules.Pick(f.Severity, 0, 1, 2)
}

// withinResultLimit keeps at most max findings: unsuppressed before suppressed, then errors,
// warnings and notes, each group in report order. It returns how many it left out.
func withinResultLimit(fs []Finding, max int) ([]Finding, int) {
	if len(fs) <= max {
		return fs, 0
	}
	kept := append([]Finding(nil), fs...)
	sort.SliceStable(kept, func(i, j int) bool { return resultRank(&kept[i]) < resultRank(&kept[j]) })
	kept = kept[:max]
	SortFindings(kept)
	return kept, len(fs) - max
}

// sarifLevel maps a padlock severity to a SARIF level.
func sarifLevel(sev rules.Severity) string {
	return rules.Pick(sev, "error", "warning", "note")
}

// securitySeverity is GitHub's 0.1-10.0 score: error is high, warning medium, info low.
func securitySeverity(sev rules.Severity) string {
	return rules.Pick(sev, "8.0", "5.5", "3.0")
}

func sarifRuleFor(ri ruleInfo) sarifRule {
	tags := []string{"security"}
	if ri.CWE > 0 { // the weakness the rule reports, shown by code scanning as a tag
		tags = append(tags, "external/cwe/cwe-"+strconv.Itoa(ri.CWE))
	}
	full := ri.Doc
	if full == "" {
		full = ri.Title
	}
	help := ri.Fix
	if help == "" {
		help = full
	}
	var md strings.Builder
	md.WriteString(markdownEscape(full))
	if ri.Fix != "" {
		md.WriteString("\n\n**How to fix.** " + markdownEscape(ri.Fix))
	}
	if ri.HelpURL != "" {
		md.WriteString("\n\n[Reference](" + ri.HelpURL + ")")
	}
	return sarifRule{
		ID:                   ri.ID,
		Name:                 pascalCase(ri.ID),
		ShortDescription:     sarifMessage{Text: ri.Title},
		FullDescription:      sarifMessage{Text: full},
		Help:                 sarifMultiMessage{Text: help, Markdown: md.String()},
		HelpURI:              ri.HelpURL,
		DefaultConfiguration: sarifConfiguration{Level: sarifLevel(ri.Severity)},
		Properties: sarifRuleProps{
			Tags: tags, SecuritySeverity: securitySeverity(ri.Severity), Precision: "high",
		},
	}
}

func sarifResultFor(f Finding, ruleIndex int, bases *sarifBases) sarifResult {
	uri, base := bases.locate(f.Page)
	line := f.Line
	if line < 1 {
		line = 1
	}
	props := map[string]any{"pageUrl": f.Page, "resourceUrl": f.URL, "severity": f.Severity}
	for k, v := range map[string]string{
		"element": f.Element, "attribute": f.Attribute, "source": f.Source,
		"stylesheet": f.Stylesheet, "mitigation": f.Mitigation,
		"initiator": f.Initiator, "observed": f.Observed,
	} {
		if v != "" {
			props[k] = v
		}
	}
	if f.Line > 0 {
		props["line"] = f.Line
	}
	if f.HTTPSAvailable != nil {
		props["httpsAvailable"] = *f.HTTPSAvailable
	}
	res := sarifResult{
		RuleID:    f.Rule,
		RuleIndex: ruleIndex,
		Level:     sarifLevel(f.Severity),
		Message:   sarifMessage{Text: findingText(f)},
		Locations: []sarifLocation{{PhysicalLocation: sarifPhysicalLocation{
			ArtifactLocation: sarifArtifactLocation{URI: uri, URIBaseID: base},
			Region:           sarifRegion{StartLine: line},
		}}},
		PartialFingerprints: map[string]string{"primaryLocationLineHash": fingerprint(f)},
		Properties:          props,
	}
	switch f.Baseline {
	case BaselineNew:
		res.BaselineState = "new"
	case BaselineKnown:
		res.BaselineState = "unchanged"
	}
	if s := f.Suppressed; s != nil {
		sup := sarifSuppression{Kind: "external", Status: "accepted", Justification: s.Reason}
		if s.Until != "" || s.Match != "" {
			sup.Properties = map[string]string{}
			if s.Until != "" {
				sup.Properties["until"] = s.Until
			}
			if s.Match != "" {
				sup.Properties["match"] = s.Match
			}
		}
		res.Suppressions = []sarifSuppression{sup}
	}
	return res
}

// selectionLabel names a rule selection in the shorter way: "only-a+b" or "without-c".
func selectionLabel(disabled []string) string {
	off := map[string]bool{}
	for _, id := range disabled {
		off[id] = true
	}
	var on []string
	for _, id := range rules.IDs() {
		if !off[id] {
			on = append(on, id)
		}
	}
	if len(on) < len(disabled) {
		return "only-" + strings.Join(on, "+")
	}
	return "without-" + strings.Join(disabled, "+")
}

func sarifInvocationFor(r *Report, left int, index map[string]int, crawlErrs []Error) sarifInvocation {
	inv := sarifInvocation{ExecutionSuccessful: !r.Interrupted}
	if r.Config != nil {
		for _, id := range r.Config.RulesDisabled {
			if i, ok := index[id]; ok {
				inv.RuleConfigurationOverrides = append(inv.RuleConfigurationOverrides, sarifOverride{
					Descriptor: sarifDescriptorRef{ID: id, Index: i}, Configuration: sarifEnabled{Enabled: false},
				})
			}
		}
	}
	if left > 0 {
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, sarifNotification{
			Level: "warning",
			Message: sarifMessage{Text: fmt.Sprintf("%d findings were left out: GitHub code scanning takes at most %d results a run; "+
				"the most severe unsuppressed ones are here, the JSON report has them all", left, sarifMaxResults)},
		})
	}
	if !r.StartedAt.IsZero() {
		inv.StartTimeUTC = r.StartedAt.UTC().Format(time.RFC3339)
	}
	if !r.FinishedAt.IsZero() {
		inv.EndTimeUTC = r.FinishedAt.UTC().Format(time.RFC3339)
	}
	if r.Interrupted {
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, sarifNotification{
			Level:   "error",
			Message: sarifMessage{Text: "the crawl was interrupted before it finished; results are partial"},
		})
	}
	for _, w := range r.Warnings {
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, sarifNotification{
			Level: "warning", Message: sarifMessage{Text: w},
		})
	}
	for _, e := range crawlErrs {
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, sarifNotification{
			Level:      "error",
			Message:    sarifMessage{Text: e.URL + ": " + e.Error},
			Properties: map[string]string{"url": e.URL},
		})
	}
	return inv
}

// fingerprint identifies a finding across crawls without line numbers, which move with every
// deploy: rule, normalised page URL and resource URL; for an origin-level rule, rule and origin
// (its page is only the origin's first, which moves).
func fingerprint(f Finding) string {
	page := crawler.NormalizeURLString(f.Page)
	if originRules()[f.Rule] {
		page = ""
	}
	sum := sha256.Sum256([]byte(f.Rule + "\x00" + page + "\x00" + crawler.NormalizeURLString(f.URL)))
	return hex.EncodeToString(sum[:])
}

// sarifBases names the uriBaseIds of a run: SITE for the first start URL's origin and one per
// other origin that findings are on.
type sarifBases struct {
	site  string                           // normalised origin of SITE, "https://host"
	ids   map[string]string                // normalised origin -> uriBaseId
	roots map[string]sarifArtifactLocation // uriBaseId -> root
}

func newSARIFBases(r *Report) (*sarifBases, error) {
	b := &sarifBases{ids: map[string]string{}, roots: map[string]sarifArtifactLocation{}}
	root := r.siteRoot()
	if root == "" {
		first := errors.New("first page")
		err := r.EachPage(func(p *Page) error {
			if o := originOf(p.URL); o != "" {
				root = o + "/"
			}
			return first
		})
		if err != nil && err != first {
			return nil, err
		}
	}
	if o := originOf(root); o != "" {
		b.site = o
		b.ids[o] = sarifSiteBase
		b.roots[sarifSiteBase] = sarifArtifactLocation{URI: root}
	}
	return b, nil
}

// siteHost is the host of SITE, for runAutomationDetails.
func (b *sarifBases) siteHost() string {
	if b.site == "" {
		return ""
	}
	u, err := url.Parse(b.site)
	if err != nil {
		return ""
	}
	return u.Host
}

// locate returns the relative artifact URI of a page ("/" for the root, query included) and
// its uriBaseId, adding a base for an origin seen for the first time.
func (b *sarifBases) locate(page string) (uri, base string) {
	u, err := url.Parse(page)
	origin := originOf(page)
	if err != nil || origin == "" {
		if b.site == "" {
			return "/", ""
		}
		return "/", sarifSiteBase
	}
	path := u.EscapedPath()
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	if u.RawQuery != "" || u.ForceQuery {
		path += "?" + u.RawQuery
	}
	uri = uriEscape(path)
	if id, ok := b.ids[origin]; ok {
		return uri, id
	}
	ou, _ := url.Parse(origin)
	name := ou.Host
	if ou.Scheme != "https" {
		name = ou.Scheme + "-" + name
	}
	id := name
	for n := 2; b.taken(id); n++ {
		id = name + "-" + strconv.Itoa(n)
	}
	b.ids[origin] = id
	b.roots[id] = sarifArtifactLocation{URI: origin + "/"}
	return uri, id
}

// originOf returns the normalised "scheme://host" of an http(s) URL, or "".
func originOf(s string) string {
	u, err := url.Parse(crawler.NormalizeURLString(s))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// uriEscape percent-encodes every byte that may not appear in a URI reference (RFC 3986), and
// "#", since a fragment is never part of a page's location. Valid %XX escapes are kept.
func uriEscape(s string) string {
	const hexdig = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteByte(c)
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			strings.IndexByte("-._~:/?@!$&'()*+,;=", c) >= 0:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexdig[c>>4])
			b.WriteByte(hexdig[c&15])
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func (b *sarifBases) taken(id string) bool {
	_, ok := b.roots[id]
	return ok
}

// pascalCase turns a rule ID ("mixed-content-blockable") into SARIF's rule name style
// ("MixedContentBlockable").
func pascalCase(id string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(id, func(r rune) bool { return r == '-' || r == '_' || r == ' ' }) {
		rs := []rune(part)
		b.WriteString(strings.ToUpper(string(rs[:1])) + string(rs[1:]))
	}
	return b.String()
}

// markdownEscape backslash-escapes the characters GitHub's Markdown would interpret, so rule
// texts such as "<picture>" show literally.
func markdownEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_{}[]()<>#+!|~", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
