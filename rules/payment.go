package rules

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode"

	"github.com/padlock-scan/padlock/crawler"
)

// This file decides whether a page is a payment page (SPEC.md): one with a form field for card
// data, or one that embeds a payment provider's card frame. Card frames that a provider's
// script injects at run time (Stripe Elements, Braintree hosted fields...) are invisible to a
// static crawl: such a page counts only if its markup has card fields or the frame itself.

// paymentProviderHosts are the hosts that serve payment providers' card frames, as host
// patterns in MatchOriginPattern syntax ("*.d" matches subdomains of d). It is data: keep it
// small, sorted, and limited to hosts whose frames collect card data or run a checkout.
var paymentProviderHosts = []string{
	"*.adyen.com",            // checkoutshopper-live.adyen.com (Web Drop-in, secured fields)
	"*.authorize.net",        // accept.authorize.net (Accept Hosted)
	"*.braintreegateway.com", // assets.braintreegateway.com (hosted fields)
	"*.checkout.com",         // Frames
	"*.cybersource.com",      // flex.cybersource.com (Microform, hosted fields)
	"*.klarna.com",           // Klarna payments widget
	"*.mollie.com",           // js.mollie.com (Mollie Components)
	"*.paypal.com",           // www.paypal.com (Smart Buttons, card fields)
	"*.razorpay.com",         // api.razorpay.com (Checkout)
	"*.recurly.com",          // api.recurly.com (Recurly.js Elements)
	"*.spreedly.com",         // core.spreedly.com (iFrame payment form)
	"*.squareup.com",         // Square Web Payments SDK
	"*.worldpay.com",         // hosted payment pages
	"checkout.stripe.com",    // Stripe Checkout
	"js.stripe.com",          // Stripe Elements and Payment Element
	"pay.google.com",         // Google Pay
	"web.squarecdn.com",      // Square card frame
}

// PaymentProviderHost reports whether u's host serves a payment provider's card frame: a host
// in padlock's built-in list (js.stripe.com, *.braintreegateway.com, *.adyen.com, *.paypal.com
// and others) or one matching a cfg.PaymentProviders pattern (MatchOriginPattern syntax).
func PaymentProviderHost(u *url.URL, cfg *Config) bool {
	if u == nil || u.Hostname() == "" {
		return false
	}
	for _, p := range paymentProviderHosts {
		if MatchOriginPattern(p, u) {
			return true
		}
	}
	if cfg != nil {
		for _, p := range cfg.PaymentProviders {
			if ValidateOriginPattern(p) == nil && MatchOriginPattern(p, u) {
				return true
			}
		}
	}
	return false
}

// ccAutocomplete are the autofill field names of payment card data (HTML §autofill).
var ccAutocomplete = map[string]bool{
	"cc-name": true, "cc-given-name": true, "cc-additional-name": true, "cc-family-name": true,
	"cc-number": true, "cc-exp": true, "cc-exp-month": true, "cc-exp-year": true, "cc-csc": true,
	"cc-type": true,
}

// cardFieldNames are normalised field names or ids (lower-case, letters and digits only) that
// on their own say "card data". Generic words (exp, number, code, name, date) are not here.
var cardFieldNames = map[string]bool{
	"cvc": true, "cvc2": true, "cvv": true, "cvv2": true, "csc": true,
	"creditcard": true, "cardholder": true, "cardholdername": true, "nameoncard": true, "ccname": true,
	"expiry": true, "expirydate": true, "expirymonth": true, "expiryyear": true,
	"expdate": true, "expmonth": true, "expyear": true,
	"expirationdate": true, "expirationmonth": true, "expirationyear": true,
}

// cardWords name the card itself; followed by a cardAttrs word (in one segment, cardNumber,
// or in the next, card[number]) they name a card field.
var cardWords = []string{"creditcard", "paymentcard", "card", "cc"}

// cardAttrs are what a card field after a cardWords word may be called.
var cardAttrs = map[string]bool{
	"number": true, "num": true, "no": true, "nr": true,
	"cvc": true, "cvc2": true, "cvv": true, "cvv2": true, "csc": true, "code": true,
	"securitycode": true, "verificationcode": true, "verificationvalue": true,
	"exp": true, "expiry": true, "expirydate": true, "expirymonth": true, "expiryyear": true,
	"expdate": true, "expmonth": true, "expyear": true, "expiration": true,
	"expirationdate": true, "expirationmonth": true, "expirationyear": true,
	"holder": true, "holdername": true,
}

