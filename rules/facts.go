package rules

import (
	"net/url"

	"github.com/padlock-scan/padlock/crawler"
)

// Facts are what several rules (and the report) want to know about one page: each is computed
// when first asked, at most once per page, and shared by every pass over the page, as
// go/analysis hands an analyzer the results of the analyzers it requires. A Facts is not safe
// for concurrent use: one goroutine runs the rules over a page.
type Facts struct {
	page *crawler.Page
	cfg  *Config

	paymentDone bool
	payment     bool
	signals     []string

	mixed []mixedVerdict // by index in page.Resources; nil until asked

	pageURLDone bool
	pageURL     *url.URL

	inventory *InventoryFacts // the script inventory's verdicts (SetInventory)

	// hosts remembers ThirdParty's verdict for the hosts (as written in the URL) of the page's
	// references asked about so far: a page names a few hosts many times.
	hosts []hostVerdict
}

type hostVerdict struct {
	host  string
	third bool
}

// maxHostVerdicts bounds Facts.hosts: a page naming more hosts asks ThirdParty for the rest.
const maxHostVerdicts = 32

// thirdParty is ThirdParty(pu, u, f.cfg), remembered by u's host.
func (f *Facts) thirdParty(pu, u *url.URL) bool {
	for _, h := range f.hosts {
		if h.host == u.Host {
			return h.third
		}
	}
	third := ThirdParty(pu, u, f.cfg)
	if len(f.hosts) < maxHostVerdicts {
		f.hosts = append(f.hosts, hostVerdict{u.Host, third})
	}
	return third
}

// NewFacts returns the facts of page under cfg (nil: the zero Config), none computed yet.
func NewFacts(page *crawler.Page, cfg *Config) *Facts {
	return &Facts{page: page, cfg: orDefault(cfg)}
}

// Payment reports whether the page is a payment page, and why (see IsPaymentPage).
func (f *Facts) Payment() (bool, []string) {
	if !f.paymentDone {
		f.payment, f.signals = IsPaymentPage(f.page, f.cfg)
		f.paymentDone = true
	}
	return f.payment, f.signals
}

// SetPayment sets the payment verdict instead of computing it from the page: render mode
// decides it from the rendered DOM and the frames scripts inserted, which the markup lacks.
func (f *Facts) SetPayment(payment bool, signals []string) {
	f.payment, f.signals, f.paymentDone = payment, signals, true
}

// finalURL returns the page's final URL parsed, or nil when it does not parse.
func (f *Facts) finalURL() *url.URL {
	if !f.pageURLDone {
		f.pageURL, _ = crawler.ParseURL(f.page.FinalURL)
		f.pageURLDone = true
	}
	return f.pageURL
}

// mixedVerdicts returns the mixed-content verdict (classifyMixed) of each of the page's
// resources, by index.
func (f *Facts) mixedVerdicts() []mixedVerdict {
	if f.mixed == nil {
		f.mixed = make([]mixedVerdict, len(f.page.Resources))
		if isHTTPS(f.page.FinalURL) { // only https pages restrict mixed content
			for i := range f.page.Resources {
				f.mixed[i] = classifyMixed(f.page, &f.page.Resources[i])
			}
		}
	}
	return f.mixed
}
