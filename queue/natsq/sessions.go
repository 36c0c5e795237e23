package natsq

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/socketio-go/sio/queue"
)

// sessionKey returns the bucket key of a private id: the id itself when
// it is a valid key made of the characters of Socket.IO's ids (letters,
// digits, '-' and '_'), else "x" and its hexadecimal form.
func sessionKey(pid string) string {
	ok := pid != ""
	for i := 0; i < len(pid) && ok; i++ {
		ok = plain(pid[i])
	}
	if ok && pid[0] != 'x' {
		return pid
	}
	return "x" + hex.EncodeToString([]byte(pid))
}

// SaveSession implements queue.SessionStore: the session goes to the
// bucket under the private id, with its deadline (a session found after
// it is not restored; the bucket drops it after SessionMaxAge).
func (b *JetStreamBus) SaveSession(ctx context.Context, pid string, session []byte, ttl time.Duration) error {
	if b.isClosed() {
		return queue.ErrClosed
	}
	if ttl > b.jopts.SessionMaxAge && !b.longTTL.Swap(true) {
		b.log.Warn("sio/natsq: sessions are kept for the bucket's age limit only",
			"bucket", b.jopts.SessionBucket, "max_age", b.jopts.SessionMaxAge, "wanted", ttl)
	}
	rec := make([]byte, minSessionRecordBytes, minSessionRecordBytes+len(session))
	binary.BigEndian.PutUint64(rec, uint64(time.Now().Add(ttl).UnixMilli()))
	rec = append(rec, session...)
	ctx, cancel := withWait(ctx)
	defer cancel()
	if _, err := b.sessions.Put(ctx, sessionKey(pid), rec); err != nil {
		return fmt.Errorf("sio/natsq: saving a session: %w", err)
	}
	return nil
}

// TakeSession implements queue.SessionStore: it reads the session and
// deletes that revision of it, so that only one server restores it.
func (b *JetStreamBus) TakeSession(ctx context.Context, pid string) ([]byte, error) {
	if b.isClosed() {
		return nil, queue.ErrClosed
	}
	ctx, cancel := withWait(ctx)
	defer cancel()
	key := sessionKey(pid)
	e, err := b.sessions.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, queue.ErrNoSession
	}
	if err != nil {
		return nil, fmt.Errorf("sio/natsq: reading a session: %w", err)
	}
	if err := b.sessions.Delete(ctx, key, jetstream.LastRevision(e.Revision())); err != nil {
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence {
			return nil, queue.ErrNoSession // another server took it
		}
		return nil, fmt.Errorf("sio/natsq: deleting a session: %w", err)
	}
	rec := e.Value()
	if len(rec) < minSessionRecordBytes {
		return nil, fmt.Errorf("sio/natsq: session record of %d bytes: %w", len(rec), queue.ErrInvalidMessage)
	}
	if time.Now().UnixMilli() > int64(binary.BigEndian.Uint64(rec)) {
		return nil, queue.ErrNoSession
	}
	return rec[minSessionRecordBytes:], nil
}
