package history

import (
	"context"
	"encoding/json"
	"time"
)

// Delivery states.
const (
	Pending   = "pending"
	Delivered = "delivered"
	Failed    = "failed" // tried and given up this run: tried again next run
)

// Delivery is one alert's delivery to one channel.
type Delivery struct {
	AlertID   int64     `json:"alert_id"`
	RunID     int64     `json:"run_id"`
	Channel   string    `json:"channel"`
	Status    string    `json:"status"`
	Attempts  int       `json:"attempts"` // deliveries tried (each with the channel's own retries)
	LastError string    `json:"last_error,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
	Body      []byte    `json:"-"` // the alert's JSON
}

// StoredAlert is an alert as recorded, with its deliveries.
type StoredAlert struct {
	ID         int64           `json:"id"`
	RunID      int64           `json:"run_id"`
	CreatedAt  time.Time       `json:"created_at"`
	Body       json.RawMessage `json:"alert"`
	Deliveries []Delivery      `json:"deliveries"`
}

// AddAlert records a run's alert (its JSON) with a pending delivery per channel.
func (s *Store) AddAlert(ctx context.Context, run int64, at time.Time, body []byte, channels []string) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `INSERT INTO alerts (run_id, created_at, body) VALUES (?, ?, ?)`, run, fmtTime(at), string(body))
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	for _, c := range channels {
		if _, err := tx.ExecContext(ctx, `INSERT INTO deliveries (alert_id, channel, status, updated_at) VALUES (?, ?, ?, ?)`,
			id, c, Pending, fmtTime(at)); err != nil {
			return 0, err
		}
	}
	return id, tx.Commit()
}

// SetDelivery records the result of one delivery: delivered, or failed with its error.
func (s *Store) SetDelivery(ctx context.Context, alert int64, channel string, at time.Time, deliveryErr error) error {
	status, msg := Delivered, ""
	if deliveryErr != nil {
		status, msg = Failed, deliveryErr.Error()
	}
	_, err := s.db.ExecContext(ctx, `UPDATE deliveries SET status = ?, attempts = attempts + 1, last_error = ?, updated_at = ?
		WHERE alert_id = ? AND channel = ?`, status, msg, fmtTime(at), alert, channel)
	return err
}

// Undelivered lists the deliveries not yet made (pending, or failed on an earlier run), oldest
// alert first, with the alert's JSON.
func (s *Store) Undelivered(ctx context.Context) ([]Delivery, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT d.alert_id, a.run_id, d.channel, d.status, d.attempts, d.last_error, d.updated_at, a.body
		FROM deliveries d JOIN alerts a ON a.id = d.alert_id WHERE d.status != ? ORDER BY d.alert_id, d.channel`, Delivered)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		var d Delivery
		var at, body string
		if err := rows.Scan(&d.AlertID, &d.RunID, &d.Channel, &d.Status, &d.Attempts, &d.LastError, &at, &body); err != nil {
			return nil, err
		}
		d.UpdatedAt, d.Body = parseTime(at), []byte(body)
		out = append(out, d)
	}
	return out, rows.Err()
}

// Alerts lists the alerts of the runs that started at or after since, with their deliveries.
func (s *Store) Alerts(ctx context.Context, since time.Time) ([]StoredAlert, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT a.id, a.run_id, a.created_at, a.body FROM alerts a JOIN runs r ON r.id = a.run_id
		WHERE r.started_at >= ? ORDER BY a.id`, fmtTime(since))
	if err != nil {
		return nil, err
	}
	var out []StoredAlert
	for rows.Next() {
		var a StoredAlert
		var at, body string
		if err := rows.Scan(&a.ID, &a.RunID, &at, &body); err != nil {
			rows.Close()
			return nil, err
		}
		a.CreatedAt, a.Body = parseTime(at), json.RawMessage(body)
		out = append(out, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		drows, err := s.db.QueryContext(ctx, `SELECT channel, status, attempts, last_error, updated_at FROM deliveries WHERE alert_id = ? ORDER BY channel`, out[i].ID)
		if err != nil {
			return nil, err
		}
		out[i].Deliveries = []Delivery{}
		for drows.Next() {
			d := Delivery{AlertID: out[i].ID, RunID: out[i].RunID}
			var at string
			if err := drows.Scan(&d.Channel, &d.Status, &d.Attempts, &d.LastError, &at); err != nil {
				drows.Close()
				return nil, err
			}
			d.UpdatedAt = parseTime(at)
			out[i].Deliveries = append(out[i].Deliveries, d)
		}
		drows.Close()
		if err := drows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
