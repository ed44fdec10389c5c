// Package testnet is the loopback network of padlock's tests: a dial guard that keeps every
// connection on the machine, throw-away certificate authorities, and TLS and plain HTTP test
// servers.
//
// It imports nothing of padlock but internal/certs, so the in-package tests of crawler and
// rules can use it; the scan harness built on it is the parent package, sitetest. Only tests
// import it.
package testnet
