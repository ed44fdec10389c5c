package history

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/report"
)

var t0 = time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)

// shop is a small report: one payment page with two scripts and security headers.
func shop(at time.Time) *report.Report {
	ok := true
	r := &report.Report{
		Version: report.Version, Tool: report.Tool{Name: "padlock", Version: "test"},
		StartURLs: []string{"https://shop.test/"}, StartedAt: at, FinishedAt: at.Add(time.Minute),
		Pages: []report.Page{
			{URL: "https://shop.test/", FinalURL: "https://shop.test/", Status: 200},
			{URL: "https://shop.test/checkout", FinalURL: "https://shop.test/checkout", Status: 200, Payment: true,
				CSP: []string{"script-src 'self' https://js.pay.test; object-src 'none'"},
				SecurityHeaders: map[string]string{
					"Content-Security-Policy":   "script-src 'self' https://js.pay.test; object-src 'none'",
					"Strict-Transport-Security": "max-age=31536000; includeSubDomains",
					"X-Frame-Options":           "DENY",
				}},
		},
		Scripts: []report.Script{
			{Kind: "external", URL: "https://js.pay.test/v3.js", SHA256: hash("aa"), Status: 200, Party: "third", Integrity: "sha384-x", IntegrityValid: &ok,
				PageCount: 1, Pages: []string{"https://shop.test/checkout"}, PaymentPages: []string{"https://shop.test/checkout"}},
			{Kind: "inline", SHA256: hash("bb"), Party: "first", PageCount: 2, Pages: []string{"https://shop.test/", "https://shop.test/checkout"},
				PaymentPages: []string{"https://shop.test/checkout"}},
		},
	}
	for i := range r.Pages {
		r.Pages[i].Resources = []report.Resource{}
	}
	r.Finish()
	return r
}

// hash is a SHA-256 in hex made of one repeated pair of digits.
func hash(pair string) string { return strings.Repeat(pair, 32) }

func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "h.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func TestRecordBaselineAndSeen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openTemp(t)
	if b, err := s.Baseline(ctx, "https://shop.test/"); err != nil || b != nil {
		t.Fatalf("an empty store has a baseline: %v %v", b, err)
	}
	r1 := shop(t0)
	id1, err := s.Record(ctx, &Run{Site: "https://shop.test/", StartedAt: t0, FinishedAt: t0.Add(time.Minute), Outcome: OutcomeOK}, r1)
	if err != nil {
		t.Fatal(err)
	}
	// a degraded run is recorded but never the baseline
	r2 := shop(t0.Add(24 * time.Hour))
	if _, err := s.Record(ctx, &Run{Site: "https://shop.test/", StartedAt: t0.Add(24 * time.Hour), Outcome: OutcomeDegraded, Reasons: []string{"x"}}, r2); err != nil {
		t.Fatal(err)
	}
	b, err := s.Baseline(ctx, "https://shop.test/")
	if err != nil || b == nil || b.ID != id1 {
		t.Fatalf("baseline = %+v, %v; want run %d", b, err, id1)
	}
	rep, err := s.Report(ctx, id1)
	if err != nil {
		t.Fatal(err)
	}
	defer rep.Close()
	scripts := 0
	if err := rep.EachScript(func(*report.Script) error { scripts++; return nil }); err != nil || scripts != 2 || rep.NumPages() != 2 || !rep.StartedAt.Equal(t0) {
		t.Errorf("the stored report reads back with %d scripts (%v), %d pages, started %s", scripts, err, rep.NumPages(), rep.StartedAt)
	}
	seen, err := s.Scripts(ctx, "https://shop.test/checkout")
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 {
		t.Fatalf("scripts seen: %+v", seen)
	}
	for _, v := range seen {
		if v.FirstRun != id1 || v.LastRun != id1+1 || !v.FirstSeen.Equal(t0.Add(0)) && v.FirstSeen.IsZero() {
			t.Errorf("%s: first run %d last run %d, want %d and %d", v.Script, v.FirstRun, v.LastRun, id1, id1+1)
		}
	}
	runs, err := s.Runs(ctx, time.Time{})
	if err != nil || len(runs) != 2 || runs[1].Outcome != OutcomeDegraded || runs[1].Reasons[0] != "x" {
		t.Fatalf("runs: %+v %v", runs, err)
	}
}

func TestLockRefusesASecondWatcherAndSurvivesAKill(t *testing.T) {
	if os.Getenv("PADLOCK_HISTORY_HOLDER") != "" {
		return // the helper process runs TestHelperHoldsTheLock only
	}
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "h.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldsTheLock$")
	cmd.Env = append(os.Environ(), "PADLOCK_HISTORY_HOLDER="+path)
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(outPipe)
	ready := false
	for sc.Scan() {
		if sc.Text() == "ready" {
			ready = true
			break
		}
	}
	if !ready {
		t.Fatal("the helper never held the lock")
	}
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var le *LockedError
	if _, err := s.Lock(ctx, time.Now()); !errors.As(err, &le) || le.Holder.PID != cmd.Process.Pid {
		t.Fatalf("a second watcher locked a held store: %v", err)
	}
	s.Close()
	// kill -9: no chance to unlock, the WAL holds what it wrote
	if err := cmd.Process.Signal(os.Kill); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	took, err := s.Lock(ctx, time.Now())
	if err != nil || took == nil || took.PID != cmd.Process.Pid {
		t.Fatalf("the dead watcher's lock was not taken over: %+v %v", took, err)
	}
	var check string
	if err := s.db.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity check after the kill: %q %v", check, err)
	}
	runs, err := s.Runs(ctx, time.Time{})
	if err != nil || len(runs) != 3 {
		t.Fatalf("runs recorded before the kill: %d, %v; want 3", len(runs), err)
	}
	if b, err := s.Baseline(ctx, "https://shop.test/"); err != nil || b == nil || b.ID != 3 {
		t.Fatalf("baseline after the kill: %+v %v", b, err)
	}
	if err := s.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestHelperHoldsTheLock is the watcher the test above kills: it locks the store, records three
