// Package redisq links the Socket.IO servers of a cluster through Redis,
// in the wire formats of the Node.js and Python Socket.IO servers, so sio
// servers share one cluster with them.
//
// # Connecting
//
// Every manager and emitter of the package takes a go-redis
// redis.UniversalClient: a single server, Redis Sentinel or Redis Cluster,
// with whatever TLS, authentication and database settings it was built
// with. NewClient builds one from a URL:
//
//	client, err := redisq.NewClient("redis://127.0.0.1:6379/0")
//
// The caller closes the client after the servers and emitters that use
// it.
//
// # Formats
//
// Format names a wire format; NewFormatManager returns the manager of a
// format with its default options, for programs that choose the format
// at run time (a command-line flag), and Formats lists the formats of
// this build.
package redisq
