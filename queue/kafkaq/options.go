package kafkaq

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// Defaults applied to zero Options fields.
const (
	DefaultMaxInFlight     = 4096
	DefaultDeliveryTimeout = 5 * time.Second
	DefaultSubscriptionCap = 4096
)

// Acks is how many replicas must store a record before the broker answers
// a produce request.
type Acks int

const (
	// AcksAll waits for every in-sync replica, with idempotent writes (the
	// broker drops the duplicates of retried produce requests): the zero
	// value, and Kafka's default.
	AcksAll Acks = iota
	// AcksLeader waits for the partition leader only; idempotence is off
	// (it needs AcksAll).
	AcksLeader
	// AcksNone does not wait for the broker; idempotence is off.
	AcksNone
)

// Options configures a Bus. The zero value of every field means the
// documented default.
type Options struct {
	// TLS configures the connections of kafkas:// URLs (and of kafka://
	// ones when set). Nil with kafkas://: the system's roots.
	TLS *tls.Config
	// SASL authenticates the connections. Nil: the URL's credentials,
	// if any, with the URL's sasl mechanism (see the package
	// documentation).
	SASL sasl.Mechanism
	// Group, when set, consumes with this consumer group instead of
	// reading every partition directly. It must be unique to the node
	// (each node needs every message): a stable name per node lets a
	// restarted node resume at its committed offsets. Zero: no group, as
	// python-socketio's KafkaManager.
	Group string
	// Partitions is the partition count of a missing topic the bus
	// creates. Zero: the broker's default.
	Partitions int32
	// ReplicationFactor is the replication factor of a missing topic the
	// bus creates. Zero: the broker's default.
	ReplicationFactor int16
	// Acks is the producer's acknowledgement level. Zero: AcksAll, with
	// idempotent writes.
	Acks Acks
	// MaxInFlight bounds the published records not yet acknowledged by
	// the broker (buffered while it is unreachable). A Publish beyond it
	// is dropped (ErrInFlight, and a log line at most every second).
	// Zero: 4096.
	MaxInFlight int
	// DeliveryTimeout bounds how long a record may wait for the broker
	// before it is given up and logged, when franz-go can do so safely
	// (with idempotent writes, a record already sent waits for the
	// broker's answer). Zero: 5s; at least 1s.
	DeliveryTimeout time.Duration
	// SubscriptionQueue bounds each subscription's queue of messages
	// waiting for its callback; a message arriving while it is full is
	// dropped for that subscription and logged. Zero: 4096.
	SubscriptionQueue int
	// WriteOnly consumes nothing: a bus for an emitter. Subscribe then
	// fails with ErrWriteOnly.
	WriteOnly bool
	// ClientOptions are passed to every franz-go client the bus creates,
	// after the bus's own.
	ClientOptions []kgo.Opt
	// OnPublishError, when set, is called with the error of each Publish
	// or Append that did not send its message, on the publishing
	// goroutine, and with the error of each record given up (not
	// acknowledged within DeliveryTimeout, or refused), on franz-go's
	// callback goroutine: metrics.BrokerHooks gives one.
	OnPublishError func(error)
	// OnReconnect, when set, is called each time the bus reaches a broker
	// again after failing to (on franz-go's connecting goroutine;
	// metrics.BrokerHooks gives one).
	OnReconnect func()
	// Logger receives the bus's log lines. Nil: slog.Default().
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = DefaultMaxInFlight
	}
	if o.DeliveryTimeout <= 0 {
		o.DeliveryTimeout = DefaultDeliveryTimeout
	}
	o.DeliveryTimeout = max(o.DeliveryTimeout, time.Second) // franz-go's minimum
	if o.SubscriptionQueue <= 0 {
		o.SubscriptionQueue = DefaultSubscriptionCap
	}
	if o.Partitions <= 0 {
		o.Partitions = -1
	}
	if o.ReplicationFactor <= 0 {
		o.ReplicationFactor = -1
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// ErrURL is wrapped by the errors of New for a URL it cannot use.
var ErrURL = errors.New("sio/kafkaq: invalid URL")

// clientOptions returns the franz-go options for rawURL.
func (o Options) clientOptions(rawURL string) ([]kgo.Opt, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrURL, err)
	}
	useTLS := false
	switch u.Scheme {
	case "kafka":
	case "kafkas", "kafka+ssl":
		useTLS = true
	default:
		return nil, fmt.Errorf("%w: scheme %q (want kafka or kafkas)", ErrURL, u.Scheme)
	}
	q := u.Query()
	if v := q.Get("tls"); v == "true" || v == "1" {
		useTLS = true
	}
	var seeds []string
	for _, h := range strings.Split(u.Host, ",") {
		if h = strings.TrimSpace(h); h != "" {
			if !strings.Contains(h, ":") {
				h += ":9092"
			}
			seeds = append(seeds, h)
		}
	}
	if len(seeds) == 0 {
		return nil, fmt.Errorf("%w: no broker address", ErrURL)
	}
	opts := []kgo.Opt{kgo.SeedBrokers(seeds...)}
	if useTLS || o.TLS != nil {
		cfg := o.TLS
		if cfg == nil {
			cfg = &tls.Config{}
		}
		opts = append(opts, kgo.DialTLSConfig(cfg))
	}
	mech := o.SASL
	if mech == nil && u.User != nil {
		user := u.User.Username()
		pass, _ := u.User.Password()
		switch m := strings.ToLower(q.Get("sasl")); m {
		case "", "plain":
			mech = plain.Auth{User: user, Pass: pass}.AsMechanism()
		case "scram-sha-256":
			mech = scram.Auth{User: user, Pass: pass}.AsSha256Mechanism()
		case "scram-sha-512":
			mech = scram.Auth{User: user, Pass: pass}.AsSha512Mechanism()
		default:
			return nil, fmt.Errorf("%w: sasl mechanism %q (want plain, scram-sha-256 or scram-sha-512)", ErrURL, m)
		}
	}
	if mech != nil {
		opts = append(opts, kgo.SASL(mech))
	}
	return opts, nil
}

// redact removes the password from a URL for the logs.
func redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
