package rules

import (
	"encoding/base64"
	"encoding/hex"
	"strings"

	"github.com/padlock-scan/padlock/crawler"
)

// This file implements the parts of Subresource Integrity
// (https://w3c.github.io/webappsec-subresource-integrity/) that padlock needs: parsing an
// integrity attribute, choosing its strongest hashes and comparing them with the bytes the
// crawler fetched.

// IntegrityHash is one usable token of an integrity attribute.
type IntegrityHash struct {
	Alg    string // "sha256", "sha384" or "sha512", lower-cased
	Digest string // the base64 value as written (options removed)
}

// String returns the token in SRI form, e.g. "sha384-oqVu...".
func (h IntegrityHash) String() string { return h.Alg + "-" + h.Digest }

// algStrength orders the algorithms SRI knows; unknown algorithms are absent.
var algStrength = map[string]int{"sha256": 1, "sha384": 2, "sha512": 3}

// ParseIntegrity parses an integrity attribute (SRI §parse-metadata): ASCII-whitespace
// separated "alg-base64[?options]" tokens. The algorithm is case-insensitive and must be
// sha256, sha384 or sha512; tokens with any other algorithm (sha1, md5, typos) are skipped, and
// options are ignored. An empty result means browsers check nothing and accept any bytes.
func ParseIntegrity(attr string) []IntegrityHash {
	var out []IntegrityHash
	for _, tok := range strings.FieldsFunc(attr, isASCIIWhitespace) {
		if i := strings.IndexByte(tok, '?'); i >= 0 {
			tok = tok[:i]
		}
		alg, digest, _ := strings.Cut(tok, "-")
		alg = strings.ToLower(alg)
		if algStrength[alg] == 0 {
			continue
		}
		out = append(out, IntegrityHash{Alg: alg, Digest: digest})
	}
	return out
}

func isASCIIWhitespace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\f' || r == '\r'
}

// Strongest returns the hashes of the strongest algorithm present in hs (sha512 > sha384 >
// sha256), in their original order: only those count when browsers check a response
// (SRI §get-the-strongest-metadata). It returns nil for an empty hs.
func Strongest(hs []IntegrityHash) []IntegrityHash {
	best := 0
	for _, h := range hs {
		best = max(best, algStrength[h.Alg])
	}
	var out []IntegrityHash
	for _, h := range hs {
		if best > 0 && algStrength[h.Alg] == best {
			out = append(out, h)
		}
	}
	return out
}

// IntegrityMatches compares the strongest hashes of hs with the bytes padlock fetched, as
// browsers do (SRI §does-response-match-metadatalist): the response matches when any hash of
// the strongest algorithm equals its digest, so "sha256-GOOD sha512-BAD" fails and two sha384
// values pass when either matches. Digests are compared case-sensitively; a value written in
// the base64url alphabet or without padding is accepted too (Chromium normalises it).
//
// checked is false, and ok meaningless, when there is nothing to compare: hs has no usable
// hash, or f holds no digest of a complete successful GET (nil, HEAD only, an error or non-2xx
// status, a truncated body, or no digest recorded for the algorithm).
func IntegrityMatches(hs []IntegrityHash, f *crawler.Fetch) (checked, ok bool) {
	strong := Strongest(hs)
	if len(strong) == 0 || !hasFullBody(f) {
		return false, false
	}
	actual := ActualDigest(strong[0].Alg, f)
	if actual == "" {
		return false, false
	}
	for _, h := range strong {
		if digestEqual(h.Digest, actual) {
			return true, true
		}
	}
	return true, false
}

// hasFullBody reports whether f describes a complete, successful GET whose digests are known.
func hasFullBody(f *crawler.Fetch) bool {
	return f != nil && f.SHA256 != "" && !f.Truncated && f.Status >= 200 && f.Status <= 299
}

// ActualDigest returns the base64 (SRI form) digest of f's body for alg ("sha256", "sha384"
// or "sha512", case-insensitive), or "" when f does not hold it. The crawler records SHA-256
// in hex; it is converted here.
func ActualDigest(alg string, f *crawler.Fetch) string {
	if f == nil {
		return ""
	}
	switch strings.ToLower(alg) {
	case "sha256":
		b, err := hex.DecodeString(f.SHA256)
		if err != nil || len(b) != 32 {
			return ""
		}
		return base64.StdEncoding.EncodeToString(b)
	case "sha384":
		return f.SHA384
	case "sha512":
		return f.SHA512
	}
	return ""
}

// digestEqual compares a digest as written in an integrity attribute with the computed one
// (standard base64 with padding). The comparison is case-sensitive; base64url characters and
// missing padding in the written value are normalised first.
func digestEqual(written, actual string) bool {
	if written == actual {
		return true
	}
	w := strings.NewReplacer("-", "+", "_", "/").Replace(strings.TrimRight(written, "="))
	return w != "" && w == strings.TrimRight(actual, "=")
}

// integrityApplies reports whether browsers honour an integrity attribute on the reference r:
// an HTML <script src>, and a <link> element or Link header whose rel holds stylesheet,
// preload or modulepreload. SVG <script href> and CSS @import cannot carry integrity, and it is
// ignored elsewhere (img, iframe, link rel=icon).
func integrityApplies(r *crawler.Resource) bool {
	switch strings.ToLower(r.Element) {
	case "script":
		return r.Attribute == "src"
	case "link":
		return relHas(r.Rel, "stylesheet") || relHas(r.Rel, "preload") || relHas(r.Rel, "modulepreload")
	}
	return false
}

// relHas reports whether the space-separated rel value holds token (case-insensitive).
func relHas(rel, token string) bool {
	for t := range strings.FieldsSeq(rel) {
		if strings.EqualFold(t, token) {
			return true
		}
	}
	return false
}

// isScriptFetch reports whether r makes the browser fetch a script: <script src> (HTML or SVG),
// and a <link> element or Link header with rel modulepreload or preload as=script.
func isScriptFetch(r *crawler.Resource) bool {
	if r.Kind != crawler.KindScript {
		return false
	}
	switch strings.ToLower(r.Element) {
	case "script":
		return true
	case "link":
		return relHas(r.Rel, "modulepreload") || relHas(r.Rel, "preload")
	}
	return false
}

// scriptNoun names a script or stylesheet reference for messages.
func scriptNoun(r *crawler.Resource) string {
	switch {
	case r.Kind == crawler.KindScript && relHas(r.Rel, "modulepreload"):
		return "module preload"
	case r.Kind == crawler.KindScript && relHas(r.Rel, "preload"):
		return "script preload"
	case r.Kind == crawler.KindStylesheet && relHas(r.Rel, "preload") && !relHas(r.Rel, "stylesheet"):
		return "stylesheet preload"
	}
	return resourceNoun(r)
}
