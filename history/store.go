// Package history is padlock watch's memory: an embedded SQLite database (modernc.org/sqlite, no
// cgo) that holds every run (start, end, tool version, config hash, outcome), each payment page's
// scripts and security headers with the runs they were first and last seen in, the findings, the
// alerts and their deliveries, and each run's report (gzip-compressed JSON). It also says what
// changed between two reports of a site (Compare) and whether a run could check its payment
// pages at all (Degraded): a degraded run is recorded, alerts, and is never the baseline.
//
// The database is opened in WAL mode with a schema version table, so it survives a crash or a
// restart; a lock row (pid, host, heartbeat) keeps a second watcher off the same store, and a
// lock whose holder died is detected as stale and taken over.
package history

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/padlock-scan/padlock/report"
)

// SchemaVersion is the version of the tables this package writes; a store of a later version is
// refused rather than misread, and an earlier one is brought up to it. Version 2 keeps a run's
// report in report_chunks rather than in runs.report (which version 1 stores still have and are
// read from).
const SchemaVersion = 2

// DefaultPath is the store's file when --store is not given.
const DefaultPath = "padlock-history.db"

// Outcomes of a run.
const (
	// OutcomeOK: the run checked every payment page and nothing changed since the baseline.
	OutcomeOK = "ok"
	// OutcomeChanged: the run checked every payment page and something changed; it alerted and
	// is the new baseline.
	OutcomeChanged = "changed"
	// OutcomeDegraded: the run could not check a payment page (it failed, redirected to a login
	// or challenge page, a script could not be read); it alerted and is never a baseline.
	OutcomeDegraded = "degraded"
	// OutcomeInterrupted: the watcher was stopped during the crawl; no alert, never a baseline.
	OutcomeInterrupted = "interrupted"
)

const schema = `
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS lock (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	pid INTEGER NOT NULL,
	host TEXT NOT NULL,
	started_at TEXT NOT NULL,
	heartbeat TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
	id INTEGER PRIMARY KEY,
	site TEXT NOT NULL,
	started_at TEXT NOT NULL,
	finished_at TEXT NOT NULL,
	tool_version TEXT NOT NULL,
	config_hash TEXT NOT NULL,
	outcome TEXT NOT NULL,
	reasons TEXT NOT NULL DEFAULT '[]',
	baseline_run INTEGER,
	pages INTEGER NOT NULL DEFAULT 0,
	payment_pages INTEGER NOT NULL DEFAULT 0,
	findings INTEGER NOT NULL DEFAULT 0,
	changes TEXT NOT NULL DEFAULT '[]',
	report BLOB -- schema version 1: the whole compressed report; now in report_chunks
);
CREATE INDEX IF NOT EXISTS runs_started ON runs (started_at);
CREATE TABLE IF NOT EXISTS scripts (
	page TEXT NOT NULL,
	script TEXT NOT NULL,
	kind TEXT NOT NULL,
	url TEXT NOT NULL,
	sha256 TEXT NOT NULL,
	integrity TEXT NOT NULL,
	first_run INTEGER NOT NULL,
	last_run INTEGER NOT NULL,
	first_seen TEXT NOT NULL,
	last_seen TEXT NOT NULL,
	PRIMARY KEY (page, script, sha256, integrity)
);
CREATE TABLE IF NOT EXISTS headers (
	page TEXT NOT NULL,
	name TEXT NOT NULL,
	value TEXT NOT NULL,
	first_run INTEGER NOT NULL,
	last_run INTEGER NOT NULL,
	first_seen TEXT NOT NULL,
	last_seen TEXT NOT NULL,
	PRIMARY KEY (page, name, value)
);
CREATE TABLE IF NOT EXISTS findings (
	key TEXT PRIMARY KEY,
	rule TEXT NOT NULL,
	severity TEXT NOT NULL,
	page TEXT NOT NULL,
	url TEXT NOT NULL,
	line INTEGER NOT NULL,
	message TEXT NOT NULL,
	first_run INTEGER NOT NULL,
	last_run INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS report_chunks (
	run_id INTEGER NOT NULL REFERENCES runs (id),
	seq INTEGER NOT NULL,
	data BLOB NOT NULL,
	PRIMARY KEY (run_id, seq)
);
CREATE TABLE IF NOT EXISTS alerts (
	id INTEGER PRIMARY KEY,
	run_id INTEGER NOT NULL REFERENCES runs (id),
	created_at TEXT NOT NULL,
	body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
	alert_id INTEGER NOT NULL REFERENCES alerts (id),
	channel TEXT NOT NULL,
	status TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	updated_at TEXT NOT NULL,
	PRIMARY KEY (alert_id, channel)
);
`

