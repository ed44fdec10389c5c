package report

import (
	"fmt"
	"strings"
	"testing"

	"github.com/padlock-scan/padlock/rules"
)

func TestParseFailOn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    FailOn
		wantErr bool
	}{
		{"error", FailOnError, false},
		{"warning", FailOnWarning, false},
		{"info", FailOnInfo, false},
		{"never", FailNever, false},
		{" Warning ", FailOnWarning, false},
		{"NEVER", FailNever, false},
		{"critical", FailOnError, true},
		{"sometimes", FailOnError, true},
		{"", FailOnError, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseFailOn(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseFailOn(%q) error %v, want error %v", tt.in, err, tt.wantErr)
			}
			if err != nil {
				if !strings.Contains(err.Error(), "want error, warning, info or never") {
					t.Errorf("error %q does not list the levels", err)
				}
				return
			}
			if got != tt.want {
				t.Errorf("ParseFailOn(%q) = %v, want %v", tt.in, got, tt.want)
			}
			if back, err := ParseFailOn(got.String()); err != nil || back != got {
				t.Errorf("%v does not round-trip through String: %v, %v", got, back, err)
			}
		})
	}
}

// TestFails is the gate's whole table: every severity, threshold, suppression and baseline state.
func TestFails(t *testing.T) {
	t.Parallel()
	reached := map[FailOn][]rules.Severity{
		FailOnError:   {rules.Error},
		FailOnWarning: {rules.Error, rules.Warning},
		FailOnInfo:    {rules.Error, rules.Warning, rules.Info},
		FailNever:     nil,
	}
	for threshold, sevs := range reached {
		for _, sev := range []rules.Severity{rules.Info, rules.Warning, rules.Error} {
			for _, state := range []BaselineState{BaselineNone, BaselineNew, BaselineKnown} {
				for _, suppressed := range []bool{false, true} {
					f := Finding{Rule: "r", Severity: sev, Baseline: state}
					if suppressed {
						f.Suppressed = &Suppression{Reason: "accepted"}
					}
					inRange := false
					for _, s := range sevs {
						inRange = inRange || s == sev
					}
					want := inRange && !suppressed && state != BaselineKnown
					name := fmt.Sprintf("fail-on %v, %v, baseline %q, suppressed %v", threshold, sev, state, suppressed)
					if got := Fails(&f, threshold); got != want {
						t.Errorf("%s: Fails = %v, want %v", name, got, want)
					}
					if got, want := f.CanFail(), !suppressed && state != BaselineKnown; got != want {
						t.Errorf("%s: CanFail = %v, want %v", name, got, want)
					}
				}
			}
		}
	}
}
