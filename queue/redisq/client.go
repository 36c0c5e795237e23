package redisq

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/redis/go-redis/v9"
)

// ErrInvalidURL is wrapped by the errors of NewClient for a URL it cannot
// use.
var ErrInvalidURL = errors.New("sio/redisq: invalid Redis URL")

// NewClient returns a go-redis client for a Redis URL, whose options pass
// through to go-redis (credentials, database, TLS, timeouts, pool sizes:
// every query parameter go-redis's URL parsers know):
//
//	redis://[user:password@]host[:port][/db][?options]   one server (port 6379, db 0 by default)
//	rediss://...                                          the same over TLS (skip_verify=true to accept any certificate)
//	unix://[user:password@]/path/to/redis.sock[?db=N]     one server on a Unix socket
//	redis://host:port?master_name=M[&addr=host:port...]   Redis Sentinel: the sentinels, and the master's name
//	redis+cluster://host:port[?addr=host:port...]         Redis Cluster: the seed nodes (rediss+cluster over TLS)
//
// A redis:// or rediss:// URL with addr parameters and no master_name is a
// Redis Cluster too. The caller closes the client when done with it.
func NewClient(rawURL string) (redis.UniversalClient, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidURL, err)
	}
	q := u.Query()
	scheme, cluster := strings.CutSuffix(u.Scheme, "+cluster")
	switch {
	case scheme == "unix" && !cluster:
		o, err := redis.ParseURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidURL, err)
		}
		return redis.NewClient(o), nil
	case scheme != "redis" && scheme != "rediss":
		return nil, fmt.Errorf("%w: scheme %q (want redis, rediss, unix, redis+cluster or rediss+cluster)", ErrInvalidURL, u.Scheme)
	case q.Has("master_name"):
		if cluster {
			return nil, fmt.Errorf("%w: master_name (Sentinel) with a +cluster scheme", ErrInvalidURL)
		}
		o, err := redis.ParseFailoverURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidURL, err)
		}
		return redis.NewFailoverClient(o), nil
	case cluster || q.Has("addr"):
		v := *u
		v.Scheme = scheme
		o, err := redis.ParseClusterURL(v.String())
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidURL, err)
		}
		return redis.NewClusterClient(o), nil
	}
	o, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidURL, err)
	}
	return redis.NewClient(o), nil
}
