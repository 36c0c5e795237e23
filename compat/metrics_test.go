package compat

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/metrics"
	"github.com/socketio-go/sio/stdsio"
)

// TestMetrics: package metrics on a live server driven by real
// socket.io-client connections (compat/metrics/scenario.test.mjs, a fixed
// sequence: sessions on both transports and an upgrade, three namespaces,
// two refusals, events with acknowledgements both ways, one unanswered, a
// broadcast, disconnections, bad requests). The metrics are then scraped
// once through promhttp and every value is checked.
func TestMetrics(t *testing.T) {
	node := requireNode(t)
	srv := core.NewServer(core.Options{Logger: browserTestLogger(t)})
	m := metrics.New(srv, metrics.Config{EventNames: []string{"echo", "news"}})
	defer m.Close()
	reg := prometheus.NewRegistry()
	reg.MustRegister(m)

	srv.On("echo", func(s *core.Socket, word string) string { return word })
	srv.On("ask", func(s *core.Socket) (string, error) {
		ctx, cancel := context.WithTimeout(s.Context(), 5*time.Second)
		defer cancel()
		reply, err := s.EmitWithAck(ctx, "question", "2+2?")
		if err != nil {
			return "", err
		}
		var answer string
		return answer, reply.Decode(0, &answer)
	})
	srv.On("ask-silent", func(s *core.Socket) string {
		ctx, cancel := context.WithTimeout(s.Context(), 200*time.Millisecond)
		defer cancel()
		if _, err := s.EmitWithAck(ctx, "question", "anyone?"); err != nil {
			return "timed out"
		}
		return "answered"
	})
	chat := srv.Of("/chat")
	chat.Use(func(s *core.Socket) error {
		var auth struct {
			Token string `json:"token"`
		}
		if _ = s.Handshake().Auth.Decode(0, &auth); auth.Token != "ok" {
			return core.RefuseConnection("unauthorized")
		}
		return nil
	})
	chat.On("shout", func(s *core.Socket, text string) { _ = chat.Emit("news", text) })
	srv.OfRegexp(regexp.MustCompile(`^/room-\d+$`))

	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	ts := httptest.NewServer(stdsio.Middleware(srv)(mux))
	defer ts.Close()
	defer srv.Shutdown(context.Background())

	runNodeTests(t, node, []string{"BASE_URL=" + ts.URL}, "metrics/scenario.test.mjs")
	// The last sessions and sockets close on the server's side after the
	// client's last step: wait until the gauges say so and the five
	// disconnections are counted (a condition, not a timed assertion).
	waitUntil(t, 15*time.Second, "every session and socket closed", func() bool {
		fams, err := reg.Gather()
		if err != nil {
			return false
		}
		open, left := 0.0, 0.0
		for _, mf := range fams {
			for _, metric := range mf.GetMetric() {
				switch mf.GetName() {
				case "sio_engineio_sessions", "sio_sockets", "sio_acks_pending":
					open += metric.GetGauge().GetValue()
				case "sio_disconnects_total":
					left += metric.GetCounter().GetValue()
				}
			}
		}
		return open == 0 && left == 5
	})

	res, err := http.Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q", ct)
	}
	body, _ := io.ReadAll(res.Body)
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("parse the scrape: %v\n%s", err, body)
	}
	// find returns the series of name with exactly labels (name, value
	// pairs), or nil.
	find := func(name string, labels ...string) *dto.Metric {
		mf := families[name]
		if mf == nil {
			return nil
		}
	next:
		for _, metric := range mf.GetMetric() {
			have := map[string]string{}
			for _, lp := range metric.GetLabel() {
				have[lp.GetName()] = lp.GetValue()
			}
			if len(have) != len(labels)/2 {
				continue
			}
			for i := 0; i+1 < len(labels); i += 2 {
				if have[labels[i]] != labels[i+1] {
					continue next
				}
			}
			return metric
		}
		return nil
	}
	// value returns a counter's or a gauge's value, a histogram's count,
	// or -1 when there is no such series.
	value := func(name string, labels ...string) float64 {
		metric := find(name, labels...)
		switch {
		case metric == nil:
			return -1
		case metric.Counter != nil:
			return metric.Counter.GetValue()
		case metric.Gauge != nil:
			return metric.Gauge.GetValue()
		case metric.Histogram != nil:
			return float64(metric.Histogram.GetSampleCount())
		}
		return -1
	}
	// Sessions: a, c, e, f, g over websocket; b and d over polling (b
	// upgraded). Each client has its own Manager, so its own session.
	want := []struct {
		name   string
		labels []string
		value  float64
	}{
		{"sio_engineio_sessions_opened_total", []string{"transport", "websocket"}, 5},
		{"sio_engineio_sessions_opened_total", []string{"transport", "polling"}, 2},
		{"sio_engineio_sessions", []string{"transport", "websocket"}, 0},
		{"sio_engineio_sessions", []string{"transport", "polling"}, 0},
		{"sio_engineio_upgrades_total", nil, 1},
		{"sio_engineio_requests_refused_total", []string{"code", "1"}, 1},
		{"sio_engineio_requests_refused_total", []string{"code", "5"}, 1},
		{"sio_connects_total", []string{"namespace", "/"}, 2},
		{"sio_connects_total", []string{"namespace", "/chat"}, 2},
		{"sio_connects_total", []string{"namespace", "/_1"}, 1}, // /room-7, labelled by its parent
		{"sio_sockets", []string{"namespace", "/"}, 0},
		{"sio_sockets", []string{"namespace", "/chat"}, 0},
		{"sio_disconnects_total", []string{"namespace", "/", "reason", "client namespace disconnect"}, 1},
		{"sio_disconnects_total", []string{"namespace", "/", "reason", "transport close"}, 1},
		{"sio_disconnects_total", []string{"namespace", "/chat", "reason", "client namespace disconnect"}, 2},
		{"sio_disconnects_total", []string{"namespace", "/_1", "reason", "client namespace disconnect"}, 1},
		{"sio_connect_refusals_total", []string{"reason", "refused"}, 1},
		{"sio_connect_refusals_total", []string{"reason", "unknown namespace"}, 1},
		{"sio_events_received_total", []string{"namespace", "/", "event", "echo"}, 3},
		{"sio_events_received_total", []string{"namespace", "/", "event", "other"}, 2},     // ask, ask-silent
		{"sio_events_received_total", []string{"namespace", "/chat", "event", "other"}, 1}, // shout
		{"sio_events_sent_total", []string{"namespace", "/chat", "event", "news"}, 2},
		{"sio_events_sent_total", []string{"namespace", "/", "event", "other"}, 2}, // the questions
		{"sio_broadcast_recipients", []string{"namespace", "/chat"}, 1},
		{"sio_acks_pending", nil, 0},
		{"sio_ack_latency_seconds", nil, 1},
		{"sio_acks_unanswered_total", nil, 1},
	}
	for _, w := range want {
		if got := value(w.name, w.labels...); got != w.value {
			t.Errorf("%s%v = %v, want %v", w.name, w.labels, got, w.value)
		}
	}
	// The one broadcast had 2 recipients: the histogram's sum.
	if h := find("sio_broadcast_recipients", "namespace", "/chat").GetHistogram(); h.GetSampleSum() != 2 {
		t.Errorf("broadcast recipients sum %v, want 2", h.GetSampleSum())
	}
	// Packets: at least the scenario's events and acks each way, and
	// bytes beside them.
	for _, dir := range []string{"received", "sent"} {
		packets, bytes := value("sio_engineio_packets_"+dir+"_total"), value("sio_engineio_"+dir+"_bytes_total")
		if packets < 8 || bytes < packets {
			t.Errorf("%s: %v packets, %v bytes", dir, packets, bytes)
		}
	}
	if t.Failed() {
		t.Logf("the scrape:\n%s", body)
	}
}
