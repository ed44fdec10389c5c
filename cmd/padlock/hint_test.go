package main

import (
	"strings"
	"testing"

	"github.com/padlock-scan/padlock/crawler"
)

func TestFetchHintFollowsTheErrorKind(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		kinds []crawler.ErrorKind
		want  string
	}{
		{[]crawler.ErrorKind{crawler.ErrorUntrusted}, "--ca-file FILE"},
		{[]crawler.ErrorKind{crawler.ErrorDNS}, "--resolve HOST:PORT:IP"},
		{[]crawler.ErrorKind{crawler.ErrorRefused}, "nothing listens there"},
		{[]crawler.ErrorKind{crawler.ErrorRefused, crawler.ErrorUntrusted}, "--ca-file FILE"}, // the certificate first
		{[]crawler.ErrorKind{crawler.ErrorTimeout, crawler.ErrorTLS, crawler.ErrorStatus, ""}, ""},
	} {
		got := fetchHint(tc.kinds)
		if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
			t.Errorf("fetchHint(%v) = %q, want %q", tc.kinds, got, tc.want)
		}
	}
}
