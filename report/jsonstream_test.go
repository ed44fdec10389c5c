package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/rules"
	"reflect"
	"sort"
	"strings"
)

// streamCases are pages and findings with every optional field set and unset, and strings that
// need escaping (quotes, HTML characters, control bytes, invalid UTF-8, U+2028).
func streamCases() ([]Page, []Finding) {
	yes, no := true, false
	rs := []Resource{
		{URL: "http://cdn.test/a.js?x=\"<1>\"", Element: "script", Attribute: "src", Kind: "script", Line: 14},
		{URL: "https://s.test/b.png", Element: "background-image", Attribute: "url", Kind: "image", Line: 3, Source: "css", Stylesheet: "https://s.test/s.css", Status: 404},
		{URL: "https://s.test/\u2028\xff\x01", Element: "a", Attribute: "href", Kind: "link", Source: "html"},
	}
	pages := []Page{
		{URL: "https://s.test/", FinalURL: "https://s.test/", Status: 200, Resources: []Resource{}},
		{URL: "https://s.test/a", FinalURL: "https://s.test/b", Status: 200, Depth: 2, ContentType: "text/html; charset=utf-8",
			Title: "T \"q\" <x>", Frame: true, Parent: "https://s.test/", TLS: &TLS{Version: "TLS 1.3", Cipher: "X"},
			Redirects: []Redirect{{From: "https://s.test/a", To: "https://s.test/b", Status: 301, Via: "http"}, {From: "https://s.test/b", To: "http://x/", Via: "meta-refresh"}},
			Truncated: true, Error: "HTTP 500", Resources: rs, Payment: true, PaymentSignals: []string{"cc-number field"}, CSP: []string{"default-src 'self'", "upgrade-insecure-requests"},
			SecurityHeaders: map[string]string{"X-Frame-Options": "DENY", "Bad\"<Name>": "v\u2028\"</script>"}},
		{URL: "http://s.test/", FinalURL: "http://s.test/", Status: 301, TLS: &TLS{Version: "TLS 1.2"}, Resources: rs[:1]},
		{URL: "http://s.test/nil", FinalURL: "http://s.test/nil"},
	}
	findings := []Finding{
		{Rule: "r", Severity: rules.Error, Page: "https://s/", URL: "http://x/\"a\"", Line: 3, Source: "html", Message: "m <b>"},
		{Rule: "r", Severity: rules.Warning, Page: "p", URL: "u", Element: "img", Attribute: "src", Source: "css", Message: "m",
			Stylesheet: "s.css", Mitigation: "csp-upgrade-insecure-requests", HTTPSAvailable: &yes, Baseline: BaselineNew,
			Suppressed: &Suppression{Reason: "why\n", Until: "2027-01-01", Match: "http://x/*"}},
		{Rule: "r", HTTPSAvailable: &no, Suppressed: &Suppression{Reason: "r"}, Baseline: BaselineKnown},
	}
	return pages, findings
}

// checkStreamed writes r with writeJSON, held in memory and spooled (with runs on disk and
// without), and wants the bytes of encoding r whole. A spooled report holds its pages and
// findings in report order (as Finish sorts them) and always writes them, the fix list and the
// inventory as arrays.
func checkStreamed(t *testing.T, r *Report) {
	t.Helper()
	var want bytes.Buffer
	if err := encodeIndented(&want, r, ""); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := writeJSON(&got, r); err != nil {
		t.Fatal(err)
	}
	if got.String() != want.String() {
		t.Fatalf("streamed JSON differs:\n%s\nwant:\n%s", got.String(), want.String())
	}
	sorted := *r
	sorted.Pages = append([]Page{}, r.Pages...)
	sort.SliceStable(sorted.Pages, func(i, j int) bool { return sorted.Pages[i].URL < sorted.Pages[j].URL })
	sorted.Findings = append([]Finding{}, r.Findings...)
	SortFindings(sorted.Findings)
	sorted.Fixes = append([]Fix{}, r.Fixes...)
	sorted.Scripts = append([]Script{}, r.Scripts...)
	want.Reset()
	if err := encodeIndented(&want, &sorted, ""); err != nil {
		t.Fatal(err)
	}
	for _, limit := range []int{1, 300, DefaultSpillBytes} { // 300: some pages' bytes on disk, some in memory
		spooled := spooledCopy(t, r, limit)
		got.Reset()
		if err := writeJSON(&got, spooled); err != nil {
			t.Fatal(err)
		}
		spooled.Close()
		if got.String() != want.String() {
			t.Fatalf("spooled JSON (spill at %d bytes) differs:\n%s\nwant:\n%s", limit, got.String(), want.String())
		}
	}
}

