package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/history"
)

func sample() *Alert {
	return New(&history.Run{ID: 7, Site: "https://shop.test/", Outcome: history.OutcomeChanged,
		StartedAt: time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC),
		Changes: []history.Change{
			{Kind: history.ScriptAdded, Subject: "https://evil.test/<b>skim</b>.js", Pages: []string{"https://shop.test/checkout"}},
			{Kind: history.CSPRemoved, Subject: "Content-Security-Policy", Old: "script-src 'self'\x1b]0;pwned\x07", Pages: []string{"https://shop.test/checkout", "https://shop.test/pay"}},
		}}, &history.Run{ID: 6, StartedAt: time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC)})
}

// receiver is a webhook endpoint on loopback that checks each body's signature and answers
// 500 to the first fail requests.
type receiver struct {
	mu     sync.Mutex
	secret []byte
	fail   int
	tries  int
	bodies [][]byte
	bad    []string
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.tries++
	if rc.secret != nil && !Verify(rc.secret, body, r.Header.Get(SignatureHeader)) {
		rc.bad = append(rc.bad, r.Header.Get(SignatureHeader))
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if rc.tries <= rc.fail {
		http.Error(w, "down", http.StatusInternalServerError)
		return
	}
	rc.bodies = append(rc.bodies, body)
}

func TestWebhookSignedRetriedWithBackoff(t *testing.T) {
	t.Parallel()
	rc := &receiver{secret: []byte("s3cret"), fail: 1}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	var waits []time.Duration
	wh := &Webhook{URL: srv.URL, Secret: "s3cret", Poster: Poster{Sleep: func(_ context.Context, d time.Duration) error {
		waits = append(waits, d)
		return nil
	}}}
	if err := wh.Deliver(context.Background(), sample()); err != nil {
		t.Fatal(err)
	}
	if rc.tries != 2 || len(rc.bodies) != 1 || len(rc.bad) != 0 {
		t.Fatalf("tries %d, delivered %d, bad signatures %v", rc.tries, len(rc.bodies), rc.bad)
	}
	if len(waits) != 1 || waits[0] != 2*time.Second {
		t.Errorf("backoff before the second try: %v", waits)
	}
	var got Alert
	if err := json.Unmarshal(rc.bodies[0], &got); err != nil {
		t.Fatal(err)
	}
	if got.Run != 7 || got.BaselineRun != 6 || len(got.Changes) != 2 || got.Changes[0].Kind != history.ScriptAdded {
		t.Errorf("body: %s", rc.bodies[0])
	}
	// a wrong secret is refused by the receiver, and a 4xx is not retried
	rc2 := &receiver{secret: []byte("other")}
	srv2 := httptest.NewServer(rc2)
	defer srv2.Close()
	wh2 := &Webhook{URL: srv2.URL, Secret: "s3cret", Poster: Poster{Sleep: func(context.Context, time.Duration) error { return nil }}}
	if err := wh2.Deliver(context.Background(), sample()); err == nil || rc2.tries != 1 {
		t.Errorf("a refused signature: err %v after %d tries", err, rc2.tries)
	}
}

func TestWebhookGivesUp(t *testing.T) {
	t.Parallel()
	rc := &receiver{fail: 100}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	var waits []time.Duration
	wh := &Webhook{URL: srv.URL, Poster: Poster{Attempts: 3, Backoff: time.Second, Sleep: func(_ context.Context, d time.Duration) error {
		waits = append(waits, d)
		return nil
	}}}
	err := wh.Deliver(context.Background(), sample())
	if err == nil || !strings.Contains(err.Error(), "HTTP 500 after 3 attempts") {
		t.Fatalf("err = %v", err)
	}
	if rc.tries != 3 || len(waits) != 2 || waits[1] != 2*time.Second {
		t.Errorf("tries %d, waits %v", rc.tries, waits)
	}
}

func TestCheckURL(t *testing.T) {
	t.Parallel()
	for u, ok := range map[string]bool{
		"https://hooks.example/x":     true,
		"http://127.0.0.1:8080/x":     true,
		"http://localhost/x":          true,
		"http://[::1]:9/x":            true,
		"http://hooks.example/x":      false,
		"ftp://hooks.example/x":       false,
		"hooks.example/x":             false,
		"http://127.0.0.1.evil.test/": false,
	} {
		if err := CheckURL(u); (err == nil) != ok {
			t.Errorf("CheckURL(%q) = %v", u, err)
		}
	}
}

func TestSlackAndTextEscapeTheSite(t *testing.T) {
	t.Parallel()
	msg := SlackMessage(sample())["text"]
	if strings.Contains(msg, "<b>") || !strings.Contains(msg, "&lt;b&gt;skim&lt;/b&gt;") {
		t.Errorf("Slack text not escaped: %s", msg)
	}
	if strings.Contains(msg, "\x1b") || !strings.HasPrefix(msg, "*padlock watch https://shop.test/: run 7 found 2 changes since run 6*") {
		t.Errorf("Slack text: %q", msg)
	}
	var b bytes.Buffer
	if err := WriteText(&b, sample()); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "\x1b") || strings.Count(b.String(), "\n") != 3 {
		t.Errorf("stderr text:\n%s", b.String())
	}
	if !strings.Contains(b.String(), "csp-removed Content-Security-Policy: was \"script-src 'self'\\x1b]0;pwned\\a\" on 2 pages") {
		t.Errorf("stderr text:\n%s", b.String())
	}
}

func TestSettingsChangedNoted(t *testing.T) {
	t.Parallel()
	a := New(&history.Run{ID: 3, ConfigHash: "b", Outcome: history.OutcomeChanged}, &history.Run{ID: 2, ConfigHash: "a"})
	if !a.SettingsChanged || !strings.Contains(strings.Join(a.Lines(), "\n"), "note: the settings changed since run 2") {
		t.Errorf("settings change not noted: %q", a.Lines())
	}
	if New(&history.Run{ID: 3, ConfigHash: "a"}, &history.Run{ID: 2, ConfigHash: "a"}).SettingsChanged {
		t.Error("the same settings noted as changed")
	}
}