// nonInputTypes are input types that capture nothing a user types.
var nonInputTypes = map[string]bool{
	"hidden": true, "submit": true, "button": true, "reset": true, "image": true,
	"checkbox": true, "radio": true, "file": true,
}

// IsPaymentPage reports whether p is a payment page, and why: the signals are short
// descriptions such as `input autocomplete="cc-number" (line 12)`, `input name="cvv" (line 14)`
// or `card frame from js.stripe.com (line 20)`, in page order. Signals are (a) a form control
// whose autocomplete has a cc-* field name (cc-number, cc-csc, cc-exp...; section-, shipping and
// billing prefixes allowed); (b) a form control whose name or id is a card-field name
// (cardnumber, card_number, ccnum, cvc, cvv, csc, expiry, exp_month...; case and separators
// ignored, framework names such as payment[card][number] understood; "exp", "number",
// "code" alone, search boxes, coupons and e-mail fields never count); (c) an iframe or frame
// whose host serves a payment provider's card frame (PaymentProviderHost); (d) a URL matching a
// cfg.PaymentPages pattern. Hidden inputs and buttons never count.
func IsPaymentPage(p *crawler.Page, cfg *Config) (bool, []string) {
	if p == nil {
		return false, nil
	}
	var signals []string
	if cfg != nil {
		for _, re := range cfg.PaymentPages {
			if re.MatchString(p.URL) || p.FinalURL != p.URL && re.MatchString(p.FinalURL) {
				signals = append(signals, fmt.Sprintf("URL matches --payment-page %q", re.String()))
				break
			}
		}
	}
	for _, f := range p.Fields {
		if nonInputTypes[strings.ToLower(f.Type)] {
			continue
		}
		el := f.Element
		if el == "" {
			el = "input"
		}
		if tok := ccAutocompleteToken(f.Autocomplete); tok != "" {
			signals = append(signals, fmt.Sprintf("%s autocomplete=%q%s", el, tok, lineSuffix(f.Line)))
			continue
		}
		switch {
		case isCardFieldName(f.Name):
			signals = append(signals, fmt.Sprintf("%s name=%q%s", el, f.Name, lineSuffix(f.Line)))
		case isCardFieldName(f.ID):
			signals = append(signals, fmt.Sprintf("%s id=%q%s", el, f.ID, lineSuffix(f.Line)))
		}
	}
	for i := range p.Resources {
		r := &p.Resources[i]
		if r.Kind != crawler.KindFrame {
			continue
		}
		u := r.Parsed()
		if !PaymentProviderHost(u, cfg) {
			continue
		}
		signals = append(signals, fmt.Sprintf("card frame from %s%s", strings.ToLower(u.Hostname()), lineSuffix(r.Line)))
	}
	return len(signals) > 0, signals
}

func lineSuffix(line int) string {
	if line > 0 {
		return fmt.Sprintf(" (line %d)", line)
	}
	return ""
}

// ccAutocompleteToken returns the cc-* autofill field name in an autocomplete value, or "".
func ccAutocompleteToken(v string) string {
	for _, tok := range strings.FieldsFunc(strings.ToLower(v), isASCIIWhitespace) {
		if ccAutocomplete[tok] {
			return tok
		}
	}
	return ""
}

// isCardFieldName reports whether a field name or id names card data. The name is split into
// segments at brackets and dots (payment[card][cvc], billing.cardNumber), each reduced to
// lower-case letters and digits; a segment counts when it is a card-field name on its own
// (cvv, expiry, exp_month), a card word followed by a card attribute (cardNumber, cc-num,
// credit_card_cvv), or a card attribute right after a segment that is a card word
// (credit_card[number]).
func isCardFieldName(name string) bool {
	if name == "" {
		return false
	}
	segs := strings.FieldsFunc(name, func(r rune) bool { return r == '[' || r == ']' || r == '.' })
	prev := ""
	for _, s := range segs {
		n := strings.Map(func(r rune) rune {
			if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
				return unicode.ToLower(r)
			}
			return -1
		}, s)
		if n == "" {
			continue
		}
		if cardFieldNames[n] || slices.Contains(cardWords, prev) && cardAttrs[n] {
			return true
		}
		for _, w := range cardWords {
			if rest, ok := strings.CutPrefix(n, w); ok && cardAttrs[rest] {
				return true
			}
		}
		prev = n
	}
	return false
}