// spooledCopy is r with its pages and findings added through a spool that writes a run out
// once limit bytes are in memory; the caller closes it.
func spooledCopy(t *testing.T, r *Report, limit int) *Report {
	t.Helper()
	spooled := *r
	spooled.Pages, spooled.Findings = nil, nil
	spooled.UseSpool(NewSpoolSize(limit))
	for _, p := range r.Pages {
		if err := spooled.AddPage(p); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range r.Findings {
		if err := spooled.AddFinding(f); err != nil {
			t.Fatal(err)
		}
	}
	spooled.Errors = nil
	if r.Errors != nil {
		spooled.Errors = []Error{}
	}
	for _, e := range r.Errors {
		if err := spooled.AddError(e); err != nil {
			t.Fatal(err)
		}
	}
	return &spooled
}

func TestWriteJSONMatchesEncodingWhole(t *testing.T) {
	t.Parallel()
	pages, findings := streamCases()
	for _, tc := range []struct {
		name string
		r    Report
	}{
		{"zero", Report{Pages: []Page{}, Findings: []Finding{}}},
		{"empty arrays", Report{Version: Version, Pages: []Page{}, Findings: []Finding{}}},
		{"pages and findings", Report{Version: Version, Pages: pages, Findings: findings, Warnings: []string{"w"},
			Errors: []Error{{URL: "https://a.example/", Error: "timeout"}, {URL: "https://a.example/", Error: "x\xff"}, {URL: "https://b.example/", Error: "refused"}},
			Config: &Settings{FailOn: "never", RulesDisabled: []string{"x"}}, Interrupted: true, Fixed: findings[:1]}},
		{"one of each", Report{Pages: pages[:1], Findings: findings[2:]}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			checkStreamed(t, &tc.r)
		})
	}
}

// Crawled pages are spooled from the crawler's resources, never copied into report values: the
// bytes must be those of the converted page.
func TestAddCrawledPageMatchesEncodingWhole(t *testing.T) {
	t.Parallel()
	crs := []crawler.Resource{
		{URL: "http://cdn.test/a.js", Element: "script", Attribute: "src", Kind: crawler.KindScript, Line: 4, Source: crawler.SourceHTML},
		{URL: "https://s.test/f.woff", Element: "@font-face", Attribute: "url", Kind: crawler.KindFont, Line: 9, Source: crawler.SourceCSS,
			Stylesheet: "https://s.test/s.css", Fetch: &crawler.Fetch{Status: 200}},
	}
	meta := Page{URL: "https://s.test/", FinalURL: "https://s.test/", Status: 200, Title: "<T>"}
	whole := &Report{Version: Version, Findings: []Finding{}, Fixes: []Fix{}, Scripts: []Script{}}
	p := meta
	p.Resources = []Resource{fromResource(&crs[0]), fromResource(&crs[1])}
	whole.Pages = []Page{p, meta}
	whole.Pages[1].Resources = []Resource{}
	var want bytes.Buffer
	if err := encodeIndented(&want, whole, ""); err != nil {
		t.Fatal(err)
	}
	for _, spool := range []bool{false, true} {
		r := &Report{Version: Version, Findings: []Finding{}, Fixes: []Fix{}, Scripts: []Script{}}
		if spool {
			r.UseSpool(NewSpoolSize(1))
		}
		if err := r.AddCrawledPage(meta, crs); err != nil {
			t.Fatal(err)
		}
		if err := r.AddCrawledPage(meta, nil); err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := writeJSON(&got, r); err != nil {
			t.Fatal(err)
		}
		r.Close()
		if got.String() != want.String() {
			t.Errorf("spool %v: written as\n%s\nwant:\n%s", spool, got.String(), want.String())
		}
	}
}

