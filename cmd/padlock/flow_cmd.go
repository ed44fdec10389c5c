package main

import (
	"fmt"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/padlock-scan/padlock/internal/termsafe"
	"github.com/padlock-scan/padlock/render"
)

// flowCommand is padlock flow check: a Recorder file read and checked without a crawl.
func flowCommand() *cli.Command {
	return &cli.Command{
		Name:  "flow",
		Usage: "recorded browser flows (--flow): check a Chrome DevTools Recorder export",
		Subcommands: []*cli.Command{{
			Name:      "check",
			Usage:     "check Recorder JSON files without crawling: known step types, the fields each needs, selectors of a known kind",
			ArgsUsage: "FILE...",
			Action: func(c *cli.Context) error {
				if c.NArg() == 0 {
					return usageErr("flow check needs a Recorder JSON file (padlock flow check checkout.json)")
				}
				bad := 0
				for _, file := range c.Args().Slice() {
					f, err := render.ReadFlow(file)
					if err != nil {
						bad++
						fmt.Fprintln(c.App.ErrWriter, "padlock:", termsafe.Line(err.Error()))
						continue
					}
					fmt.Fprintf(c.App.Writer, "%s: flow %q, %d steps: ok\n", termsafe.Line(file), termsafe.Line(f.Name()), len(f.Steps))
				}
				if bad > 0 {
					return &exitError{code: exitTrouble}
				}
				return nil
			},
		}},
	}
}

// flowShots is the folder of a failed flow step's screenshot: the reports' folder.
func flowShots(out output) string {
	if ts := reportPaths(out); len(ts) > 0 {
		return filepath.Dir(ts[0].path)
	}
	return "."
}