// runs, says ready and waits to be killed.
func TestHelperHoldsTheLock(t *testing.T) {
	path := os.Getenv("PADLOCK_HISTORY_HOLDER")
	if path == "" {
		t.Skip("helper process only")
	}
	ctx := context.Background()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Lock(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		at := t0.Add(time.Duration(i) * 24 * time.Hour)
		if _, err := s.Record(ctx, &Run{Site: "https://shop.test/", StartedAt: at, FinishedAt: at, Outcome: OutcomeOK}, shop(at)); err != nil {
			t.Fatal(err)
		}
	}
	fmt.Println("ready")
	time.Sleep(time.Minute) // killed long before
	t.Fatal("not killed")
}

func TestStaleLockByHeartbeat(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openTemp(t)
	// a lock of another host, whose process cannot be asked: stale only without heartbeat
	if _, err := s.db.Exec(`INSERT INTO lock (id, pid, host, started_at, heartbeat) VALUES (1, 1, 'elsewhere', ?, ?)`, fmtTime(t0), fmtTime(t0)); err != nil {
		t.Fatal(err)
	}
	var le *LockedError
	if _, err := s.Lock(ctx, t0.Add(StaleAfter/2)); !errors.As(err, &le) {
		t.Fatalf("a fresh lock of another host was taken: %v", err)
	}
	took, err := s.Lock(ctx, t0.Add(StaleAfter+time.Second))
	if err != nil || took == nil || took.Host != "elsewhere" {
		t.Fatalf("a stale lock was not taken: %+v %v", took, err)
	}
	if err := s.Heartbeat(ctx, t0.Add(StaleAfter+2*time.Second)); err != nil {
		t.Fatal(err)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	t.Parallel()
	s, path := openTemp(t)
	if _, err := s.db.Exec(`UPDATE schema_version SET version = ` + strconv.Itoa(SchemaVersion+1)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(path); err == nil {
		t.Fatal("a store of a later schema was opened")
	}
}

func TestAlertDeliveriesRetriedUntilDelivered(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openTemp(t)
	run, err := s.Record(ctx, &Run{Site: "https://shop.test/", StartedAt: t0, Outcome: OutcomeChanged}, nil)
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.AddAlert(ctx, run, t0, []byte(`{"run":1}`), []string{"stderr", "webhook"})
	if err != nil {
		t.Fatal(err)
	}
	s.SetDelivery(ctx, id, "stderr", t0, nil)
	s.SetDelivery(ctx, id, "webhook", t0, errors.New("HTTP 500 after 4 attempts"))
	pending, err := s.Undelivered(ctx)
	if err != nil || len(pending) != 1 || pending[0].Channel != "webhook" || pending[0].Status != Failed || string(pending[0].Body) != `{"run":1}` {
		t.Fatalf("undelivered: %+v %v", pending, err)
	}
	s.SetDelivery(ctx, id, "webhook", t0.Add(time.Hour), nil)
	if pending, _ := s.Undelivered(ctx); len(pending) != 0 {
		t.Fatalf("still undelivered: %+v", pending)
	}
	alerts, err := s.Alerts(ctx, time.Time{})
	if err != nil || len(alerts) != 1 || len(alerts[0].Deliveries) != 2 || alerts[0].Deliveries[1].Attempts != 2 {
		t.Fatalf("alerts: %+v %v", alerts, err)
	}
}

// TestPruneReportsKeepsTheLastRunsAndTheBaseline: with keep 2, the reports of the runs before
// the last two go, but the baseline's (an older good run) stays, as do the runs themselves; keep 0
// keeps them all; another site's runs are not touched.
func TestPruneReportsKeepsTheLastRunsAndTheBaseline(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openTemp(t)
	const site = "https://shop.test/"
	other, err := s.Record(ctx, &Run{Site: "https://other.test/", StartedAt: t0, Outcome: OutcomeDegraded}, shop(t0))
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for i, outcome := range []string{OutcomeOK, OutcomeDegraded, OutcomeChanged, OutcomeDegraded, OutcomeDegraded} {
		at := t0.Add(time.Duration(i+1) * time.Hour)
		id, err := s.Record(ctx, &Run{Site: site, StartedAt: at, Outcome: outcome}, shop(at))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if n, err := s.PruneReports(ctx, site, 0); n != 0 || err != nil {
		t.Fatalf("keep 0 dropped %d reports (%v)", n, err)
	}
	if n, err := s.PruneReports(ctx, site, 2); n != 2 || err != nil {
		t.Fatalf("keep 2 dropped %d reports (%v), want 2", n, err)
	}
	for i, id := range append(ids, other) {
		r, err := s.Report(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		kept := r != nil
		if r != nil {
			r.Close()
		}
		if want := i >= 2; kept != want { // runs 1 and 2 go; 3 is the baseline, 4 and 5 the last two; the other site's stays
			t.Errorf("run %d: report kept %v, want %v", id, kept, want)
		}
	}
	if runs, err := s.Runs(ctx, time.Time{}); err != nil || len(runs) != 6 {
		t.Errorf("%d runs left (%v), want 6", len(runs), err)
	}
	if n, err := s.PruneReports(ctx, site, 2); n != 0 || err != nil {
		t.Errorf("pruning again dropped %d reports (%v)", n, err)
	}
}