// Arbitrary strings in every kind of place: the stream holds to encoding/json.
func TestWriteJSONStrings(t *testing.T) {
	t.Parallel()
	cases := []string{"", "plain", `q"uote`, `back\slash`, "ctl\x00\x01\x1f\x7f", "\b\f\n\r\t", "<>&", "é€𝄞", "\u2028\u2029",
		"bad\xffutf8", "\xe2\x82", "http://x/?a=1&b=<2>#f"}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 300; i++ {
		b := make([]byte, rng.IntN(12))
		for j := range b {
			b[j] = byte(rng.IntN(256))
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		checkStreamed(t, stringsReport(s))
	}
}

func FuzzWriteJSON(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\xff", "\u2028", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkStreamed(t, stringsReport(s))
	})
}

// stringsReport puts s in a page, its resources and headers, a finding and a warning.
func stringsReport(s string) *Report {
	return &Report{
		Version: Version, StartURLs: []string{s}, Warnings: []string{s},
		Pages: []Page{{URL: s, Title: s, Resources: []Resource{{URL: s, Element: s, Kind: s}},
			SecurityHeaders: map[string]string{s: s, "X": s}, CSP: []string{s}, FinalURL: s, ContentType: s, Parent: s,
			TLS: &TLS{Version: s, Cipher: s}, Redirects: []Redirect{{From: s, To: s, Via: s}}, Error: s, Flow: s, PaymentSignals: []string{s, s}}},
		Findings: []Finding{{Rule: s, Page: s, URL: s, Message: s, Mitigation: s, Element: s, Attribute: s, Source: s,
			Stylesheet: s, Initiator: s, Observed: s, Baseline: BaselineState(s)}},
		Scripts: []Script{{Kind: s, URL: s, SHA256: s, Party: s, Integrity: s, AllowedBy: s, Justification: s,
			Pages: []string{s}, PaymentPages: []string{s}, InjectedBy: s, Snippet: s}},
	}
}

// The stream's object writer follows encoding/json's omitempty rule for every kind of field.
func TestJSONStreamObjectOmitempty(t *testing.T) {
	t.Parallel()
	type inner struct {
		A int `json:"a"`
	}
	type all struct {
		S      string            `json:"s,omitempty"`
		I      int               `json:"i,omitempty"`
		U      uint8             `json:"u,omitempty"`
		F      float64           `json:"f,omitempty"`
		B      bool              `json:"b,omitempty"`
		P      *inner            `json:"p,omitempty"`
		M      map[string]int    `json:"m,omitempty"`
		L      []string          `json:"l,omitempty"`
		Arr    [0]int            `json:"arr,omitempty"`
		Any    any               `json:"any,omitempty"`
		St     inner             `json:"st,omitempty"`
		Plain  []string          `json:"plain"`
		NoTag  string            // encoding/json uses the field name
		Skip   string            `json:"-"`
		Dash   string            `json:"-,"`
		Sev    rules.Severity    `json:"sev,omitempty"`
		Header map[string]string `json:"header"`
		hidden int
	}
	for _, v := range []all{
		{},
		{S: "s", I: -1, U: 2, F: 0.5, B: true, P: &inner{1}, M: map[string]int{"b": 2, "a": 1}, L: []string{"x"}, Any: "y",
			Plain: []string{}, NoTag: "n", Skip: "k", Dash: "d", Sev: rules.Warning, Header: map[string]string{}, hidden: 3},
	} {
		var want, got bytes.Buffer
		if err := encodeIndented(&want, v, ""); err != nil {
			t.Fatal(err)
		}
		s := newJSONStream(&got)
		if err := s.object(v, "", nil); err != nil {
			t.Fatal(err)
		}
		if err := s.end(); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("object writes\n%s\nwant:\n%s", got.String(), want.String())
		}
	}
}

