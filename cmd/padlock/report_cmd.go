package main

import (
	"encoding/json"
	"fmt"
	"github.com/padlock-scan/padlock/internal/termsafe"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/padlock-scan/padlock/report"
)

func reportCommand() *cli.Command {
	return &cli.Command{
		Name:      "report",
		Usage:     "render a saved JSON report in another format",
		ArgsUsage: "IN.json",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "format", Aliases: []string{"f"}, Usage: "`FORMAT`: " + strings.Join(report.Formats(), ", ") + " (repeatable)"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "a file for one format, a folder for several, - for standard output (`PATH`; default -)"},
			&cli.StringFlag{Name: "fail-on", Value: "error", Usage: "threshold used by formats that mark failures (junit): `LEVEL`"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usageErr("report needs exactly one JSON report (padlock report padlock.json -f html -o report.html)")
			}
			rep, err := report.ReadFile(c.Args().First())
			if err != nil {
				return usageErr("report %s: %v", c.Args().First(), err)
			}
			formats := c.StringSlice("format")
			if len(formats) == 0 {
				return usageErr("report needs --format (%s)", strings.Join(report.Formats(), ", "))
			}
			for _, f := range formats {
				if _, err := report.New(f); err != nil {
					return usageErr("--format: %v", err)
				}
			}
			failOn, err := report.ParseFailOn(c.String("fail-on"))
			if err != nil {
				return usageErr("--fail-on %q: want error, warning, info or never", c.String("fail-on"))
			}
			out := output{formats: formats, path: c.String("output"), failOn: failOn}
			if out.path == "" && len(formats) > 1 {
				return usageErr("%d formats need a folder: add -o DIR (one format alone goes to standard output)", len(formats))
			}
			if out.path == "" {
				out.path = "-"
			}
			if out.path == "-" && len(formats) > 1 {
				return usageErr("--output -: standard output takes one format, %d were asked for; give a folder with -o DIR", len(formats))
			}
			if _, err := writeReports(rep, out, c.App.Writer); err != nil {
				return &exitError{code: exitTrouble, err: err}
			}
			return nil
		},
	}
}

func diffCommand() *cli.Command {
	return &cli.Command{
		Name:      "diff",
		Usage:     "what changed between two reports: scripts added, removed and changed, CSP and TLS changes, new and fixed findings, pages (exit 1 when anything changed)",
		ArgsUsage: "OLD.json NEW.json",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print the changes as JSON"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 2 {
				return usageErr("diff needs two JSON reports (padlock diff old.json new.json)")
			}
			old, err := report.ReadFileWithoutResources(c.Args().Get(0))
			if err != nil {
				return usageErr("diff %s: %v", c.Args().Get(0), err)
			}
			cur, err := report.ReadFileWithoutResources(c.Args().Get(1))
			if err != nil {
				return usageErr("diff %s: %v", c.Args().Get(1), err)
			}
			ch := report.Diff(old, cur)
			w := c.App.Writer
			if c.Bool("json") {
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false)
				if err := enc.Encode(ch); err != nil {
					return err
				}
			} else {
				printChanges(c, ch)
			}
			if !ch.Empty() {
				return &exitError{code: exitFindings}
			}
			return nil
		},
	}
}

func printChanges(c *cli.Context, ch *report.Changes) {
	// Reports hold URLs, CSP and header values from crawled sites: escape them for the terminal.
	w := termsafe.NewWriter(c.App.Writer)
	if len(ch.NotCompared) > 0 {
		fmt.Fprintf(w, "rules not compared (off in one of the runs): %s\n", strings.Join(ch.NotCompared, ", "))
	}
	for _, m := range ch.Warnings {
		fmt.Fprintln(w, "warning:", m)
	}
	if ch.Empty() {
		fmt.Fprintln(w, "no changes")
		return
	}
	for _, p := range ch.PagesFailed {
		fmt.Fprintf(w, "! page %s no longer loads: %s\n", p.URL, p.Error)
	}
	for _, s := range ch.ScriptsAdded {
		fmt.Fprintf(w, "+ script %s%s\n", scriptName(s), paymentNote(s.PaymentPages))
	}
	for _, s := range ch.ScriptsRemoved {
		fmt.Fprintf(w, "- script %s%s\n", scriptName(s), paymentNote(s.PaymentPages))
	}
	for _, s := range ch.ScriptsChanged {
		fmt.Fprintf(w, "~ script %s: sha256 %s -> %s%s\n", s.URL, short(s.OldSHA256), short(s.NewSHA256), paymentNote(s.PaymentPages))
	}
	for _, h := range ch.CSPChanged {
		fmt.Fprintf(w, "~ csp %s: %q -> %q\n", h.Page, strings.Join(h.Old, " | "), strings.Join(h.New, " | "))
	}
	for _, h := range ch.HeadersChanged {
		fmt.Fprintf(w, "~ header %s %s: %q -> %q\n", h.Page, h.Header, strings.Join(h.Old, ""), strings.Join(h.New, ""))
	}
	for _, o := range ch.OriginsChanged {
		fmt.Fprintf(w, "~ origin %s %s: %q -> %q\n", o.Origin, o.Field, o.Old, o.New)
	}
	for _, f := range ch.NewFindings {
		fmt.Fprintf(w, "+ %s %s %s (%s line %d)\n", f.Severity, f.Rule, f.URL, f.Page, f.Line)
	}
	for _, f := range ch.Fixed {
		fmt.Fprintf(w, "- %s %s %s (%s line %d)\n", f.Severity, f.Rule, f.URL, f.Page, f.Line)
	}
	for _, p := range ch.PagesAdded {
		fmt.Fprintf(w, "+ page %s\n", p)
	}
	for _, p := range ch.PagesRemoved {
		fmt.Fprintf(w, "- page %s\n", p)
	}
	fmt.Fprintf(w, "scripts: %d added, %d removed, %d changed; %d CSP, %d header and %d origin changes; findings: %d new, %d fixed; pages: %d added, %d removed, %d failing\n",
		len(ch.ScriptsAdded), len(ch.ScriptsRemoved), len(ch.ScriptsChanged), len(ch.CSPChanged), len(ch.HeadersChanged), len(ch.OriginsChanged),
		len(ch.NewFindings), len(ch.Fixed), len(ch.PagesAdded), len(ch.PagesRemoved), len(ch.PagesFailed))
}

func scriptName(s report.Script) string {
	if s.URL != "" {
		return s.URL
	}
	return s.Kind + " sha256:" + short(s.SHA256)
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

func paymentNote(pages []string) string {
	if len(pages) == 0 {
		return ""
	}
	return fmt.Sprintf(" (on %d payment pages)", len(pages))
}
