package main

// NATS: -cluster nats://host:4222 (tls:// for TLS, credentials in the
// URL; ?prefix= the servers' channel prefix), for servers on natsq.Bus;
// with ?jetstream=1 (or ?jetstream=NAME, the servers' stream NAME,
// subjects NAME~log.> and bucket NAME_sessions) for servers on
// natsq.JetStreamBus: the broadcasts go to the log, so a client that
// recovers its session gets them.

import (
	"context"

	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/natsq"
)

func init() {
	register(broker{name: "nats", schemes: []string{"nats", "tls"}, open: openNATS})
}

func openNATS(rawURL string) (emitFunc, func(), error) {
	u, params, err := takeParams(rawURL, "prefix", "jetstream")
	if err != nil {
		return nil, nil, err
	}
	opts, eopts := natsq.Options{Name: "sio-emitter-example"}, queue.EmitterOptions{ChannelPrefix: params["prefix"]}
	var e *natsq.Emitter
	switch js := params["jetstream"]; js {
	case "":
		e, err = natsq.NewEmitter(u.String(), opts, eopts)
	case "1", "true":
		e, err = natsq.NewJetStreamEmitter(u.String(), opts, natsq.JetStreamOptions{}, eopts)
	default:
		jopts := natsq.JetStreamOptions{Stream: js, LogSubject: js + "~log", SessionBucket: js + "_sessions"}
		e, err = natsq.NewJetStreamEmitter(u.String(), opts, jopts, eopts)
	}
	if err != nil {
		return nil, nil, err
	}
	emit := func(ctx context.Context, nsp string, rooms []string, event string, args ...any) error {
		return e.Of(nsp).To(rooms...).Emit(ctx, event, args...)
	}
	return emit, func() { _ = e.Close() }, nil // Close sends what was published
}
