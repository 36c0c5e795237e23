"""A python-socketio AsyncServer on AsyncAioPikaManager (RabbitMQ) with one
client of its own, driven by the Go interop test: the same protocol on
stdin and stdout as pyserver.py.

Usage: pyserver_aiopika.py AMQP_URL CHANNEL

Debian's python3-socketio (5.7.2) pickles what its AioPika manager
publishes and unpickles what it reads; python-socketio 5.14 and later
publish json.dumps(message) bytes and hand the body to the JSON listener.
JSONAioPikaManager makes those two changes; the exchange, the queue
(server-named, x-expires 300000), the prefetch of 1 and the routing key "*"
are the installed manager's.
"""
import asyncio
import json
import os
import sys

import aio_pika
import socketio
from aiohttp import web

url, channel = sys.argv[1], sys.argv[2]


def out(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


class JSONAioPikaManager(socketio.AsyncAioPikaManager):
    async def _publish(self, data):
        connection = await self._connection()
        channel = await self._channel(connection)
        exchange = await self._exchange(channel)
        await exchange.publish(
            aio_pika.Message(body=json.dumps(data).encode(),
                             delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
            routing_key="*")
        await connection.close()

    async def _listen(self):
        self.listener_connection = await self._connection()
        self.listener_channel = await self._channel(self.listener_connection)
        await self.listener_channel.set_qos(prefetch_count=1)
        exchange = await self._exchange(self.listener_channel)
        self.listener_queue = await self._queue(self.listener_channel, exchange)
        queue_ready.set()
        async with self.listener_queue.iterator() as queue_iter:
            async for message in queue_iter:
                async with message.process():
                    yield message.body


queue_ready = asyncio.Event()


async def main():
    mgr = JSONAioPikaManager(url, channel=channel)
    sio = socketio.AsyncServer(client_manager=mgr, async_mode="aiohttp")

    @sio.on("join")
    async def join(sid, room):
        sio.enter_room(sid, room)
        return "joined"

    app = web.Application()
    sio.attach(app)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]

    client = socketio.AsyncClient()

    def on_event(name):
        async def handler(*args):
            out({"event": name, "args": list(args)})
            if name == "go_ack":
                return "answer from python"
        client.on(name, handler)

    for name in ("go_all", "go_room", "go_ack", "go_emitter", "py_all"):
        on_event(name)

    probed = asyncio.Event()

    async def on_probe(*args):
        probed.set()
    client.on("py_probe", on_probe)

    await client.connect("http://127.0.0.1:%d" % port)
    await client.call("join", "pyroom")
    await queue_ready.wait()
    # 5.7.2 delivers its own emits only through the queue: once the probe
    # arrives, the manager's queue is bound to the exchange.
    while not probed.is_set():
        await sio.emit("py_probe", None, room=client.get_sid())
        try:
            await asyncio.wait_for(probed.wait(), 0.2)
        except asyncio.TimeoutError:
            pass
    out({"ready": client.get_sid(), "queue": mgr.listener_queue.name})

    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            break
        cmd = json.loads(line)
        cb = None
        if cmd.get("callback"):
            def cb(*args):
                out({"ack": list(args)})
        await sio.emit(cmd["emit"], cmd["data"], room=cmd.get("room"), callback=cb)

    await client.disconnect()
    await runner.cleanup()
    os._exit(0)  # the manager's listener task does not end by itself


asyncio.run(main())