// Resources are the one value the stream writes by hand. This test derives Resource's fields
// from the struct: each one set alone, then all together (with plain and escaping strings), must
// give encoding/json's bytes, so a field added to Resource and not to appendResource fails here.
func TestResourceFieldsAllWritten(t *testing.T) {
	t.Parallel()
	typ := reflect.TypeOf(Resource{})
	set := func(r *Resource, i int, s string) {
		f := reflect.ValueOf(r).Elem().Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString(s)
		case reflect.Int, reflect.Int64:
			f.SetInt(int64(7 + i))
		case reflect.Bool:
			f.SetBool(true)
		default:
			t.Fatalf("Resource.%s is a %s: teach appendResource and this test about it", typ.Field(i).Name, f.Kind())
		}
	}
	var cases []Resource
	cases = append(cases, Resource{})
	for i := 0; i < typ.NumField(); i++ {
		var r Resource
		set(&r, i, "https://s.test/"+typ.Field(i).Name)
		cases = append(cases, r)
	}
	for _, s := range []string{"plain", "q\"<&>\\\x01\u2028\xff é"} {
		var r Resource
		for i := 0; i < typ.NumField(); i++ {
			set(&r, i, s+typ.Field(i).Name)
		}
		cases = append(cases, r)
	}
	for _, indent := range []string{"", "      "} {
		for _, rs := range [][]Resource{nil, {}, cases} {
			var want, got bytes.Buffer
			if err := encodeIndented(&want, rs, indent); err != nil {
				t.Fatal(err)
			}
			got.Write(append(newJSONStreamTo(nil).appendResources(nil, rs, indent), '\n')) // encodeIndented ends with a newline
			if got.String() != want.String() {
				t.Errorf("indent %q: resources written as\n%s\nwant:\n%s", indent, got.String(), want.String())
			}
		}
	}
}

// Findings are written by hand too (appendFinding). Each field of Finding set alone, then all
// together (with plain and escaping strings), must give encoding/json's bytes, so a field added
// to Finding and not to appendFinding fails here.
func TestFindingFieldsAllWritten(t *testing.T) {
	t.Parallel()
	typ := reflect.TypeOf(Finding{})
	yes, no := true, false
	set := func(f *Finding, i int, s string, flip bool) {
		v := reflect.ValueOf(f).Elem().Field(i)
		switch {
		case v.Type() == reflect.TypeOf(rules.Severity(0)):
			v.SetInt(int64(rules.Error))
			if flip {
				v.SetInt(42) // not a known severity: encoding/json writes its String too
			}
		case v.Kind() == reflect.String:
			v.SetString(s)
		case v.Kind() == reflect.Int:
			v.SetInt(int64(7 + i))
			if flip {
				v.SetInt(-3)
			}
		case v.Type() == reflect.TypeOf(&yes):
			v.Set(reflect.ValueOf(&yes))
			if flip {
				v.Set(reflect.ValueOf(&no))
			}
		case v.Type() == reflect.TypeOf(&Suppression{}):
			v.Set(reflect.ValueOf(&Suppression{Reason: s, Until: "2027-01-01"}))
		default:
			t.Fatalf("Finding.%s is a %s: teach appendFinding and this test about it", typ.Field(i).Name, v.Type())
		}
	}
	cases := []Finding{{}}
	for i := 0; i < typ.NumField(); i++ {
		for _, flip := range []bool{false, true} {
			var f Finding
			set(&f, i, "https://s.test/"+typ.Field(i).Name, flip)
			cases = append(cases, f)
		}
	}
	for _, s := range []string{"plain", "q\"<&>\\\x01\u2028\xff é"} {
		for _, suppressed := range []bool{false, true} {
			var f Finding
			for i := 0; i < typ.NumField(); i++ {
				if typ.Field(i).Name != "Suppressed" || suppressed {
					set(&f, i, s+typ.Field(i).Name, false)
				}
			}
			cases = append(cases, f)
		}
	}
	for _, indent := range []string{"", "    "} {
		for _, f := range cases {
			var want, got bytes.Buffer
			if err := encodeIndented(&want, &f, indent); err != nil {
				t.Fatal(err)
			}
			s := newJSONStream(&got)
			if err := s.finding(&f, indent); err != nil {
				t.Fatal(err)
			}
			if err := s.end(); err != nil {
				t.Fatal(err)
			}
			s.close()
			if got.String() != want.String() {
				t.Errorf("indent %q: finding written as\n%s\nwant:\n%s", indent, got.String(), want.String())
			}
		}
	}
}

