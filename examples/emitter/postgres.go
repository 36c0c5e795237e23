package main

// PostgreSQL: -cluster postgres://user:password@host:5432/database
// (?table=NAME: the servers' attachment table; ?prefix= their channel
// prefix), for Go servers on pgq and Node.js servers on
// @socket.io/postgres-adapter alike.

import (
	"context"
	"time"

	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/pgq"
)

func init() {
	register(broker{name: "postgres", schemes: []string{"postgres", "postgresql"}, open: openPostgres})
}

func openPostgres(rawURL string) (emitFunc, func(), error) {
	u, params, err := takeParams(rawURL, "prefix", "table")
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	opts := pgq.Options{TableName: params["table"], ApplicationName: "sio-emitter-example"}
	e, err := pgq.NewEmitter(ctx, u.String(), opts, queue.EmitterOptions{ChannelPrefix: params["prefix"]})
	if err != nil {
		return nil, nil, err
	}
	emit := func(ctx context.Context, nsp string, rooms []string, event string, args ...any) error {
		return e.Of(nsp).To(rooms...).Emit(ctx, event, args...)
	}
	return emit, func() { _ = e.Close() }, nil // Close sends what is queued
}
