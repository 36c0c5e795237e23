package main

// NATS: -cluster nats://host:4222 (tls://host:4222 for TLS; user:password@
// or token@ in the URL; several servers separated by commas), the servers
// on core NATS subjects (queue/natsq); ?prefix= sets the channel prefix
// ("socket.io" by default). With ?jetstream=1 (or ?jetstream=NAME: the
// stream NAME, its subjects NAME~log.> and the bucket NAME_sessions) the
// broadcasts also go to a JetStream stream and the sessions of
// disconnected sockets to a key-value bucket (natsq.JetStreamBus), what
// connection state recovery on any server needs.

import (
	"log/slog"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/natsq"
)

func init() {
	register(broker{name: "nats", schemes: []string{"nats", "tls"}, open: openNATS})
}

func openNATS(rawURL string, log *slog.Logger) (core.ClientManager, func(), error) {
	u, params, err := takeParams(rawURL, "prefix", "jetstream")
	if err != nil {
		return nil, nil, err
	}
	opts := natsq.Options{Name: "sioserver", Logger: log}
	var bus queue.Bus
	if js := params["jetstream"]; js != "" {
		bus, err = natsq.NewJetStream(u.String(), opts, jetStreamOptions(js))
	} else {
		bus, err = natsq.New(u.String(), opts)
	}
	if err != nil {
		return nil, nil, err
	}
	log.Info("cluster on NATS", "url", u.Redacted(), "jetstream", params["jetstream"] != "")
	return queue.NewManager(bus, queue.Options{ChannelPrefix: params["prefix"], Logger: log}), func() { _ = bus.Close() }, nil
}

// jetStreamOptions returns the JetStream options of the jetstream
// parameter's value: natsq's defaults for 1 or true.
func jetStreamOptions(name string) natsq.JetStreamOptions {
	if name == "1" || name == "true" {
		return natsq.JetStreamOptions{}
	}
	return natsq.JetStreamOptions{Stream: name, LogSubject: name + "~log", SessionBucket: name + "_sessions"}
}
