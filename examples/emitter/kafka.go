package main

// Kafka: -cluster kafka://host:9092 (several brokers separated by commas,
// kafkas:// for TLS, credentials for SASL), in the servers' format, the
// URL's format parameter: cluster (the default: queue's cluster messages,
// channel prefix ?prefix= or "socket.io"), log (the same appended to the
// logs of servers on kafkaq.LogBus, so they are recovered) or python
// (python-socketio's messages on the topic ?channel= or "socketio").

import (
	"fmt"

	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/kafkaq"
	"github.com/socketio-go/sio/queue/pymsg"
)

func init() {
	register(broker{name: "kafka", schemes: []string{"kafka", "kafkas"}, open: openKafka})
}

func openKafka(rawURL string) (emitFunc, func(), error) {
	u, params, err := takeParams(rawURL, "format", "prefix", "channel")
	if err != nil {
		return nil, nil, err
	}
	eopts := queue.EmitterOptions{ChannelPrefix: params["prefix"]}
	switch format := params["format"]; format {
	case "", "cluster", "log":
		newEmitter := kafkaq.NewEmitter
		if format == "log" {
			newEmitter = kafkaq.NewLogEmitter
		}
		e, err := newEmitter(u.String(), kafkaq.Options{}, eopts)
		if err != nil {
			return nil, nil, err
		}
		return clusterEmit(e.Emitter), func() { _ = e.Close() }, nil
	case "python":
		bus, err := kafkaq.New(u.String(), kafkaq.Options{WriteOnly: true})
		if err != nil {
			return nil, nil, err
		}
		return pythonEmit(pymsg.NewEmitter(bus, pymsg.Options{Channel: params["channel"]})), func() { _ = bus.Close() }, nil
	default:
		return nil, nil, fmt.Errorf("kafka cluster: unknown format %q (cluster, log or python)", format)
	}
}
