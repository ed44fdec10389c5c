package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/urfave/cli/v2"
	"github.com/xrash/smetrics"

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
	return runWith(ctx, args, os.Getenv, stdout, stderr)
}

// runWith is run with the environment passed in as well (getenv), so that tests neither read nor
// write the job summary of the CI that runs them.
func runWith(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	// Messages on stderr carry URLs, certificate names and errors from the crawled site: no
	// escape sequence of theirs reaches the terminal.
	stderr = termsafe.NewWriter(stderr)
	app := newApp(ctx, getenv, stdout, stderr)
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

func newApp(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) *cli.App {
	// --version prints the same line as the version command (urfave/cli's default adds "version").
	versionPrinter.Do(func() {
		cli.VersionPrinter = func(c *cli.Context) { fmt.Fprintln(c.App.Writer, c.App.Version) }
	})
	app := &cli.App{
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
		Commands: []*cli.Command{
			crawlCommand(getenv),
			workerCommand(),
			demoCommand(),
			reportCommand(),
			diffCommand(),
			rulesCommand(),
			watchCommand(getenv),
			historyCommand(),
			evidenceCommand(),
			tlsCommand(getenv),
			inventoryCommand(),
			flowCommand(),
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
				typed := c.Args().First()
				var names []string
				for _, cmd := range c.App.Commands {
					names = append(names, cmd.Name)
				}
				if near := closest(typed, names); near != "" {
					return usageErr("unknown command %q: did you mean %s?", typed, near)
				}
				return usageErr("unknown command %q (want crawl, worker, demo, report, diff, rules, inventory, watch, history, evidence, tls or version)", typed)
			}
			_ = cli.ShowAppHelp(c)
			return &exitError{code: exitTrouble}
		},
	}
	// A mistyped flag or value is one line on stderr and exit 2, not the command's whole help.
	app.OnUsageError = flagProblem
	for _, cmd := range app.Commands {
		cmd.OnUsageError = flagProblem
	}
	return app
}

// invalidValue is how Go's flag package words a value its flag cannot parse.
var invalidValue = regexp.MustCompile(`^invalid value "(.*)" for flag -([^:]+): `)

// flagProblem words urfave/cli's parse errors of a command as one line: an unknown flag with the
// flag it most likely meant, a bad value with the format its flag wants.
func flagProblem(c *cli.Context, err error, _ bool) error {
	help, flags := "padlock --help", c.App.Flags
	if c.Command != nil {
		flags = c.Command.Flags
		if c.Command.Name != "" && c.Command.Name != c.App.Name {
			help = "padlock " + c.Command.Name + " --help"
		}
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return usageErr("%s needs a value (see %s)", dashed(name), help)
	}
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		var names []string
		for _, f := range flags {
			names = append(names, f.Names()...)
		}
		if near := closest(name, names); near != "" {
			return usageErr("unknown flag %s: did you mean %s? (see %s)", dashed(name), dashed(near), help)
		}
		return usageErr("unknown flag %s (see %s)", dashed(name), help)
	}
	if m := invalidValue.FindStringSubmatch(msg); m != nil {
		want := ""
		for _, f := range flags {
			if !slices.Contains(f.Names(), m[2]) {
				continue
			}
			switch f.(type) {
			case *cli.DurationFlag:
				want = "use a Go duration such as 30s or 2m"
			case *cli.IntFlag:
				want = "want a whole number"
			}
		}
		if want != "" {
			return usageErr("%s %q: %s", dashed(m[2]), m[1], want)
		}
	}
	return usageErr("%v (see %s)", err, help)
}

// dashed is a flag name as typed: -c, --max-pages.
func dashed(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// closest is the name most like what was typed when it is close enough to be worth suggesting,
// else "". The measure is urfave/cli's own for its suggestions (Jaro-Winkler, its parameters);
// urfave/cli's SuggestFlag always names a flag, however far, so the cut-off is padlock's.
func closest(typed string, names []string) string {
	best, score := "", 0.0
	for _, n := range names {
		if s := smetrics.JaroWinkler(typed, n, 0.7, 4); s > score {
			best, score = n, s
		}
	}
	if score < 0.8 {
		return ""
	}
	return best
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
	if cmd == nil || len(cmd.Subcommands) > 0 {
		return args // a subcommand's flags follow the subcommand's name
	}
	head := 2 // the program and the command
	for _, sub := range cmd.Subcommands {
		if sub.Name == args[2] {
			cmd, head = sub, 3 // padlock history scripts --page URL: the subcommand's flags
		}
	}
	takesValue := map[string]bool{}
	for _, f := range cmd.Flags {
		_, isBool := f.(*cli.BoolFlag)
		for _, n := range f.Names() {
			takesValue[n] = !isBool
		}
	}
	var flags, rest []string
	for i := head; i < len(args); i++ {
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
	out := append(slices.Clone(args[:head]), flags...)
	return append(out, rest...)
}
