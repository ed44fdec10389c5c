package main

import (
	"context"
	"strings"
	"testing"
)

// TestRenderWithoutBrowser: --render with no browser to run is exit 2, naming what was tried.
func TestRenderWithoutBrowser(t *testing.T) {
	t.Parallel()
	code, _, stderr := runCLI(t, context.Background(), "crawl", "--render", "all", "--chrome", "/nonexistent/chromium", "https://shop.test/")
	if code != exitTrouble || !strings.Contains(stderr, "/nonexistent/chromium") || !strings.Contains(stderr, "no Chromium browser found") {
		t.Fatalf("exit %d, stderr %q; want exit 2 naming the browser tried", code, stderr)
	}
	code, _, stderr = runCLI(t, context.Background(), "crawl", "--render", "sometimes", "https://shop.test/")
	if code != exitTrouble || !strings.Contains(stderr, "off, auto or all") {
		t.Fatalf("--render sometimes: exit %d, stderr %q", code, stderr)
	}
}
