package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/padlock-scan/padlock/demo"
	"github.com/padlock-scan/padlock/report"
	"github.com/padlock-scan/padlock/rules"
	"github.com/padlock-scan/padlock/scan"
)

func demoCommand() *cli.Command {
	return &cli.Command{
		Name:  "demo",
		Usage: "start a built-in demo shop on loopback over HTTPS, crawl it and write padlock-report.json",
		Description: "The demo shop ships inside the binary and has real examples of every rule. It listens on\n" +
			"127.0.0.1 only, under made-up host names reached through --resolve, with a certificate made at\n" +
			"start. The exit code is 0 when the crawl completed: the findings are the point of the demo.",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "format", Aliases: []string{"f"}, Usage: "report `FORMAT` (repeatable; default json)"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "where reports go (`PATH`; default padlock-report.json)"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print nothing but errors"},
		},
		Action: func(c *cli.Context) error {
			d, err := demo.Start(c.Context)
			if err != nil {
				return &exitError{code: exitTrouble, err: fmt.Errorf("demo: %w", err)}
			}
			defer d.Close()
			formats := c.StringSlice("format")
			if len(formats) == 0 {
				formats = []string{"json"}
			}
			for _, f := range formats {
				if _, err := report.New(f); err != nil {
					return usageErr("--format: %v", err)
				}
			}
			opt := scan.Options{Rules: rules.Config{}}
			opt.Crawl.StartURLs = []string{d.StartURL}
			opt.Crawl.Resolve = d.Resolve
			opt.Crawl.RootCAs = d.RootCAs
			out := output{formats: formats, path: c.String("output"), failOn: report.FailNever, quiet: c.Bool("quiet")}
			if !out.quiet {
				fmt.Fprintf(c.App.ErrWriter, "padlock: demo shop at %s (resolved to 127.0.0.1)\n", d.StartURL)
			}
			return runCrawl(c.Context, opt, out, c.App.Writer, c.App.ErrWriter)
		},
	}
}
