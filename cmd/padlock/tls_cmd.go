package main

import (
	"errors"
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/scan"
)

// tlsCommand is padlock tls: the TLS of endpoints that are not pages (webhook receivers, APIs),
// with no crawl. It takes crawl's settings (padlock.yml's endpoints: are checked too, its urls:
// are not crawled) and writes the same reports with the same exit codes.
func tlsCommand(getenv func(string) string) *cli.Command {
	return &cli.Command{
		Name:      "tls",
		Usage:     "check only the TLS of endpoints (webhook receivers, APIs): no crawl",
		ArgsUsage: "URL...",
		Description: "padlock tls makes the TLS probe set of padlock crawl with each endpoint's origin (versions,\n" +
			"weak and static-RSA suites, certificate) and reports the TLS findings and each origin's grade in\n" +
			"the crawl's report formats. Nothing is requested over HTTP; an http: endpoint is insecure-endpoint.\n" +
			"The endpoints: of padlock.yml are checked too. Exit codes as crawl: 0 no finding at or above\n" +
			"--fail-on, 1 findings, 2 usage error or no endpoint reachable. Flags about pages do nothing here.",
		Flags: crawlFlags(),
		Action: func(c *cli.Context) error {
			opt, out, err := tlsOptions(c)
			if err != nil {
				return err
			}
			if slices.Contains(out.formats, "markdown") {
				out.summary = getenv("GITHUB_STEP_SUMMARY")
			}
			return runCrawl(c.Context, opt, out, c.App.Writer, c.App.ErrWriter)
		},
	}
}

// tlsOptions are crawl's options with the arguments as endpoints and no start URL.
func tlsOptions(c *cli.Context) (scan.Options, output, error) {
	file, err := loadConfig(c)
	if err != nil {
		return scan.Options{}, output{}, err
	}
	m := mergeSettings(c, file)
	args := c.Args().Slice()
	for _, a := range args {
		if err := crawler.CheckValue("Endpoints", a); err != nil {
			return scan.Options{}, output{}, usageErr("endpoint %q: %v", a, errors.Unwrap(err))
		}
	}
	m.vals["urls"] = value{}
	m.vals["endpoints"] = value{list: append(slices.Clip(args), m.vals["endpoints"].list...)}
	if len(m.vals["endpoints"].list) == 0 {
		return scan.Options{}, output{}, usageErr("tls needs at least one endpoint URL (padlock tls https://shop.example/webhooks/stripe), or endpoints: in padlock.yml")
	}
	cfg, err := m.options()
	return cfg.scan, cfg.out, err
}
