// Package redisstore keeps the Admin UI's session ids in Redis
// (github.com/redis/go-redis/v9), so that a UI logged in on one server of
// a cluster reconnects to any other with its session id, without the
// credentials: set a Store as adminui.Config.Store on every server.
//
//	client, err := redisq.NewClient("redis://127.0.0.1:6379/0")
//	...
//	admin, err := adminui.Instrument(srv, adminui.Config{
//		Auth:  adminui.Plain("admin", password),
//		Store: redisstore.New(client, redisstore.Options{}),
//	})
//
// The keys are those of the Node.js package's RedisStore
// (@socket.io/admin-ui 0.5): "socket.io-admin#<session id>" with the
// value "true", expiring after 24 hours, so sio and Node.js servers on the
// same Redis accept each other's sessions.
//
// It is a package of its own so that package adminui does not depend on
// a Redis client; any go-redis client works (one server, Sentinel, Redis
// Cluster), such as the one a redisq cluster manager uses.
package redisstore
