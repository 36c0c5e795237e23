package adminui_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/socketio-go/sio/adminui"
	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/stdsio"
)

// nodePeer is a Node.js server of the cluster, as far as fetching sockets
// goes: it announces itself and answers FETCH_SOCKETS with one socket in
// the shape Node.js's adapter sends, with the Admin UI's data._admin.
func nodePeer(t *testing.T, bus *queue.MemoryBus, nsps ...string) {
	ctx := context.Background()
	for _, nsp := range nsps {
		channel := "socket.io#" + nsp + "#"
		stop, err := bus.Subscribe(ctx, channel, func(msg []byte) {
			var m struct {
				UID  string `json:"uid"`
				Type int    `json:"type"`
				Data struct {
					RequestID string `json:"requestId"`
				} `json:"data"`
			}
			if json.Unmarshal(msg, &m) != nil || m.UID == "nodepeer" {
				return
			}
			switch m.Type {
			case 1: // INITIAL_HEARTBEAT: answer with a HEARTBEAT
				_ = bus.Publish(ctx, channel, []byte(`{"uid":"nodepeer","nsp":"`+nsp+`","type":2}`))
			case 7: // FETCH_SOCKETS
				var sockets []any
				if nsp == "/" {
					sockets = append(sockets, map[string]any{
						"id": "node-socket-1",
						"handshake": map[string]any{
							"headers": map[string]any{"host": "node.example", "user-agent": "node"},
							"time":    "Tue Dec 01 2026 08:00:00 GMT+0000 (Coordinated Universal Time)",
							"address": "::ffff:198.51.100.7", "xdomain": false, "secure": true,
							"issued": 1795000000000, "url": "/socket.io/?EIO=4&transport=websocket",
							"query": map[string]any{"EIO": "4", "transport": "websocket"}, "auth": map[string]any{},
						},
						"rooms": []string{"node-socket-1", "lobby"},
						"data":  map[string]any{"_admin": map[string]any{"clientId": "abcdefghijkl", "transport": "websocket"}, "user": "ann"},
					})
				}
				resp, _ := json.Marshal(map[string]any{"uid": "nodepeer", "nsp": nsp, "type": 8,
					"data": map[string]any{"requestId": m.Data.RequestID, "sockets": sockets}})
				_ = bus.Publish(ctx, channel+m.UID+"#", resp)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(stop)
		_ = bus.Publish(ctx, channel, []byte(`{"uid":"nodepeer","nsp":"`+nsp+`","type":1}`))
	}
}

// Servers of a cluster have distinct default ids, even on one host.
func TestClusterServerIDs(t *testing.T) {
	bus := queue.NewMemoryBus()
	defer bus.Close()
	ids := map[string]bool{}
	for range 2 {
		srv := core.NewServer(core.Options{ClientManager: queue.NewManager(bus, queue.Options{})})
		admin, err := adminui.Instrument(srv, adminui.Config{Auth: adminui.NoAuth()})
		if err != nil {
			t.Fatal(err)
		}
		ids[admin.ServerID()] = true
		admin.Close()
		_ = srv.Shutdown(context.Background())
	}
	if len(ids) != 2 {
		t.Errorf("server ids %v", ids)
	}
	srv := core.NewServer(core.Options{})
	defer srv.Shutdown(context.Background())
	admin, _ := adminui.Instrument(srv, adminui.Config{Auth: adminui.NoAuth()})
	defer admin.Close()
	if strings.Contains(admin.ServerID(), "#") {
		t.Errorf("single server id %q", admin.ServerID())
	}
}

// A Node.js server answering the cluster-wide socket listing does not
// break it: its sockets are listed with their client id and transport from
// data._admin, without _admin in data, beside this server's.
func TestAllSocketsWithNodePeer(t *testing.T) {
	bus := queue.NewMemoryBus()
	defer bus.Close()
	nodePeer(t, bus, "/", "/admin")
	srv := core.NewServer(core.Options{ClientManager: queue.NewManager(bus, queue.Options{Encoding: queue.EncodingJSON})})
	admin, err := adminui.Instrument(srv, adminui.Config{Auth: adminui.NoAuth()})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(stdsio.Handler(srv))
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		admin.Close()
		ts.Close()
	}()

	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(ts.URL, "http")+"/socket.io/?EIO=4&transport=websocket", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.WriteMessage(websocket.TextMessage, []byte("40/admin,"))
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, msg, err := conn.ReadMessage()
		if err != nil {
			t.Fatalf("no all_sockets: %v", err)
		}
		body, ok := strings.CutPrefix(string(msg), `42/admin,["all_sockets",`)
		if !ok {
			continue
		}
		var sockets []map[string]any
		if err := json.Unmarshal([]byte(strings.TrimSuffix(body, "]")), &sockets); err != nil {
			t.Fatalf("all_sockets %s: %v", body, err)
		}
		var node, mine map[string]any
		for _, s := range sockets {
			switch {
			case s["id"] == "node-socket-1":
				node = s
			case s["nsp"] == "/admin":
				mine = s
			}
		}
		if node == nil || mine == nil {
			t.Fatalf("all_sockets %s", body)
		}
		if node["clientId"] != "abcdefghijkl" || node["transport"] != "websocket" || node["nsp"] != "/" {
			t.Errorf("node socket %v", node)
		}
		if d, _ := node["data"].(map[string]any); d["user"] != "ann" || d["_admin"] != nil {
			t.Errorf("node socket data %v", node["data"])
		}
		hs, _ := node["handshake"].(map[string]any)
		if hs["address"] != "::ffff:198.51.100.7" || hs["secure"] != true || hs["auth"] != nil {
			t.Errorf("node socket handshake %v", hs)
		}
		return
	}
}
