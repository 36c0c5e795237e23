package pgq

import (
	"errors"
	"strings"
	"testing"
)

func TestChannel(t *testing.T) {
	for _, c := range []struct {
		in, pg string
		reply  bool
	}{
		{"socket.io#/#", "socket.io#/", false},
		{"socket.io#/chat#", "socket.io#/chat", false},
		{"socket.io#/chat#0123456789abcdef#", "socket.io#/chat", true},
		{"socket.io#/chat#0123456789ABCDEF#", "socket.io#/chat#0123456789ABCDEF", false},
		{"socket.io#/chat#room#", "socket.io#/chat#room", false},
		{"p#0123456789abcdef#", "p#0123456789abcdef", false}, // a namespace, not a reply
		{"socketio", "socketio", false},
	} {
		pg, reply, err := Channel(c.in)
		if err != nil || pg != c.pg || reply != c.reply {
			t.Errorf("Channel(%q) = %q, %v, %v; want %q, %v", c.in, pg, reply, err, c.pg, c.reply)
		}
	}
	for _, bad := range []string{"", "#", "socket.io#/" + strings.Repeat("x", 60) + "#"} {
		if pg, _, err := Channel(bad); !errors.Is(err, ErrChannel) {
			t.Errorf("Channel(%q) = %q, %v; want ErrChannel", bad, pg, err)
		}
	}
}

func TestTableName(t *testing.T) {
	for _, ok := range []string{"socket_io_attachments", "public.attachments", "A1_b"} {
		if err := checkTableName(ok); err != nil {
			t.Errorf("checkTableName(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "1abc", "a-b", "a;drop table x", `"quoted"`, "a..b", "a b", strings.Repeat("x", 64)} {
		if err := checkTableName(bad); !errors.Is(err, ErrTableName) {
			t.Errorf("checkTableName(%q): %v, want ErrTableName", bad, err)
		}
	}
}

func TestAttachmentID(t *testing.T) {
	for _, c := range []struct{ payload, id string }{
		{`{"uid":"a","type":3,"attachmentId":"42"}`, "42"},
		{`{"uid":"a","type":3,"attachmentId":42}`, "42"},
		{`{"uid":"a","nsp":"/","type":3,"data":{"packet":{"data":["attachmentId"]}}}`, ""},
		{`{"uid":"a","type":3,"data":{"attachmentId":"7"}}`, ""},
		{`{"attachmentId":null}`, ""},
		{`{"attachmentId":""}`, ""},
		{`not json "attachmentId"`, ""},
	} {
		id, err := attachmentID([]byte(c.payload))
		if err != nil || id != c.id {
			t.Errorf("attachmentID(%s) = %q, %v; want %q", c.payload, id, err, c.id)
		}
	}
	for _, bad := range []string{`{"attachmentId":"1; drop"}`, `{"attachmentId":1.5}`, `{"attachmentId":[1]}`} {
		if id, err := attachmentID([]byte(bad)); err == nil {
			t.Errorf("attachmentID(%s) = %q without error", bad, id)
		}
	}
}

// FuzzNotification: any NOTIFY payload and channel name give an
// attachment id of digits or none, or an error, never a panic; Channel
// gives a name PostgreSQL takes or an error.
func FuzzNotification(f *testing.F) {
	for _, s := range []string{`{"uid":"a","type":3,"attachmentId":"42"}`, `{"attachmentId":7}`, `{"data":{}}`, "socket.io#/#0123456789abcdef#", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if id, err := attachmentID([]byte(s)); err == nil && strings.Trim(id, "-0123456789") != "" {
			t.Fatalf("attachmentID(%q) = %q", s, id)
		}
		if pg, _, err := Channel(s); err == nil && (pg == "" || len(pg) > maxChannel) {
			t.Fatalf("Channel(%q) = %q", s, pg)
		}
	})
}
