package redisstore

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/socketio-go/sio/adminui"
)

// Defaults applied to zero Options fields: those of the Node.js package's
// RedisStore where it has them.
const (
	DefaultPrefix  = "socket.io-admin"
	DefaultTTL     = adminui.DefaultSessionTTL
	DefaultTimeout = time.Second
)

// Options configures a Store. The zero value of every field means the
// documented default.
type Options struct {
	// Prefix starts every key: a session id is kept at "<Prefix>#<id>"
	// (the Node.js store's prefix option). Zero: "socket.io-admin".
	Prefix string
	// TTL is how long Redis keeps a session id (sessionDuration). Zero:
	// 24 hours.
	TTL time.Duration
	// Timeout bounds each Redis command, so an unreachable Redis delays a
	// login by that much at most (the login then fails, or an id is not
	// saved and the UI asks for the credentials again). Zero: 1s.
	Timeout time.Duration
}

// Store is an adminui.SessionStore in Redis, shared by every server on the
// same Redis and Prefix, and with Node.js servers whose admin UI uses the
// package's RedisStore with that prefix.
type Store struct {
	client redis.UniversalClient
	opts   Options
}

// New returns a Store on client. It does not close client.
func New(client redis.UniversalClient, opts Options) *Store {
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	if opts.TTL <= 0 {
		opts.TTL = DefaultTTL
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	return &Store{client: client, opts: opts}
}

// Key returns the key of the session id: "<Prefix>#<id>".
func (s *Store) Key(id string) string { return s.opts.Prefix + "#" + id }

// Save implements adminui.SessionStore: SET "<Prefix>#<id>" "true" with
// the TTL as its expiry, the key and value the Node.js store writes.
func (s *Store) Save(ctx context.Context, id string) error {
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	return s.client.Set(ctx, s.Key(id), "true", s.opts.TTL).Err()
}

// Exists implements adminui.SessionStore: EXISTS "<Prefix>#<id>".
func (s *Store) Exists(ctx context.Context, id string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	n, err := s.client.Exists(ctx, s.Key(id)).Result()
	return n == 1, err
}

var _ adminui.SessionStore = (*Store)(nil)
