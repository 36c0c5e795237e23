package pgq

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/socketio-go/sio/queue"
)

// createTable creates the attachment table with Node.js's schema when it
// is missing.
func (b *Bus) createTable(ctx context.Context) error {
	_, err := b.pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+b.table+` (
		id          bigserial UNIQUE,
		created_at  timestamptz DEFAULT NOW(),
		payload     bytea
	)`)
	return err
}

// maxPayload is the largest NOTIFY payload PostgreSQL takes.
const maxPayload = 7999

// direct reports whether msg goes in the NOTIFY payload: a JSON object
// (as Node.js's adapter sends them) of at most PayloadThreshold bytes and
// less than 8000 (PostgreSQL's limit; Node.js's adapter fails on a
// message of exactly 8000 bytes). The others (binary, larger, or not JSON
// at all) go through the attachment table.
func (b *Bus) direct(msg []byte) bool {
	return len(msg) <= min(b.opts.PayloadThreshold, maxPayload) && queue.IsJSON(msg) &&
		bytes.IndexByte(msg, 0) < 0 && utf8.Valid(msg) && json.Valid(msg)
}

// attachmentHeader is the NOTIFY payload of a message sent through the
// attachment table: Node.js's {uid, type, attachmentId}, the id as a
// string (node-pg reads bigserial as one).
type attachmentHeader struct {
	UID          string `json:"uid,omitempty"`
	Type         int    `json:"type,omitempty"`
	AttachmentID string `json:"attachmentId"`
}

// sendAttached inserts the message in the attachment table (in
// MessagePack, as Node.js stores it, when it is a JSON cluster message)
// and notifies its id.
func (b *Bus) sendAttached(ctx context.Context, m outMsg) error {
	stored := m.msg
	if queue.IsJSON(stored) && json.Valid(stored) {
		mp, err := queue.Transcode(stored, queue.EncodingMsgpack)
		if err == nil {
			stored = mp
		}
	}
	var h attachmentHeader
	if hd, _, err := queue.SplitMessage(m.msg); err == nil {
		h.UID, h.Type = hd.UID, int(hd.Type)
	}
	var id int64
	if err := b.pool.QueryRow(ctx, `INSERT INTO `+b.table+` (payload) VALUES ($1) RETURNING id`, stored).Scan(&id); err != nil {
		return fmt.Errorf("inserting an attachment: %w", err)
	}
	h.AttachmentID = strconv.FormatInt(id, 10)
	header, err := json.Marshal(h)
	if err != nil {
		return err
	}
	_, err = b.pool.Exec(ctx, "SELECT pg_notify($1, $2)", m.channel, string(header))
	return err
}

// attachmentID returns the attachment id of a NOTIFY payload, "" when it
// is a whole message. Like Node.js, a payload is an attachment header
// when its top-level "attachmentId" is set; the id is a string or a
// number.
func attachmentID(payload []byte) (string, error) {
	if !bytes.Contains(payload, []byte(`"attachmentId"`)) {
		return "", nil
	}
	var h struct {
		AttachmentID json.RawMessage `json:"attachmentId"`
	}
	if err := json.Unmarshal(payload, &h); err != nil {
		return "", nil // not JSON: the receiver decides
	}
	raw := bytes.TrimSpace(h.AttachmentID)
	switch {
	case len(raw) == 0, string(raw) == "null", string(raw) == `""`, string(raw) == "0", string(raw) == "false":
		return "", nil
	case raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", err
		}
		raw = []byte(s)
	}
	if _, err := strconv.ParseInt(string(raw), 10, 64); err != nil {
		return "", fmt.Errorf("attachment id %s: %w", h.AttachmentID, err)
	}
	return string(raw), nil
}

// deliver hands a notification to the subscriptions of its channel,
// fetching its attachment first when it has one.
func (b *Bus) deliver(channel string, payload []byte) {
	if !b.fan.Has(channel) {
		return
	}
	id, err := attachmentID(payload)
	if err != nil {
		b.rlog.Warn("sio/pgq: dropping a notification with a malformed attachment id", "channel", channel, "err", err)
		return
	}
	if id != "" {
		ctx, cancel := context.WithTimeout(b.stopCtx, b.lcfg.ConnectTimeout+5*time.Second)
		defer cancel()
		var stored []byte
		if err := b.pool.QueryRow(ctx, `SELECT payload FROM `+b.table+` WHERE id = $1`, id).Scan(&stored); err != nil {
			b.rlog.Warn("sio/pgq: cannot read an attachment, message dropped", "channel", channel, "id", id, "err", err)
			return
		}
		payload = stored
	}
	b.fan.Deliver(channel, payload)
}

// clean deletes the attachments older than CleanupInterval, every
// CleanupInterval, until Close (every server does, as Node.js's).
func (b *Bus) clean() {
	defer b.wg.Done()
	t := time.NewTicker(b.opts.CleanupInterval)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
			if _, err := b.cleanup(b.stopCtx); err != nil && b.stopCtx.Err() == nil {
				b.rlog.Warn("sio/pgq: cannot delete old attachments", "table", b.table, "err", err)
			}
		}
	}
}

// cleanup deletes the attachments older than CleanupInterval and returns
// how many.
func (b *Bus) cleanup(ctx context.Context) (int64, error) {
	tag, err := b.pool.Exec(ctx, `DELETE FROM `+b.table+` WHERE created_at < now() - $1::bigint * interval '1 millisecond'`,
		b.opts.CleanupInterval.Milliseconds())
	return tag.RowsAffected(), err
}
