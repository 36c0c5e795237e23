"""Publishes python-socketio's pub/sub messages as python-socketio 5.15 and
later write them (JSON, data always a list of arguments, binary arguments
as placeholders plus base64 attachments), for queue/redisq's tests.

Debian's python3-socketio (5.7) pickles what its managers publish, so its
RedisManager(write_only=True) cannot be the writer: this script builds
each message as AsyncPubSubManager.emit and its siblings do in 5.15 (the
binary split with python-socketio's own Packet class) and publishes
json.dumps of it with python3-redis, as RedisManager._publish does.

Environment: SIO_REDIS_URL, SIO_CHANNEL. Each standard input line is a
JSON command; "bytes" objects ({"bytes": base64}) in args become bytes.
Each command is acknowledged with a line "ok" on standard output.
"""

import base64
import json
import os
import sys
import uuid

import redis
from socketio import packet

r = redis.Redis.from_url(os.environ["SIO_REDIS_URL"])
channel = os.environ["SIO_CHANNEL"]
host_id = uuid.uuid4().hex


def value(v):
    if isinstance(v, dict) and set(v) == {"bytes"}:
        return base64.b64decode(v["bytes"])
    if isinstance(v, list):
        return [value(x) for x in v]
    if isinstance(v, dict):
        return {k: value(x) for k, x in v.items()}
    return v


def emit(cmd):
    # AsyncPubSubManager.emit, python-socketio 5.15.1 and later.
    data = [value(a) for a in cmd.get("args", [])]
    p = packet.Packet()
    binary = p._data_is_binary(data)
    if binary:
        data, attachments = p._deconstruct_binary(data)
        data = [data, *[base64.b64encode(a).decode() for a in attachments]]
    return {"method": "emit", "event": cmd["event"], "data": data,
            "binary": binary, "namespace": cmd.get("namespace") or "/",
            "room": cmd.get("room"), "skip_sid": cmd.get("skip_sid"),
            "callback": None, "host_id": host_id}


for line in sys.stdin:
    cmd = json.loads(line)
    method = cmd["method"]
    if method == "emit":
        msg = emit(cmd)
    elif method in ("enter_room", "leave_room"):
        msg = {"method": method, "sid": cmd["sid"], "room": cmd["room"],
               "namespace": cmd.get("namespace") or "/", "host_id": host_id}
    elif method == "disconnect":
        msg = {"method": "disconnect", "sid": cmd["sid"],
               "namespace": cmd.get("namespace") or "/", "host_id": host_id}
    elif method == "close_room":
        msg = {"method": "close_room", "room": cmd["room"],
               "namespace": cmd.get("namespace") or "/", "host_id": host_id}
    elif method == "callback":
        # _return_callback: the answer to another server's emit with a
        # callback, addressed to that server's host_id.
        msg = {"method": "callback", "host_id": cmd["host_id"],
               "sid": cmd["sid"], "namespace": cmd.get("namespace") or "/",
               "id": cmd["id"], "args": [value(a) for a in cmd.get("args", [])]}
    elif method == "raw":
        r.publish(channel, cmd["payload"].encode())
        print("ok", flush=True)
        continue
    else:
        raise SystemExit("unknown method " + method)
    r.publish(channel, json.dumps(msg))
    print("ok", flush=True)
