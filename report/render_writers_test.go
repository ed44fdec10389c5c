package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/rules"
)

// renderedReport is a report of one rendered page: a finding only the browser saw, made by an
// injected script whose URL carries markup, a static finding the browser blocked, and the
// injected script in the inventory.
const hostileInitiator = `https://tags.test/gtm.js?"><script>window.pwned=1</script>`

func renderedReport() *Report {
	start := time.Date(2026, 12, 5, 1, 0, 0, 0, time.UTC)
	page := "https://shop.test/checkout"
	return &Report{
		Version: Version, Tool: Tool{Name: "padlock", Version: "0.1.0-test"},
		StartURLs: []string{page}, StartedAt: start, FinishedAt: start.Add(time.Second),
		Config: &Settings{MaxPages: 10, CheckResources: "all", FailOn: "warning", Render: "all"},
		Stats:  Stats{Pages: 1, Requests: 3},
		Pages:  []Page{{URL: page, FinalURL: page, Status: 200, Rendered: true, Payment: true, Resources: []Resource{}}},
		Findings: []Finding{
			{Rule: "mixed-content-blockable", Severity: rules.Error, Page: page, URL: "http://cdn.test/api.json",
				Element: "fetch", Source: "render", Initiator: hostileInitiator,
				Message: "fetch() request loaded over plain HTTP on an HTTPS page; browsers block it"},
			{Rule: "mixed-content-blockable", Severity: rules.Error, Page: page, URL: "http://cdn.test/static.js",
				Element: "script", Attribute: "src", Line: 3, Source: "html", Observed: "blocked",
				Message: "script loaded over plain HTTP on an HTTPS page; browsers block it"},
		},
		Scripts: []Script{{Kind: "external", URL: "https://tags.test/pixel.js", Party: "third", SHA256: strings.Repeat("ab", 32),
			PageCount: 1, Pages: []string{page}, PaymentPages: []string{page}, InjectedBy: hostileInitiator}},
	}
}

func writeFormat(t *testing.T, format string, r *Report) string {
	t.Helper()
	w, err := New(format)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := w.Write(&buf, r); err != nil {
		t.Fatalf("write %s: %v", format, err)
	}
	return buf.String()
}

func TestHTMLShowsRenderFindings(t *testing.T) {
	t.Parallel()
	doc := renderHTML(t, renderedReport())
	raw := string(doc)
	if strings.Contains(raw, "<script>window.pwned") {
		t.Fatal("the initiator is written unescaped")
	}
	_, text := tokenize(t, doc)
	for _, want := range []string{
		"requested by " + hostileInitiator, // the render finding names its initiator, as text
		"browser: blocked",                 // the static finding says what the browser did
		"injected by " + hostileInitiator,  // the inventory names what inserted the script
		"the scripts that other scripts injected in the browser",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the report's text lacks %q", want)
		}
	}
}

func TestSARIFCarriesInitiator(t *testing.T) {
	t.Parallel()
	var log struct {
		Runs []struct {
			Results []struct {
				Message    struct{ Text string }
				Properties map[string]any
			}
		}
	}
	if err := json.Unmarshal([]byte(writeFormat(t, "sarif", renderedReport())), &log); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, res := range log.Runs[0].Results {
		switch res.Properties["source"] {
		case "render":
			got["render"] = res.Properties["initiator"] == hostileInitiator &&
				strings.HasSuffix(res.Message.Text, "(requested in the browser by "+hostileInitiator+")")
		case "html":
			got["html"] = res.Properties["observed"] == "blocked" && strings.HasSuffix(res.Message.Text, "(the browser blocked it)")
		}
	}
	if !got["render"] || !got["html"] {
		t.Errorf("SARIF results lack the initiator or the observed outcome: %v\n%+v", got, log.Runs[0].Results)
	}
}

func TestJUnitCarriesInitiator(t *testing.T) {
	t.Parallel()
	out := writeFormat(t, "junit", renderedReport())
	// The XML writer escapes the markup; the decoded text has the initiator as it was.
	var plain strings.Builder
	d := xml.NewDecoder(strings.NewReader(out))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not XML: %v", err)
		}
		switch v := tok.(type) {
		case xml.CharData:
			plain.Write(v)
		case xml.StartElement:
			for _, a := range v.Attr {
				plain.WriteString(" " + a.Value + " ")
			}
		}
	}
	for _, want := range []string{"requested in the browser by " + hostileInitiator, "the browser blocked it"} {
		if !strings.Contains(plain.String(), want) {
			t.Errorf("JUnit lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "<script>") {
		t.Error("JUnit carries the initiator's markup unescaped")
	}
}

func TestGitHubCarriesInitiator(t *testing.T) {
	t.Parallel()
	out := writeFormat(t, "github", renderedReport())
	for _, want := range []string{"(requested in the browser by " + hostileInitiator + ")", "(the browser blocked it)"} {
		if !strings.Contains(out, escapeData(want)) {
			t.Errorf("github output lacks %q:\n%s", want, out)
		}
	}
}
