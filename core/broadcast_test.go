package core_test

import (
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/core/parser"
	"github.com/socketio-go/sio/internal/siotest"
)

// countingCodec is the JSON codec counting its Encode calls.
type countingCodec struct {
	parser.Codec
	encodes atomic.Int64
}

func (c *countingCodec) Encode(p parser.Outgoing) (parser.Encoded, error) {
	c.encodes.Add(1)
	return c.Codec.Encode(p)
}

// TestBroadcastEncodesOnce checks that a broadcast encodes its packet once
// and hands the same bytes to every recipient's transport.
func TestBroadcastEncodesOnce(t *testing.T) {
	codec := &countingCodec{Codec: parser.JSON}
	ts := newServer(t, core.Options{Parser: codec})
	const n = 20
	var cs []*siotest.Client
	for range n {
		c := ts.dial(t)
		c.Join(t, "/", nil)
		cs = append(cs, c)
	}
	for _, tt := range []struct {
		name string
		args []any
	}{
		{"text", []any{map[string]any{"text": "hello"}}},
		{"binary", []any{"x", []byte{1, 2, 3}}},
	} {
		before := codec.encodes.Load()
		if err := ts.Emit("news", tt.args...); err != nil {
			t.Fatal(err)
		}
		var first *byte
		for i, c := range cs {
			p := c.ExpectEvent(t, "/", "news")
			// The client end of a pipe receives the very slice the server
			// wrote: with one encoding, every recipient sees the same
			// memory.
			if len(p.Att) > 0 {
				if i == 0 {
					first = &p.Att[0][0]
				} else if &p.Att[0][0] != first {
					t.Errorf("%s: recipient %d got its own copy of the attachment", tt.name, i)
				}
			}
		}
		if got := codec.encodes.Load() - before; got != 1 {
			t.Errorf("%s: %d encodings for %d recipients", tt.name, got, n)
		}
	}
}

