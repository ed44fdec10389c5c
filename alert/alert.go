// Package alert tells people that a watched site changed: a JSON webhook (signed with
// HMAC-SHA256 when a secret is set), a Slack incoming webhook, and always standard error. One
// alert per run that changed something or could not check its payment pages.
package alert

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/padlock-scan/padlock/history"
	"github.com/padlock-scan/padlock/internal/pause"
	"github.com/padlock-scan/padlock/internal/termsafe"
	"github.com/padlock-scan/padlock/internal/version"
)

// Alert is what a run tells: its outcome, why it was degraded, and each change since the
// baseline. It is the webhook's JSON body.
type Alert struct {
	Site        string           `json:"site"`
	Run         int64            `json:"run"`
	StartedAt   time.Time        `json:"started_at"`
	FinishedAt  time.Time        `json:"finished_at"`
	Outcome     string           `json:"outcome"`           // changed or degraded
	Reasons     []string         `json:"reasons,omitempty"` // why the run is degraded
	BaselineRun int64            `json:"baseline_run,omitempty"`
	Baseline    *time.Time       `json:"baseline_started_at,omitempty"`
	Changes     []history.Change `json:"changes"`
	Tool        string           `json:"tool"`
	// SettingsChanged: the run's settings that shape results differ from the baseline's (its
	// config hash), so some changes may come from that rather than from the site.
	SettingsChanged bool `json:"settings_changed,omitempty"`
}

// New is the alert of a recorded run.
func New(run *history.Run, baseline *history.Run) *Alert {
	a := &Alert{Site: run.Site, Run: run.ID, StartedAt: run.StartedAt, FinishedAt: run.FinishedAt, Outcome: run.Outcome,
		Reasons: run.Reasons, Changes: run.Changes, Tool: "padlock " + version.Get().Version}
	if a.Changes == nil {
		a.Changes = []history.Change{}
	}
	if baseline != nil {
		a.BaselineRun = baseline.ID
		t := baseline.StartedAt
		a.Baseline = &t
		a.SettingsChanged = baseline.ConfigHash != run.ConfigHash
	}
	return a
}

// Summary is the alert's first line.
func (a *Alert) Summary() string {
	if a.Outcome == history.OutcomeDegraded {
		return fmt.Sprintf("padlock watch %s: run %d could not check the payment pages (%s, %s)",
			a.Site, a.Run, count(len(a.Reasons), "problem"), count(history.Count(a.Changes), "change"))
	}
	return fmt.Sprintf("padlock watch %s: run %d found %s since run %d", a.Site, a.Run, count(history.Count(a.Changes), "change"), a.BaselineRun)
}

func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// Lines are the alert for a person: the summary, each problem and each change, one a line.
func (a *Alert) Lines() []string {
	lines := []string{a.Summary()}
	if a.SettingsChanged {
		lines = append(lines, fmt.Sprintf("note: the settings changed since run %d: some changes may come from that", a.BaselineRun))
	}
	for _, r := range a.Reasons {
		lines = append(lines, "! "+r)
	}
	for _, c := range a.Changes {
		lines = append(lines, ChangeLine(c))
	}
	return lines
}

// ChangeLine is one change as a line of text.
func ChangeLine(c history.Change) string {
	var b strings.Builder
	b.WriteString(c.Kind + " " + c.Subject)
	switch {
	case c.Kind == history.ScriptAdded || c.Kind == history.ScriptRemoved:
		// Old and New are the script's hash: the subject names an inline one by it already,
		// and an external one is named by its URL.
	case c.Old != "" && c.New != "":
		fmt.Fprintf(&b, ": %q -> %q", c.Old, c.New)
	case c.Old != "":
		fmt.Fprintf(&b, ": was %q", c.Old)
	case c.New != "":
		fmt.Fprintf(&b, ": %q", c.New)
	}
	if c.Detail != "" {
		b.WriteString(" (" + c.Detail + ")")
	}
	if len(c.Pages) > 0 {
		n := c.PageCount
		if n == 0 {
			n = len(c.Pages)
		}
		if n == 1 {
			b.WriteString(" on " + c.Pages[0])
		} else {
			fmt.Fprintf(&b, " on %d pages: %s", n, strings.Join(c.Pages, " "))
			if n > len(c.Pages) {
				b.WriteString(" ...")
			}
		}
	}
	return b.String()
}

// WriteText writes the alert for a terminal: every value from the site escaped (termsafe.Line),
// so each line prints as one line.
func WriteText(w io.Writer, a *Alert) error {
	bw := bufio.NewWriter(w)
	for i, l := range a.Lines() {
		prefix := "padlock: alert: "
		if i > 0 {
			prefix = "padlock:   "
		}
		fmt.Fprintln(bw, prefix+termsafe.Line(l))
	}
	return bw.Flush()
}

