package main

import (
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
			rep, err := report.OpenFile(c.Args().First(), true) // spooled: flat in the report's size
			if err != nil {
				return usageErr("report %s: %v", c.Args().First(), err)
			}
			defer rep.Close()
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
			if files := out.fileFormats(); out.path == "" && len(files) > 1 {
				return usageErr("%d formats need a folder: add -o DIR (one format alone goes to standard output)", len(files))
			}
			if out.path == "" {
				out.path = "-"
			}
			if out.path == "-" {
				if err := oneForStdout(formats); err != nil {
					return usageErr("--output -: %v", err)
				}
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
			// Both spooled: the diff keeps hashed keys, not the reports, and spools what changed.
			old, err := report.OpenFile(c.Args().Get(0), false)
			if err != nil {
				return usageErr("diff %s: %v", c.Args().Get(0), err)
			}
			defer old.Close()
			cur, err := report.OpenFile(c.Args().Get(1), false)
			if err != nil {
				return usageErr("diff %s: %v", c.Args().Get(1), err)
			}
			defer cur.Close()
			ch := report.DiffSpooled(old, cur) // its lists too
			defer ch.Close()
			if c.Bool("json") {
				err = ch.WriteJSON(c.App.Writer)
			} else {
				// Reports hold URLs, CSP and header values from crawled sites: escape them for
				// the terminal.
				err = ch.WriteText(termsafe.NewWriter(c.App.Writer))
			}
			if err != nil {
				return err
			}
			if !ch.Empty() {
				return &exitError{code: exitFindings}
			}
			return nil
		},
	}
}
