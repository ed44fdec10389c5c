package report

import (
	"hash/maphash"
	"net/url"

	"github.com/padlock-scan/padlock/internal/hashtab"
)

// keySeed is the seed of every key hash in a process: sets built from two reports must agree.
var keySeed = maphash.MakeSeed()

// keyHash is a string key (a URL, a finding's Comparison.Key) as 64 bits. Comparing two large
// reports keeps these rather than the strings, so memory is a few bytes a page and a finding
// however long their URLs; two keys that collide would be taken for one, a chance of about
// n²/2⁶⁵ (one in 37 million for a million keys), and the seed is new for every run.
func keyHash(s string) uint64 { return maphash.String(keySeed, s) }

// KeySet is a set of string keys kept as their 64-bit hashes (see keyHash): the baseline's
// findings, a report's pages. The zero value is an empty set; it costs 9-14 bytes a key (a Go
// map of the hashes costs up to 38).
type KeySet struct{ t hashtab.Map[struct{}] }

// Add puts key in the set.
func (s *KeySet) Add(key string) { s.t.Put(keyHash(key), struct{}{}) }

// Has reports whether key was added.
func (s *KeySet) Has(key string) bool {
	_, ok := s.t.Get(keyHash(key))
	return ok
}

// Len is the number of keys in the set.
func (s *KeySet) Len() int { return s.t.Len() }

// looseHash is the hash of what sameButScheme compares: host name and request URI.
func looseHash(u string) uint64 {
	p, err := url.Parse(u)
	if err != nil {
		return keyHash("\x00" + u) // matches only itself, as sameButScheme does
	}
	return keyHash(p.Hostname() + "\x00" + p.RequestURI())
}
