package main

// PostgreSQL: -cluster postgres://user:password@host:5432/database (any
// connection string pgx takes; ?table=NAME names the attachment table,
// created when missing; ?prefix= the channel prefix, "socket.io" by
// default): the servers on LISTEN/NOTIFY in the layout of Node.js's
// @socket.io/postgres-adapter, whose servers join the same cluster
// (queue/pgq).

import (
	"context"
	"log/slog"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/pgq"
)

func init() {
	register(broker{name: "postgres", schemes: []string{"postgres", "postgresql"}, open: openPostgres})
}

func openPostgres(rawURL string, log *slog.Logger) (core.ClientManager, func(), error) {
	u, params, err := takeParams(rawURL, "prefix", "table")
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	bus, err := pgq.New(ctx, u.String(), pgq.Options{TableName: params["table"], Logger: log})
	if err != nil {
		return nil, nil, err
	}
	log.Info("cluster on PostgreSQL", "url", u.Redacted())
	return pgq.NewManager(bus, queue.Options{ChannelPrefix: params["prefix"], Logger: log}), func() { _ = bus.Close() }, nil
}
