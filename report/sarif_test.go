package report

import (
	"bytes"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/padlock-scan/padlock/rules"
)

var (
	sarifSchemaOnce sync.Once
	sarifSchema     *jsonschema.Schema
	sarifSchemaErr  error
)

// loadSARIFSchema compiles the OASIS SARIF 2.1.0 schema kept in testdata, with format
// assertions on (uri, uri-reference, date-time).
func loadSARIFSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	sarifSchemaOnce.Do(func() {
		f, err := os.Open("testdata/sarif-schema-2.1.0.json")
		if err != nil {
			sarifSchemaErr = err
			return
		}
		defer f.Close()
		doc, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			sarifSchemaErr = err
			return
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		if err := c.AddResource(sarifSchemaURI, doc); err != nil {
			sarifSchemaErr = err
			return
		}
		sarifSchema, sarifSchemaErr = c.Compile(sarifSchemaURI)
	})
	if sarifSchemaErr != nil {
		t.Fatalf("load SARIF schema: %v", sarifSchemaErr)
	}
	return sarifSchema
}

func renderSARIF(t *testing.T, r *Report) []byte {
	t.Helper()
	w, err := New("sarif")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := w.Write(&buf, r); err != nil {
		t.Fatalf("write sarif: %v", err)
	}
	return buf.Bytes()
}

func decodeSARIF(t *testing.T, b []byte) sarifLog {
	t.Helper()
	var log sarifLog
	if err := json.Unmarshal(b, &log); err != nil {
		t.Fatalf("decode sarif: %v", err)
	}
	return log
}

