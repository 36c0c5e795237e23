"""A python-socketio server on AsyncRedisManager (aiohttp), with its own
clients, for queue/redisq's tests of python-socketio's format.

Environment: SIO_REDIS_URL, SIO_CHANNEL. The server and three clients
(p0, p1 in room "red"; p2 on "/" and "/chat") start, then one JSON line
{"ready": ..., "url": ..., "sids": {...}} is printed; after that every
event a client receives is printed as {"client", "nsp", "event", "args"}
(bytes as {"bytes": base64}), and a disconnection as event "disconnect".
The clients acknowledge events whose name starts with "ask" with their
name. The process ends when its standard input closes.
"""

import asyncio
import base64
import json
import os
import sys

import socketio
from aiohttp import web


def out(obj):
    print(json.dumps(obj), flush=True)


def plain(v):
    if isinstance(v, (bytes, bytearray)):
        return {"bytes": base64.b64encode(bytes(v)).decode()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    return v


async def main():
    mgr = socketio.AsyncRedisManager(os.environ["SIO_REDIS_URL"], channel=os.environ["SIO_CHANNEL"])
    sio = socketio.AsyncServer(async_mode="aiohttp", client_manager=mgr)
    app = web.Application()
    sio.attach(app)

    @sio.on("join")
    async def join(sid, room):
        sio.enter_room(sid, room)
        return "ok"

    @sio.on("join", namespace="/chat")
    async def join_chat(sid, room):
        sio.enter_room(sid, room, namespace="/chat")
        return "ok"

    @sio.on("emitFromPython")
    async def emit_from_python(sid, event):
        await sio.emit(event, {"from": "python"})
        return "ok"

    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    url = "http://127.0.0.1:%d" % port

    clients = {}
    sids = {}
    for name in ("p0", "p1", "p2"):
        c = socketio.AsyncClient()

        def handlers(c, name):
            async def on_any(nsp, event, *args):
                out({"client": name, "nsp": nsp, "event": event, "args": plain(list(args))})
                if event.startswith("ask"):
                    return name

            @c.on("*")
            async def any_root(event, *args):
                return await on_any("/", event, *args)

            @c.on("*", namespace="/chat")
            async def any_chat(event, *args):
                return await on_any("/chat", event, *args)

            @c.event
            async def disconnect():
                out({"client": name, "nsp": "/", "event": "disconnect", "args": []})

        handlers(c, name)
        namespaces = ["/", "/chat"] if name == "p2" else ["/"]
        await c.connect(url, transports=["websocket"], namespaces=namespaces)
        clients[name] = c
        sids[name] = c.get_sid("/")
        if name == "p2":
            sids["p2/chat"] = c.get_sid("/chat")
    for name in ("p0", "p1"):
        await clients[name].call("join", "red")
    await clients["p2"].call("join", "blue", namespace="/chat")

    out({"ready": True, "url": url, "sids": sids})
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)
    for c in clients.values():
        await c.disconnect()
    await runner.cleanup()


asyncio.run(main())
