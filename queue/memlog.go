package queue

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// DefaultLogSize is the default bound of a MemoryLogBus log.
const DefaultLogSize = 10000

// MemoryLogBus is a MemoryBus with what the Redis Streams manager has, in
// one process: a log per channel (LogBus: offsets are decimal sequence
// numbers, the oldest entries are dropped past the bound), a session store
// (SessionStore) and a subscriber count (SubscriberCounter: each Subscribe
// is a server, and no heartbeats are sent). Servers sharing one recover
// their clients' sessions whichever of them the clients reconnect to. It
// is the reference for a broker's LogBus, and what tests and examples use.
type MemoryLogBus struct {
	*MemoryBus
	size int

	sessions memorySessions

	mu   sync.Mutex // guards logs; taken before MemoryBus's
	logs map[string]*memLog
}

type memLog struct {
	first   uint64 // sequence number of entries[0]
	entries [][]byte
}

// NewMemoryLogBus returns an empty in-process bus whose logs keep the last
// size messages of each channel (DefaultLogSize when size ≤ 0).
func NewMemoryLogBus(size int, opts ...MemoryBusOption) *MemoryLogBus {
	if size <= 0 {
		size = DefaultLogSize
	}
	return &MemoryLogBus{
		MemoryBus: NewMemoryBus(opts...),
		size:      size,
		logs:      make(map[string]*memLog),
		sessions:  memorySessions{m: make(map[string]memorySession)},
	}
}

// logChannel is the internal MemoryBus channel of channel's log.
func logChannel(channel string) string { return "\x00log\x00" + channel }

// Append implements LogBus.
func (b *MemoryLogBus) Append(ctx context.Context, channel string, msg []byte) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	l := b.logs[channel]
	if l == nil {
		l = &memLog{first: 1}
		b.logs[channel] = l
	}
	seq := l.first + uint64(len(l.entries))
	off := strconv.FormatUint(seq, 10)
	framed := make([]byte, 0, len(off)+1+len(msg))
	framed = append(append(append(framed, off...), 0), msg...)
	// Published under b.mu, so subscribers get the entries in log order.
	if err := b.MemoryBus.Publish(ctx, logChannel(channel), framed); err != nil {
		if errors.Is(err, ErrClosed) {
			return "", err
		}
		// A full subscriber queue dropped it for that subscriber only.
	}
	l.entries = append(l.entries, msg)
	if drop := len(l.entries) - b.size; drop > 0 {
		clear(l.entries[:drop])
		l.entries = l.entries[drop:]
		l.first += uint64(drop)
	}
	return off, nil
}

// SubscribeLog implements LogBus.
func (b *MemoryLogBus) SubscribeLog(ctx context.Context, channel string, fn func(offset string, msg []byte)) (func(), error) {
	return b.MemoryBus.Subscribe(ctx, logChannel(channel), func(framed []byte) {
		i := bytes.IndexByte(framed, 0)
		fn(string(framed[:i]), framed[i+1:])
	})
}

// ReadLog implements LogBus.
func (b *MemoryLogBus) ReadLog(_ context.Context, channel, offset string, fn func(offset string, msg []byte) bool) error {
	seq, err := strconv.ParseUint(offset, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %q", ErrUnknownOffset, offset)
	}
	b.mu.Lock()
	var entries [][]byte
	var first uint64
	if l := b.logs[channel]; l != nil {
		first = l.first
		entries = l.entries
	}
	b.mu.Unlock()
	if seq < first || seq >= first+uint64(len(entries)) {
		return fmt.Errorf("%w: %q", ErrUnknownOffset, offset)
	}
	// entries is a snapshot: appends after it do not change its elements.
	for i := seq - first + 1; i < uint64(len(entries)); i++ {
		if !fn(strconv.FormatUint(first+i, 10), entries[i]) {
			break
		}
	}
	return nil
}

// SaveSession implements SessionStore.
func (b *MemoryLogBus) SaveSession(ctx context.Context, pid string, session []byte, ttl time.Duration) error {
	return b.sessions.SaveSession(ctx, pid, session, ttl)
}

// TakeSession implements SessionStore.
func (b *MemoryLogBus) TakeSession(ctx context.Context, pid string) ([]byte, error) {
	return b.sessions.TakeSession(ctx, pid)
}

// Subscribers implements SubscriberCounter.
func (b *MemoryLogBus) Subscribers(_ context.Context, channel string) (int, error) {
	bus := b.MemoryBus
	bus.mu.Lock()
	defer bus.mu.Unlock()
	if bus.closed {
		return 0, ErrClosed
	}
	return len(bus.subs[channel]), nil
}

var (
	_ LogBus            = (*MemoryLogBus)(nil)
	_ SessionStore      = (*MemoryLogBus)(nil)
	_ SubscriberCounter = (*MemoryLogBus)(nil)
)