// TestSARIFSchemaRejects makes sure the schema check has teeth.
func TestSARIFSchemaRejects(t *testing.T) {
	t.Parallel()
	good := string(renderSARIF(t, fixtureReport()))
	tests := []struct{ name, old, new string }{
		{"bad level", `"level": "error"`, `"level": "fatal"`},
		{"bad baseline state", `"baselineState": "new"`, `"baselineState": "fresh"`},
		{"bad version", `"version": "2.1.0"`, `"version": "2.0"`},
		{"driver without name", `"name": "padlock"`, `"title": "padlock"`},
		{"start time not a date", `"startTimeUtc": "2026-11-29T03:00:00Z"`, `"startTimeUtc": "yesterday"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if !strings.Contains(good, tt.old) {
				t.Fatalf("fixture output lacks %s", tt.old)
			}
			bad := strings.Replace(good, tt.old, tt.new, 1)
			inst, err := jsonschema.UnmarshalJSON(strings.NewReader(bad))
			if err != nil {
				t.Fatal(err)
			}
			if loadSARIFSchema(t).Validate(inst) == nil {
				t.Errorf("schema accepted %s", tt.new)
			}
		})
	}
}

func TestSARIFSchema(t *testing.T) {
	t.Parallel()
	noStart := fixtureReport()
	noStart.StartURLs = nil
	tests := []struct {
		name string
		r    *Report
	}{
		{"fixture", fixtureReport()},
		{"empty", emptyReport()},
		{"interrupted", interruptedReport()},
		{"no start URLs", noStart},
		{"zero report", &Report{}},
		{"rules off", rulesOffReport()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sch := loadSARIFSchema(t)
			out := renderSARIF(t, tt.r)
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(inst); err != nil {
				t.Fatalf("SARIF does not validate against the 2.1.0 schema:\n%v\n%s", err, out)
			}
		})
	}
}

// TestSARIFGitHubConstraints checks what GitHub code scanning requires beyond the schema
// (docs: sarif-support; github/codeql-action#754 for URI schemes).
func TestSARIFGitHubConstraints(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		r    *Report
	}{
		{"fixture", fixtureReport()},
		{"empty", emptyReport()},
		{"interrupted", interruptedReport()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := renderSARIF(t, tt.r)
			log := decodeSARIF(t, out)
			if log.Schema == "" || log.Version != "2.1.0" || len(log.Runs) != 1 {
				t.Fatalf("$schema %q, version %q, %d runs", log.Schema, log.Version, len(log.Runs))
			}
			run := log.Runs[0]
			if run.Tool.Driver.Name != "padlock" {
				t.Errorf("driver name %q", run.Tool.Driver.Name)
			}
			ids := map[string]int{}
			for i, rule := range run.Tool.Driver.Rules {
				if _, dup := ids[rule.ID]; dup {
					t.Errorf("rule id %q twice", rule.ID)
				}
				ids[rule.ID] = i
				if rule.ShortDescription.Text == "" || rule.FullDescription.Text == "" || rule.Help.Text == "" {
					t.Errorf("rule %s: shortDescription, fullDescription and help text are required", rule.ID)
				}
				if !contains(rule.Properties.Tags, "security") {
					t.Errorf("rule %s: tags %v lack security", rule.ID, rule.Properties.Tags)
				}
				if s, err := strconv.ParseFloat(rule.Properties.SecuritySeverity, 64); err != nil || s < 0.1 || s > 10 {
					t.Errorf("rule %s: security-severity %q is not a string in 0.1-10.0", rule.ID, rule.Properties.SecuritySeverity)
				}
				if lvl := rule.DefaultConfiguration.Level; lvl != "error" && lvl != "warning" && lvl != "note" {
					t.Errorf("rule %s: level %q", rule.ID, lvl)
				}
			}
			for _, r := range rules.All() {
				if _, ok := ids[r.ID]; !ok {
					t.Errorf("rule %s missing from driver.rules", r.ID)
				}
			}
			if run.Results == nil || !bytes.Contains(out, []byte(`"results": [`)) {
				t.Errorf("results must be an array, even empty")
			}
			if len(run.Results) != len(tt.r.Findings) {
				t.Errorf("%d results for %d findings", len(run.Results), len(tt.r.Findings))
			}
			for k, v := range run.OriginalURIBaseIDs {
				if !strings.HasPrefix(v.URI, "https://") && !strings.HasPrefix(v.URI, "http://") || !strings.HasSuffix(v.URI, "/") {
					t.Errorf("originalUriBaseIds[%s] = %q: want an absolute URI ending in /", k, v.URI)
				}
			}
			for i, res := range run.Results {
				if idx, ok := ids[res.RuleID]; !ok || idx != res.RuleIndex {
					t.Errorf("result %d: ruleId %q ruleIndex %d does not match driver.rules", i, res.RuleID, res.RuleIndex)
				}
				if res.Message.Text == "" {
					t.Errorf("result %d: empty message", i)
				}
				if len(res.Locations) == 0 {
					t.Fatalf("result %d: no location (GitHub hides it)", i)
				}
				loc := res.Locations[0].PhysicalLocation
				uri := loc.ArtifactLocation.URI
				if strings.Contains(uri, "://") || !strings.HasPrefix(uri, "/") {
					t.Errorf("result %d: artifact uri %q must be a relative reference starting with /", i, uri)
				}
				if _, ok := run.OriginalURIBaseIDs[loc.ArtifactLocation.URIBaseID]; !ok {
					t.Errorf("result %d: uriBaseId %q not in originalUriBaseIds", i, loc.ArtifactLocation.URIBaseID)
				}
				if loc.Region.StartLine < 1 {
					t.Errorf("result %d: startLine %d", i, loc.Region.StartLine)
				}
				if len(res.PartialFingerprints["primaryLocationLineHash"]) != 64 {
					t.Errorf("result %d: partialFingerprints %v", i, res.PartialFingerprints)
				}
				f := tt.r.Findings[i]
				if f.URL != "" && !strings.Contains(res.Message.Text, f.URL) {
					t.Errorf("result %d: message %q lacks the resource URL", i, res.Message.Text)
				}
			}
			wantAuto := "padlock/" + hostOf(tt.r.StartURLs[0]) + "/"
			if run.AutomationDetails == nil || run.AutomationDetails.ID != wantAuto {
				t.Errorf("automationDetails %+v, want id %q", run.AutomationDetails, wantAuto)
			}
			inv := run.Invocations[0]
			if inv.ExecutionSuccessful == tt.r.Interrupted {
				t.Errorf("executionSuccessful %v with interrupted %v", inv.ExecutionSuccessful, tt.r.Interrupted)
			}
			errs := 0
			for _, n := range inv.ToolExecutionNotifications {
				if n.Level == "error" {
					errs++
				}
			}
			want := len(tt.r.Errors)
			if tt.r.Interrupted {
				want++
			}
			if errs != want {
				t.Errorf("%d error notifications, want %d", errs, want)
			}
		})
	}
}

func TestSARIFLocations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, page, wantURI, wantBase, wantRoot string
	}{
		{"root", "https://www.shop.test/", "/", "SITE", "https://www.shop.test/"},
		{"no path", "https://www.shop.test", "/", "SITE", "https://www.shop.test/"},
		{"default port", "https://WWW.shop.test:443/a", "/a", "SITE", "https://www.shop.test/"},
		{"query kept", "https://www.shop.test/checkout?step=2&x=1", "/checkout?step=2&x=1", "SITE", "https://www.shop.test/"},
		{"fragment dropped", "https://www.shop.test/a#top", "/a", "SITE", "https://www.shop.test/"},
		{"hostile query escaped", hostileScriptURL, "/search?q=%22%3E%3Cscript%3Ewindow.pwned=1%3C/script%3E", "SITE", "https://www.shop.test/"},
		{"other host", "https://blog.shop.test/post", "/post", "blog.shop.test", "https://blog.shop.test/"},
		{"http on site host", "http://www.shop.test/legacy", "/legacy", "http-www.shop.test", "http://www.shop.test/"},
		{"port", "https://www.shop.test:8443/x", "/x", "www.shop.test:8443", "https://www.shop.test:8443/"},
		{"unparsable", "%zz", "/", "SITE", "https://www.shop.test/"},
		{"empty", "", "/", "SITE", "https://www.shop.test/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, _ := newSARIFBases(&Report{StartURLs: []string{"https://www.shop.test/"}}) // no page to read: no error
			uri, base := b.locate(tt.page)
			if uri != tt.wantURI || base != tt.wantBase {
				t.Errorf("locate(%q) = %q, %q; want %q, %q", tt.page, uri, base, tt.wantURI, tt.wantBase)
			}
			if got := b.roots[base].URI; got != tt.wantRoot {
				t.Errorf("root of %s = %q, want %q", base, got, tt.wantRoot)
			}
		})
	}
}

func TestSARIFFingerprint(t *testing.T) {
	t.Parallel()
	base := Finding{Rule: "mixed-content-blockable", Page: "https://www.shop.test/", URL: "http://cdn.test/a.js", Line: 14}
	tests := []struct {
		name   string
		change func(*Finding)
		same   bool
	}{
		{"line moved", func(f *Finding) { f.Line = 99 }, true},
		{"message reworded", func(f *Finding) { f.Message = "other words" }, true},
		{"page spelled differently", func(f *Finding) { f.Page = "HTTPS://WWW.shop.test:443/#x" }, true},
		{"other resource", func(f *Finding) { f.URL = "http://cdn.test/b.js" }, false},
		{"other page", func(f *Finding) { f.Page = "https://www.shop.test/b" }, false},
		{"other rule", func(f *Finding) { f.Rule = "sri-missing" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := base
			tt.change(&g)
			if got := fingerprint(g) == fingerprint(base); got != tt.same {
				t.Errorf("same fingerprint = %v, want %v", got, tt.same)
			}
		})
	}
	// And through the whole writer: moving every line keeps every fingerprint.
	a, b := fixtureReport(), fixtureReport()
	for i := range b.Findings {
		b.Findings[i].Line += 7
	}
	ra, rb := decodeSARIF(t, renderSARIF(t, a)).Runs[0].Results, decodeSARIF(t, renderSARIF(t, b)).Runs[0].Results
	for i := range ra {
		if ra[i].PartialFingerprints["primaryLocationLineHash"] != rb[i].PartialFingerprints["primaryLocationLineHash"] {
			t.Errorf("result %d: fingerprint changed with the line", i)
		}
	}
}

func TestSARIFResultDetails(t *testing.T) {
	t.Parallel()
	r := fixtureReport()
	run := decodeSARIF(t, renderSARIF(t, r)).Runs[0]
	byRule := map[string][]sarifResult{}
	for _, res := range run.Results {
		byRule[res.RuleID] = append(byRule[res.RuleID], res)
	}
	tests := []struct {
		name  string
		check func() bool
	}{
		{"suppressed finding has an external suppression with its reason", func() bool {
			res := byRule["insecure-form"][0]
			return len(res.Suppressions) == 1 && res.Suppressions[0].Kind == "external" &&
				strings.Contains(res.Suppressions[0].Justification, "legacy PSP")
		}},
		{"unsuppressed findings have none", func() bool { return len(byRule["insecure-page"][0].Suppressions) == 0 }},
		{"known is unchanged", func() bool { return byRule["insecure-form"][0].BaselineState == "unchanged" }},
		{"new is new", func() bool { return byRule["insecure-page"][0].BaselineState == "new" }},
		{"info is note", func() bool { return byRule["insecure-link"][0].Level == "note" }},
		{"line 0 is line 1", func() bool { return byRule["insecure-page"][0].Locations[0].PhysicalLocation.Region.StartLine == 1 }},
		{"other host has its own base", func() bool {
			return byRule["https-downgrade"][0].Locations[0].PhysicalLocation.ArtifactLocation.URIBaseID == "blog.shop.test"
		}},
		{"unknown rule still gets a descriptor", func() bool {
			res := byRule["future-rule"][0]
			return run.Tool.Driver.Rules[res.RuleIndex].ID == "future-rule"
		}},
		{"properties carry the resource", func() bool {
			p := byRule["mixed-content-upgradeable"][0].Properties
			return p["resourceUrl"] == ampersandURL && p["httpsAvailable"] == false && p["mitigation"] == "csp-upgrade-insecure-requests"
		}},
		{"site base is the site root", func() bool { return run.OriginalURIBaseIDs["SITE"].URI == r.siteRoot() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if !tt.check() {
				t.Fail()
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestSARIFKeepsWithinGitHubResultLimit(t *testing.T) {
	t.Parallel()
	var fs []Finding
	for i := 0; i < 30; i++ {
		sev := []rules.Severity{rules.Info, rules.Warning, rules.Error}[i%3]
		fs = append(fs, Finding{Rule: "mixed-content-blockable", Severity: sev, Page: "https://s.test/", URL: "http://x.test/" + strconv.Itoa(i), Line: i})
	}
	fs[0].Suppressed = &Suppression{Reason: "r"}
	fs[2].Suppressed = &Suppression{Reason: "r"} // an error, but suppressed: after unsuppressed ones
	kept, left := withinResultLimit(fs, 12)
	if left != 18 || len(kept) != 12 {
		t.Fatalf("kept %d, left %d", len(kept), left)
	}
	errs := 0
	for _, f := range kept {
		if f.Suppressed != nil || f.Severity == rules.Info {
			t.Errorf("kept %+v over more severe unsuppressed findings", f)
		}
		if f.Severity == rules.Error {
			errs++
		}
	}
	if errs != 9 {
		t.Errorf("all 9 unsuppressed errors must be kept, got %d", errs)
	}
}

// The results are streamed into the log: the bytes must be what encoding the log whole gives.
func TestSARIFStreamingMatchesEncodingWhole(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := writeSARIF(&out, fixtureReport()); err != nil {
		t.Fatal(err)
	}
	var log sarifLog
	if err := json.Unmarshal(out.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if len(log.Runs) != 1 || len(log.Runs[0].Results) < 2 {
		t.Fatalf("want a run with several results, got %+v", log.Runs)
	}
	var whole bytes.Buffer
	if err := encodeIndented(&whole, log, ""); err != nil {
		t.Fatal(err)
	}
	if whole.String() != out.String() {
		t.Errorf("streamed SARIF differs from the whole encoding:\n%s\nwant:\n%s", out.String(), whole.String())
	}
}

func rulesOffReport() *Report {
	r := fixtureReport()
	r.Config = &Settings{RulesDisabled: []string{"hsts-missing", "tls-legacy"}}
	return r
}

// A run with rules off says so (ruleConfigurationOverrides) and uploads under its own category,
// so code scanning does not close the alerts of the rules that did not run.
func TestSARIFRulesOff(t *testing.T) {
	t.Parallel()
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct{ ID string }
				}
			}
			AutomationDetails struct{ ID string }
			Invocations       []struct {
				RuleConfigurationOverrides []struct {
					Descriptor struct {
						ID    string
						Index int
					}
					Configuration struct{ Enabled *bool }
				}
			}
		}
	}
	if err := json.Unmarshal(renderSARIF(t, rulesOffReport()), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	ov := run.Invocations[0].RuleConfigurationOverrides
	if len(ov) != 2 {
		t.Fatalf("overrides %+v", ov)
	}
	for i, want := range []string{"hsts-missing", "tls-legacy"} {
		o := ov[i]
		if o.Descriptor.ID != want || run.Tool.Driver.Rules[o.Descriptor.Index].ID != want ||
			o.Configuration.Enabled == nil || *o.Configuration.Enabled {
			t.Errorf("override %d: %+v, want %s disabled at its index", i, o, want)
		}
	}
	if want := "padlock/www.shop.test/without-hsts-missing+tls-legacy/"; run.AutomationDetails.ID != want {
		t.Errorf("automation id %q, want %q", run.AutomationDetails.ID, want)
	}
	only := fixtureReport()
	only.Config = &Settings{}
	for _, id := range rules.IDs() {
		if id != "insecure-form" {
			only.Config.RulesDisabled = append(only.Config.RulesDisabled, id)
		}
	}
	if err := json.Unmarshal(renderSARIF(t, only), &log); err != nil {
		t.Fatal(err)
	}
	if want := "padlock/www.shop.test/only-insecure-form/"; log.Runs[0].AutomationDetails.ID != want {
		t.Errorf("automation id %q, want %q", log.Runs[0].AutomationDetails.ID, want)
	}
}

func TestSARIFCarriesWarnings(t *testing.T) {
	t.Parallel()
	r := fixtureReport()
	r.Warnings = []string{"rule hsts-missing was off in the baseline: its 2 findings count as new"}
	out := string(renderSARIF(t, r))
	if !strings.Contains(out, `"text": "rule hsts-missing was off in the baseline: its 2 findings count as new"`) {
		t.Errorf("warning not among the tool execution notifications:\n%s", out)
	}
}

// A spooled report's log holds only the results it keeps (two passes over the findings): at
// the result limit it is byte for byte the log of the same report in memory.
func TestSARIFOfSpooledReportAtTheResultLimit(t *testing.T) {
	t.Parallel()
	r := fixtureReport()
	r.StartURLs = nil // the site's root from the first page
	for i := 0; i < 40; i++ {
		sev := []rules.Severity{rules.Info, rules.Warning, rules.Error}[i%3]
		f := Finding{Rule: "mixed-content-blockable", Severity: sev, Page: "https://s.test/" + strconv.Itoa(i%7), URL: "http://x.test/" + strconv.Itoa(i), Line: i}
		if i%5 == 0 {
			f.Suppressed = &Suppression{Reason: "r"}
		}
		r.Findings = append(r.Findings, f)
	}
	r.Finish()
	for _, max := range []int{5, 17, 30, 1000} {
		var want, got bytes.Buffer
		if err := writeSARIFMax(&want, r, max); err != nil {
			t.Fatal(err)
		}
		spooled := spooledCopy(t, r, 1)
		if err := writeSARIFMax(&got, spooled, max); err != nil {
			t.Fatal(err)
		}
		spooled.Close()
		if got.String() != want.String() {
			t.Errorf("max %d: the spooled report's log differs:\n%s\nwant:\n%s", max, got.String(), want.String())
		}
	}
}
