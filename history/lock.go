package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"time"
)

// StaleAfter is how long a lock whose holder runs on another host may go without a heartbeat
// before it is taken as stale (on the same host, a holder whose process is gone is stale at once).
const StaleAfter = 5 * time.Minute

// HeartbeatEvery is how often a watcher refreshes its lock.
const HeartbeatEvery = 30 * time.Second

// Holder is the process that holds a store's lock.
type Holder struct {
	PID       int
	Host      string
	StartedAt time.Time
	Heartbeat time.Time
}

// LockedError is returned by Lock when another watcher holds the store.
type LockedError struct {
	Path   string
	Holder Holder
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("the history store %s is in use by another padlock watch (pid %d on %s, started %s, last heartbeat %s); "+
		"stop it first, or give this one its own --store", e.Path, e.Holder.PID, e.Holder.Host,
		e.Holder.StartedAt.Format(time.RFC3339), e.Holder.Heartbeat.Format(time.RFC3339))
}

// Lock takes the store for this process (one watcher per store). A lock held by a live watcher
// is a *LockedError; a stale one (its process is gone on this host, or no heartbeat for
// StaleAfter) is taken over, and took says whose it was.
func (s *Store) Lock(ctx context.Context, now time.Time) (took *Holder, err error) {
	host, _ := os.Hostname()
	pid := os.Getpid()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	// BEGIN IMMEDIATE takes SQLite's write lock before reading, so two watchers starting at
	// once cannot both see the lock free.
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		return nil, fmt.Errorf("lock the history store: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			conn.ExecContext(context.Background(), `ROLLBACK`)
		}
	}()
	var h Holder
	var started, beat string
	err = conn.QueryRowContext(ctx, `SELECT pid, host, started_at, heartbeat FROM lock WHERE id = 1`).Scan(&h.PID, &h.Host, &started, &beat)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, err
	default:
		h.StartedAt, h.Heartbeat = parseTime(started), parseTime(beat)
		if h.Host == host && h.PID == pid {
			break // this process, reopening
		}
		if !stale(h, host, now) {
			return nil, &LockedError{Path: s.path, Holder: h}
		}
		took = &h
	}
	if _, err := conn.ExecContext(ctx, `INSERT INTO lock (id, pid, host, started_at, heartbeat) VALUES (1, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, host = excluded.host, started_at = excluded.started_at, heartbeat = excluded.heartbeat`,
		pid, host, fmtTime(now), fmtTime(now)); err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, `COMMIT`); err != nil {
		return nil, err
	}
	committed = true
	return took, nil
}

// stale tells whether a lock can be taken over: its holder's process is gone (same host), or
// it has not beaten for StaleAfter.
func stale(h Holder, host string, now time.Time) bool {
	if h.Host == host && !alive(h.PID) {
		return true
	}
	return now.Sub(h.Heartbeat) > StaleAfter
}

// Heartbeat refreshes this process's lock; an error when the lock is no longer its own.
func (s *Store) Heartbeat(ctx context.Context, now time.Time) error {
	host, _ := os.Hostname()
	res, err := s.db.ExecContext(ctx, `UPDATE lock SET heartbeat = ? WHERE id = 1 AND pid = ? AND host = ?`, fmtTime(now), os.Getpid(), host)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("the history store %s: this watcher's lock was taken over", s.path)
	}
	return nil
}

// Unlock releases this process's lock (nothing when it does not hold it).
func (s *Store) Unlock(ctx context.Context) error {
	host, _ := os.Hostname()
	_, err := s.db.ExecContext(ctx, `DELETE FROM lock WHERE id = 1 AND pid = ? AND host = ?`, os.Getpid(), host)
	return err
}
