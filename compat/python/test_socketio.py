"""Interop tests of sio with Debian's python3-socketio client (5.7.x).

Run by compat/python_test.go (go test ./compat/ -run Python), which starts
the Go fixture (compat/socketio_fixture_test.go) and sets:

  SIO_URL             base URL of the test server
  SIO_PATH_<SERVER>   path of each fixture server (MAIN, CONCURRENT, CATCHALL,
                      HEARTBEAT, MSGPACK)
  SIO_TRANSPORT       "polling" or "websocket": the only transport allowed

The fixture's events and control endpoints are documented in the Go file.
What this client cannot do is left out: python-socketio 5.7 has no
per-namespace disconnect (a raw DISCONNECT packet stands in), always sends an
auth object ({} when none is given) and passes no reason to its disconnect
handlers (the server-side reason is checked instead). Every wait is bounded.
"""

import json
import os
import threading
import time
import unittest
import urllib.parse
import urllib.request
import uuid

import socketio
from socketio import packet as sio_packet
from engineio import packet as eio_packet

BASE_URL = os.environ.get("SIO_URL")
TRANSPORT = os.environ.get("SIO_TRANSPORT", "websocket")
PATHS = {
    name: os.environ.get("SIO_PATH_" + name.upper(), default)
    for name, default in [
        ("main", "/socket.io/"),
        ("concurrent", "/concurrent/"),
        ("catchall", "/catchall/"),
        ("heartbeat", "/sio-heartbeat/"),
    ]
}
WAIT = 10  # seconds, the bound of every wait
SHORT_MS = 300  # the timeout of calls that are not answered

if not BASE_URL:
    raise SystemExit("SIO_URL is not set: run these tests through `go test ./compat/`")


def uniq(prefix="x"):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:8])


def control(path, **params):
    """Calls a control endpoint of the Go fixture and returns its JSON."""
    query = {}
    for k, v in params.items():
        if v is not None:
            query[k] = v if isinstance(v, str) else json.dumps(v)
    url = "%s/control/%s?%s" % (BASE_URL, path, urllib.parse.urlencode(query))
    with urllib.request.urlopen(url, timeout=WAIT + 5) as res:
        return json.loads(res.read())


def server_left(sid):
    """Waits until the server's socket sid has left; returns its record."""
    assert sid, "no socket id"
    return control("socket", sid=sid, wait="1")


class Waiter:
    """Collects the arguments of an event; wait() blocks (bounded) for them."""

    def __init__(self):
        self.cond = threading.Condition()
        self.got = []

    def __call__(self, *args):
        with self.cond:
            self.got.append(args)
            self.cond.notify_all()

    def wait(self, n=1, timeout=WAIT):
        with self.cond:
            if not self.cond.wait_for(lambda: len(self.got) >= n, timeout=timeout):
                raise AssertionError("timed out after %ss with %d/%d events" % (timeout, len(self.got), n))
            return self.got[n - 1]


