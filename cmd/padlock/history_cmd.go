package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/padlock-scan/padlock/history"
	"github.com/padlock-scan/padlock/internal/termsafe"
)

// storeFlag is --store of the commands that read the history.
func storeFlag() cli.Flag {
	return &cli.StringFlag{Name: "store", Value: history.DefaultPath, Usage: "the history `FILE` padlock watch writes"}
}

// openHistory opens an existing store for reading: a missing file is a usage error, not a new
// empty store.
func openHistory(path string) (*history.Store, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, usageErr("no history store at %s (padlock watch writes it; --store FILE names another)", path)
	}
	s, err := history.Open(path)
	if err != nil {
		return nil, &exitError{code: exitTrouble, err: err}
	}
	return s, nil
}

func historyCommand() *cli.Command {
	return &cli.Command{
		Name:  "history",
		Usage: "list padlock watch's runs and their outcomes (history scripts: when each payment-page script was first and last seen)",
		Flags: []cli.Flag{storeFlag(), &cli.BoolFlag{Name: "json", Usage: "print JSON"}},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageErr("unknown history command %q (want report, scripts, or no argument for the runs)", c.Args().First())
			}
			s, err := openHistory(c.String("store"))
			if err != nil {
				return err
			}
			defer s.Close()
			runs, err := s.Runs(c.Context, time.Time{})
			if err != nil {
				return &exitError{code: exitTrouble, err: err}
			}
			if c.Bool("json") {
				if runs == nil {
					runs = []*history.Run{}
				}
				return writeJSON(c.App.Writer, runs)
			}
			return writeRuns(termsafe.NewWriter(c.App.Writer), runs)
		},
		Subcommands: []*cli.Command{{
			Name:      "report",
			Usage:     "write the JSON report a run stored (the last --keep-reports runs and the baseline keep theirs)",
			ArgsUsage: "RUN",
			Flags: []cli.Flag{storeFlag(), &cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "-",
				Usage: "write it to `FILE` (- : standard output); padlock report, diff and --baseline read it"}},
			Action: func(c *cli.Context) error {
				id, err := strconv.ParseInt(c.Args().First(), 10, 64)
				if c.NArg() != 1 || err != nil || id <= 0 {
					return usageErr("history report needs one run number (padlock history lists them)")
				}
				s, err := openHistory(c.String("store"))
				if err != nil {
					return err
				}
				defer s.Close()
				if run, err := s.Run(c.Context, id); err != nil {
					return &exitError{code: exitTrouble, err: err}
				} else if run == nil {
					return usageErr("no run %d in %s (padlock history lists the runs)", id, c.String("store"))
				}
				return writeStoredReport(c, s, id, c.String("output"))
			},
		}, {
			Name:  "scripts",
			Usage: "each script seen on the payment pages, with the runs it was first and last seen in",
			Flags: []cli.Flag{storeFlag(), &cli.StringFlag{Name: "page", Usage: "only the payment page `URL`"}, &cli.BoolFlag{Name: "json", Usage: "print JSON"}},
			Action: func(c *cli.Context) error {
				s, err := openHistory(c.String("store"))
				if err != nil {
					return err
				}
				defer s.Close()
				seen, err := s.Scripts(c.Context, c.String("page"))
				if err != nil {
					return &exitError{code: exitTrouble, err: err}
				}
				if c.String("page") != "" && len(seen) == 0 {
					pages, _ := s.PaymentPages(c.Context)
					return usageErr("no script was seen on %s; payment pages in the store: %s", c.String("page"), strings.Join(pages, " "))
				}
				if c.Bool("json") {
					if seen == nil {
						seen = []history.Seen{}
					}
					return writeJSON(c.App.Writer, seen)
				}
				return writeSeen(termsafe.NewWriter(c.App.Writer), seen)
			},
		}},
	}
}

// writeStoredReport writes run id's stored report to path (- : standard output), through a
// temporary file renamed into place as padlock crawl writes its reports.
func writeStoredReport(c *cli.Context, s *history.Store, id int64, path string) error {
	var w io.Writer = c.App.Writer
	var f *os.File
	if path != "-" && !special(path) {
		var err error
		if f, err = os.Create(path + ".tmp"); err != nil {
			return &exitError{code: exitTrouble, err: err}
		}
		defer os.Remove(path + ".tmp") // (gone once renamed)
		w = f
	} else if path != "-" {
		out, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return &exitError{code: exitTrouble, err: err}
		}
		defer out.Close()
		w = out
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	ok, err := s.WriteReport(c.Context, id, bw)
	if err == nil {
		err = bw.Flush()
	}
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil && ok {
			err = os.Rename(path+".tmp", path)
		}
	}
	switch {
	case err != nil:
		return &exitError{code: exitTrouble, err: err}
	case !ok:
		return &exitError{code: exitTrouble, err: fmt.Errorf("run %d has no stored report: it did not crawl, or it was older than --keep-reports", id)}
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

const dateFormat = "2006-01-02 15:04 UTC"

// writeRuns prints one run a line, and under a degraded run why.
func writeRuns(w io.Writer, runs []*history.Run) error {
	if len(runs) == 0 {
		_, err := fmt.Fprintln(w, "no runs yet")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tSTARTED\tTOOK\tOUTCOME\tCHANGES\tPAYMENT PAGES\tFINDINGS\tBASELINE\tSITE")
	for _, r := range runs {
		base := "-"
		if r.BaselineRun != 0 {
			base = fmt.Sprint(r.BaselineRun)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s\n", r.ID, r.StartedAt.UTC().Format(dateFormat),
			r.FinishedAt.Sub(r.StartedAt).Round(time.Second), r.Outcome, history.Count(r.Changes), r.PaymentPages, r.Findings, base, termsafe.Line(r.Site))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range runs {
		for _, why := range r.Reasons {
			fmt.Fprintf(w, "run %d: %s\n", r.ID, termsafe.Line(why))
		}
	}
	return nil
}

// writeSeen prints the scripts of each payment page, with when they were first and last seen.
func writeSeen(w io.Writer, seen []history.Seen) error {
	if len(seen) == 0 {
		_, err := fmt.Fprintln(w, "no script seen on a payment page yet")
		return err
	}
	page := ""
	var tw *tabwriter.Writer
	for _, v := range seen {
		if v.Page != page {
			if tw != nil {
				tw.Flush()
			}
			page = v.Page
			fmt.Fprintf(w, "payment page %s\n", termsafe.Line(page))
			tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "  FIRST SEEN (RUN)\tLAST SEEN (RUN)\tSCRIPT\tSHA-256\tINTEGRITY")
		}
		integrity := v.Integrity
		if integrity == "" {
			integrity = "-"
		}
		fmt.Fprintf(tw, "  %s (%d)\t%s (%d)\t%s\t%s\t%s\n", v.FirstSeen.UTC().Format(dateFormat), v.FirstRun,
			v.LastSeen.UTC().Format(dateFormat), v.LastRun, termsafe.Line(v.Script), v.SHA256, termsafe.Line(integrity))
	}
	return tw.Flush()
}
