package kafkaq

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/socketio-go/sio/queue"
)

// sessionTable is a LogBus's view of the sessions topic: every record is
// a session under its private id (the value is the expiry in Unix
// milliseconds, 8 bytes, then the session), a record without value
// deletes it.
type sessionTable struct {
	topic string

	mu        sync.Mutex
	byPID     map[string]storedSession
	pos       int64         // the offset after the last record read
	moved     chan struct{} // closed and replaced when pos moves
	lastSweep time.Time
}

type storedSession struct {
	expires time.Time
	data    []byte
}

func newSessionTable(topic string) *sessionTable {
	return &sessionTable{topic: topic, byPID: make(map[string]storedSession), moved: make(chan struct{})}
}

// apply reads one record of the sessions topic.
func (s *sessionTable) apply(r *kgo.Record) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	pid := string(r.Key)
	if len(r.Value) >= 8 {
		exp := time.UnixMilli(int64(binary.BigEndian.Uint64(r.Value)))
		if exp.After(now) {
			s.byPID[pid] = storedSession{expires: exp, data: r.Value[8:]}
		}
	} else {
		delete(s.byPID, pid)
	}
	if now.Sub(s.lastSweep) > time.Second {
		s.lastSweep = now
		for k, v := range s.byPID {
			if !v.expires.After(now) {
				delete(s.byPID, k)
			}
		}
	}
	s.pos = r.Offset + 1
	close(s.moved)
	s.moved = make(chan struct{})
}

// waitFor waits until the records before offset end have been read.
func (s *sessionTable) waitFor(ctx context.Context, end int64) error {
	for {
		s.mu.Lock()
		pos, moved := s.pos, s.moved
		s.mu.Unlock()
		if pos >= end {
			return nil
		}
		select {
		case <-moved:
		case <-ctx.Done():
			return fmt.Errorf("sio/kafkaq: reading the sessions topic: %w", ctx.Err())
		}
	}
}

// SaveSession implements queue.SessionStore: a record of the sessions
// topic, acknowledged by the broker.
func (b *LogBus) SaveSession(ctx context.Context, pid string, session []byte, ttl time.Duration) error {
	v := make([]byte, 8, 8+len(session))
	binary.BigEndian.PutUint64(v, uint64(time.Now().Add(ttl).UnixMilli()))
	v = append(v, session...)
	_, err := b.produceSync(ctx, &kgo.Record{Topic: b.sess.topic, Key: []byte(pid), Value: v})
	return err
}

// TakeSession implements queue.SessionStore: once every session saved
// before the call has been read, it returns the one of pid and deletes it
// (a record without value).
func (b *LogBus) TakeSession(ctx context.Context, pid string) ([]byte, error) {
	ends, err := b.adm.ListEndOffsets(ctx, b.sess.topic)
	if err != nil {
		return nil, err
	}
	end, ok := ends.Lookup(b.sess.topic, 0)
	if !ok || end.Err != nil {
		return nil, fmt.Errorf("sio/kafkaq: the end of the sessions topic: %v", end.Err)
	}
	if err := b.sess.waitFor(ctx, end.Offset); err != nil {
		return nil, err
	}
	b.sess.mu.Lock()
	st, found := b.sess.byPID[pid]
	delete(b.sess.byPID, pid)
	b.sess.mu.Unlock()
	if !found || !st.expires.After(time.Now()) {
		return nil, queue.ErrNoSession
	}
	if _, err := b.produceSync(ctx, &kgo.Record{Topic: b.sess.topic, Key: []byte(pid)}); err != nil {
		return nil, err
	}
	return st.data, nil
}

func isExists(err error) bool { return errors.Is(err, kerr.TopicAlreadyExists) }
