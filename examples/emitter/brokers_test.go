package main

import (
	"context"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go"

	"github.com/socketio-go/sio/queue"
)

// skipOrFail skips the test, or fails it under CI=true.
func skipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// checkBroadcast checks a cluster message: a broadcast of news "hi" to
// room1 of /chat from the emitter.
func checkBroadcast(t *testing.T, payload []byte) {
	t.Helper()
	var m struct {
		UID  string `json:"uid"`
		NSP  string `json:"nsp"`
		Type int    `json:"type"`
		Data struct {
			Packet struct {
				Data []any `json:"data"`
			} `json:"packet"`
			Opts struct {
				Rooms []string `json:"rooms"`
			} `json:"opts"`
		} `json:"data"`
	}
	if err := json.Unmarshal(payload, &m); err != nil || m.UID != "emitter" || m.NSP != "/chat" || m.Type != 3 ||
		len(m.Data.Packet.Data) != 2 || m.Data.Packet.Data[1] != "hi" || len(m.Data.Opts.Rooms) != 1 || m.Data.Opts.Rooms[0] != "room1" {
		t.Errorf("published %s (%v)", payload, err)
	}
}

// TestEmitNATS: -cluster nats://... publishes the broadcast on the
// namespace's subject, JSON or MessagePack as the servers read it.
func TestEmitNATS(t *testing.T) {
	nc, err := nats.Connect("nats://127.0.0.1:4222")
	if err != nil {
		skipOrFail(t, "no NATS server: %v", err)
	}
	defer nc.Close()
	prefix := "siotest-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	sub, err := nc.SubscribeSync(prefix + ".~2Fchat")
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := run("nats://127.0.0.1:4222?prefix="+prefix, "/chat", "room1", []string{"news", `"hi"`}); err != nil {
		t.Fatal(err)
	}
	m, err := sub.NextMsg(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if queue.IsJSON(m.Data) {
		t.Fatalf("published %q, want MessagePack (queue's default)", m.Data)
	}
	j, err := queue.Transcode(m.Data, queue.EncodingJSON)
	if err != nil {
		t.Fatal(err)
	}
	checkBroadcast(t, j)
}

// TestEmitPostgres: -cluster postgres://... notifies the broadcast on the
// namespace's channel in JSON, as Node.js's postgres emitter does.
func TestEmitPostgres(t *testing.T) {
	const dbURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		skipOrFail(t, "no PostgreSQL: %v", err)
	}
	defer conn.Close(context.Background())
	table := "siotest_emitter_" + strconv.FormatInt(time.Now().UnixNano(), 36)
	defer conn.Exec(context.Background(), "DROP TABLE IF EXISTS "+table)
	if _, err := conn.Exec(ctx, `LISTEN "`+table+`#/chat"`); err != nil {
		t.Fatal(err)
	}
	if err := run(dbURL+"&table="+table+"&prefix="+table, "/chat", "room1", []string{"news", `"hi"`}); err != nil {
		t.Fatal(err)
	}
	n, err := conn.WaitForNotification(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(n.Payload, "{") {
		t.Fatalf("notified %q", n.Payload)
	}
	checkBroadcast(t, []byte(n.Payload))
}
