package main

import (
	"encoding/json"
	"fmt"
	"strings"
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
					// PaymentSeverity is the severity on a payment page, when it differs.
					PaymentSeverity string `json:"payment_severity,omitempty"`
					Title           string `json:"title"`
					Doc             string `json:"doc"`
					Fix             string `json:"fix"`
					HelpURL         string `json:"help_url"`
				}
				out := make([]ruleDoc, 0, len(all))
				for _, r := range all {
					d := ruleDoc{ID: r.ID, Severity: r.Severity.String(), Title: r.Title, Doc: r.Doc, Fix: r.Fix, HelpURL: r.HelpURL}
					if r.OnPayment() != r.Severity {
						d.PaymentSeverity = r.OnPayment().String()
					}
					out = append(out, d)
				}
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "RULE\tSEVERITY\tFINDS")
			var raised []string
			for _, r := range all {
				sev := r.Severity.String()
				if p := r.OnPayment(); p != r.Severity {
					sev += ", " + p.String() + "*"
					raised = append(raised, fmt.Sprintf("%s (%s, not %s)", r.ID, withArticle(p.String()), withArticle(r.Severity.String())))
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\n", r.ID, sev, r.Title)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if len(raised) > 0 {
				_, err := fmt.Fprintf(w, "\n* on a payment page (a card field or a payment provider's card frame) these rules report one severity higher: %s\n", strings.Join(raised, "; "))
				return err
			}
			return nil
		},
	}
}

// withArticle is "an error", "a warning", "an info".
func withArticle(word string) string {
	if strings.ContainsAny(word[:1], "aeiou") {
		return "an " + word
	}
	return "a " + word
}