// Pages are written by hand too (appendPage). Each field of Page set alone (a nested struct's
// fields each alone as well), then all together with plain and escaping strings, must give
// encoding/json's bytes, so a field added to Page, TLS or Redirect and not to appendPage fails
// here; and every field but Resources must survive the spool's page codec.
func TestPageFieldsAllWritten(t *testing.T) {
	t.Parallel()
	var cases []Page
	typ := reflect.TypeOf(Page{})
	for i := 0; i < typ.NumField(); i++ {
		if !typ.Field(i).IsExported() {
			continue
		}
		for alone := range 3 { // the field whole; for a struct, its first and second field alone
			var p Page
			if !fillJSONValue(t, reflect.ValueOf(&p).Elem().Field(i), "https://s.test/"+typ.Field(i).Name, i, alone) {
				break
			}
			cases = append(cases, p)
		}
	}
	for _, s := range []string{"plain", "q\"<&>\\\x01\u2028\xff é"} {
		var p Page
		for i := 0; i < typ.NumField(); i++ {
			if typ.Field(i).IsExported() {
				fillJSONValue(t, reflect.ValueOf(&p).Elem().Field(i), s+typ.Field(i).Name, i, 0)
			}
		}
		cases = append(cases, p, Page{})
	}
	for _, indent := range []string{"", "    "} {
		for _, p := range cases {
			checkPageBytes(t, &p, indent)
		}
	}
	for _, p := range cases {
		back := Page{URL: p.URL}
		if err := readPageMeta(appendPageMeta(nil, &p), &back); err != nil {
			t.Fatal(err)
		}
		want := p
		want.Resources = nil
		for _, l := range []*[]string{&want.PaymentSignals, &want.CSP} {
			if len(*l) == 0 {
				*l = nil
			}
		}
		if len(want.Redirects) == 0 {
			want.Redirects = nil
		}
		if len(want.SecurityHeaders) == 0 {
			want.SecurityHeaders = nil
		}
		if !reflect.DeepEqual(back, want) {
			t.Errorf("page codec round trip:\n got %#v\nwant %#v", back, want)
		}
		if err := readPageMeta(appendPageMeta(nil, &p)[:3], &back); err == nil {
			t.Error("a page record cut short decodes")
		}
	}
}

// checkPageBytes wants appendPage to write p at indent as encoding/json does.
func checkPageBytes(t *testing.T, p *Page, indent string) {
	t.Helper()
	var want bytes.Buffer
	if err := encodeIndented(&want, p, indent); err != nil {
		t.Fatal(err)
	}
	got := append(newJSONStreamTo(nil).appendPage(nil, p, indent), '\n')
	if string(got) != want.String() {
		t.Errorf("indent %q: page written as\n%s\nwant:\n%s", indent, got, want.String())
	}
}

