package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/urfave/cli/v2"

	"github.com/padlock-scan/padlock/internal/termsafe"
	"github.com/padlock-scan/padlock/internal/version"
)

// exitError carries an exit code out of a command action.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageErr is a bad flag, argument or configuration: exit 2 with the message.
func usageErr(format string, a ...any) error {
	return &exitError{code: exitTrouble, err: fmt.Errorf(format, a...)}
}

// run is the whole program with its inputs and outputs passed in, so tests run it in-process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	// Messages on stderr carry URLs, certificate names and errors from the crawled site: no
	// escape sequence of theirs reaches the terminal.
	stderr = termsafe.NewWriter(stderr)
	app := newApp(ctx, stdout, stderr)
	err := app.RunContext(ctx, flagsFirst(app, args))
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "padlock:", ee.err)
		}
		return ee.code
	}
	// urfave/cli's own errors: unknown flags, bad values, missing arguments.
	fmt.Fprintln(stderr, "padlock:", err)
	return exitTrouble
}

// versionPrinter sets urfave/cli's package-level version printer once: apps built at the same
// time (the tests run several) must not write it concurrently.
var versionPrinter sync.Once

func newApp(ctx context.Context, stdout, stderr io.Writer) *cli.App {
	// --version prints the same line as the version command (urfave/cli's default adds "version").
	versionPrinter.Do(func() {
		cli.VersionPrinter = func(c *cli.Context) { fmt.Fprintln(c.App.Writer, c.App.Version) }
	})
	return &cli.App{
		Name:  "padlock",
		Usage: "find what breaks the browser's padlock on a website: mixed content, third-party scripts, SRI, TLS, HSTS",
		Description: "padlock crawls a site, extracts every sub-resource each page loads (scripts, stylesheets and\n" +
			"the url()s inside them, images and srcset, media, frames, objects, forms, redirects) and reports\n" +
			"what browsers block, upgrade or warn about. Exit codes: 0 no finding at or above --fail-on,\n" +
			"1 findings, 2 usage error, nothing fetched, or interrupted.",
		Version:         version.Get().String(),
		Writer:          stdout,
		ErrWriter:       stderr,
		HideHelpCommand: true,
		// Only run decides the exit code; urfave/cli must never call os.Exit itself.
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError: func(c *cli.Context, err error, _ bool) error {
			return usageErr("%v (see padlock %s --help)", err, c.Command.Name)
		},
		Commands: []*cli.Command{
			crawlCommand(),
			demoCommand(),
			reportCommand(),
			diffCommand(),
			rulesCommand(),
			{
				Name:  "version",
				Usage: "print padlock's version",
				Action: func(c *cli.Context) error {
					fmt.Fprintln(c.App.Writer, version.Get().String())
					return nil
				},
			},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageErr("unknown command %q (want crawl, demo, report, diff, rules or version)", c.Args().First())
			}
			_ = cli.ShowAppHelp(c)
			return &exitError{code: exitTrouble}
		},
	}
}

// flagsFirst moves a command's flags before its arguments, so "padlock crawl URL --max-pages 5"
// works as users expect (urfave/cli v2 stops reading flags at the first argument). A flag that
// takes a value keeps it; "--" ends flags as usual.
func flagsFirst(app *cli.App, args []string) []string {
	if len(args) < 3 {
		return args
	}
	var cmd *cli.Command
	for _, c := range app.Commands {
		if c.Name == args[1] {
			cmd = c
		}
	}
	if cmd == nil {
		return args
	}
	takesValue := map[string]bool{}
	for _, f := range cmd.Flags {
		_, isBool := f.(*cli.BoolFlag)
		for _, n := range f.Names() {
			takesValue[n] = !isBool
		}
	}
	var flags, rest []string
	for i := 2; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		name := strings.TrimLeft(a, "-")
		if !strings.HasPrefix(a, "-") || a == "-" || name == "" {
			rest = append(rest, a)
			continue
		}
		flags = append(flags, a)
		if strings.Contains(name, "=") {
			continue
		}
		if takesValue[name] && i+1 < len(args) {
			i++
			flags = append(flags, args[i])
		}
	}
	out := append([]string{args[0], args[1]}, flags...)
	return append(out, rest...)
}
