package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/core/engineio"
)

// DefaultPrefix is the prefix of the metric names when Config.Prefix is
// empty.
const DefaultPrefix = "sio"

// Default histogram buckets.
var (
	// DefaultAckLatencyBuckets are the buckets of sio_ack_latency_seconds:
	// 1 ms to 10 s.
	DefaultAckLatencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
	// DefaultRecipientBuckets are the buckets of sio_broadcast_recipients:
	// 0 to 100,000 recipients.
	DefaultRecipientBuckets = []float64{0, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 100000}
)

// Config configures the metrics. The zero value is the default.
type Config struct {
	// Prefix starts every metric name. Empty: "sio".
	Prefix string
	// ConstLabels are added to every metric (for instance the server's
	// name in a cluster). Nil: none.
	ConstLabels prometheus.Labels
	// EventNames lists the events counted under their own name in the
	// event metrics' "event" label; every other event is counted as
	// "other". Nil: the event metrics have no event label. Event names
	// come from clients: list only names the application handles, so the
	// label stays bounded.
	EventNames []string
	// AckLatencyBuckets are the buckets of sio_ack_latency_seconds. Nil:
	// DefaultAckLatencyBuckets.
	AckLatencyBuckets []float64
	// RecipientBuckets are the buckets of sio_broadcast_recipients. Nil:
	// DefaultRecipientBuckets.
	RecipientBuckets []float64
}

// Metrics observes one server and is a prometheus.Collector of its
// metrics: register it with a prometheus.Registerer. Its methods are safe
// for concurrent use.
type Metrics struct {
	remove func() // the observer's removal
	events map[string]struct{}

	// Engine.IO.
	sessions       *prometheus.GaugeVec
	polling, ws    prometheus.Gauge // sessions' children for the two transports
	sessionsOpened *prometheus.CounterVec
	sessionsClosed *prometheus.CounterVec
	upgrades       prometheus.Counter
	refused        *prometheus.CounterVec
	packetsIn      prometheus.Counter
	packetsOut     prometheus.Counter
	bytesIn        prometheus.Counter
	bytesOut       prometheus.Counter
	overflows      *prometheus.CounterVec

	// Socket.IO.
	sockets        *prometheus.GaugeVec
	connects       *prometheus.CounterVec
	disconnects    *prometheus.CounterVec
	refusals       *prometheus.CounterVec
	eventsIn       *prometheus.CounterVec
	eventsOut      *prometheus.CounterVec
	recipients     *prometheus.HistogramVec
	acksPending    prometheus.Gauge
	ackLatency     prometheus.Histogram
	acksUnanswered prometheus.Counter

	// Brokers.
	publishErrors *prometheus.CounterVec
	reconnects    *prometheus.CounterVec

	nsps nspTable

	collectors []prometheus.Collector
}

// New returns the metrics of srv, observing it from now on (install them
// before serving to count every session), until Close.
func New(srv *core.Server, cfg Config) *Metrics {
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultPrefix
	}
	if cfg.AckLatencyBuckets == nil {
		cfg.AckLatencyBuckets = DefaultAckLatencyBuckets
	}
	if cfg.RecipientBuckets == nil {
		cfg.RecipientBuckets = DefaultRecipientBuckets
	}
	m := &Metrics{}
	if cfg.EventNames != nil {
		m.events = make(map[string]struct{}, len(cfg.EventNames))
		for _, e := range cfg.EventNames {
			m.events[e] = struct{}{}
		}
	}
	f := factory{cfg: cfg, m: m}
	m.sessions = f.gaugeVec("engineio", "sessions", "Open Engine.IO sessions, by transport.", "transport")
	m.polling = m.sessions.WithLabelValues(engineio.TransportPolling)
	m.ws = m.sessions.WithLabelValues(engineio.TransportWebSocket)
	m.sessionsOpened = f.counterVec("engineio", "sessions_opened_total", "Engine.IO sessions opened, by their first transport.", "transport")
	m.sessionsClosed = f.counterVec("engineio", "sessions_closed_total", "Engine.IO sessions closed, by close reason.", "reason")
	m.upgrades = f.counter("engineio", "upgrades_total", "Engine.IO sessions upgraded from polling to websocket.")
	m.refused = f.counterVec("engineio", "requests_refused_total", "Engine.IO requests refused, by error code (0 unknown transport, 1 unknown session id, 2 bad handshake method, 3 bad request, 4 forbidden, 5 unsupported protocol version).", "code")
	m.packetsIn = f.counter("engineio", "packets_received_total", "Engine.IO message packets received from clients.")
	m.packetsOut = f.counter("engineio", "packets_sent_total", "Engine.IO message packets queued for clients.")
	m.bytesIn = f.counter("engineio", "received_bytes_total", "Payload bytes of the message packets received from clients.")
	m.bytesOut = f.counter("engineio", "sent_bytes_total", "Payload bytes of the message packets queued for clients.")
	m.overflows = f.counterVec("engineio", "queue_overflows_total", "Messages that found a session's outbound queue full, by the policy applied.", "policy")

	eventLabels := []string{"namespace"}
	if m.events != nil {
		eventLabels = append(eventLabels, "event")
	}
	m.sockets = f.gaugeVec("", "sockets", "Connected Socket.IO sockets, by namespace.", "namespace")
	m.connects = f.counterVec("", "connects_total", "Sockets that joined a namespace.", "namespace")
	m.disconnects = f.counterVec("", "disconnects_total", "Sockets that left a namespace, by disconnect reason.", "namespace", "reason")
	m.refusals = f.counterVec("", "connect_refusals_total", "Namespace connections refused: the namespace does not exist (unknown namespace) or a middleware or connect handler refused (refused).", "reason")
	m.eventsIn = f.counterVec("", "events_received_total", "Events received from clients.", eventLabels...)
	m.eventsOut = f.counterVec("", "events_sent_total", "Events sent to sockets, once per recipient.", eventLabels...)
	m.recipients = f.histogramVec("", "broadcast_recipients", "Local recipients of each broadcast.", cfg.RecipientBuckets, "namespace")
	m.acksPending = f.gauge("", "acks_pending", "Acknowledgements the server is waiting for.")
	m.ackLatency = f.histogram("", "ack_latency_seconds", "Time from an emit with an acknowledgement to the client's answer.", cfg.AckLatencyBuckets)
	m.acksUnanswered = f.counter("", "acks_unanswered_total", "Acknowledgement waits that ended without an answer (timeout, abandoned, disconnected).")

	m.publishErrors = f.counterVec("broker", "publish_errors_total", "Messages a broker bus failed to publish, by broker.", "broker")
	m.reconnects = f.counterVec("broker", "reconnects_total", "Reconnections of a broker bus, by broker.", "broker")

	m.remove = srv.Observe(m.observer())
	return m
}

