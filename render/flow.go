package render

// Recorded browser flows: a Chrome DevTools Recorder JSON export (the format Chrome's Recorder
// panel saves and Puppeteer Replay reads), read and checked here, replayed by flow_run.go.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// Step types padlock replays.
const (
	StepSetViewport       = "setViewport"
	StepNavigate          = "navigate"
	StepClick             = "click"
	StepDoubleClick       = "doubleClick"
	StepHover             = "hover"
	StepChange            = "change"
	StepKeyDown           = "keyDown"
	StepKeyUp             = "keyUp"
	StepWaitForElement    = "waitForElement"
	StepWaitForExpression = "waitForExpression"
	StepScroll            = "scroll"
)

// stepTypes are the step types padlock replays, in the order messages list them.
var stepTypes = []string{StepSetViewport, StepNavigate, StepClick, StepDoubleClick, StepHover, StepChange,
	StepKeyDown, StepKeyUp, StepWaitForElement, StepWaitForExpression, StepScroll}

// stepNeeds lists, per step type, the fields it cannot do without.
var stepNeeds = map[string][]string{
	StepSetViewport:       {"width", "height"},
	StepNavigate:          {"url"},
	StepClick:             {"selectors"},
	StepDoubleClick:       {"selectors"},
	StepHover:             {"selectors"},
	StepChange:            {"selectors", "value"},
	StepKeyDown:           {"key"},
	StepKeyUp:             {"key"},
	StepWaitForElement:    {"selectors"},
	StepWaitForExpression: {"expression"},
	StepScroll:            {},
}

// selectorPrefixes are the selector kinds besides CSS.
var selectorPrefixes = []string{"aria/", "xpath/", "text/", "pierce/"}

// DefaultStepTimeout is how long a step waits for its element or expression when the file gives
// no timeout (Recorder's default).
const DefaultStepTimeout = 5 * time.Second

// Flow is a recorded flow.
type Flow struct {
	Title   string
	File    string        // the file it was read from
	Timeout time.Duration // the file's timeout for each step; 0 is DefaultStepTimeout
	Steps   []Step
}

// Name is the flow's name in messages and file names: its title, or its file's base name.
func (f *Flow) Name() string {
	if f.Title != "" {
		return f.Title
	}
	return strings.TrimSuffix(filepath.Base(f.File), filepath.Ext(f.File))
}

// Step is one step of a flow, as Recorder writes it.
type Step struct {
	Type       string     `json:"type"`
	Selectors  []Selector `json:"selectors"`
	URL        string     `json:"url"`
	Value      *string    `json:"value"`
	Key        string     `json:"key"`
	Expression string     `json:"expression"`
	Width      int64      `json:"width"`
	Height     int64      `json:"height"`
	Scale      float64    `json:"deviceScaleFactor"`
	Mobile     bool       `json:"isMobile"`
	X          float64    `json:"x"`
	Y          float64    `json:"y"`
	OffsetX    *float64   `json:"offsetX"`
	OffsetY    *float64   `json:"offsetY"`
	Operator   string     `json:"operator"` // waitForElement: ">=" (default), "==", "<="
	Count      *int       `json:"count"`
	Visible    *bool      `json:"visible"`
	Timeout    int        `json:"timeout"` // milliseconds
	Asserted   []struct {
		Type string `json:"type"`
		URL  string `json:"url"`
	} `json:"assertedEvents"`

	Line int `json:"-"` // where the step begins in the file
}

// Selector is one way to find a step's element: a list of selectors, each searched inside the
// element (or its shadow root) the one before found. Recorder writes either a string or a list.
type Selector []string

// UnmarshalJSON reads a selector given as a string or a list of strings.
func (s *Selector) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = Selector{one}
		return nil
	}
	var parts []string
	if err := json.Unmarshal(b, &parts); err != nil {
		return errors.New("a selector is a string or a list of strings")
	}
	*s = parts
	return nil
}