// Store is an open history database.
type Store struct {
	db   *sql.DB
	path string
	// chunk is the most compressed report bytes a row of report_chunks holds (chunkSize; tests
	// make it small).
	chunk int
}

// Open opens (creating when absent) the store at path and brings its tables to SchemaVersion.
func Open(path string) (*Store, error) {
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open the history store %s: %w", path, err)
	}
	// One connection: the process writes in one place at a time, and SQLite's own lock is not
	// fought over inside it.
	db.SetMaxOpenConns(1)
	s := &Store{db: db, path: path, chunk: chunkSize}
	if err := s.migrate(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open the history store %s: %w", path, err)
	}
	return s, nil
}

// Path is the store's file.
func (s *Store) Path() string { return s.path }

// Close closes the database (it does not release the lock: Unlock does).
func (s *Store) Close() error { return s.db.Close() }

func (s *Store) migrate() error {
	tx, err := s.db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.Exec(schema); err != nil {
		return err
	}
	var v int
	switch err := tx.QueryRow(`SELECT version FROM schema_version`).Scan(&v); {
	case errors.Is(err, sql.ErrNoRows):
		if _, err := tx.Exec(`INSERT INTO schema_version (version) VALUES (?)`, SchemaVersion); err != nil {
			return err
		}
	case err != nil:
		return err
	case v > SchemaVersion:
		return fmt.Errorf("the store has schema version %d, this padlock knows %d: use a newer padlock", v, SchemaVersion)
	case v < SchemaVersion: // the new tables are made above; the old runs' reports stay where they are
		if _, err := tx.Exec(`UPDATE schema_version SET version = ?`, SchemaVersion); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// Run is one recorded run of the watcher.
type Run struct {
	ID           int64     `json:"id"`
	Site         string    `json:"site"`
	StartedAt    time.Time `json:"started_at"`
	FinishedAt   time.Time `json:"finished_at"`
	ToolVersion  string    `json:"tool_version"`
	ConfigHash   string    `json:"config_hash"`
	Outcome      string    `json:"outcome"`
	Reasons      []string  `json:"reasons"`
	BaselineRun  int64     `json:"baseline_run,omitempty"` // 0: none (the first good run)
	Pages        int       `json:"pages"`
	PaymentPages int       `json:"payment_pages"`
	Findings     int       `json:"findings"`
	Changes      []Change  `json:"changes"`
}

// Good reports whether the run can be a baseline: it checked every payment page.
func (r *Run) Good() bool { return r.Outcome == OutcomeOK || r.Outcome == OutcomeChanged }

const timeFormat = time.RFC3339Nano

func fmtTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func parseTime(s string) time.Time {
	t, _ := time.Parse(timeFormat, s)
	return t
}

// Record stores a run with its report in one transaction: the run row, the compressed report,
// and each payment page's scripts and headers and every finding, with the runs they were first
// and last seen in. It returns the run's ID. The report may be spooled: it is written to the
// store as it is compressed, a chunk at a time, and read a page and a record at a time.
func (s *Store) Record(ctx context.Context, run *Run, rep *report.Report) (int64, error) {
	reasons, _ := json.Marshal(nonNil(run.Reasons))
	changes, _ := json.Marshal(nonNilChanges(run.Changes))
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var baseline any
	if run.BaselineRun != 0 {
		baseline = run.BaselineRun
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO runs (site, started_at, finished_at, tool_version, config_hash, outcome,
		reasons, baseline_run, pages, payment_pages, findings, changes) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`,
		run.Site, fmtTime(run.StartedAt), fmtTime(run.FinishedAt), run.ToolVersion, run.ConfigHash, run.Outcome,
		string(reasons), baseline, run.Pages, run.PaymentPages, run.Findings, string(changes))
	if err != nil {
		return 0, fmt.Errorf("record the run: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	run.ID = id
	if rep != nil {
		if err := storeReport(ctx, tx, id, rep, s.chunk); err != nil {
			return 0, fmt.Errorf("record the run's report: %w", err)
		}
		if run.Outcome != OutcomeInterrupted {
			if err := recordObservations(ctx, tx, id, run.FinishedAt, rep); err != nil {
				return 0, fmt.Errorf("record the run's scripts, headers and findings: %w", err)
			}
		}
	}
	return id, tx.Commit()
}

// chunkSize is the most compressed report bytes a row of report_chunks holds: memory for one
// chunk while the report is written, and a report of 100,000 pages is about 200 rows.
const chunkSize = 1 << 20

// storeReport writes rep as gzip-compressed JSON into report_chunks, size bytes a row.
func storeReport(ctx context.Context, tx *sql.Tx, run int64, rep *report.Report, size int) error {
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO report_chunks (run_id, seq, data) VALUES (?,?,?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	cw := &chunkWriter{size: size, put: func(seq int, b []byte) error {
		_, err := stmt.ExecContext(ctx, run, seq, b)
		return err
	}}
	zw, _ := gzip.NewWriterLevel(cw, gzip.DefaultCompression)
	w, err := report.New("json")
	if err != nil {
		return err
	}
	if err := w.Write(zw, rep); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return cw.flush()
}

// chunkWriter cuts what is written into chunks of size bytes, each given to put in turn.
type chunkWriter struct {
	size int
	put  func(seq int, b []byte) error
	buf  []byte
	seq  int
	err  error
}

func (c *chunkWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 && c.err == nil {
		if c.buf == nil {
			c.buf = make([]byte, 0, c.size)
		}
		k := min(len(p), c.size-len(c.buf))
		c.buf, p = append(c.buf, p[:k]...), p[k:]
		if len(c.buf) == c.size {
			c.err = c.flush()
		}
	}
	if c.err != nil {
		return 0, c.err
	}
	return n, nil
}

// flush puts what is buffered as the next chunk (nothing when the buffer is empty).
func (c *chunkWriter) flush() error {
	if len(c.buf) == 0 {
		return c.err
	}
	if err := c.put(c.seq, c.buf); err != nil {
		return err
	}
	c.seq++
	c.buf = c.buf[:0]
	return nil
}

// recordObservations upserts what the run saw: first_* stay, last_* move to this run.
func recordObservations(ctx context.Context, tx *sql.Tx, run int64, at time.Time, rep *report.Report) error {
	when := fmtTime(at)
	scriptStmt, err := tx.PrepareContext(ctx, `INSERT INTO scripts (page, script, kind, url, sha256, integrity, first_run, last_run, first_seen, last_seen)
		VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT (page, script, sha256, integrity) DO UPDATE SET last_run = excluded.last_run, last_seen = excluded.last_seen`)
	if err != nil {
		return err
	}
	defer scriptStmt.Close()
	err = rep.EachScript(func(sc *report.Script) error {
		for _, page := range sc.PaymentPages {
			if _, err := scriptStmt.ExecContext(ctx, page, ScriptName(*sc), sc.Kind, sc.URL, sc.SHA256, sc.Integrity, run, run, when, when); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	headerStmt, err := tx.PrepareContext(ctx, `INSERT INTO headers (page, name, value, first_run, last_run, first_seen, last_seen)
		VALUES (?,?,?,?,?,?,?) ON CONFLICT (page, name, value) DO UPDATE SET last_run = excluded.last_run, last_seen = excluded.last_seen`)
	if err != nil {
		return err
	}
	defer headerStmt.Close()
	err = rep.EachPage(func(p *report.Page) error {
		if !p.Payment || p.Error != "" {
			return nil
		}
		for name, v := range p.SecurityHeaders {
			if _, err := headerStmt.ExecContext(ctx, p.URL, name, v, run, run, when, when); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	findingStmt, err := tx.PrepareContext(ctx, `INSERT INTO findings (key, rule, severity, page, url, line, message, first_run, last_run)
		VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT (key) DO UPDATE SET last_run = excluded.last_run`)
	if err != nil {
		return err
	}
	defer findingStmt.Close()
	return rep.EachFinding(func(f *report.Finding) error {
		key := fmt.Sprintf("%s\x00%s\x00%s\x00%d\x00%s\x00%s", f.Rule, f.Page, f.URL, f.Line, f.Element, f.Attribute)
		_, err := findingStmt.ExecContext(ctx, key, f.Rule, f.Severity.String(), f.Page, f.URL, f.Line, f.Message, run, run)
		return err
	})
}

// DefaultKeepReports is how many runs of a site keep their report when --keep-reports is not
// given.
const DefaultKeepReports = 10

// PruneReports drops the stored reports of site's runs but the last keep ones and the baseline
// (the last good run, whose report the next run is compared with); keep 0 keeps every report.
// The runs themselves, their changes and what they saw stay. It returns how many reports went.
// SQLite reuses the space (the file does not shrink; VACUUM shrinks it).
func (s *Store) PruneReports(ctx context.Context, site string, keep int) (int, error) {
	if keep <= 0 {
		return 0, nil
	}
	const old = `SELECT id FROM runs WHERE site = ?1
		AND id NOT IN (SELECT id FROM runs WHERE site = ?1 ORDER BY id DESC LIMIT ?2)
		AND id != COALESCE((SELECT id FROM runs WHERE site = ?1 AND outcome IN (?3, ?4) ORDER BY id DESC LIMIT 1), 0)`
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	args := []any{site, keep, OutcomeOK, OutcomeChanged}
	var n int
	err = tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM runs WHERE id IN (`+old+`)
		AND (report IS NOT NULL OR EXISTS (SELECT 1 FROM report_chunks WHERE run_id = runs.id))`, args...).Scan(&n)
	if err == nil {
		_, err = tx.ExecContext(ctx, `DELETE FROM report_chunks WHERE run_id IN (`+old+`)`, args...)
	}
	if err == nil {
		_, err = tx.ExecContext(ctx, `UPDATE runs SET report = NULL WHERE report IS NOT NULL AND id IN (`+old+`)`, args...)
	}
	if err == nil {
		err = tx.Commit()
	}
	if err != nil {
		return 0, fmt.Errorf("drop old runs' reports: %w", err)
	}
	return n, nil
}

// Report reads the report a run stored, spooled (report.Open): the caller closes it. It is nil
// when the run stored none (a run that never crawled, or whose report was pruned).
func (s *Store) Report(ctx context.Context, id int64) (*report.Report, error) {
	var rep *report.Report
	err := s.readReport(ctx, id, func(r io.Reader) error {
		var err error
		if rep, err = report.Open(r, false); err != nil {
			return err
		}
		if err = rep.Spill(); err != nil { // (kept open as a baseline: nothing of it in memory)
			rep.Close()
			rep = nil
		}
		return err
	})
	return rep, err
}

// WriteReport writes the JSON report run id stored to w, as padlock wrote it; ok is false when
// the run has none (it never crawled, or its report was pruned).
func (s *Store) WriteReport(ctx context.Context, id int64, w io.Writer) (ok bool, err error) {
	err = s.readReport(ctx, id, func(r io.Reader) error {
		ok = true
		_, err := io.Copy(w, r)
		return err
	})
	return ok, err
}

// readReport calls read with the uncompressed bytes of run id's report, when it stored one.
func (s *Store) readReport(ctx context.Context, id int64, read func(r io.Reader) error) error {
	var blob []byte
	if err := s.db.QueryRowContext(ctx, `SELECT report FROM runs WHERE id = ?`, id).Scan(&blob); err != nil {
		return fmt.Errorf("read run %d: %w", id, err)
	}
	var r io.Reader = bytes.NewReader(blob) // a run recorded by schema version 1
	if blob == nil {
		rows, err := s.db.QueryContext(ctx, `SELECT data FROM report_chunks WHERE run_id = ? ORDER BY seq`, id)
		if err != nil {
			return fmt.Errorf("read run %d's report: %w", id, err)
		}
		defer rows.Close()
		cr := &chunkReader{rows: rows}
		if _, err := cr.Read(nil); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("read run %d's report: %w", id, err)
		}
		r = cr
	}
	zr, err := gzip.NewReader(r)
	if err == nil {
		err = read(zr)
	}
	if err != nil {
		return fmt.Errorf("read run %d's report: %w", id, err)
	}
	return nil
}

// chunkReader reads the chunks rows gives, one after the other. Read(nil) reads the first chunk
// (io.EOF: there is none).
type chunkReader struct {
	rows *sql.Rows
	cur  []byte
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for len(c.cur) == 0 {
		if !c.rows.Next() {
			if err := c.rows.Err(); err != nil {
				return 0, err
			}
			return 0, io.EOF
		}
		if err := c.rows.Scan(&c.cur); err != nil {
			return 0, err
		}
	}
	n := copy(p, c.cur)
	c.cur = c.cur[n:]
	return n, nil
}

const runColumns = `id, site, started_at, finished_at, tool_version, config_hash, outcome, reasons, COALESCE(baseline_run, 0),
	pages, payment_pages, findings, changes`

func scanRun(row interface{ Scan(...any) error }) (*Run, error) {
	var r Run
	var started, finished, reasons, changes string
	if err := row.Scan(&r.ID, &r.Site, &started, &finished, &r.ToolVersion, &r.ConfigHash, &r.Outcome, &reasons, &r.BaselineRun,
		&r.Pages, &r.PaymentPages, &r.Findings, &changes); err != nil {
		return nil, err
	}
	r.StartedAt, r.FinishedAt = parseTime(started), parseTime(finished)
	if err := json.Unmarshal([]byte(reasons), &r.Reasons); err != nil {
		return nil, fmt.Errorf("run %d: reasons: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(changes), &r.Changes); err != nil {
		return nil, fmt.Errorf("run %d: changes: %w", r.ID, err)
	}
	return &r, nil
}

// Baseline is the last good run (ok or changed) of the site; nil when there is none yet.
func (s *Store) Baseline(ctx context.Context, site string) (*Run, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+runColumns+` FROM runs WHERE site = ? AND outcome IN (?, ?) ORDER BY id DESC LIMIT 1`,
		site, OutcomeOK, OutcomeChanged)
	r, err := scanRun(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return r, err
}

// Run is run id; nil when the store has none of that number.
func (s *Store) Run(ctx context.Context, id int64) (*Run, error) {
	r, err := scanRun(s.db.QueryRowContext(ctx, `SELECT `+runColumns+` FROM runs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return r, err
}

// Runs lists the runs that started at or after since (every run for the zero time), oldest first.
func (s *Store) Runs(ctx context.Context, since time.Time) ([]*Run, error) {
	return queryAll(ctx, s.db, scanRun, `SELECT `+runColumns+` FROM runs WHERE started_at >= ? ORDER BY id`, fmtTime(since))
}

// queryAll runs a query and reads each row with scan.
func queryAll[T any](ctx context.Context, db *sql.DB, scan func(row interface{ Scan(...any) error }) (T, error), query string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Seen is a script or header value on a payment page and the runs it was first and last seen in.
type Seen struct {
	Page      string    `json:"page"`
	Script    string    `json:"script,omitempty"` // the URL, or the kind and hash of an inline script
	Kind      string    `json:"kind,omitempty"`
	SHA256    string    `json:"sha256,omitempty"`
	Integrity string    `json:"integrity,omitempty"`
	Header    string    `json:"header,omitempty"`
	Value     string    `json:"value,omitempty"`
	FirstRun  int64     `json:"first_run"`
	LastRun   int64     `json:"last_run"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
}

// seenScanner reads a row of the scripts or headers table: the columns fields names, then the
// first and last runs and times.
func seenScanner(fields func(v *Seen) []any) func(row interface{ Scan(...any) error }) (Seen, error) {
	return func(row interface{ Scan(...any) error }) (Seen, error) {
		var v Seen
		var first, last string
		if err := row.Scan(append(fields(&v), &v.FirstRun, &v.LastRun, &first, &last)...); err != nil {
			return v, err
		}
		v.FirstSeen, v.LastSeen = parseTime(first), parseTime(last)
		return v, nil
	}
}

// Scripts lists the scripts seen on payment pages (on page only, when not ""), by page, then by
// when they were first seen.
func (s *Store) Scripts(ctx context.Context, page string) ([]Seen, error) {
	return queryAll(ctx, s.db, seenScanner(func(v *Seen) []any { return []any{&v.Page, &v.Script, &v.Kind, &v.SHA256, &v.Integrity} }),
		`SELECT page, script, kind, sha256, integrity, first_run, last_run, first_seen, last_seen
		FROM scripts WHERE ? = '' OR page = ? ORDER BY page, first_run, script`, page, page)
}

// Headers lists the security header values seen on payment pages (on page only, when not "").
func (s *Store) Headers(ctx context.Context, page string) ([]Seen, error) {
	return queryAll(ctx, s.db, seenScanner(func(v *Seen) []any { return []any{&v.Page, &v.Header, &v.Value} }),
		`SELECT page, name, value, first_run, last_run, first_seen, last_seen
		FROM headers WHERE ? = '' OR page = ? ORDER BY page, name, first_run`, page, page)
}

// PaymentPages lists every page the store has seen as a payment page.
func (s *Store) PaymentPages(ctx context.Context) ([]string, error) {
	return queryAll(ctx, s.db, func(row interface{ Scan(...any) error }) (string, error) {
		var p string
		err := row.Scan(&p)
		return p, err
	}, `SELECT page FROM scripts UNION SELECT page FROM headers ORDER BY 1`)
}

func nonNil(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

func nonNilChanges(v []Change) []Change {
	if v == nil {
		return []Change{}
	}
	return v
}
