package main

// Kafka: -cluster kafka://host:9092 (several brokers separated by commas,
// kafkas:// for TLS, credentials for SASL), in the format the URL's format
// parameter names: cluster (the default: queue's cluster messages on a
// topic per channel prefix, ?prefix= and "socket.io" by default; every
// operation), log (the same on a kafkaq.LogBus: clients recover their
// sessions on any server) or python (python-socketio's messages on the
// topic ?channel=, "socketio" by default).

import (
	"fmt"
	"log/slog"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/kafkaq"
	"github.com/socketio-go/sio/queue/pymsg"
)

func init() {
	register(broker{name: "kafka", schemes: []string{"kafka", "kafkas"}, open: openKafka})
}

func openKafka(rawURL string, log *slog.Logger) (core.ClientManager, func(), error) {
	u, params, err := takeParams(rawURL, "format", "prefix", "channel")
	if err != nil {
		return nil, nil, err
	}
	format := params["format"]
	opts := kafkaq.Options{Logger: log}
	var bus queue.Bus
	switch format {
	case "log":
		bus, err = kafkaq.NewLogBus(u.String(), opts, kafkaq.LogOptions{})
	case "", "cluster", "python":
		bus, err = kafkaq.New(u.String(), opts)
	default:
		return nil, nil, fmt.Errorf("kafka cluster: unknown format %q (cluster, log or python)", format)
	}
	if err != nil {
		return nil, nil, err
	}
	var m core.ClientManager
	if format == "python" {
		m = pymsg.NewManager(bus, pymsg.Options{Channel: params["channel"], Logger: log})
	} else {
		m = queue.NewManager(bus, queue.Options{ChannelPrefix: params["prefix"], Logger: log})
	}
	log.Info("cluster on Kafka", "url", u.Redacted(), "format", format)
	return m, func() { _ = bus.Close() }, nil
}