class Base(unittest.TestCase):
    def setUp(self):
        self.clients = []

    def tearDown(self):
        for c in self.clients:
            self.drain(c)
            try:
                c.disconnect()
            except Exception:  # already gone
                pass

    @staticmethod
    def drain(c, timeout=5):
        """Waits (bounded) until the client has written what it queued.
        python-engineio 4.3's writer stops as soon as disconnect() changes
        the state, dropping what is still queued (even the DISCONNECT and
        CLOSE packets) when it is busy writing at that moment: the server
        would only notice the client's departure by the ping timeout."""
        deadline = time.monotonic() + timeout
        while c.eio.state == "connected" and c.eio.queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)

    @staticmethod
    def spy_acks(c):
        """Returns a Waiter that receives (namespace, id) for each
        acknowledgement the client queues, so that a test can wait for a
        late acknowledgement of a handler of its own."""
        acks = Waiter()
        send = c._send_packet

        def spy(pkt):
            send(pkt)
            if pkt.packet_type in (sio_packet.ACK, sio_packet.BINARY_ACK):
                acks(pkt.namespace, pkt.id)

        c._send_packet = spy
        return acks

    def client(self, **kwargs):
        c = socketio.Client(reconnection=False, **kwargs)
        self.clients.append(c)
        return c

    def connect(self, namespaces=("/",), server="main", auth=None, url_query="", headers=None, client=None):
        c = client or self.client()
        c.connect(
            BASE_URL + url_query,
            headers=headers or {},
            auth=auth,
            transports=[TRANSPORT],
            namespaces=list(namespaces),
            socketio_path=PATHS[server].strip("/"),
            wait_timeout=WAIT,
        )
        self.assertEqual(c.transport(), TRANSPORT)
        return c

    def call(self, c, event, *args, namespace="/"):
        """call() with every argument, returning the acknowledgement's
        arguments as a list."""
        got = Waiter()
        c.emit(event, tuple(args), namespace=namespace, callback=got)
        return list(got.wait())

    def call1(self, c, event, *args, namespace="/"):
        reply = self.call(c, event, *args, namespace=namespace)
        self.assertEqual(len(reply), 1, reply)
        return reply[0]


class TestConnect(Base):
    def test_auth_and_handshake(self):
        auth = {"token": "secret", "user": "alice"}
        c = self.connect(auth=auth, url_query="?q=query-value", headers={"X-Sio-Test": "header-value"})
        me = c.call("whoami", timeout=WAIT)
        self.assertEqual(me["id"], c.get_sid())
        self.assertEqual(me["nsp"], "/")
        self.assertEqual(me["transport"], TRANSPORT)
        self.assertEqual(me["auth"], auth)
        self.assertEqual(me["query"], "query-value")
        self.assertEqual(me["header"], "header-value")
        self.assertEqual(me["connId"], c.eio.sid)
        self.assertNotEqual(c.get_sid(), c.eio.sid)

    def test_no_auth(self):
        # this client always sends an auth object, {} when none is given
        c = self.connect()
        me = c.call("whoami", timeout=WAIT)
        self.assertIn(me["auth"], ({}, None))

    def refused(self, namespace="/", server="main", auth=None):
        """Connects without waiting for the namespace (a refusal would make
        connect() wait for its whole timeout) and returns the arguments of
        connect_error."""
        c = self.client()
        errors = Waiter()
        c.on("connect_error", errors, namespace=namespace)
        c.connect(BASE_URL, auth=auth, transports=[TRANSPORT], namespaces=[namespace],
                  socketio_path=PATHS[server].strip("/"), wait=False)
        args = errors.wait()
        self.assertNotIn(namespace, c.namespaces)
        return args

    def test_refusal_with_data(self):
        (err,) = self.refused(auth={"token": "bad"})
        self.assertEqual(err, {"message": "authentication failed", "data": {"reason": "bad token", "retry": False}})
        (err,) = self.refused(namespace="/chat", auth={"refuse": "multi"})
        self.assertEqual(err, {"message": "multi", "data": ["a", 2]})
        (err,) = self.refused(auth={"refuse": "plain"})
        self.assertEqual(err, {"message": "plain refusal"})

    def test_unknown_namespace(self):
        (err,) = self.refused(namespace="/does-not-exist")
        self.assertEqual(err, {"message": "Invalid namespace"})

    def test_catch_all_namespace(self):
        nsp = "/" + uniq("py")
        c = self.connect(namespaces=[nsp], server="catchall")
        me = c.call("whoami", namespace=nsp, timeout=WAIT)
        self.assertEqual(me["nsp"], nsp)
        (err,) = self.refused(namespace="/" + uniq("py"), server="catchall", auth={"token": "bad"})
        self.assertEqual(err["message"], "authentication failed")

    def test_class_based_namespace(self):
        c = self.connect(namespaces=["/class"])
        self.assertEqual(c.call("chatMessage", "hi", namespace="/class", timeout=WAIT), "method got hi on /class")
        self.assertEqual(c.call("chat_message", "yo", namespace="/class", timeout=WAIT), "method got yo on /class")
        self.assertEqual(c.call("whoami", namespace="/class", timeout=WAIT)["nsp"], "/class")
        self.assertEqual(c.call("overridden", namespace="/class", timeout=WAIT), "function")
        (err,) = self.refused(namespace="/class", auth={"token": "bad"})
        self.assertEqual(err, {"message": "class refused", "data": {"by": "OnConnect method"}})

    def test_several_namespaces_on_one_connection(self):
        c = self.connect(namespaces=["/", "/chat", "/class"])
        ids = {c.call("whoami", namespace=n, timeout=WAIT)["connId"] for n in ["/", "/chat", "/class"]}
        self.assertEqual(ids, {c.eio.sid})


