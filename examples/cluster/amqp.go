package main

// RabbitMQ: -cluster amqp://user:password@host:5672/vhost (amqps:// for
// TLS), in the format the URL's format parameter names: cluster (the
// default: queue's cluster messages on a fanout exchange per channel
// prefix, ?prefix= and "socket.io" by default; every operation) or python
// (python-socketio's messages on the exchange ?channel=, "socketio" by
// default, shared with servers on KombuManager or AsyncAioPikaManager).

import (
	"fmt"
	"log/slog"
	"net/url"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/amqpq"
	"github.com/socketio-go/sio/queue/pymsg"
)

func init() {
	register(broker{name: "amqp", schemes: []string{"amqp", "amqps"}, open: openAMQP})
}

func openAMQP(rawURL string, log *slog.Logger) (core.ClientManager, func(), error) {
	u, params, err := takeParams(rawURL, "format", "prefix", "channel")
	if err != nil {
		return nil, nil, err
	}
	bus, err := amqpq.New(u.String(), amqpq.Options{Logger: log})
	if err != nil {
		return nil, nil, err
	}
	format := params["format"]
	var m core.ClientManager
	switch format {
	case "", "cluster":
		m = queue.NewManager(bus, queue.Options{ChannelPrefix: params["prefix"], Logger: log})
	case "python":
		m = pymsg.NewManager(bus, pymsg.Options{Channel: params["channel"], Logger: log})
	default:
		_ = bus.Close()
		return nil, nil, fmt.Errorf("amqp cluster: unknown format %q (cluster or python)", format)
	}
	log.Info("cluster on RabbitMQ", "url", u.Redacted(), "format", format)
	return m, func() { _ = bus.Close() }, nil
}

// takeParams returns rawURL without the query parameters names, and
// their values.
func takeParams(rawURL string, names ...string) (*url.URL, map[string]string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, nil, err
	}
	q := u.Query()
	params := make(map[string]string, len(names))
	for _, n := range names {
		params[n] = q.Get(n)
		q.Del(n)
	}
	u.RawQuery = q.Encode()
	return u, params, nil
}
