package engineio

import (
	"net/http"
	"reflect"
	"testing"
)

func TestPackValues(t *testing.T) {
	for _, m := range []map[string][]string{
		nil,
		{},
		{"A": {"1"}, "B": {"x", "", "y"}, "": {"empty key"}},
		{"odd\x00key\n": {string(make([]byte, 300)), "\xff\xfe"}},
	} {
		got := unpackValues(packValues(m))
		if len(m) == 0 && len(got) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, m) {
			t.Errorf("unpack(pack(%q)) = %q", m, got)
		}
	}
}

// Once the session is open, it keeps its request's headers and query
// packed; Request gives them back, and the request the connection
// callback saw is not changed.
func TestRequestHeldPacked(t *testing.T) {
	srv, _ := newTestServer(t, Options{})
	var seen *Request
	srv.OnConnection(func(s *Socket) { seen = s.Request() })
	req := testRequest(http.MethodGet, "EIO=4&transport=polling&x=1&x=2&y=", nil)
	req.Header = http.Header{"User-Agent": {"test"}, "Cookie": {"a=1", "b=2"}}
	req.RemoteAddr, req.TLS = "192.0.2.1:1234", true
	resp := srv.ServePoll(t.Context(), req)
	if resp.Status != http.StatusOK {
		t.Fatalf("handshake: %d %s", resp.Status, resp.Body)
	}
	sock := srv.Socket(sidOf(t, resp.Body))
	if seen != req || seen.Header == nil {
		t.Errorf("OnConnection saw %+v", seen)
	}
	sock.mu.Lock()
	held, kept := sock.held, sock.req
	sock.mu.Unlock()
	if held == nil || kept.Header != nil || kept.Query != nil {
		t.Fatalf("not packed: held %v, request %+v", held, kept)
	}
	if sock.RemoteAddr() != "192.0.2.1:1234" || !sock.Secure() || sock.RequestContext() == nil {
		t.Errorf("address %q, secure %v", sock.RemoteAddr(), sock.Secure())
	}
	got := sock.Request()
	if !reflect.DeepEqual(got.Header, req.Header) || !reflect.DeepEqual(got.Query, req.Query) || got.Path != req.Path {
		t.Errorf("Request() = %+v, want %+v", got, req)
	}
	if sock.Request() != got {
		t.Error("Request() rebuilt twice")
	}
	if req.Header == nil || req.Query.Get("x") != "1" {
		t.Error("the original request changed")
	}
}
