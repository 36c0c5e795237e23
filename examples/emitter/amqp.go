package main

// RabbitMQ: -cluster amqp://user:password@host:5672/vhost (amqps:// for
// TLS), in the servers' format, the URL's format parameter: cluster (the
// default: queue's cluster messages, channel prefix ?prefix= or
// "socket.io") or python (python-socketio's messages on the exchange
// ?channel= or "socketio").

import (
	"context"
	"fmt"
	"net/url"

	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/amqpq"
	"github.com/socketio-go/sio/queue/pymsg"
)

func init() {
	register(broker{name: "amqp", schemes: []string{"amqp", "amqps"}, open: openAMQP})
}

func openAMQP(rawURL string) (emitFunc, func(), error) {
	u, params, err := takeParams(rawURL, "format", "prefix", "channel")
	if err != nil {
		return nil, nil, err
	}
	switch format := params["format"]; format {
	case "", "cluster":
		e, err := amqpq.NewEmitter(u.String(), amqpq.Options{}, queue.EmitterOptions{ChannelPrefix: params["prefix"]})
		if err != nil {
			return nil, nil, err
		}
		return clusterEmit(e.Emitter), func() { _ = e.Close() }, nil
	case "python":
		bus, err := amqpq.New(u.String(), amqpq.Options{WriteOnly: true})
		if err != nil {
			return nil, nil, err
		}
		return pythonEmit(pymsg.NewEmitter(bus, pymsg.Options{Channel: params["channel"]})), func() { _ = bus.Close() }, nil
	default:
		return nil, nil, fmt.Errorf("amqp cluster: unknown format %q (cluster or python)", format)
	}
}

// clusterEmit emits through an emitter of queue's cluster messages.
func clusterEmit(e *queue.Emitter) emitFunc {
	return func(ctx context.Context, nsp string, rooms []string, event string, args ...any) error {
		return e.Of(nsp).To(rooms...).Emit(ctx, event, args...)
	}
}

// pythonEmit emits through an emitter of python-socketio's messages.
func pythonEmit(e *pymsg.Emitter) emitFunc {
	return func(ctx context.Context, nsp string, rooms []string, event string, args ...any) error {
		return e.Of(nsp).To(rooms...).Emit(ctx, event, args...)
	}
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
