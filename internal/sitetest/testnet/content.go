package testnet

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
)

// SRI returns the Subresource Integrity token of body for alg: "sha256", "sha384" or "sha512".
func SRI(alg, body string) string {
	var sum []byte
	switch alg {
	case "sha256":
		s := sha256.Sum256([]byte(body))
		sum = s[:]
	case "sha384":
		s := sha512.Sum384([]byte(body))
		sum = s[:]
	case "sha512":
		s := sha512.Sum512([]byte(body))
		sum = s[:]
	}
	return alg + "-" + base64.StdEncoding.EncodeToString(sum)
}
