// Command padlock crawls a website and reports what breaks the browser's padlock or widens its
// attack surface: mixed content, third-party scripts, Subresource Integrity, TLS and HSTS.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
