package main

import (
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/twmb/franz-go/pkg/kfake"
)

// clusterPair starts two processes on the cluster URL and checks that they
// count each other (unless countless) and that a message sent on one
// reaches the client of the other.
func clusterPair(t *testing.T, cluster string, countless bool) {
	t.Helper()
	a := startNode(t, "-addr", "127.0.0.1:"+strconv.Itoa(freePort(t)), "-name", "a", "-cluster", cluster)
	b := startNode(t, "-addr", "127.0.0.1:"+strconv.Itoa(freePort(t)), "-name", "b", "-cluster", cluster)
	ca, cb := dial(t, a.url), dial(t, b.url)
	if !countless {
		for deadline := time.Now().Add(10 * time.Second); string(ca.call("servers")[0]) != "2"; {
			if time.Now().After(deadline) {
				t.Fatal("a does not count 2 servers")
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if r := ca.call("message", "hello from a"); len(r) != 1 || !strings.Contains(string(r[0]), `"node":"a"`) {
		t.Fatalf("ack %s", r)
	}
	if got := cb.read(`42["message",`); got != `{"node":"a","text":"hello from a"}]` {
		t.Errorf("b's client got %s", got)
	}
	a.stop(t)
	b.stop(t)
}

// TestAMQPCluster: two processes with the same -cluster amqp:// URL (the
// shared RabbitMQ, an exchange of the test's own) form one cluster, in
// queue's format and in python-socketio's.
func TestAMQPCluster(t *testing.T) {
	base := os.Getenv("SIO_AMQP_URL")
	if base == "" {
		base = "amqp://guest:guest@127.0.0.1:5672/"
	}
	if c, err := net.DialTimeout("tcp", "127.0.0.1:5672", 2*time.Second); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("RabbitMQ is not reachable: %v", err)
		}
		t.Skipf("RabbitMQ is not reachable: %v", err)
	} else {
		_ = c.Close()
	}
	name := "sio-example-test-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	t.Cleanup(func() { // the test's own exchanges, once the processes are gone
		conn, err := amqp.Dial(base)
		if err != nil {
			return
		}
		defer conn.Close()
		for _, ex := range []string{name, name + "-py"} {
			if ch, err := conn.Channel(); err == nil {
				_ = ch.ExchangeDelete(ex, true, false)
				_ = ch.Close()
			}
		}
	})
	t.Run("cluster", func(t *testing.T) { clusterPair(t, base+"?prefix="+name, false) })
	t.Run("python", func(t *testing.T) { clusterPair(t, base+"?format=python&channel="+name+"-py", true) })
}

// TestKafkaCluster: two processes with the same -cluster kafka:// URL (an
// in-process kfake cluster of the test) form one cluster, in every format.
func TestKafkaCluster(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	base := "kafka://" + strings.Join(c.ListenAddrs(), ",")
	for _, format := range []string{"cluster", "log", "python"} {
		t.Run(format, func(t *testing.T) { clusterPair(t, base+"?format="+format, format == "python") })
	}
}
