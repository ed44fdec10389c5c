package report

import (
	"slices"
	"strings"

	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/rules"
)

// TLSSummary is an HTTPS origin's TLS at a glance, with padlock's grade of it.
type TLSSummary struct {
	// Grade is padlock's own grade, in the spirit of SSL Labs' (not SSL Labs' grade, which
	// weighs more than padlock probes): A+, A, A-, B, C or F. See GradeTLS.
	Grade string `json:"grade"`
	// Reasons say why the grade is not higher: "F: RC4", "capped at B: accepts TLS 1.0".
	Reasons []string `json:"reasons,omitempty"`
	// Versions are the protocol versions the probe handshakes negotiated, newest first.
	Versions []string `json:"versions"`
	// Suites are the cipher suites they negotiated: the browser-like handshake's first, then a
	// weak suite, a static-RSA suite and the legacy handshake's, when accepted.
	Suites []string `json:"suites"`
	// Key is the leaf certificate's public key ("RSA 2048 bits", "ECDSA P-256").
	Key string `json:"key,omitempty"`
	// OCSPStapled: the server stapled an OCSP response (revocation status without a request to
	// the CA). Not a finding.
	OCSPStapled bool `json:"ocsp_stapled"`
	// Handshakes is how many probe handshakes padlock made (at most four).
	Handshakes int `json:"handshakes"`
}

// grades, worst first.
var grades = []string{"F", "C", "B", "A-", "A", "A+"}

// hstsAPlus is the least HSTS max-age, in seconds (180 days), for an A+, as SSL Labs asks.
const hstsAPlus = 180 * 24 * 3600

// SummarizeTLS is the summary of a probed origin, nil when no probe handshake succeeded (the
// origin could not be reached, or it is an http: endpoint).
func SummarizeTLS(o *crawler.Origin) *TLSSummary {
	s := &TLSSummary{Key: o.Key, OCSPStapled: o.OCSPStapled, Handshakes: o.Handshakes}
	for _, v := range []string{o.Version, o.WeakVersion, o.StaticRSAVersion, o.LegacyVersion} {
		if v != "" && !slices.Contains(s.Versions, v) {
			s.Versions = append(s.Versions, v)
		}
	}
	if len(s.Versions) == 0 {
		return nil
	}
	slices.Sort(s.Versions)
	slices.Reverse(s.Versions) // "TLS 1.3" > "TLS 1.2" > ... > "SSL 3.0"
	for _, c := range []string{o.Cipher, o.WeakCipher, o.StaticRSACipher} {
		if c != "" && !slices.Contains(s.Suites, c) {
			s.Suites = append(s.Suites, c)
		}
	}
	if s.Suites == nil {
		s.Suites = []string{}
	}
	s.Grade, s.Reasons = GradeTLS(o)
	return s
}

// GradeTLS is padlock's grade of an origin's TLS, in the spirit of SSL Labs' server rating
// guide: start at A, and each problem either fails the origin (F) or caps the grade; the grade
// is the lowest of them, and every reason is given. A, with no cap and HSTS of at least 180
// days on every page of the origin padlock fetched, is A+.
//
//	F   no TLS 1.2 or 1.3; no suite browsers offer accepted; RC4, NULL, export, DES or
//	    anonymous suites; a certificate that is expired, not yet valid, for another host,
//	    untrusted or signed with SHA-1/MD5; an incomplete chain AIA cannot complete; a key
//	    under 1024 bits
//	C   3DES
//	B   TLS 1.0 or 1.1 accepted; static RSA key exchange (no forward secrecy); a chain that
//	    only AIA fetching completes; a key under 2048 bits (RSA) or 256 bits (EC)
//	A-  no TLS 1.3
func GradeTLS(o *crawler.Origin) (grade string, reasons []string) {
	worst := len(grades) - 2 // A
	limit := func(g, reason string) {
		i := slices.Index(grades, g)
		worst = min(worst, i)
		if g == "F" {
			reasons = append(reasons, "F: "+reason)
		} else {
			reasons = append(reasons, "capped at "+g+": "+reason)
		}
	}
	spoke12 := false
	for _, v := range []string{o.Version, o.WeakVersion, o.StaticRSAVersion} {
		spoke12 = spoke12 || v == "TLS 1.2" || v == "TLS 1.3"
	}
	switch {
	case !spoke12:
		limit("F", "no TLS 1.2 or 1.3")
	case o.Version == "":
		limit("F", "accepts no suite browsers offer")
	}
	if o.WeakCipher != "" {
		if strings.Contains(o.WeakCipher, "_3DES_") {
			limit("C", "3DES ("+o.WeakCipher+")")
		} else {
			what := rules.WeakSuite(o.WeakCipher)
			if what == "" {
				what = "weak suite"
			}
			limit("F", what+" ("+o.WeakCipher+")")
		}
	}
	switch o.CertProblem {
	case "":
	case "incomplete-chain":
		if o.AIAURL != "" && o.AIAProblem == "" {
			limit("B", "incomplete chain, completed only by fetching the intermediate from its AIA URL")
		} else {
			limit("F", "incomplete chain")
		}
	case "untrusted":
		if o.WeakSignature != "" {
			limit("F", "certificate signed with "+o.WeakSignature)
		} else {
			limit("F", "certificate not trusted")
		}
	case "wrong-host":
		limit("F", "certificate for another host")
	default:
		limit("F", "certificate "+strings.ReplaceAll(o.CertProblem, "-", " "))
	}
	if o.WeakKey != "" {
		if o.WeakKeyBits < 1024 {
			limit("F", "key "+o.WeakKey)
		} else {
			limit("B", "key "+o.WeakKey)
		}
	}
	if o.LegacyTLS {
		v := o.LegacyVersion
		if v == "" {
			v = "TLS 1.0 or 1.1"
		}
		limit("B", "accepts "+v)
	}
	if o.StaticRSACipher != "" {
		limit("B", "no forward secrecy ("+o.StaticRSACipher+")")
	}
	if o.Version != "TLS 1.3" {
		limit("A-", "no TLS 1.3")
	}
	if worst == len(grades)-2 && hstsLongEverywhere(o.HSTS) {
		worst++
	}
	slices.SortStableFunc(reasons, func(a, b string) int { return rank(a) - rank(b) })
	return grades[worst], reasons
}

// rank orders reasons by the grade they give, worst first.
func rank(reason string) int {
	if strings.HasPrefix(reason, "F:") {
		return 0
	}
	g, _, _ := strings.Cut(strings.TrimPrefix(reason, "capped at "), ":")
	return slices.Index(grades, g)
}

// hstsLongEverywhere reports whether the origin's pages all sent a valid HSTS header of at
// least 180 days (false when padlock fetched no page of it).
func hstsLongEverywhere(seen []crawler.HSTSSeen) bool {
	for _, h := range seen {
		v, err := rules.ParseHSTS(h.Header)
		if err != nil || v.MaxAge < hstsAPlus {
			return false
		}
	}
	return len(seen) > 0
}
