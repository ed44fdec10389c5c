package rules

import (
	"fmt"

	"github.com/padlock-scan/padlock/crawler"
)

// hstsShort reports HSTS headers whose max-age is below one year.
func hstsShort() *Rule {
	return &Rule{
		ID:       "hsts-short",
		Severity: Info,
		Scope:    ScopeOrigin,
		CWE:      319, // cleartext transmission of sensitive information
		Title:    "Strict-Transport-Security max-age below one year",
		Doc: "The site's HTTPS pages send a valid Strict-Transport-Security header whose max-age " +
			"is below 31536000 seconds (one year). Browsers honour it, but the protection lapses " +
			"for visitors who stay away longer than max-age, and the HSTS preload list requires " +
			"at least a year (SSL Labs wants about six months for an A+). The check is per " +
			"origin: one finding for each distinct header value, on the first page that sent it.",
		Fix: "Raise max-age to 31536000 (one year) or more once HTTPS works everywhere on the host: " +
			"Strict-Transport-Security: max-age=31536000; includeSubDomains.",
		HelpURL: "https://hstspreload.org/",
		Check:   checkHSTS(hstsShortWhy),
	}
}

// hstsShortWhy says that a valid header's max-age is below one year, or returns "".
func hstsShortWhy(o *crawler.Origin, header string) string {
	h, err := ParseHSTS(header)
	if err != nil || h.MaxAge == 0 || h.MaxAge >= hstsOneYear {
		return ""
	}
	return fmt.Sprintf("%s sends Strict-Transport-Security max-age=%d (%s), below one year",
		o.Origin, h.MaxAge, humanDuration(h.MaxAge))
}

// humanDuration renders a number of seconds roughly, for messages: "180 days", "5 minutes".
func humanDuration(sec int64) string {
	plural := func(n int64, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	switch {
	case sec >= 86400:
		return plural(sec/86400, "day")
	case sec >= 3600:
		return plural(sec/3600, "hour")
	case sec >= 60:
		return plural(sec/60, "minute")
	}
	return plural(sec, "second")
}
