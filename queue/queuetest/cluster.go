package queuetest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/internal/siotest"
)

// RunCluster runs every cluster operation across servers whose managers
// come from newCluster: each subtest calls it once, for one new cluster,
// and calls the function it returns once per server (three, or two), each
// call returning the manager of one more server of that cluster. Managers
// of different calls of newCluster must not see each other (a shared
// broker needs a channel prefix unique to each call). Resources newCluster
// registers with t.Cleanup are released after the servers have shut down.
//
// A cluster must count its servers (ServerCount) within Wait of their
// start, and again within Wait of one leaving.
func RunCluster(t *testing.T, newCluster func(t *testing.T) func() core.ClientManager) {
	run := func(name string, n int, test func(t *testing.T, c *cluster)) {
		t.Run(name, func(t *testing.T) {
			test(t, startCluster(t, newCluster, n))
		})
	}
	run("Broadcast", 3, testBroadcast)
	run("BroadcastWithAck", 3, testBroadcastWithAck)
	run("FetchSockets", 3, testFetchSockets)
	run("RemoteSocket", 2, testRemoteSocket)
	run("SocketsJoinLeave", 3, testSocketsJoinLeave)
	run("DisconnectSockets", 3, testDisconnectSockets)
	run("ServerSideEmit", 3, testServerSideEmit)
	run("ServerLeaves", 3, testServerLeaves)
}

// cluster is the servers of one RunCluster subtest.
type cluster struct {
	t     *testing.T
	nodes []*node
}

// node is one server, served by stdsio on httptest.
type node struct {
	*siotest.Host
	index int
}

// The namespaces the suites use besides "/".
const chat = "/chat"

func startCluster(t *testing.T, newCluster func(t *testing.T) func() core.ClientManager, n int) *cluster {
	t.Helper()
	newManager := newCluster(t)
	if newManager == nil {
		t.Fatal("newCluster returned nil")
	}
	c := &cluster{t: t}
	t.Cleanup(func() {
		for _, nd := range c.nodes {
			nd.Shutdown(t)
		}
	})
	for i := range n {
		m := newManager()
		if m == nil {
			t.Fatal("the manager function returned nil")
		}
		srv := core.NewServer(core.Options{ClientManager: m, AckTimeout: Wait})
		nd := &node{Host: siotest.Serve(srv), index: i}
		for _, nsp := range []string{"/", chat} {
			srv.Of(nsp).On("join", func(s *core.Socket, room string) { s.Join(room) })
			srv.Of(nsp).On("leave", func(s *core.Socket, room string) { s.Leave(room) })
			srv.Of(nsp).On("data", func(s *core.Socket, v any) { s.SetData(v) })
		}
		c.nodes = append(c.nodes, nd)
	}
	c.waitCount(n)
	return c
}

// waitCount waits until every live server counts n servers.
func (c *cluster) waitCount(n int) {
	c.t.Helper()
	for _, nd := range c.nodes {
		if nd.IsDown() {
			continue
		}
		nsp := []string{"/", chat}
		for _, name := range nsp {
			waitFor(c.t, fmt.Sprintf("server %d to count %d servers on %s", nd.index, n, name), func() bool {
				return nd.Of(name).ServerCount(context.Background()) == n
			})
		}
	}
}

// waitFor polls cond until it holds or Wait passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(Wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", Wait, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// replyTexts returns each reply's arguments as JSON, sorted.
func replyTexts(t *testing.T, replies []core.Args) []string {
	t.Helper()
	out := make([]string, 0, len(replies))
	for _, r := range replies {
		vals, err := r.Values()
		if err != nil {
			t.Fatalf("reply: %v", err)
		}
		b, err := json.Marshal(vals)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	slices.Sort(out)
	return out
}

// nextEventName returns the name of the next event the client receives on
// nsp.
func nextEventName(t *testing.T, cl *siotest.Client, nsp string) string {
	t.Helper()
	name, _ := cl.NextEvent(t, nsp).Event()
	return name
}

// expectDelivery checks that the event what, just broadcast from the
// server from, reaches the clients reached accepts and not the others:
// the reached ones wait for it; then a broadcast to everyone from the
// same server (on the namespace's channel) must be the first event of the
// others. A cluster orders the messages of one server on one channel, not
// across channels (a room may have its own) nor across servers, so an
// event that wrongly reaches a client after the sync shows in the next
// check of that client.
func expectDelivery(t *testing.T, what string, from *node, clients []*siotest.Client, reached func(i int) bool) {
	t.Helper()
	for i, cl := range clients {
		if reached(i) {
			cl.ExpectEvent(t, "/", what)
		}
	}
	if err := from.Emit("sync"); err != nil {
		t.Fatal(err)
	}
	for i, cl := range clients {
		if reached(i) {
			cl.ExpectEvent(t, "/", "sync")
		} else if got := nextEventName(t, cl, "/"); got != "sync" {
			t.Errorf("%s: client %d got %q", what, i, got)
		}
	}
}

// expectNext checks, for each client, that the next event on nsp is
// want[i].
func expectNext(t *testing.T, what, nsp string, clients []*siotest.Client, want []string) {
	t.Helper()
	for i, cl := range clients {
		if got := nextEventName(t, cl, nsp); got != want[i] {
			t.Errorf("%s: client %d got %q first, want %q", what, i, got, want[i])
		}
	}
}

func ctxWait(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), Wait)
	t.Cleanup(cancel)
	return ctx
}
