package rules

import (
	"errors"
	"fmt"
	"strings"
)

// ErrUnknownRule is returned (wrapped) by Select for a rule ID that no rule has.
var ErrUnknownRule = errors.New("unknown rule")

// All returns every rule padlock knows, sorted by ID. Each call builds fresh values, so callers
// may change what they get (a severity override, say) without affecting anyone else.
//
// To add a rule, write its constructor in a file named after it and add one line here, keeping
// the list sorted by ID; registry_test.go checks the order.
func All() []*Rule {
	return []*Rule{
		hstsMissing(),             // hsts-missing
		hstsShort(),               // hsts-short
		httpsDowngrade(),          // https-downgrade
		insecureEndpoint(),        // insecure-endpoint
		insecureForm(),            // insecure-form
		insecureLink(),            // insecure-link
		insecurePage(),            // insecure-page
		insecureRefresh(),         // insecure-refresh
		inventoryExpired(),        // inventory-expired
		mixedContentBlockable(),   // mixed-content-blockable
		mixedContentUpgradeable(), // mixed-content-upgradeable
		paymentCSPMissing(),       // payment-csp-missing
		scriptChanged(),           // script-changed
		scriptRequiredMissing(),   // script-required-missing
		scriptUnauthorized(),      // script-unauthorized
		sriCORS(),                 // sri-cors
		sriMismatch(),             // sri-mismatch
		sriMissing(),              // sri-missing
		thirdPartyScript(),        // third-party-script
		tls13Missing(),            // tls-1.3-missing
		tlsCertificate(),          // tls-certificate
		tlsLegacy(),               // tls-legacy
		tlsNoForwardSecrecy(),     // tls-no-forward-secrecy
		tlsVersion(),              // tls-version
		tlsWeakCipher(),           // tls-weak-cipher
	}
}

// ByID returns the rule with the given ID.
func ByID(id string) (*Rule, bool) {
	for _, r := range All() {
		if r.ID == id {
			return r, true
		}
	}
	return nil, false
}

// IDs returns the ID of every rule, sorted.
func IDs() []string {
	all := All()
	ids := make([]string, len(all))
	for i, r := range all {
		ids[i] = r.ID
	}
	return ids
}

// Select returns the rules to run, sorted by ID: those in enable (every rule when enable is
// empty) minus those in disable. IDs are matched exactly after trimming spaces. An unknown or
// empty ID (say an unset $RULE) wraps ErrUnknownRule and names the valid IDs; an ID both
// enabled and disabled, and a selection that leaves no rule at all, are errors too (running
// every rule instead would pass a gate that checked nothing it was asked to).
func Select(enable, disable []string) ([]*Rule, error) {
	all := All()
	known := make(map[string]bool, len(all))
	for _, r := range all {
		known[r.ID] = true
	}
	var unknown []string
	collect := func(ids []string) map[string]bool {
		set := map[string]bool{}
		for _, id := range ids {
			id = strings.TrimSpace(id)
			if !known[id] {
				unknown = append(unknown, fmt.Sprintf("%q", id))
				continue
			}
			set[id] = true
		}
		return set
	}
	on, off := collect(enable), collect(disable)
	if len(unknown) > 0 {
		return nil, fmt.Errorf("%w %s (valid rules: %s)", ErrUnknownRule, strings.Join(unknown, ", "),
			strings.Join(IDs(), ", "))
	}
	for _, r := range all {
		if on[r.ID] && off[r.ID] {
			return nil, fmt.Errorf("rule %q is both enabled and disabled", r.ID)
		}
	}
	var out []*Rule
	for _, r := range all {
		if (len(on) == 0 || on[r.ID]) && !off[r.ID] {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no rule left to run: every rule is disabled")
	}
	return out, nil
}