class TestPayloads(Base):
    SCALARS = [None, True, False, 0, 42, -7, 3.25, 2**53, "", "héllo ✓ 🌍"]

    def test_echo_every_type(self):
        c = self.connect()
        for v in self.SCALARS:
            self.assertEqual(self.call(c, "echo", v), [v])
        self.assertEqual(self.call(c, "echo", *self.SCALARS), self.SCALARS, "several arguments")
        payloads = [
            {"a": 1, "b": "two", "c": [True, None, {"d": 4.5}]},
            [1, "two", None, [3, [4]]],
            b"\x00\x01\x02\xfd\xfe\xff",
            bytes(50_000),
            {"file": b"\x01\x02\x03", "meta": {"chunks": [b"\x04", b"\x05\x06", {"deep": b"\x07"}]}},
            [b"\x09", "text", [b"\x0a\x0b"]],
        ]
        for p in payloads:
            self.assertEqual(self.call(c, "echo", p), [p])
        self.assertEqual(self.call(c, "echo", *payloads), payloads)
        # call() returns one value, or a tuple for several
        self.assertEqual(c.call("echo", {"x": b"\x01"}, timeout=WAIT), {"x": b"\x01"})
        self.assertEqual(c.call("echo", ("a", b"\x02"), timeout=WAIT), ("a", b"\x02"))

    def test_decode_into_go_types(self):
        c = self.connect()
        report = self.call1(
            c, "types", None, True, 42, 3.25, "héllo", b"\xde\xad\xbe\xef", {"k": "v"}, [1, 2, 3],
            {"x": 1, "y": -2, "label": "p"},
            {"name": "blob", "data": b"\x01\x02", "parts": [b"\x03", b"\x04\x05"], "inner": {"blob": b"\x06", "n": 9}},
        )
        self.assertEqual(report, {
            "nIsNil": True, "b": True, "i": 42, "f": 3.25, "str": "héllo", "bin": "deadbeef",
            "m": {"k": "v"}, "arr": [1, 2, 3], "st": {"x": 1, "y": -2, "label": "p"},
            "nested": {"name": "blob", "data": "0102", "parts": ["03", "0405"], "inner": {"blob": "06", "n": 9}},
        })

    def test_receive_go_values(self):
        c = self.connect()
        got = Waiter()
        c.on("types", got)
        self.assertEqual(self.call(c, "send-types"), ["sent"])
        args = list(got.wait())
        self.assertEqual(args, [
            None, True, False, 42, -7, 3.25, 2**53, "héllo ✓ 🌍",
            b"\x00\x01\x02\xfd\xfe\xff",
            {"a": 1, "b": ["x", None], "c": {"d": True}},
            [1, 2, 3],
            {"x": 1, "y": -2, "label": "p"},
            {"name": "nested", "data": b"\x01\x02\x03", "parts": [b"\x04", b"\x05\x06"],
             "inner": {"blob": b"\xff\x00\x7f", "n": 7}},
            {"list": [b"\x09\x08", {"deep": b"\x07"}]},
        ])

    def test_event_from_server_with_binary(self):
        c = self.connect()
        got = Waiter()
        c.on("echoed", got)
        args = [None, 1, "s", b"\x01", {"n": [b"\x02", {"b": b"\x03"}]}]
        self.call(c, "echo-event", "echoed", *args)
        self.assertEqual(list(got.wait()), args)

    def test_nested_binary_typed(self):
        c = self.connect()
        out = self.call1(c, "nested-binary", {
            "name": "abc", "data": b"\x01\x02\x03", "parts": [b"\x04\x05"], "inner": {"blob": b"\x09\x0a", "n": 1}})
        self.assertEqual(out, {"name": "ABC", "data": b"\x03\x02\x01", "parts": [b"\x05\x04"],
                               "inner": {"blob": b"\x0a\x09", "n": 2}})

    def test_several_results(self):
        c = self.connect()
        self.assertEqual(c.call("multi", ("go", 21, False), timeout=WAIT), ("GO", 42, True, ["go", "21"]))


