package rules

import (
	"strings"
	"testing"

	"github.com/padlock-scan/padlock/crawler"
)

func TestIsPaymentPage(t *testing.T) {
	t.Parallel()
	frame := func(u string) crawler.Resource {
		return crawler.Resource{URL: u, Element: "iframe", Attribute: "src", Kind: crawler.KindFrame, Line: 40, Source: crawler.SourceHTML}
	}
	input := func(name, id, ac string) crawler.Field {
		return crawler.Field{Element: "input", Type: "text", Name: name, ID: id, Autocomplete: ac, Line: 12}
	}
	tests := []struct {
		name   string
		fields []crawler.Field
		res    []crawler.Resource
		cfg    *Config
		want   string // substring of the first signal; "" for not a payment page
	}{
		{name: "autocomplete cc-number", fields: []crawler.Field{input("n", "", "cc-number")}, want: `input autocomplete="cc-number" (line 12)`},
		{name: "autocomplete cc-csc", fields: []crawler.Field{input("", "", "cc-csc")}, want: `"cc-csc"`},
		{name: "autocomplete cc-exp", fields: []crawler.Field{input("", "", "cc-exp")}, want: `"cc-exp"`},
		{name: "autocomplete cc-exp-month on a select", fields: []crawler.Field{{Element: "select", Autocomplete: "cc-exp-month", Line: 3}}, want: `select autocomplete="cc-exp-month"`},
		{name: "autocomplete cc-name", fields: []crawler.Field{input("", "", "cc-name")}, want: `"cc-name"`},
		{name: "autocomplete cc-type", fields: []crawler.Field{input("", "", "cc-type")}, want: `"cc-type"`},
		{name: "autocomplete cc-family-name", fields: []crawler.Field{input("", "", "cc-family-name")}, want: `"cc-family-name"`},
		{name: "autocomplete with section and billing", fields: []crawler.Field{input("", "", "section-pay billing cc-number")}, want: `"cc-number"`},
		{name: "autocomplete upper-case", fields: []crawler.Field{input("", "", "CC-Number")}, want: `"cc-number"`},
		{name: "name cardnumber", fields: []crawler.Field{input("cardnumber", "", "")}, want: `input name="cardnumber"`},
		{name: "name card_number", fields: []crawler.Field{input("card_number", "", "")}, want: `name="card_number"`},
		{name: "name card-number", fields: []crawler.Field{input("card-number", "", "")}, want: `name="card-number"`},
		{name: "name cardNumber", fields: []crawler.Field{input("cardNumber", "", "")}, want: `name="cardNumber"`},
		{name: "name ccnum", fields: []crawler.Field{input("ccnum", "", "")}, want: `name="ccnum"`},
		{name: "name cc_number", fields: []crawler.Field{input("cc_number", "", "")}, want: `name="cc_number"`},
		{name: "name CVC", fields: []crawler.Field{input("CVC", "", "")}, want: `name="CVC"`},
		{name: "name cvv2", fields: []crawler.Field{input("cvv2", "", "")}, want: `name="cvv2"`},
		{name: "name csc", fields: []crawler.Field{input("csc", "", "")}, want: `name="csc"`},
		{name: "name card_cvc", fields: []crawler.Field{input("card_cvc", "", "")}, want: `name="card_cvc"`},
		{name: "name expiry", fields: []crawler.Field{input("expiry", "", "")}, want: `name="expiry"`},
		{name: "name exp_month", fields: []crawler.Field{input("exp_month", "", "")}, want: `name="exp_month"`},
		{name: "name exp-year", fields: []crawler.Field{input("exp-year", "", "")}, want: `name="exp-year"`},
		{name: "framework name", fields: []crawler.Field{input("payment[card][cvc]", "", "")}, want: `name="payment[card][cvc]"`},
		{name: "framework name split across segments", fields: []crawler.Field{input("order[credit_card][number]", "", "")}, want: `credit_card][number]`},
		{name: "dotted name", fields: []crawler.Field{input("billing.cardNumber", "", "")}, want: `billing.cardNumber`},
		{name: "id only", fields: []crawler.Field{input("", "card-cvc", "")}, want: `input id="card-cvc"`},
		{name: "password input named cvv", fields: []crawler.Field{{Element: "input", Type: "password", Name: "cvv"}}, want: `name="cvv"`},
		{name: "stripe card frame", res: []crawler.Resource{frame("https://js.stripe.com/v3/elements-inner-card.html")}, want: "card frame from js.stripe.com (line 40)"},
		{name: "stripe checkout", res: []crawler.Resource{frame("https://checkout.stripe.com/c/pay")}, want: "checkout.stripe.com"},
		{name: "braintree hosted fields", res: []crawler.Resource{frame("https://assets.braintreegateway.com/web/3/html/hosted-fields-frame.min.html")}, want: "assets.braintreegateway.com"},
		{name: "adyen", res: []crawler.Resource{frame("https://checkoutshopper-live.adyen.com/checkoutshopper/securedfields/x.html")}, want: "checkoutshopper-live.adyen.com"},
		{name: "paypal", res: []crawler.Resource{frame("https://www.paypal.com/smart/buttons")}, want: "www.paypal.com"},
		{name: "square", res: []crawler.Resource{frame("https://web.squarecdn.com/v1/square.js")}, want: "web.squarecdn.com"},
		{name: "google pay", res: []crawler.Resource{frame("https://pay.google.com/gp/p/ui/pay")}, want: "pay.google.com"},
		{name: "configured provider", res: []crawler.Resource{frame("https://fields.mypsp.test/card")}, cfg: &Config{PaymentProviders: []string{"*.mypsp.test"}}, want: "fields.mypsp.test"},
		{name: "several signals, page order", fields: []crawler.Field{input("q", "", "off"), input("ccnum", "", "")}, res: []crawler.Resource{frame("https://js.stripe.com/x")}, want: `name="ccnum"`},

		// Not payment pages.
		{name: "search form", fields: []crawler.Field{{Element: "input", Type: "search", Name: "q", ID: "search", Autocomplete: "off"}}},
		{name: "newsletter and coupon", fields: []crawler.Field{
			input("email", "email", "email"), input("discount", "", ""), input("coupon", "coupon_code", ""),
			input("promo_code", "", ""), input("gift_card_number", "", ""), input("giftcard[number]", "", ""),
			input("exp", "", ""), input("number", "", ""), input("code", "", ""), input("phone_number", "", "tel"),
			input("name", "", "name"), input("card_message", "", ""), input("date", "", "bday"),
			input("shipping[address]", "", "shipping street-address"), input("expected", "", ""),
			input("csc_office", "", ""), input("cvc-info", "", ""),
		}},
		{name: "hidden input named card_number", fields: []crawler.Field{{Element: "input", Type: "hidden", Name: "card_number"}}},
		{name: "hidden input with cc-number", fields: []crawler.Field{{Element: "input", Type: "hidden", Autocomplete: "cc-number"}}},
		{name: "submit button named cvv", fields: []crawler.Field{{Element: "input", Type: "submit", Name: "cvv"}}},
		{name: "stripe script is not a card frame", res: []crawler.Resource{scriptRes("https://js.stripe.com/v3/")}},
		{name: "link to paypal is not a frame", res: []crawler.Resource{{URL: "https://www.paypal.com/", Element: "a", Kind: crawler.KindLink}}},
		{name: "frame from an unrelated host", res: []crawler.Resource{frame("https://www.youtube.com/embed/x")}},
		{name: "bare provider domain is not *.provider", res: []crawler.Resource{frame("https://paypal.com.evil.test/")}},
		{name: "no fields at all"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := page(testHTTPSPage, tc.res...)
			p.Fields = tc.fields
			got, signals := IsPaymentPage(p, tc.cfg)
			if got != (tc.want != "") {
				t.Fatalf("IsPaymentPage = %v (signals %q), want %v", got, signals, tc.want != "")
			}
			if got != (len(signals) > 0) {
				t.Errorf("IsPaymentPage = %v with %d signals", got, len(signals))
			}
			if tc.want != "" && !strings.Contains(signals[0], tc.want) {
				t.Errorf("first signal %q does not contain %q", signals[0], tc.want)
			}
		})
	}
	t.Run("nil page", func(t *testing.T) {
		t.Parallel()
		if ok, s := IsPaymentPage(nil, nil); ok || s != nil {
			t.Errorf("IsPaymentPage(nil) = %v, %v", ok, s)
		}
	})
	t.Run("every signal is listed", func(t *testing.T) {
		t.Parallel()
		p := page(testHTTPSPage, frame("https://js.stripe.com/x"))
		p.Fields = []crawler.Field{input("", "", "cc-number"), input("cvc", "", "")}
		_, signals := IsPaymentPage(p, nil)
		if len(signals) != 3 {
			t.Errorf("signals = %q, want 3", signals)
		}
	})
}

