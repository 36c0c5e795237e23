package adminui

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"
)

// SessionStore keeps the session ids given to logged-in admin clients (see
// Auth). Its methods are safe for concurrent use. The Node.js package's
// stores keep ids for 24 hours.
type SessionStore interface {
	// Save records the session id.
	Save(ctx context.Context, id string) error
	// Exists reports whether id was saved and has not expired.
	Exists(ctx context.Context, id string) (bool, error)
}

// DefaultSessionTTL is how long a MemoryStore keeps a session id: a day,
// as the Node.js package's Redis store.
const DefaultSessionTTL = 24 * time.Hour

// maxMemorySessions bounds a MemoryStore: past it, the oldest ids go.
const maxMemorySessions = 10_000

// MemoryStore is a SessionStore in this process's memory, bounded in size
// (the oldest of 10,000 ids is dropped first) and in time (TTL).
type MemoryStore struct {
	ttl time.Duration

	mu  sync.Mutex           // guards ids and order
	ids map[string]time.Time // id → expiry
	// order lists ids by save time (oldest first), for eviction.
	order []string
}

// NewMemoryStore returns an empty MemoryStore whose ids expire after ttl.
// Zero: DefaultSessionTTL.
func NewMemoryStore(ttl time.Duration) *MemoryStore {
	if ttl <= 0 {
		ttl = DefaultSessionTTL
	}
	return &MemoryStore{ttl: ttl, ids: make(map[string]time.Time)}
}

// Save implements SessionStore.
func (m *MemoryStore) Save(_ context.Context, id string) error {
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	// Drop the expired and, past the bound, the oldest ids.
	for len(m.order) > 0 {
		oldest := m.order[0]
		if exp, ok := m.ids[oldest]; ok && now.Before(exp) && len(m.ids) < maxMemorySessions {
			break
		}
		delete(m.ids, oldest)
		m.order[0] = ""
		m.order = m.order[1:]
	}
	if _, dup := m.ids[id]; !dup {
		m.order = append(m.order, id)
	}
	m.ids[id] = now.Add(m.ttl)
	return nil
}

// Exists implements SessionStore.
func (m *MemoryStore) Exists(_ context.Context, id string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	exp, ok := m.ids[id]
	return ok && time.Now().Before(exp), nil
}

// newSessionID returns 8 random bytes in hex, as the Node.js package's ids.
func newSessionID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}