class TestAcks(Base):
    def test_server_to_client_ack_inside_a_handler(self):
        c = self.connect()
        c.on("question", lambda q: ({"got": q, "answer": 42}, b"\x01\x02"))
        report = self.call1(c, "ask", "question", 0, "what?")
        self.assertNotIn("error", report)
        self.assertEqual(report["reply"], [{"got": "what?", "answer": 42}, b"\x01\x02"])

    def test_server_ack_timeout(self):
        c = self.connect()
        acks = self.spy_acks(c)
        release = threading.Event()
        c.on("answered", lambda x: x * 2)
        c.on("ignored", lambda *a: release.wait(WAIT))  # answers too late
        try:
            self.assertEqual(self.call1(c, "ask", "answered", WAIT * 1000, 21)["reply"], [42])
            late = self.call1(c, "ask", "ignored", SHORT_MS, 1)
            self.assertTrue(late.get("timeout"), late)
        finally:
            release.set()
        acks.wait(2)  # the late one

    def test_server_call_by_sid(self):
        c = self.connect(namespaces=["/chat"])
        acks = self.spy_acks(c)
        release = threading.Event()
        c.on("call-me", lambda a, b: (a + b, "ok"), namespace="/chat")
        c.on("ignored", lambda *a: release.wait(WAIT), namespace="/chat")
        sid = c.get_sid("/chat")
        try:
            ok = control("call", nsp="/chat", sid=sid, event="call-me", timeoutMs="5000", args=[2, 3])
            self.assertEqual(ok["reply"], [5, "ok"])
            late = control("call", nsp="/chat", sid=sid, event="ignored", timeoutMs=str(SHORT_MS))
            self.assertTrue(late.get("timeout"), late)
        finally:
            release.set()
        acks.wait(2)  # the late one

    def test_client_call_timeout(self):
        c = self.connect()
        key = uniq("slow")
        try:
            with self.assertRaises(socketio.exceptions.TimeoutError):
                c.call("slow", key, timeout=SHORT_MS / 1000)
        finally:
            control("release", key=key)
        self.assertEqual(c.call("fast", "x", timeout=WAIT), "fast x")

    def test_broadcast_with_acks(self):
        room = uniq("ack-room")
        clients = [self.connect() for _ in range(3)]
        for i, c in enumerate(clients):
            c.on("poll", (lambda i: lambda: "c%d" % i)(i))
            self.call1(c, "join", [room])
        report = self.call1(clients[0], "ask-room", room, "poll", WAIT * 1000)
        self.assertNotIn("error", report)
        self.assertEqual(sorted(r[0] for r in report["replies"]), ["c0", "c1", "c2"])

    def test_errors(self):
        c = self.connect()
        self.assertEqual(self.call(c, "fail", "boom"), [{"error": "failed: boom"}])
        self.assertEqual(self.call(c, "panic"), [{"error": "handler panicked"}])
        self.assertEqual(self.call(c, "echo", "alive"), ["alive"])
        self.assertEqual(self.call(c, "sum", {"a": 40, "b": 2}), [{"sum": 42}])
        (wrong,) = self.call(c, "sum", "not an object")
        self.assertRegex(wrong["error"], "argument 0")
        self.assertEqual(self.call(c, "sum", {"a": -1, "b": 2}), [{"error": "negative numbers not allowed"}])
        self.assertTrue(c.connected)

    def test_catch_all_event(self):
        c = self.connect()
        self.assertEqual(self.call1(c, "no-such-event", 1, b"\x02"),
                         {"catchAll": "no-such-event", "argc": 2, "args": [1, b"\x02"]})