// TestBroadcastThousandClients is acceptance test 4 of issue 3: 1,000
// clients on real WebSocket connections, in several rooms and two
// namespaces, receive broadcasts sent concurrently; each gets exactly the
// packets addressed to it, once.
func TestBroadcastThousandClients(t *testing.T) {
	n := 1000
	if testing.Short() {
		n = 100
	}
	// Client i is in rooms m3-(i%3), m5-(i%5), m7-(i%7), and "vip" for
	// i < 50; clients with i%4 == 0 also join /ns2, with the same rooms.
	roomsOf := func(i int) []string {
		r := []string{"m3-" + strconv.Itoa(i%3), "m5-" + strconv.Itoa(i%5), "m7-" + strconv.Itoa(i%7)}
		if i < 50 {
			r = append(r, "vip")
		}
		return r
	}
	inNs2 := func(i int) bool { return i%4 == 0 }

	ts := newServer(t, core.Options{})
	for _, name := range []string{"/", "/ns2"} {
		ts.Of(name).OnConnect(func(s *core.Socket, auth struct{ I int }) {
			s.Join(roomsOf(auth.I)...)
		})
	}

	// Each client records the broadcasts it receives, by number.
	type received struct {
		counts map[string]int // "nsp:k" → times received
		end    chan struct{}
	}
	recs := make([]*received, n)
	sids := make([]string, n)
	sids2 := make([]string, n)
	start := time.Now()
	for i := range n {
		r := &received{counts: make(map[string]int), end: make(chan struct{})}
		recs[i] = r
		c := ts.dialWS(t, func(_ *siotest.Client, p siotest.Packet) bool {
			switch p.EventName() {
			case "b":
				r.counts[p.Nsp+":"+p.ArgsText()]++
				return true
			case "end":
				close(r.end)
				return true
			}
			return false
		})
		sids[i] = c.Join(t, "/", map[string]int{"I": i})
		if inNs2(i) {
			sids2[i] = c.Join(t, "/ns2", map[string]int{"I": i})
		}
	}
	t.Logf("%d clients connected in %v", n, time.Since(start))

	// A broadcast and its audience.
	type spec struct {
		nsp    string
		to     []string
		except []string
		from   int // a client whose socket broadcasts (itself excluded); -1: the server
	}
	sidsOf := func(nsp string, idx ...int) []string {
		var out []string
		for _, i := range idx {
			if nsp == "/" {
				out = append(out, sids[i])
			} else {
				out = append(out, sids2[i])
			}
		}
		return out
	}
	specs := []spec{
		{nsp: "/", from: -1},
		{nsp: "/", to: []string{"m3-0"}, from: -1},
		{nsp: "/", to: []string{"m3-1", "m5-2"}, from: -1},
		{nsp: "/", to: []string{"m7-3"}, except: []string{"m3-0"}, from: -1},
		{nsp: "/", except: []string{"m5-1", "m5-2"}, from: -1},
		{nsp: "/", to: sidsOf("/", 17), from: -1},
		{nsp: "/", to: append([]string{"m5-0"}, sidsOf("/", 1, 2, 3, n-1)...), except: sidsOf("/", 0, 5, 10), from: -1},
		{nsp: "/", to: []string{"vip", "m7-0"}, except: []string{"vip"}, from: -1},
		{nsp: "/", except: sidsOf("/", 4), from: -1},
		{nsp: "/", to: []string{"m3-0"}, from: 42},
		{nsp: "/", from: 7},
		{nsp: "/", to: []string{"vip"}, except: []string{"m3-1", "m7-2"}, from: 3},
		{nsp: "/ns2", from: -1},
		{nsp: "/ns2", to: []string{"m3-2"}, except: []string{"m5-0"}, from: -1},
		{nsp: "/ns2", to: []string{"vip"}, from: 8},
		{nsp: "/", to: []string{"nobody"}, from: -1},
	}
	member := func(i int, nsp string, rooms []string) bool {
		sid := sids[i]
		if nsp == "/ns2" {
			sid = sids2[i]
		}
		for _, r := range rooms {
			if r == sid || slices.Contains(roomsOf(i), r) {
				return true
			}
		}
		return false
	}
	addressed := func(i int, sp spec) bool {
		if sp.nsp == "/ns2" && !inNs2(i) {
			return false
		}
		if i == sp.from {
			return false
		}
		if len(sp.to) > 0 && !member(i, sp.nsp, sp.to) {
			return false
		}
		return !member(i, sp.nsp, sp.except)
	}

	// Send every spec `rounds` times, from several goroutines at once;
	// broadcast number k is spec k%len(specs).
	const rounds, senders = 4, 4
	total := rounds * len(specs)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, total)
	start = time.Now()
	for range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := int(next.Add(1) - 1)
				if k >= total {
					return
				}
				sp := specs[k%len(specs)]
				var op core.BroadcastOperator
				if sp.from >= 0 {
					s := ts.Of(sp.nsp).Socket(sidsOf(sp.nsp, sp.from)[0])
					op = s.Broadcast()
				} else {
					op = ts.Of(sp.nsp).Except()
				}
				if len(sp.to) > 0 {
					op = op.To(sp.to...)
				}
				if len(sp.except) > 0 {
					op = op.Except(sp.except...)
				}
				if err := op.Emit("b", k); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// Each connection delivers in order: "end", sent last, comes after
	// every broadcast that was queued for the client.
	if err := ts.Emit("end"); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(6 * wait) // a loaded machine is slow, not wrong
	for i, r := range recs {
		select {
		case <-r.end:
		case <-deadline:
			t.Fatalf("client %d: no end", i)
		}
	}
	t.Logf("%d broadcasts delivered in %v", total+1, time.Since(start))

	delivered := 0
	for i, r := range recs {
		want := make(map[string]int)
		for k := range total {
			sp := specs[k%len(specs)]
			if addressed(i, sp) {
				want[sp.nsp+":"+siotest.JSONText([]int{k})]++
			}
		}
		for key, got := range r.counts {
			delivered += got
			if want[key] != got {
				t.Errorf("client %d: received %s %d times, want %d", i, key, got, want[key])
			}
		}
		for key := range want {
			if r.counts[key] == 0 {
				t.Errorf("client %d: %s lost", i, key)
			}
		}
	}
	t.Logf("%d packets delivered, each to the right client, once", delivered)
	if delivered == 0 {
		t.Fatal("nothing delivered")
	}
}