// String is the selector as Recorder shows it: its parts joined by " >> ".
func (s Selector) String() string { return strings.Join(s, " >> ") }

// FirstSelector is the step's first selector, for messages; "" when it has none.
func (s *Step) FirstSelector() string {
	if len(s.Selectors) == 0 {
		return ""
	}
	return s.Selectors[0].String()
}

// Navigates reports whether the recording says the step led to another page.
func (s *Step) Navigates() bool {
	for _, e := range s.Asserted {
		if e.Type == "navigation" {
			return true
		}
	}
	return s.Type == StepNavigate
}

// FlowFileError is a problem of a flow file at a line.
type FlowFileError struct {
	File string
	Line int
	Msg  string
}

func (e *FlowFileError) Error() string {
	if e.Line <= 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// ReadFlow reads and checks a flow file: see ParseFlow.
func ReadFlow(file string) (*Flow, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return ParseFlow(data, file)
}

// ParseFlow reads a Recorder JSON export and checks every step: a known type with the fields it
// needs, selectors of a known kind. The error joins a *FlowFileError for each problem, in file
// order; the flow is nil when there is any.
func ParseFlow(data []byte, file string) (*Flow, error) {
	f := &Flow{File: file}
	problems := func(line int, format string, a ...any) error {
		return &FlowFileError{File: file, Line: line, Msg: fmt.Sprintf(format, a...)}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, problems(lineAt(data, dec.InputOffset()), "want a Recorder export: a JSON object with title and steps (%v)", jsonErr(err))
	}
	var errs []error
	sawSteps := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, problems(lineAt(data, offsetOf(err, dec)), "%v", jsonErr(err))
		}
		key, _ := tok.(string)
		var err2 error
		switch key {
		case "title":
			err2 = dec.Decode(&f.Title)
		case "timeout":
			var ms int
			if err2 = dec.Decode(&ms); err2 == nil {
				f.Timeout = time.Duration(ms) * time.Millisecond
			}
		case "steps":
			sawSteps = true
			var serrs []error
			serrs, err2 = f.readSteps(dec, data, problems)
			errs = append(errs, serrs...)
		default:
			var skip json.RawMessage
			err2 = dec.Decode(&skip)
		}
		var fe *FlowFileError
		if errors.As(err2, &fe) {
			return nil, errors.Join(append(errs, fe)...)
		}
		if err2 != nil {
			return nil, problems(lineAt(data, offsetOf(err2, dec)), "%s: %v", key, jsonErr(err2))
		}
	}
	if !sawSteps || len(f.Steps) == 0 && len(errs) == 0 {
		errs = append(errs, problems(0, "no steps"))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return f, nil
}

// readSteps reads the steps list, checking each.
func (f *Flow) readSteps(dec *json.Decoder, data []byte, problem func(int, string, ...any) error) ([]error, error) {
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		if err == nil {
			err = errors.New("want a list of steps")
		}
		return nil, err
	}
	var errs []error
	for n := 1; dec.More(); n++ {
		start := skipSpace(data, dec.InputOffset())
		line := lineAt(data, start)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			// The stream decoder's offsets are not the file's: read the step alone to place it.
			at := start
			var se *json.SyntaxError
			if errors.As(json.NewDecoder(bytes.NewReader(data[start:])).Decode(new(json.RawMessage)), &se) {
				at += max(se.Offset-1, 0)
			}
			return errs, problem(lineAt(data, at), "step %d: %v", n, jsonErr(err))
		}
		var s Step
		if err := json.Unmarshal(raw, &s); err != nil {
			errs = append(errs, problem(line, "step %d: %v", n, jsonErr(err)))
			continue
		}
		var fields map[string]json.RawMessage
		_ = json.Unmarshal(raw, &fields)
		s.Line = line
		if msg := checkStep(&s, fields); msg != "" {
			errs = append(errs, problem(line, "step %d (%s): %s", n, s.Type, msg))
			continue
		}
		f.Steps = append(f.Steps, s)
	}
	_, err := dec.Token() // ]
	return errs, err
}