// fillJSONValue sets v (a field of a report type) to a value made from s and n: whole when part
// is 0, else (a struct, or a pointer to or list of one) only its part-th field. It says whether
// there was such a part.
func fillJSONValue(t *testing.T, v reflect.Value, s string, n, part int) bool {
	t.Helper()
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(7 + n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		return fillJSONValue(t, v.Elem(), s, n, part)
	case reflect.Struct:
		if part > v.NumField() {
			return false
		}
		for i := 0; i < v.NumField(); i++ {
			if part == 0 || part == i+1 {
				fillJSONValue(t, v.Field(i), s+v.Type().Field(i).Name, n+i, 0)
			}
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			if !fillJSONValue(t, v.Index(i), fmt.Sprint(s, i), n+i, part) {
				return false
			}
		}
		if v.Type().Elem().Kind() == reflect.String {
			v.Index(1).SetString("") // an empty string in a list is written
		}
	case reflect.Map:
		if v.Type() != reflect.TypeOf(map[string]string{}) {
			t.Fatalf("a %s: teach appendPage and this test about it", v.Type())
		}
		v.Set(reflect.ValueOf(map[string]string{s: s + "v", "A": "", "z" + s: "1"}))
	default:
		t.Fatalf("a %s: teach appendPage and this test about it", v.Type())
	}
	return part == 0 || v.Kind() == reflect.Struct || v.Kind() == reflect.Slice
}

// Random pages, their strings drawn from escaping characters, against encoding/json.
func TestAppendPageRandom(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := []string{"a", "/", "\"", "\\", "<", "&", "\x00", "\x1f", "\x7f", "é", "\u2028", "\xff", "\xe2\x82", " "}
	str := func() string {
		var b strings.Builder
		for range rng.IntN(6) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		return b.String()
	}
	strs := func() []string {
		if rng.IntN(3) == 0 {
			return nil
		}
		l := make([]string, rng.IntN(3))
		for i := range l {
			l[i] = str()
		}
		return l
	}
	for range 2000 {
		p := Page{URL: str(), FinalURL: str(), Status: rng.IntN(3) * 301, Depth: rng.IntN(3) - 1, ContentType: str(), Title: str(),
			Frame: rng.IntN(2) == 0, Parent: str(), Truncated: rng.IntN(2) == 0, Error: str(), Payment: rng.IntN(2) == 0,
			Rendered: rng.IntN(2) == 0, Flow: str(), FlowStep: rng.IntN(3), PaymentSignals: strs(), CSP: strs()}
		if rng.IntN(2) == 0 {
			p.TLS = &TLS{Version: str(), Cipher: str()}
		}
		for range rng.IntN(3) {
			p.Redirects = append(p.Redirects, Redirect{From: str(), To: str(), Status: rng.IntN(2) * 302, Via: str()})
		}
		if n := rng.IntN(4); n > 0 {
			p.SecurityHeaders = map[string]string{}
			for range n {
				p.SecurityHeaders[str()] = str()
			}
		}
		if rng.IntN(4) > 0 {
			p.Resources = make([]Resource, rng.IntN(3))
			for i := range p.Resources {
				p.Resources[i] = Resource{URL: str(), Element: str(), Attribute: str(), Kind: str(), Line: rng.IntN(5),
					Source: str(), Stylesheet: str(), Status: rng.IntN(2) * 200, Error: str(), Count: rng.IntN(3)}
			}
		}
		checkPageBytes(t, &p, []string{"", "    "}[rng.IntN(2)])
	}
}