func TestPaymentProviderHost(t *testing.T) {
	t.Parallel()
	cfg := &Config{PaymentProviders: []string{"https://pay.psp.test", "*.fields.test", "bad/pattern"}}
	tests := []struct {
		url  string
		cfg  *Config
		want bool
	}{
		{"https://js.stripe.com/v3/", nil, true},
		{"https://JS.Stripe.com/v3/", nil, true},
		{"https://m.stripe.com/", nil, false}, // only the card-frame hosts
		{"https://checkoutshopper-test.adyen.com/", nil, true},
		{"https://adyen.com/", nil, false},
		{"https://accept.authorize.net/payment/payment", nil, true},
		{"https://flex.cybersource.com/microform", nil, true},
		{"https://js.mollie.com/", nil, true},
		{"https://x.klarna.com/", nil, true},
		{"https://secure.worldpay.com/", nil, true},
		{"https://sandbox.web.squarecdn.com/", nil, false},
		{"https://shop.test/", nil, false},
		{"https://pay.psp.test/card", cfg, true},
		{"http://pay.psp.test/card", cfg, false}, // an origin pattern fixes the scheme
		{"https://a.fields.test/", cfg, true},
		{"https://fields.test/", cfg, false},
		{"https://bad/pattern", cfg, false},
		{"data:text/html,x", cfg, false},
	}
	for _, tc := range tests {
		t.Run(tc.url, func(t *testing.T) {
			t.Parallel()
			if got := PaymentProviderHost(mustURL(t, tc.url), tc.cfg); got != tc.want {
				t.Errorf("PaymentProviderHost(%s) = %v, want %v", tc.url, got, tc.want)
			}
		})
	}
	if PaymentProviderHost(nil, cfg) {
		t.Error("PaymentProviderHost(nil) = true")
	}
}
