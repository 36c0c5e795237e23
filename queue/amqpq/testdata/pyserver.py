"""A python-socketio server on KombuManager (RabbitMQ) with one client of
its own, driven by the Go interop test.

Usage: pyserver.py AMQP_URL CHANNEL

Debian's python3-socketio (5.7.2) pickles what it publishes; python-socketio
5.14 and later publish json.dumps(message) instead, which is what
JSONKombuManager does (5.7.2's KombuManager._publish with json.dumps for
pickle.dumps).
Everything else is the installed KombuManager: its exchange, its queue, its
listener, which reads JSON.

It prints one JSON object per line on stdout:
  {"ready": sid}                  the client is connected, in room "pyroom"
  {"event": name, "args": [...]}  the client received an event
  {"ack": [...]}                  a callback of the server's emit ran
and reads commands as JSON lines on stdin:
  {"emit": event, "data": value, "room": room or null, "callback": bool}
"""
import json
import os
import sys
import threading
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import socketio

url, channel = sys.argv[1], sys.argv[2]
out_lock = threading.Lock()


def out(obj):
    with out_lock:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()


class JSONKombuManager(socketio.KombuManager):
    def _publish(self, data):
        # 5.7.2's KombuManager._publish, with json.dumps for pickle.dumps.
        connection = self._connection()
        publish = connection.ensure(self.producer, self.producer.publish)
        publish(json.dumps(data))


mgr = JSONKombuManager(url, channel=channel, queue_options={"auto_delete": True})
sio = socketio.Server(client_manager=mgr, async_mode="threading")


@sio.on("join")
def join(sid, room):
    sio.enter_room(sid, room)
    return "joined"


class Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


httpd = make_server("127.0.0.1", 0, socketio.WSGIApp(sio), Server, Quiet)
threading.Thread(target=httpd.serve_forever, daemon=True).start()

client = socketio.Client()


def on_event(name):
    def handler(*args):
        out({"event": name, "args": list(args)})
        if name == "go_ack":
            return "answer from python"
    client.on(name, handler)


for name in ("go_all", "go_room", "go_ack", "go_emitter", "py_all"):
    on_event(name)

probed = threading.Event()
client.on("py_probe", lambda *args: probed.set())

client.connect("http://127.0.0.1:%d" % httpd.server_port, transports=["polling"])
client.call("join", "pyroom")
# 5.7.2 delivers its own emits only through the queue: once the probe
# arrives, the manager's queue is bound to the exchange.
while not probed.is_set():
    sio.emit("py_probe", None, room=client.get_sid())
    probed.wait(0.2)
out({"ready": client.get_sid()})

for line in sys.stdin:
    cmd = json.loads(line)
    cb = None
    if cmd.get("callback"):
        def cb(*args):
            out({"ack": list(args)})
    sio.emit(cmd["emit"], cmd["data"], room=cmd.get("room"), callback=cb)

client.disconnect()
httpd.shutdown()
os._exit(0)  # the manager's listener thread does not end by itself