class TestRooms(Base):
    def barrier(self, clients, nsp="/", server="main"):
        token = uniq("marker")
        waiters = []
        for c in clients:
            w = Waiter()
            c.on("marker", (lambda w: lambda t: w(t) if t == token else None)(w), namespace=nsp)
            waiters.append(w)
        control("emit", server=server, nsp=nsp, to=",".join(c.get_sid(nsp) for c in clients), event="marker",
                args=[token])
        for w in waiters:
            w.wait()

    def test_rooms_except_and_broadcast(self):
        room, vip = uniq("room"), uniq("vip")
        a, b, c = [self.connect() for _ in range(3)]
        got = {}
        for name, cl in zip("abc", (a, b, c)):
            got[name] = Waiter()
            cl.on("msg", got[name])
            self.call1(cl, "join", [room])
        self.call1(b, "join", [vip])
        sid = {n: cl.get_sid() for n, cl in zip("abc", (a, b, c))}
        self.call(a, "to-room", [room], [], "msg", "all")
        self.call(a, "to-room", [room], [sid["b"]], "msg", "except-b")
        self.call(a, "to-room", [room], [sid["b"], sid["c"]], "msg", "except-b-c")
        self.call(a, "to-room", [room], [vip], "msg", "except-vip")
        self.call(a, "to-room", [sid["c"]], [], "msg", "to-c")
        self.call(a, "broadcast", [room], [], "msg", "from-a")
        self.call(b, "broadcast", [room], [sid["c"]], "msg", "from-b-except-c")
        expected = {
            "a": ["all", "except-b", "except-b-c", "except-vip", "from-b-except-c"],
            "b": ["all", "from-a"],
            "c": ["all", "except-b", "except-vip", "to-c", "from-a"],
        }
        # This client runs each event handler on a thread of its own, so
        # arrival order is not observable: wait for the expected count, then
        # for a marker sent after everything, and compare sorted lists.
        for name, want in expected.items():
            got[name].wait(len(want))
        self.barrier([a, b, c])
        for name, want in expected.items():
            self.assertEqual(sorted(m for (m,) in got[name].got), sorted(want), name)

    def test_join_leave(self):
        c = self.connect()
        me = c.get_sid()
        r1, r2 = uniq("r1"), uniq("r2")
        self.assertEqual(self.call1(c, "rooms"), [me])
        self.assertEqual(self.call1(c, "join", [r1, r2]), sorted([me, r1, r2]))
        self.assertEqual(self.call1(c, "leave", r1), sorted([me, r2]))
        self.assertEqual(self.call1(c, "enter-room", r1), sorted([me, r1, r2]))
        self.assertEqual(self.call1(c, "leave-room", r2), sorted([me, r1]))
        self.assertEqual(control("state", sid=me)["rooms"], sorted([me, r1]))


class TestSessions(Base):
    def test_session_across_events_and_destruction(self):
        c = self.connect()
        sid = c.get_sid()
        self.assertEqual(self.call1(c, "session-get"), {})
        self.call(c, "session-save", {"user": "alice"})
        for i in range(1, 4):
            self.assertEqual(self.call1(c, "session-incr", "count"), i)
        self.assertEqual(self.call1(c, "session-get"), {"user": "alice", "count": 3})
        other = self.connect(namespaces=["/", "/chat"])
        self.assertEqual(self.call1(other, "session-get"), {}, "another socket")
        self.assertEqual(self.call1(other, "session-get", namespace="/chat"), {}, "another namespace")
        c.disconnect()
        info = server_left(sid)
        self.assertEqual(info["sessionAtDisconnect"], {"user": "alice", "count": 3})
        self.assertIsNone(info["sessionAfter"])
        self.assertRegex(info["sessionLookupError"], "no such socket")


