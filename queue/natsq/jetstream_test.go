package natsq

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/internal/siotest"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/internal/bustest"
	"github.com/socketio-go/sio/queue/internal/faulttest"
	"github.com/socketio-go/sio/queue/queuetest"
)

// testJetStream returns JetStream options naming a stream, log subject
// and bucket unique to this test, which are deleted when it ends (only
// they: the shared server's other streams are not touched).
func testJetStream(t testing.TB, url string) JetStreamOptions {
	t.Helper()
	id := strings.ReplaceAll(testPrefix(t), "-", "_")
	if len(id) > 60 {
		id = id[len(id)-60:]
	}
	o := JetStreamOptions{Stream: "S" + id, LogSubject: "L" + id, SessionBucket: "B" + id, Memory: true}
	t.Cleanup(func() {
		nc, err := nats.Connect(url)
		if err != nil {
			return // a test's own server, gone
		}
		defer nc.Close()
		js, err := jetstream.New(nc)
		if err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = js.DeleteStream(ctx, o.Stream)
		_ = js.DeleteKeyValue(ctx, o.SessionBucket)
	})
	return o
}

func newJetStreamBus(t testing.TB, url string, opts Options, jopts JetStreamOptions) *JetStreamBus {
	t.Helper()
	b, err := NewJetStream(url, opts, jopts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// TestJetStreamConformance runs the Bus contract, every cluster operation
// and recovery across servers on JetStreamBuses of the shared server.
func TestJetStreamConformance(t *testing.T) {
	url := natsURL(t)
	t.Run("Bus", func(t *testing.T) {
		queuetest.RunBus(t, func(t *testing.T) queue.Bus {
			b, err := NewJetStream(url, Options{}, testJetStream(t, url))
			if err != nil {
				t.Fatal(err)
			}
			return b
		})
	})
	cluster := func(t *testing.T) func() core.ClientManager {
		prefix, jopts := testPrefix(t), testJetStream(t, url)
		return func() core.ClientManager {
			return queue.NewManager(newJetStreamBus(t, url, Options{}, jopts), queue.Options{ChannelPrefix: prefix})
		}
	}
	t.Run("Cluster", func(t *testing.T) { queuetest.RunCluster(t, cluster) })
	t.Run("Recovery", func(t *testing.T) { queuetest.RunRecovery(t, cluster) })
}

// TestLog checks Append, SubscribeLog and ReadLog: offsets are the stream
// sequence numbers, each channel has its own log, ReadLog reads after an
// offset up to the end and refuses offsets that are not entries of the
// channel's log.
func TestLog(t *testing.T) {
	url := natsURL(t)
	b := newJetStreamBus(t, url, Options{}, testJetStream(t, url))
	ctx, cancel := context.WithTimeout(context.Background(), siotest.Wait)
	defer cancel()
	p := testPrefix(t)
	chA, chB := p+"#/a#", p+"#/b#"
	type entry struct{ off, msg string }
	got := make(chan entry, 100)
	unsub, err := b.SubscribeLog(ctx, chA, func(off string, msg []byte) { got <- entry{off, string(msg)} })
	if err != nil {
		t.Fatal(err)
	}
	defer unsub()
	var offs []string
	for i := range 5 {
		off, err := b.Append(ctx, chA, fmt.Appendf(nil, "a%d", i))
		if err != nil {
			t.Fatal(err)
		}
		offs = append(offs, off)
		if _, err := b.Append(ctx, chB, []byte("b")); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 5 {
		select {
		case e := <-got:
			if e.off != offs[i] || e.msg != fmt.Sprintf("a%d", i) {
				t.Errorf("entry %d: %v, want %s a%d", i, e, offs[i], i)
			}
		case <-ctx.Done():
			t.Fatalf("%d entries delivered", i)
		}
	}
	read := func(off string, stop int) ([]string, error) {
		var out []string
		err := b.ReadLog(ctx, chA, off, func(o string, msg []byte) bool {
			out = append(out, o+"="+string(msg))
			return len(out) != stop
		})
		return out, err
	}
	if r, err := read(offs[1], 0); err != nil || strings.Join(r, " ") != fmt.Sprintf("%s=a2 %s=a3 %s=a4", offs[2], offs[3], offs[4]) {
		t.Errorf("ReadLog after %s: %v, %v", offs[1], r, err)
	}
	if r, err := read(offs[0], 2); err != nil || len(r) != 2 {
		t.Errorf("ReadLog stopped after 2: %v, %v", r, err)
	}
	if r, err := read(offs[4], 0); err != nil || len(r) != 0 {
		t.Errorf("ReadLog after the last entry: %v, %v", r, err)
	}
	seq, _ := strconv.ParseUint(offs[4], 10, 64)
	for _, bad := range []string{"", "x", "0", strconv.FormatUint(seq+1, 10), strconv.FormatUint(seq-1, 10) /* an entry of chB */} {
		if _, err := read(bad, 0); !errors.Is(err, queue.ErrUnknownOffset) {
			t.Errorf("ReadLog(%q): %v, want ErrUnknownOffset", bad, err)
		}
	}
}

// TestSessions: a session is taken once, not after its ttl, and the
// private ids of any bytes are keys.
func TestSessions(t *testing.T) {
	url := natsURL(t)
	b := newJetStreamBus(t, url, Options{}, testJetStream(t, url))
	ctx, cancel := context.WithTimeout(context.Background(), siotest.Wait)
	defer cancel()
	for _, pid := range []string{"abcDEF-_123", "a/b c.d*>", "", "xyz"} {
		if err := b.SaveSession(ctx, pid, []byte("state of "+pid), time.Minute); err != nil {
			t.Fatal(err)
		}
		s, err := b.TakeSession(ctx, pid)
		if err != nil || string(s) != "state of "+pid {
			t.Errorf("TakeSession(%q) = %q, %v", pid, s, err)
		}
		if s, err := b.TakeSession(ctx, pid); !errors.Is(err, queue.ErrNoSession) {
			t.Errorf("second TakeSession(%q) = %q, %v", pid, s, err)
		}
	}
	if err := b.SaveSession(ctx, "short", []byte("s"), time.Millisecond); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond) // past the ttl under test
	if s, err := b.TakeSession(ctx, "short"); !errors.Is(err, queue.ErrNoSession) {
		t.Errorf("an expired session: %q, %v", s, err)
	}
	if s, err := b.TakeSession(ctx, "never"); !errors.Is(err, queue.ErrNoSession) {
		t.Errorf("an unknown session: %q, %v", s, err)
	}
}

// TestRecoveryAcrossRestart: the stream and the session bucket on file
// outlive a restart of the NATS server: a client that lost its connection
// before the restart recovers its session, with the broadcasts it missed
// before and after the restart, on the other server.
func TestRecoveryAcrossRestart(t *testing.T) {
	srv := startNATSServer(t)
	jopts := testJetStream(t, srv.URL())
	jopts.Memory = false
	prefix := testPrefix(t)
	var buses []*JetStreamBus
	var nodes []*siotest.Host
	for range 2 {
		b := newJetStreamBus(t, srv.URL(), Options{}, jopts)
		buses = append(buses, b)
		s := core.NewServer(core.Options{ClientManager: queue.NewManager(b, queue.Options{ChannelPrefix: prefix}), Recovery: &core.RecoveryOptions{}})
		h := siotest.Serve(s)
		defer h.Shutdown(t)
		nodes = append(nodes, h)
	}
	a, b := nodes[0], nodes[1]
	bustest.WaitFor(t, "two servers", siotest.Wait, func() bool { return a.ServerCount(context.Background()) == 2 })
	cl := a.Dial(t, "")
	cl.Send(siotest.EncodePacket('0', "/", -1, nil))
	p := cl.Expect(t, "connect", func(p siotest.Packet) bool { return p.Type == '0' })
	var s struct{ SID, PID string }
	if err := json.Unmarshal([]byte(p.Data), &s); err != nil || s.PID == "" {
		t.Fatalf("connect: %v", p)
	}
	if err := b.Emit("first"); err != nil {
		t.Fatal(err)
	}
	_, args := cl.ExpectEvent(t, "/", "first").Event()
	var offset string
	if len(args) != 1 || json.Unmarshal(args[0], &offset) != nil {
		t.Fatalf("first: %v", args)
	}
	cl.Close()
	bustest.WaitFor(t, "the socket to leave", siotest.Wait, func() bool { return a.Of("/").Socket(s.SID) == nil })
	if err := b.Emit("before", 1); err != nil {
		t.Fatal(err)
	}
	srv.restart()
	bustest.WaitFor(t, "the reconnections", faulttest.Reconnect, func() bool { return buses[0].Connected() && buses[1].Connected() })
	// Appends fail until the stream is available again: b broadcasts
	// until one is in the log (its client gets it with an offset; the
	// others reach b's clients only).
	watcher, _ := b.Connect(t, "/", "", nil)
	bustest.WaitFor(t, "a broadcast logged after the restart", siotest.Wait, func() bool {
		_ = b.Emit("after", 2)
		_, args := watcher.ExpectEvent(t, "/", "after").Event()
		return len(args) == 2
	})
	cl = b.Dial(t, "")
	cl.Send(siotest.EncodePacket('0', "/", -1, map[string]string{"pid": s.PID, "offset": offset}))
	p = cl.Expect(t, "connect", func(p siotest.Packet) bool { return p.Type == '0' || p.Type == '4' })
	var got struct{ SID string }
	if json.Unmarshal([]byte(p.Data), &got) != nil || got.SID != s.SID {
		t.Fatalf("after the restart: %v, want the recovered sid %s", p, s.SID)
	}
	if name, args := cl.NextEvent(t, "/").Event(); name != "before" || len(args) != 2 {
		t.Errorf("first missed packet: %s %s", name, args)
	}
	if name, _ := cl.NextEvent(t, "/").Event(); name != "after" {
		t.Errorf("then %s, want after", name)
	}
}
