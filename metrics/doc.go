// Package metrics exports a sio server's activity as Prometheus metrics
// (github.com/prometheus/client_golang), observed through core.Observer:
// a server without it pays nothing, and the core does not depend on
// Prometheus.
//
//	m := metrics.New(srv, metrics.Config{})
//	defer m.Close()
//	reg := prometheus.NewRegistry()
//	reg.MustRegister(m)
//	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
//
// The metrics, with the default prefix "sio" (Config.Prefix):
//
//	Engine.IO
//	sio_engineio_sessions{transport}                 gauge: open sessions by transport (polling, websocket)
//	sio_engineio_sessions_opened_total{transport}    sessions opened, by their first transport
//	sio_engineio_sessions_closed_total{reason}       sessions closed, by Engine.IO close reason
//	sio_engineio_upgrades_total                      upgrades from polling to websocket
//	sio_engineio_requests_refused_total{code}        requests refused, by Engine.IO error code (0-5)
//	sio_engineio_packets_received_total              message packets from clients
//	sio_engineio_packets_sent_total                  message packets queued for clients
//	sio_engineio_received_bytes_total                their payload bytes
//	sio_engineio_sent_bytes_total
//	sio_engineio_queue_overflows_total{policy}       messages that found an outbound queue full (close, drop)
//
//	Socket.IO
//	sio_sockets{namespace}                           gauge: connected sockets
//	sio_connects_total{namespace}                    sockets that joined a namespace
//	sio_disconnects_total{namespace,reason}          sockets that left, by disconnect reason
//	sio_connect_refusals_total{reason}               refused namespace connections (unknown namespace, refused)
//	sio_events_received_total{namespace[,event]}     events from clients
//	sio_events_sent_total{namespace[,event]}         events sent, once per recipient
//	sio_broadcast_recipients{namespace}              histogram: local recipients per broadcast
//	sio_acks_pending                                 gauge: acknowledgements the server waits for
//	sio_ack_latency_seconds                          histogram: time to an answered acknowledgement
//	sio_acks_unanswered_total                        waits that ended without an answer (timeout, disconnect)
//
//	Brokers (see Metrics.BrokerHooks: the OnPublishError and OnReconnect options of amqpq, kafkaq, natsq, pgq, redisq)
//	sio_broker_publish_errors_total{broker}          messages a broker bus did not send
//	sio_broker_reconnects_total{broker}              a broker bus's connection back after a loss
//
// Label values are bounded: no socket id, no room, no client-chosen value.
// The namespace label is the namespace's name, or its parent's for the
// children of a dynamic namespace (OfFunc, OfRegexp, Of("*")), so it has
// as many values as the application creates namespaces with Of. Event
// names are labels only when Config.EventNames lists them (every other
// event is counted as "other"); without the list the event metrics have no
// event label. Reasons, transports, codes and policies are the library's
// fixed sets.
//
// The counters are updated on the server's goroutines as the facts happen
// (an atomic add, after a lock-free lookup of the namespace's series);
// nothing is computed at scrape time.
//
// For OpenTelemetry, register the metrics in a registry and read it with
// the Prometheus bridge of opentelemetry-go-contrib
// (go.opentelemetry.io/contrib/bridges/prometheus, NewMetricProducer with
// WithGatherer): this package has no OpenTelemetry meter of its own.
package metrics
