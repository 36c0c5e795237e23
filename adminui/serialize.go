package adminui

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/socketio-go/sio/core"
)

// clientIDLength is how much of the Engine.IO session id the UI is shown,
// as the Node.js package truncates it (the full id is a credential of the
// connection).
const clientIDLength = 12

// serializeSocket is the UI's view of a local socket (the Node.js
// package's SerializedSocket).
func serializeSocket(s *core.Socket) map[string]any {
	return serialized(s.ID(), s.Namespace().Name(), clientID(s.ConnID()), s.Transport(),
		s.Handshake(), s.Rooms(), s.Data())
}

// serializeRemote is serializeSocket for a socket FetchSockets reported,
// local or on another server. Another server's socket carries its client
// id and transport under data._admin when that server is a Node.js one
// with the Admin UI instrumentation; lacking it, the socket id stands for
// the client id.
func serializeRemote(nsp string, r *core.RemoteSocket) map[string]any {
	if s := r.Local(); s != nil {
		return serializeSocket(s)
	}
	cid, transport := r.ID, ""
	if m, ok := r.Data.(map[string]any); ok {
		if adm, ok := m["_admin"].(map[string]any); ok {
			if v, ok := adm["clientId"].(string); ok {
				cid = v
			}
			transport, _ = adm["transport"].(string)
		}
	}
	return serialized(r.ID, nsp, cid, transport, &r.Handshake, r.Rooms, r.Data)
}

func serialized(id, nsp, cid, transport string, hs *core.Handshake, rooms []string, data any) map[string]any {
	if rooms == nil {
		rooms = []string{}
	}
	return map[string]any{
		"id":        id,
		"clientId":  cid,
		"transport": transport,
		"nsp":       nsp,
		"data":      serializeData(data),
		"handshake": serializeHandshake(hs),
		"rooms":     rooms,
	}
}

// serializeData is the application data without the instrumentation's
// _admin entry; nil becomes {}, as socket.data defaults to an object.
func serializeData(data any) any {
	switch d := data.(type) {
	case nil:
		return map[string]any{}
	case map[string]any:
		if _, ok := d["_admin"]; !ok {
			return d
		}
		out := make(map[string]any, len(d))
		for k, v := range d {
			if k != "_admin" {
				out[k] = v
			}
		}
		return out
	}
	return data
}

// serializeHandshake is the handshake as Node.js shows it, without auth.
func serializeHandshake(hs *core.Handshake) map[string]any {
	headers := flatten(http.Header(hs.Headers), true)
	address := hs.Address
	if v, ok := headers["cf-connecting-ip"].(string); ok && v != "" {
		address = v
	} else if v, ok := headers["x-forwarded-for"].(string); ok && v != "" {
		address = v
	}
	_, xdomain := headers["origin"]
	t := hs.Time
	if t.IsZero() {
		t = time.Now()
	}
	return map[string]any{
		"address": address,
		"headers": headers,
		"query":   flatten(url.Values(hs.Query), false),
		"issued":  t.UnixMilli(),
		"secure":  hs.Secure,
		"time":    jsDateString(t),
		"url":     hs.URL,
		"xdomain": xdomain,
	}
}

// flatten turns multi-valued headers or query parameters into an object:
// one value as a string, several joined (headers, as Node.js joins them)
// or as an array (query).
func flatten(m map[string][]string, lower bool) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if lower {
			k = strings.ToLower(k)
		}
		switch {
		case len(v) == 1:
			out[k] = v[0]
		case lower:
			out[k] = strings.Join(v, ", ")
		default:
			out[k] = v
		}
	}
	return out
}

// jsDateString formats t as JavaScript's Date.prototype.toString in UTC:
// "Tue Dec 01 2026 08:41:25 GMT+0000 (Coordinated Universal Time)".
func jsDateString(t time.Time) string {
	return t.UTC().Format("Mon Jan 02 2006 15:04:05 GMT+0000") + " (Coordinated Universal Time)"
}

// clientID is the part of an Engine.IO session id the UI is shown.
func clientID(sid string) string {
	if len(sid) > clientIDLength {
		return sid[:clientIDLength]
	}
	return sid
}
