package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/padlock-scan/padlock/rules"
)

func rulesCommand() *cli.Command {
	return &cli.Command{
		Name:  "rules",
		Usage: "list the rules: ID, severity, what they find and how to fix it",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print the rules as JSON"},
		},
		Action: func(c *cli.Context) error {
			all := rules.All()
			w := c.App.Writer
			if c.Bool("json") {
				type ruleDoc struct {
					ID       string `json:"id"`
					Severity string `json:"severity"`
					Title    string `json:"title"`
					Doc      string `json:"doc"`
					Fix      string `json:"fix"`
					HelpURL  string `json:"help_url"`
				}
				out := make([]ruleDoc, 0, len(all))
				for _, r := range all {
					out = append(out, ruleDoc{r.ID, r.Severity.String(), r.Title, r.Doc, r.Fix, r.HelpURL})
				}
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "RULE\tSEVERITY\tFINDS")
			for _, r := range all {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", r.ID, r.Severity, r.Title)
			}
			return tw.Flush()
		},
	}
}
