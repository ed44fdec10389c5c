package crawler

import "strings"

// Policy is one parsed Content-Security-Policy (CSP3 "parse a serialized CSP").
type Policy struct {
	// Directives holds each directive once, in the order written: names lower-cased, values
	// as written. A directive repeated later in the same policy is ignored, as browsers do.
	Directives []Directive
}

// Directive is one CSP directive: a lower-cased name and its whitespace-separated values.
type Directive struct {
	Name   string
	Values []string
}

// ParseCSP parses a Content-Security-Policy header value, which may hold several policies
// separated by commas (each one is enforced on its own). Directives are separated by ";",
// names are case-insensitive, and the first occurrence of a directive wins. Empty policies are
// dropped. A <meta> policy is a single policy, so its content should hold no comma; if it does,
// the parts are returned as separate policies, which for the checks padlock makes
// (upgrade-insecure-requests, script restrictions) comes to the same answer.
func ParseCSP(s string) []Policy {
	var out []Policy
	for _, serialized := range strings.Split(s, ",") {
		var p Policy
		for _, token := range strings.Split(serialized, ";") {
			fields := strings.FieldsFunc(token, isASCIISpaceRune)
			if len(fields) == 0 || !isASCII(token) {
				continue // CSP3 skips empty and non-ASCII directives
			}
			name := strings.ToLower(fields[0])
			if _, dup := p.Directive(name); dup {
				continue
			}
			p.Directives = append(p.Directives, Directive{Name: name, Values: fields[1:]})
		}
		if len(p.Directives) > 0 {
			out = append(out, p)
		}
	}
	return out
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func isASCIISpaceRune(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\f' || r == '\r'
}

// Directive returns the values of the named directive (case-insensitive) and whether the
// policy has it.
func (p Policy) Directive(name string) ([]string, bool) {
	for _, d := range p.Directives {
		if strings.EqualFold(d.Name, name) {
			return d.Values, true
		}
	}
	return nil, false
}

// UpgradesInsecureRequests reports whether the policy has upgrade-insecure-requests. Whether it
// takes effect depends on how the policy was delivered: report-only policies upgrade nothing.
func (p Policy) UpgradesInsecureRequests() bool {
	_, ok := p.Directive("upgrade-insecure-requests")
	return ok
}

// RestrictsScripts reports whether the policy limits where scripts may come from. padlock's
// definition is deliberately simple: the policy has script-src (or, failing that,
// default-src), and that source list contains neither "*" nor a bare "http:" or "https:"
// scheme source, which would allow scripts from any host. An empty list ('none') restricts.
// Keywords such as 'unsafe-inline' do not count against it: they are a separate weakness.
func (p Policy) RestrictsScripts() bool {
	values, ok := p.Directive("script-src")
	if !ok {
		values, ok = p.Directive("default-src")
	}
	if !ok {
		return false
	}
	for _, v := range values {
		switch strings.ToLower(v) {
		case "*", "http:", "https:":
			return false
		}
	}
	return true
}
