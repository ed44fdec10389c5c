// Package sitetest is padlock's test kit: small web sites served on loopback, crawled with
// scan.Run, and compared with what their files say they must produce.
//
// A fixture site is a folder (testdata/sites/NAME, see its README.md) or an in-memory file
// system: HTML whose elements carry data-want="rule-id", CSS lines carrying
// /* want: rule-id */, and a routes.txt for redirects, headers and page-level findings. Like
// go/analysis's analysistest, a test names the fixture and gets the comparison:
//
//	sitetest.Run(t, "../testdata/sites/mixed")
//
// The rest serves tests that build their sites in code: Site.Options and Scan (the crawl
// options for a loopback site, the run with a deadline), VHosts and Hosts (virtual hosts with
// a certificate each), the finding helpers (FID, Findings, Same, FindingOf...) and Golden.
// The loopback network itself (dial guard, certificates, servers) is the testnet
// sub-package, which the in-package tests of crawler and rules use. Only tests import this
// package.
package sitetest
