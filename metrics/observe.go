package metrics

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/core/engineio"
)

// nspMetrics are the series of one namespace label, resolved once so the
// hot paths do no label lookup.
type nspMetrics struct {
	label      string
	sockets    prometheus.Gauge
	connects   prometheus.Counter
	eventsIn   prometheus.Counter // nil when events are labelled
	eventsOut  prometheus.Counter
	recipients prometheus.Observer

	byEvent map[string]*eventMetrics // when events are labelled: every listed event and "other"; read-only
}

// nspTable maps namespace labels to their series. It is copied on write
// (a new label: rare, and bounded by the application's namespaces), so
// lookups take no lock and allocate nothing.
type nspTable struct {
	mu sync.Mutex // guards writes of m
	m  atomic.Pointer[map[string]*nspMetrics]
}

// eventMetrics are the event counters of one namespace and event label.
type eventMetrics struct {
	in, out prometheus.Counter
}

// namespaceLabel is the label of nsp: its name, or its parent's.
func namespaceLabel(nsp *core.Namespace) string {
	if p := nsp.Parent(); p != nil {
		return p.Name()
	}
	return nsp.Name()
}

// nsp returns the series of nsp.
func (m *Metrics) nsp(nsp *core.Namespace) *nspMetrics {
	label := namespaceLabel(nsp)
	if t := m.nsps.m.Load(); t != nil {
		if n := (*t)[label]; n != nil {
			return n
		}
	}
	m.nsps.mu.Lock()
	defer m.nsps.mu.Unlock()
	old := m.nsps.m.Load()
	if old != nil && (*old)[label] != nil {
		return (*old)[label]
	}
	n := m.newNsp(label)
	t := make(map[string]*nspMetrics, 1+len(deref(old)))
	for k, v := range deref(old) {
		t[k] = v
	}
	t[label] = n
	m.nsps.m.Store(&t)
	return n
}

func deref(t *map[string]*nspMetrics) map[string]*nspMetrics {
	if t == nil {
		return nil
	}
	return *t
}

// newNsp resolves the series of a namespace label.
func (m *Metrics) newNsp(label string) *nspMetrics {
	n := &nspMetrics{
		label:      label,
		sockets:    m.sockets.WithLabelValues(label),
		connects:   m.connects.WithLabelValues(label),
		recipients: m.recipients.WithLabelValues(label),
	}
	if m.events == nil {
		n.eventsIn = m.eventsIn.WithLabelValues(label)
		n.eventsOut = m.eventsOut.WithLabelValues(label)
		return n
	}
	n.byEvent = make(map[string]*eventMetrics, len(m.events)+1)
	for e := range m.events {
		n.byEvent[e] = &eventMetrics{in: m.eventsIn.WithLabelValues(label, e), out: m.eventsOut.WithLabelValues(label, e)}
	}
	n.byEvent[otherEvent] = &eventMetrics{in: m.eventsIn.WithLabelValues(label, otherEvent), out: m.eventsOut.WithLabelValues(label, otherEvent)}
	return n
}

// otherEvent is the event label of the events Config.EventNames does not
// list.
const otherEvent = "other"

// event returns the counters of event in n (events are labelled).
func (n *nspMetrics) event(event string) *eventMetrics {
	if e := n.byEvent[event]; e != nil {
		return e
	}
	return n.byEvent[otherEvent]
}

// transportGauge returns the sessions gauge of transport.
func (m *Metrics) transportGauge(transport string) prometheus.Gauge {
	switch transport {
	case engineio.TransportPolling:
		return m.polling
	case engineio.TransportWebSocket:
		return m.ws
	}
	return m.sessions.WithLabelValues(transport)
}

// observer returns the observer that updates m.
func (m *Metrics) observer() *core.Observer {
	return &core.Observer{
		Engine: &engineio.Observer{
			SessionOpened: func(_ *engineio.Socket, transport string) {
				m.transportGauge(transport).Inc()
				m.sessionsOpened.WithLabelValues(transport).Inc()
			},
			SessionClosed: func(_ *engineio.Socket, transport string, reason engineio.CloseReason) {
				m.transportGauge(transport).Dec()
				m.sessionsClosed.WithLabelValues(string(reason)).Inc()
			},
			Upgraded: func(*engineio.Socket) {
				m.polling.Dec()
				m.ws.Inc()
				m.upgrades.Inc()
			},
			PacketsIn: func(_ *engineio.Socket, packets, bytes int) {
				m.packetsIn.Add(float64(packets))
				m.bytesIn.Add(float64(bytes))
			},
			PacketsOut: func(_ *engineio.Socket, packets, bytes int) {
				m.packetsOut.Add(float64(packets))
				m.bytesOut.Add(float64(bytes))
			},
			Refused: func(e *engineio.ConnectionError) {
				m.refused.WithLabelValues(strconv.Itoa(e.Code)).Inc()
			},
			QueueFull: func(_ *engineio.Socket, policy engineio.QueueFullPolicy) {
				m.overflows.WithLabelValues(policy.String()).Inc()
			},
		},
		SocketConnected: func(s *core.Socket) {
			n := m.nsp(s.Namespace())
			n.sockets.Inc()
			n.connects.Inc()
		},
		SocketDisconnected: func(s *core.Socket, reason core.DisconnectReason) {
			n := m.nsp(s.Namespace())
			n.sockets.Dec()
			m.disconnects.WithLabelValues(n.label, reason.String()).Inc()
		},
		ConnectRefused: func(_ string, err error) {
			reason := "refused"
			if err == core.ErrUnknownNamespace {
				reason = "unknown namespace"
			}
			m.refusals.WithLabelValues(reason).Inc()
		},
		EventReceived: func(s *core.Socket, event string, _ core.Args) {
			n := m.nsp(s.Namespace())
			if n.eventsIn != nil {
				n.eventsIn.Inc()
			} else {
				n.event(event).in.Inc()
			}
		},
		EventSent: func(s *core.Socket, event string, _ []any) {
			n := m.nsp(s.Namespace())
			if n.eventsOut != nil {
				n.eventsOut.Inc()
			} else {
				n.event(event).out.Inc()
			}
		},
		Broadcast: func(nsp *core.Namespace, _ string, recipients int) {
			m.nsp(nsp).recipients.Observe(float64(recipients))
		},
		AckStarted: func(*core.Socket) { m.acksPending.Inc() },
		AckEnded: func(_ *core.Socket, latency time.Duration, answered bool) {
			m.acksPending.Dec()
			if answered {
				m.ackLatency.Observe(latency.Seconds())
			} else {
				m.acksUnanswered.Inc()
			}
		},
	}
}
