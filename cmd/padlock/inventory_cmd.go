package main

import (
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	scriptinv "github.com/padlock-scan/padlock/inventory"
	"github.com/padlock-scan/padlock/report"
)

// inventoryCommand is padlock inventory: start a script inventory from a report, and check one.
func inventoryCommand() *cli.Command {
	return &cli.Command{
		Name:  "inventory",
		Usage: "start a script inventory (PCI DSS 6.4.3) from a report, or check one",
		Subcommands: []*cli.Command{
			{
				Name:      "propose",
				Usage:     "print an inventory entry for every payment-page script of a JSON report that the inventory does not name yet",
				ArgsUsage: "REPORT.json",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "inventory", Usage: "the inventory `FILE` so far (or a padlock.yml with scripts:): its scripts are left out"},
				},
				Action: func(c *cli.Context) error {
					if c.NArg() != 1 {
						return usageErr("inventory propose needs one JSON report (padlock inventory propose padlock.json > inventory.yml)")
					}
					path := c.Args().First()
					rep, err := report.ReadFileWithoutResources(path)
					if err != nil {
						return usageErr("inventory propose %s: %v", path, err)
					}
					var inv *scriptinv.Inventory
					if f := c.String("inventory"); f != "" {
						if inv, err = scriptinv.Load(f); err != nil {
							return inventoryProblem(f, err)
						}
					}
					return scriptinv.WriteProposals(c.App.Writer, path, rep, scriptinv.Propose(rep, inv))
				},
			},
			{
				Name:      "check",
				Usage:     "check an inventory file (or a padlock.yml with scripts:); every problem as FILE:LINE: message, exit 2 when there is one",
				ArgsUsage: "FILE",
				Action: func(c *cli.Context) error {
					if c.NArg() != 1 {
						return usageErr("inventory check needs one file (padlock inventory check inventory.yml)")
					}
					inv, err := scriptinv.Load(c.Args().First())
					if err != nil {
						return inventoryProblem(c.Args().First(), err)
					}
					_, err = fmt.Fprintf(c.App.Writer, "%s: %d entries, no problem\n", c.Args().First(), len(inv.Entries))
					return err
				},
			},
		},
	}
}

// inventoryProblem is exit 2 with every problem of the file on a line of its own, or the
// reason it could not be read.
func inventoryProblem(path string, err error) error {
	var ps scriptinv.Problems
	if errors.As(err, &ps) {
		noun := "problems"
		if len(ps) == 1 {
			noun = "problem"
		}
		return &exitError{code: exitTrouble, err: fmt.Errorf("%w\n%d %s in %s", ps, len(ps), noun, path)}
	}
	return usageErr("inventory %v", err)
}
