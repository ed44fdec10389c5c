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
	// ID numbers the alerts in the order they were made; RunID is the run that made it (the
	// alert's time is the run's finished_at).
	ID    int64 `json:"id"`
	RunID int64 `json:"run_id"`
	// Body is the alert as the webhook got it (alert.Alert's JSON).
	Body json.RawMessage `json:"alert"`
	// Deliveries are the channels it went to: stderr, webhook, slack.
	Deliveries []Delivery `json:"deliveries"`
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
	return queryAll(ctx, s.db, func(row interface{ Scan(...any) error }) (Delivery, error) {
		var d Delivery
		var at, body string
		err := row.Scan(&d.AlertID, &d.RunID, &d.Channel, &d.Status, &d.Attempts, &d.LastError, &at, &body)
		d.UpdatedAt, d.Body = parseTime(at), []byte(body)
		return d, err
	}, `SELECT d.alert_id, a.run_id, d.channel, d.status, d.attempts, d.last_error, d.updated_at, a.body
		FROM deliveries d JOIN alerts a ON a.id = d.alert_id WHERE d.status != ? ORDER BY d.alert_id, d.channel`, Delivered)
}

// Alerts lists the alerts of the runs that started at or after since, with their deliveries.
func (s *Store) Alerts(ctx context.Context, since time.Time) ([]StoredAlert, error) {
	out, err := queryAll(ctx, s.db, func(row interface{ Scan(...any) error }) (StoredAlert, error) {
		var a StoredAlert
		var body string
		err := row.Scan(&a.ID, &a.RunID, &body)
		a.Body = json.RawMessage(body)
		return a, err
	}, `SELECT a.id, a.run_id, a.body FROM alerts a JOIN runs r ON r.id = a.run_id
		WHERE r.started_at >= ? ORDER BY a.id`, fmtTime(since))
	if err != nil {
		return nil, err
	}
	for i := range out {
		a := &out[i]
		if a.Deliveries, err = queryAll(ctx, s.db, func(row interface{ Scan(...any) error }) (Delivery, error) {
			d := Delivery{AlertID: a.ID, RunID: a.RunID}
			var at string
			err := row.Scan(&d.Channel, &d.Status, &d.Attempts, &d.LastError, &at)
			d.UpdatedAt = parseTime(at)
			return d, err
		}, `SELECT channel, status, attempts, last_error, updated_at FROM deliveries WHERE alert_id = ? ORDER BY channel`, a.ID); err != nil {
			return nil, err
		}
		if a.Deliveries == nil {
			a.Deliveries = []Delivery{}
		}
	}
	return out, nil
}