// Close stops observing the server. The metrics keep their values.
func (m *Metrics) Close() { m.remove() }

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range m.collectors {
		c.Describe(ch)
	}
}

// Collect implements prometheus.Collector.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	for _, c := range m.collectors {
		c.Collect(ch)
	}
}

// BrokerHooks returns the functions a broker bus calls when a publish
// fails and when it reconnects; they count in
// sio_broker_publish_errors_total and sio_broker_reconnects_total under
// the label broker (a fixed name such as "redis"). Wire them to the bus's
// hooks, the OnPublishError and OnReconnect fields of the options of
// amqpq, kafkaq, natsq, pgq and redisq (Options, BusOptions,
// ShardedOptions, StreamsOptions):
//
//	publishError, reconnect := m.BrokerHooks("nats")
//	bus, err := natsq.New(url, natsq.Options{OnPublishError: publishError, OnReconnect: reconnect})
func (m *Metrics) BrokerHooks(broker string) (publishError func(error), reconnect func()) {
	pe, rc := m.publishErrors.WithLabelValues(broker), m.reconnects.WithLabelValues(broker)
	return func(error) { pe.Inc() }, rc.Inc
}

// factory makes the collectors with the configured names and labels.
type factory struct {
	cfg Config
	m   *Metrics
}

func (f factory) opts(sub, name, help string) prometheus.Opts {
	return prometheus.Opts{Namespace: f.cfg.Prefix, Subsystem: sub, Name: name, Help: help, ConstLabels: f.cfg.ConstLabels}
}

func (f factory) add(c prometheus.Collector) { f.m.collectors = append(f.m.collectors, c) }

func (f factory) counter(sub, name, help string) prometheus.Counter {
	c := prometheus.NewCounter(prometheus.CounterOpts(f.opts(sub, name, help)))
	f.add(c)
	return c
}

func (f factory) counterVec(sub, name, help string, labels ...string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts(f.opts(sub, name, help)), labels)
	f.add(c)
	return c
}

func (f factory) gauge(sub, name, help string) prometheus.Gauge {
	g := prometheus.NewGauge(prometheus.GaugeOpts(f.opts(sub, name, help)))
	f.add(g)
	return g
}

func (f factory) gaugeVec(sub, name, help string, labels ...string) *prometheus.GaugeVec {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts(f.opts(sub, name, help)), labels)
	f.add(g)
	return g
}

func (f factory) histogramOpts(sub, name, help string, buckets []float64) prometheus.HistogramOpts {
	o := f.opts(sub, name, help)
	return prometheus.HistogramOpts{Namespace: o.Namespace, Subsystem: o.Subsystem, Name: o.Name, Help: o.Help, ConstLabels: o.ConstLabels, Buckets: buckets}
}

func (f factory) histogram(sub, name, help string, buckets []float64) prometheus.Histogram {
	h := prometheus.NewHistogram(f.histogramOpts(sub, name, help, buckets))
	f.add(h)
	return h
}

func (f factory) histogramVec(sub, name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
	h := prometheus.NewHistogramVec(f.histogramOpts(sub, name, help, buckets), labels)
	f.add(h)
	return h
}
