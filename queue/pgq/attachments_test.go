package pgq

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/socketio-go/sio/internal/siotest"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/internal/bustest"
)

// count returns the rows of table.
func count(t *testing.T, dbURL, table string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var n int
	if err := c.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// listener is a connection of the test's own LISTENing to a channel, to
// see the NOTIFY payloads a bus sends.
func listener(t *testing.T, dbURL, channel string) func() string {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(ctx) })
	if _, err := c.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	return func() string {
		t.Helper()
		ctx, cancel := context.WithTimeout(ctx, siotest.Wait)
		defer cancel()
		n, err := c.WaitForNotification(ctx)
		if err != nil {
			t.Fatalf("no notification on %s: %v", channel, err)
		}
		return n.Payload
	}
}

// decodeAny decodes a JSON or MessagePack message to a comparable value.
func decodeAny(t *testing.T, b []byte) string {
	t.Helper()
	j, err := queue.Transcode(b, queue.EncodingJSON)
	if err != nil {
		t.Fatalf("transcode: %v", err)
	}
	var v any
	if err := json.Unmarshal(j, &v); err != nil {
		t.Fatalf("%s: %v", j, err)
	}
	out, _ := json.Marshal(v)
	return string(out)
}

// TestAttachments: a JSON message up to the threshold goes in the NOTIFY
// payload; a larger one, and one with binary, go through the attachment
// table in MessagePack with Node.js's {uid, type, attachmentId} header;
// an attachment Node.js writes (its id a string or a number) is read.
func TestAttachments(t *testing.T) {
	dbURL := pgURL(t)
	opts := testOptions(t, dbURL)
	b := newBus(t, dbURL, opts)
	prefix := testName(t)
	ch := prefix + "#/#"
	got := make(chan []byte, 10)
	ctx, cancel := context.WithTimeout(context.Background(), siotest.Wait)
	defer cancel()
	if _, err := b.Subscribe(ctx, ch, func(m []byte) { got <- m }); err != nil {
		t.Fatal(err)
	}
	notified := listener(t, dbURL, prefix+"#/")
	next := func() []byte {
		t.Helper()
		select {
		case m := <-got:
			return m
		case <-ctx.Done():
			t.Fatal("nothing delivered")
			return nil
		}
	}
	message := func(n int) []byte {
		return fmt.Appendf(nil, `{"uid":"0123456789abcdef","nsp":"/","type":3,"data":{"packet":{"type":2,"data":["e",%q]},"opts":{"rooms":[],"except":[],"flags":{}}}}`, strings.Repeat("x", n))
	}
	small := message(100)
	small = append(small[:len(small)-1], bytes.Repeat([]byte(" "), 7999-len(small))...)
	small = append(small, '}') // PostgreSQL's largest payload
	if err := b.Publish(ctx, ch, small); err != nil {
		t.Fatal(err)
	}
	if m := next(); !bytes.Equal(m, small) {
		t.Errorf("small message delivered as %d bytes", len(m))
	}
	if p := notified(); p != string(small) {
		t.Errorf("small message notified as %.80s", p)
	}
	if n := count(t, dbURL, opts.TableName); n != 0 {
		t.Errorf("%d attachments for a message of 7999 bytes", n)
	}

	large := message(8000 - len(message(0))) // exactly 8000 bytes: too long for NOTIFY
	if err := b.Publish(ctx, ch, large); err != nil {
		t.Fatal(err)
	}
	m := next()
	if queue.IsJSON(m) || decodeAny(t, m) != decodeAny(t, large) {
		t.Errorf("large message delivered as %.60q", m)
	}
	var h struct {
		UID          string
		Type         int
		AttachmentID string
		NSP          *string
	}
	if p := notified(); json.Unmarshal([]byte(p), &h) != nil || h.UID != "0123456789abcdef" || h.Type != 3 || h.AttachmentID == "" || h.NSP != nil {
		t.Errorf("large message notified as %s", p)
	}

	binary, err := msgpack.Marshal(map[string]any{"uid": "0123456789abcdef", "nsp": "/", "type": 9, "data": map[string]any{"packet": []any{"e", []byte{1, 2}}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(ctx, ch, binary); err != nil {
		t.Fatal(err)
	}
	if m := next(); !bytes.Equal(m, binary) {
		t.Errorf("binary message delivered as %x", m)
	}
	if p := notified(); !strings.Contains(p, `"type":9,"attachmentId":"`) {
		t.Errorf("binary message notified as %s", p)
	}
	if n := count(t, dbURL, opts.TableName); n != 2 {
		t.Errorf("%d attachments, want 2", n)
	}

	// As Node.js writes them: the id as a string, then as a number.
	for i, format := range []string{`{"uid":"node","type":3,"attachmentId":"%d"}`, `{"uid":"node","type":3,"attachmentId":%d}`} {
		stored := fmt.Appendf(nil, "\x81\xa1k\xa1%d", i)
		var id int64
		c, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.QueryRow(ctx, "INSERT INTO "+opts.TableName+" (payload) VALUES ($1) RETURNING id", stored).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Exec(ctx, "SELECT pg_notify($1, $2)", prefix+"#/", fmt.Sprintf(format, id)); err != nil {
			t.Fatal(err)
		}
		_ = c.Close(ctx)
		notified()
		if m := next(); !bytes.Equal(m, stored) {
			t.Errorf("Node.js attachment %d delivered as %q", i, m)
		}
	}
}

// TestCleanup: every CleanupInterval the bus deletes the attachments
// older than CleanupInterval, and only those.
func TestCleanup(t *testing.T) {
	dbURL := pgURL(t)
	opts := testOptions(t, dbURL)
	opts.CleanupInterval = 200 * time.Millisecond
	newBus(t, dbURL, opts)
	exec(t, dbURL, "INSERT INTO "+opts.TableName+" (payload, created_at) VALUES ('\\x01', now() - interval '1 hour'), ('\\x02', now() + interval '1 hour')")
	bustest.WaitFor(t, "the old attachment to be deleted", siotest.Wait, func() bool { return count(t, dbURL, opts.TableName) == 1 })
	var p []byte
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if err := c.QueryRow(ctx, "SELECT payload FROM "+opts.TableName).Scan(&p); err != nil || !bytes.Equal(p, []byte{2}) {
		t.Errorf("left %x, %v; want the recent attachment", p, err)
	}
}