// The inventory's entries are written by hand too (appendScript): each field of Script set
// alone, then all together, must give encoding/json's bytes, so a field added to Script and not
// to appendScript fails here.
func TestScriptFieldsAllWritten(t *testing.T) {
	t.Parallel()
	yes, no := true, false
	cases := []Script{{}, {Pages: []string{}}, {IntegrityValid: &no}, {IntegrityValid: &yes, Size: -1, PaymentPages: []string{}}}
	typ := reflect.TypeOf(Script{})
	for i := 0; i < typ.NumField(); i++ {
		var sc Script
		fillJSONValue(t, reflect.ValueOf(&sc).Elem().Field(i), "https://s.test/"+typ.Field(i).Name, i, 0)
		cases = append(cases, sc)
	}
	for _, str := range []string{"plain", "q\"<&>\\\x01\u2028\xff é"} {
		var sc Script
		for i := 0; i < typ.NumField(); i++ {
			fillJSONValue(t, reflect.ValueOf(&sc).Elem().Field(i), str+typ.Field(i).Name, i, 0)
		}
		cases = append(cases, sc)
	}
	for _, indent := range []string{"", "    "} {
		for _, sc := range cases {
			var want bytes.Buffer
			if err := encodeIndented(&want, &sc, indent); err != nil {
				t.Fatal(err)
			}
			got := append(newJSONStreamTo(nil).appendScript(nil, &sc, indent), '\n')
			if string(got) != want.String() {
				t.Errorf("indent %q: script written as\n%s\nwant:\n%s", indent, got, want.String())
			}
		}
	}
}

// FuzzAppendPage holds the hand-written page and inventory entry to encoding/json, without the
// spool around them (FuzzWriteJSON has it): s in every string, n in every number, bits of
// flags for the booleans and the optional members.
func FuzzAppendPage(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\xff", "\u2028", "\x00<&>"} {
		f.Add(s, 0, uint16(0))
		f.Add(s, -301, uint16(0xffff))
	}
	f.Fuzz(func(t *testing.T, s string, n int, flags uint16) {
		bit := func(i int) bool { return flags&(1<<i) != 0 }
		p := Page{URL: s, FinalURL: s, Status: n, Depth: n, ContentType: s, Title: s, Frame: bit(0), Parent: s, Truncated: bit(1),
			Error: s, Payment: bit(2), Rendered: bit(3), Flow: s, FlowStep: n}
		if bit(4) {
			p.TLS = &TLS{Version: s, Cipher: s}
		}
		if bit(5) {
			p.Redirects = []Redirect{{From: s, To: s, Status: n, Via: s}, {}}
		}
		if bit(6) {
			p.PaymentSignals, p.CSP = []string{s}, []string{s, ""}
			p.SecurityHeaders = map[string]string{s: s, "X-" + s: ""}
		}
		if bit(7) {
			p.Resources = []Resource{}
		}
		if bit(8) {
			p.Resources = []Resource{{URL: s, Element: s, Attribute: s, Kind: s, Line: n, Source: s, Stylesheet: s, Status: n, Error: s, Count: n}, {}}
		}
		checkPageBytes(t, &p, []string{"", "    "}[flags>>15])
		valid := bit(9)
		sc := Script{Kind: s, URL: s, SHA256: s, Size: int64(n), Status: n, Party: s, Integrity: s, AllowedBy: s, Justification: s,
			PageCount: n, InjectedBy: s, Line: n, Snippet: s}
		if bit(10) {
			sc.IntegrityValid, sc.Pages, sc.PaymentPages = &valid, []string{s, ""}, []string{}
		}
		var want bytes.Buffer
		if err := encodeIndented(&want, &sc, "  "); err != nil {
			t.Fatal(err)
		}
		if got := append(newJSONStreamTo(nil).appendScript(nil, &sc, "  "), '\n'); string(got) != want.String() {
			t.Errorf("script written as\n%s\nwant:\n%s", got, want.String())
		}
	})
}

// decodeResources knows every field of Resource (resourceField names them by hand): a resource
// with each set reads back as it was written.
func TestDecodeResourcesEveryField(t *testing.T) {
	t.Parallel()
	var r Resource
	fillJSONValue(t, reflect.ValueOf(&r).Elem(), "v", 0, 0)
	want := []Resource{r, {}}
	for _, indent := range []string{"", "  "} {
		b, err := json.MarshalIndent(want, "", indent)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := decodeResources(b)
		if !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("decodeResources(%s) = %+v, %v; want %+v", b, got, ok, want)
		}
	}
}