// Channel delivers alerts somewhere.
type Channel interface {
	// Name is the channel's name in the store: webhook or slack.
	Name() string
	// Deliver sends the alert, retrying as the channel does; an error once it gave up.
	Deliver(ctx context.Context, a *Alert) error
}

// CheckURL says what is wrong with a webhook URL: it must be https, or http to a loopback host
// (a receiver on the same machine).
func CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return errors.New("want an absolute URL such as https://hooks.example/padlock")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if Loopback(u.Hostname()) {
			return nil
		}
		return errors.New("an alert carries what changed on the site: use https (http only to a loopback host)")
	}
	return fmt.Errorf("want an https URL, got scheme %q", u.Scheme)
}

// Loopback tells whether host names this machine: localhost or a loopback address.
func Loopback(host string) bool {
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Poster sends JSON to a URL with retries.
type Poster struct {
	Client *http.Client // nil: a client with a 15 s timeout
	// Attempts is how many times a delivery is tried (0: 4); Backoff the wait before the second
	// try, doubled each time (0: 2 s).
	Attempts int
	Backoff  time.Duration
	// Sleep waits (tests inject one that does not); nil waits for real or until ctx ends.
	Sleep func(ctx context.Context, d time.Duration) error
}

// SignatureHeader carries "sha256=" and the hex HMAC-SHA256 of the body under the secret.
const SignatureHeader = "X-Padlock-Signature"

// Sign is the value of SignatureHeader for body under secret.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify tells whether sig (SignatureHeader's value) signs body under secret, in constant time:
// what a receiver does.
func Verify(secret, body []byte, sig string) bool {
	return hmac.Equal([]byte(sig), []byte(Sign(secret, body)))
}

// post sends body to target, retrying network errors, 429 and 5xx answers with backoff.
func (p *Poster) post(ctx context.Context, target string, body []byte, header http.Header) error {
	client := p.Client
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	attempts, backoff := p.Attempts, p.Backoff
	if attempts <= 0 {
		attempts = 4
	}
	if backoff <= 0 {
		backoff = 2 * time.Second
	}
	sleep := p.Sleep
	if sleep == nil {
		sleep = pause.For
	}
	var last error
	for i := 0; i < attempts; i++ {
		if i > 0 {
			if err := sleep(ctx, backoff<<(i-1)); err != nil {
				return fmt.Errorf("%w (gave up: %v)", last, err)
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header = header.Clone()
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "padlock/"+version.Get().Version)
		resp, err := client.Do(req)
		if err != nil {
			last = err
			continue
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		switch {
		case resp.StatusCode < 300:
			return nil
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
			last = fmt.Errorf("HTTP %d", resp.StatusCode)
		default:
			return fmt.Errorf("HTTP %d (not retried)", resp.StatusCode)
		}
	}
	return fmt.Errorf("%w after %d attempts", last, attempts)
}

// Webhook posts the alert's JSON, signed when Secret is set.
type Webhook struct {
	URL    string
	Secret string
	Poster
}

// Name is "webhook".
func (w *Webhook) Name() string { return "webhook" }

// Deliver posts the alert.
func (w *Webhook) Deliver(ctx context.Context, a *Alert) error {
	body, err := json.Marshal(a)
	if err != nil {
		return err
	}
	h := http.Header{}
	h.Set("X-Padlock-Event", "watch-alert")
	if w.Secret != "" {
		h.Set(SignatureHeader, Sign([]byte(w.Secret), body))
	}
	return w.post(ctx, w.URL, body, h)
}

// Slack posts the alert as a Slack incoming-webhook message.
type Slack struct {
	URL string
	Poster
}

// Name is "slack".
func (s *Slack) Name() string { return "slack" }

// maxSlackLines bounds the changes listed in a Slack message (the webhook and the store keep all).
const maxSlackLines = 30

// Deliver posts the alert's text.
func (s *Slack) Deliver(ctx context.Context, a *Alert) error {
	body, err := json.Marshal(SlackMessage(a))
	if err != nil {
		return err
	}
	return s.post(ctx, s.URL, body, http.Header{})
}

// SlackMessage is the incoming-webhook payload: {"text": ...} in Slack's mrkdwn, with the
// site's text escaped as Slack asks (&, <, >), so a value cannot forge a link or a mention.
func SlackMessage(a *Alert) map[string]string {
	lines := a.Lines()
	var b strings.Builder
	b.WriteString("*" + slackEscape(lines[0]) + "*")
	for i, l := range lines[1:] {
		if i == maxSlackLines {
			fmt.Fprintf(&b, "\n… and %d more (see padlock history)", len(lines)-1-maxSlackLines)
			break
		}
		b.WriteString("\n• " + slackEscape(termsafe.Line(l)))
	}
	return map[string]string{"text": b.String()}
}

func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
