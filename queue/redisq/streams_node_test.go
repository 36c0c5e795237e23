package redisq

import (
	"strings"
	"testing"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/internal/tooltest"
	"github.com/socketio-go/sio/queue/internal/controltest"
)

// TestNodeStreamsInterop runs compat/redis/streams.test.mjs: a mixed
// cluster of two sio servers (here) and one Node.js server on
// @socket.io/redis-streams-adapter 0.3, every operation from each server
// checked on the clients of all three, then sio's streams emitter.
func TestNodeStreamsInterop(t *testing.T) {
	node := tooltest.RequireNode(t, nodePeers, nodeMarker)
	client := requireRedis(t)
	opts := streamsOptions(t, client)
	var urls []string
	for i, name := range []string{"go1", "go2"} {
		var em controltest.EmitterFunc
		if i == 0 {
			em = controltest.QueueEmitter(NewStreamsEmitter(client, opts))
		}
		urls = append(urls, controltest.Start(t, name, core.Options{ClientManager: NewStreamsManager(client, opts)}, em).HTTP.URL)
	}
	tooltest.RunNode(t, node, tooltest.NodeRun{Dir: nodePeers, Files: []string{"streams.test.mjs"}, Concurrency: 1,
		Env: []string{"SIO_REDIS_URL=" + redisURL(), "SIO_KEY=" + opts.StreamName, "SIO_GO_URLS=" + strings.Join(urls, ",")}})
}

// TestNodeStreamsRecovery runs compat/redis/streams-recovery.test.mjs: a
// socket.io-client connected to a sio server loses its connection, misses
// broadcasts, reconnects to the Node.js server and gets them (the Node.js
// server restores the session the sio server saved), then the same from
// the Node.js server onto the other sio server.
func TestNodeStreamsRecovery(t *testing.T) {
	node := tooltest.RequireNode(t, nodePeers, nodeMarker)
	client := requireRedis(t)
	opts := streamsOptions(t, client)
	var urls []string
	for _, name := range []string{"go1", "go2"} {
		urls = append(urls, controltest.Start(t, name, core.Options{ClientManager: NewStreamsManager(client, opts), Recovery: &core.RecoveryOptions{}}, nil).HTTP.URL)
	}
	tooltest.RunNode(t, node, tooltest.NodeRun{Dir: nodePeers, Files: []string{"streams-recovery.test.mjs"}, Concurrency: 1,
		Env: []string{"SIO_REDIS_URL=" + redisURL(), "SIO_KEY=" + opts.StreamName, "SIO_GO_URLS=" + strings.Join(urls, ",")}})
}