class TestDisconnect(Base):
    def test_client_disconnect(self):
        c = self.connect(namespaces=["/", "/chat"])
        sids = [c.get_sid("/"), c.get_sid("/chat")]
        c.disconnect()
        # disconnect() queues a DISCONNECT per namespace for the writer
        # thread, then closes the websocket itself at once: over websocket
        # the close may overtake them (a race in this client).
        expected = {"client namespace disconnect"}
        if TRANSPORT == "websocket":
            expected.add("transport close")
        for sid in sids:
            self.assertIn(server_left(sid)["reason"], expected)

    def test_server_disconnect(self):
        c = self.connect()
        sid = c.get_sid()
        gone = Waiter()
        c.on("disconnect", gone)
        # Asked through the control endpoint, not by an event: when the
        # DISCONNECT overtakes the response to the POST that carried the
        # event, python-engineio 4.3's writer stops before it sends its CLOSE
        # packet, and the session would linger until the ping timeout.
        control("disconnect", sid=sid)
        gone.wait()
        self.assertEqual(server_left(sid)["reason"], "server namespace disconnect")

    def test_server_disconnect_whole_connection(self):
        c = self.connect(namespaces=["/", "/chat"])
        sids = [c.get_sid("/"), c.get_sid("/chat")]
        gone = [Waiter(), Waiter()]
        c.on("disconnect", gone[0])
        c.on("disconnect", gone[1], namespace="/chat")
        control("disconnect", sid=sids[0], close="1")  # see test_server_disconnect
        for w in gone:
            w.wait()
        for sid in sids:
            self.assertEqual(server_left(sid)["reason"], "server namespace disconnect")

    def test_namespace_disconnect_keeps_the_connection(self):
        # python-socketio 5.7 cannot leave one namespace: send the packet
        c = self.connect(namespaces=["/", "/chat"])
        chat_sid = c.get_sid("/chat")
        c._send_packet(c.packet_class(sio_packet.DISCONNECT, namespace="/chat"))
        self.assertEqual(server_left(chat_sid)["reason"], "client namespace disconnect")
        self.assertEqual(c.call("echo", "still here", timeout=WAIT), "still here")
        self.assertEqual(c.call("whoami", timeout=WAIT)["connId"], c.eio.sid)

    def test_transport_close(self):
        c = self.connect()
        sid = c.get_sid()
        c.eio.disconnect(abort=True)  # closes the Engine.IO connection only
        self.assertEqual(server_left(sid)["reason"], "transport close")

    def test_ping_timeout(self):
        c = self.connect(server="heartbeat")
        sid = c.get_sid()
        send = c.eio._send_packet

        def no_pongs(pkt):
            if pkt.packet_type != eio_packet.PONG:
                send(pkt)

        c.eio._send_packet = no_pongs
        self.assertEqual(server_left(sid)["reason"], "ping timeout")

    def test_malformed_packet(self):
        for bad in ["2[bad", "2[]", "9"]:
            with self.subTest(bad=bad):
                c = self.connect()
                sid = c.get_sid()
                c.eio.send(bad)
                self.assertEqual(server_left(sid)["reason"], "parse error")


class TestConcurrency(Base):
    def test_ordered(self):
        c = self.connect()
        for i in range(100):
            c.emit("seq", i)
        self.assertEqual(c.call("seq-get", timeout=WAIT), list(range(100)))

    def test_concurrent(self):
        c = self.connect(server="concurrent")
        key = uniq("slow")
        slow = Waiter()
        c.emit("slow", key, callback=slow)
        control("started", key=key)
        try:
            self.assertEqual(c.call("fast", "1", timeout=WAIT), "fast 1")
        finally:
            control("release", key=key)
        self.assertEqual(slow.wait(), ("released " + key,))


if __name__ == "__main__":
    unittest.main()