// checkStep says what is wrong with a step, "" when nothing is.
func checkStep(s *Step, fields map[string]json.RawMessage) string {
	needs, ok := stepNeeds[s.Type]
	switch {
	case s.Type == "":
		return "no type"
	case !ok:
		return fmt.Sprintf("unknown step type %q (padlock replays %s)", s.Type, strings.Join(stepTypes, ", "))
	}
	for _, need := range needs {
		if _, ok := fields[need]; !ok || need == "selectors" && len(s.Selectors) == 0 {
			return "missing " + need
		}
	}
	for _, sel := range s.Selectors {
		if len(sel) == 0 {
			return "an empty selector"
		}
		for _, part := range sel {
			if msg := checkSelector(part); msg != "" {
				return msg
			}
		}
	}
	switch s.Operator {
	case "", ">=", "==", "<=":
	default:
		return fmt.Sprintf("operator %q: want >=, == or <=", s.Operator)
	}
	if s.Type == StepSetViewport && (s.Width <= 0 || s.Height <= 0) {
		return "width and height must be positive"
	}
	return ""
}

// checkSelector says what is wrong with one selector, "" when nothing is.
func checkSelector(sel string) string {
	if strings.TrimSpace(sel) == "" {
		return "an empty selector"
	}
	for _, p := range selectorPrefixes {
		if rest, ok := strings.CutPrefix(sel, p); ok {
			if strings.TrimSpace(rest) == "" {
				return fmt.Sprintf("selector %q names nothing", sel)
			}
			return ""
		}
	}
	if m := unknownKind.FindStringSubmatch(sel); m != nil {
		return fmt.Sprintf("selector %q: unknown kind %s/ (padlock knows CSS, aria/, xpath/, text/ and pierce/)", sel, m[1])
	}
	return ""
}

// unknownKind is a selector that looks like KIND/... of a kind padlock does not know.
var unknownKind = regexp.MustCompile(`^([a-z]+)/`)

// NavigateURLs are the URLs of f's navigate steps, {{env.NAME}} filled by getenv; a URL naming
// a variable that is not set is left out (the step fails when the flow runs).
func (f *Flow) NavigateURLs(getenv func(string) string) []string {
	var out []string
	for i := range f.Steps {
		if s := &f.Steps[i]; s.Type == "navigate" {
			if u, err := expandEnv(s.URL, getenv); err == nil && u != "" {
				out = append(out, u)
			}
		}
	}
	return out
}

// envRef is a {{env.NAME}} reference in a step's value.
var envRef = regexp.MustCompile(`\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`)

// expandEnv replaces the {{env.NAME}} references of s; the error names a variable that is not set.
func expandEnv(s string, getenv func(string) string) (string, error) {
	var missing string
	out := envRef.ReplaceAllStringFunc(s, func(m string) string {
		name := envRef.FindStringSubmatch(m)[1]
		v := ""
		if getenv != nil {
			v = getenv(name)
		}
		if v == "" && missing == "" {
			missing = name
		}
		return v
	})
	if missing != "" {
		return "", fmt.Errorf("the environment variable %s is not set", missing)
	}
	return out, nil
}

// lineAt is the 1-based line of byte offset off in data.
func lineAt(data []byte, off int64) int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off < 0 {
		off = 0
	}
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// skipSpace moves off past white space and a comma, to where the next value begins.
func skipSpace(data []byte, off int64) int64 {
	for off < int64(len(data)) && strings.IndexByte(" \t\r\n,", data[off]) >= 0 {
		off++
	}
	return off
}

// offsetOf is where a decoding error happened.
func offsetOf(err error, dec *json.Decoder) int64 {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return se.Offset
	case errors.As(err, &te):
		return te.Offset
	}
	return dec.InputOffset()
}

// jsonErr is a decoding error in a few words.
func jsonErr(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("want a %s, got a %s", te.Type, te.Value)
	}
	if err == nil {
		return errors.New("not an object")
	}
	return err
}
