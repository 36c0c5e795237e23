"""python-socketio peer for the sio benchmark matrix.

Debian's python3-socketio on aiohttp with the uvloop event loop (the fastest
mode Debian packages), implementing the benchmark contract described in
compat/bench/README.md:

    python3 server.py -addr 127.0.0.1:3000      (or: -port 3000)
"""

import argparse
import asyncio
import sys

import socketio
from aiohttp import web

try:
    import uvloop
except ImportError:  # still runs, on the default loop; the banner says so
    uvloop = None


def versions():
    from importlib import metadata

    out = {}
    for dist in ("python-socketio", "python-engineio", "aiohttp", "uvloop"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "absent"
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("-addr", default="")
    ap.add_argument("-port", type=int, default=3000)
    ap.add_argument("-version", action="store_true")
    args = ap.parse_args()
    if args.version:
        v = versions()
        print(" ".join(f"{k} {v[k]}" for k in v))
        return
    host, port = "127.0.0.1", args.port
    if args.addr:
        host, _, p = args.addr.rpartition(":")
        port = int(p)

    sio = socketio.AsyncServer(
        async_mode="aiohttp",
        cors_allowed_origins="*",
        logger=False,
        engineio_logger=False,
    )
    app = web.Application()
    sio.attach(app)

    @sio.on("echo")
    async def echo(sid, *data):
        # A tuple return value is sent as the ack's argument list.
        return tuple(data)

    @sio.on("bcast")
    async def bcast(sid, *data):
        await sio.emit("bcast", tuple(data))
        return ()

    if uvloop is not None:
        uvloop.install()
    v = versions()
    print(
        f"python-socketio {v['python-socketio']} (aiohttp {v['aiohttp']}, "
        f"uvloop {v['uvloop']}, python {sys.version.split()[0]}) listening on {host}:{port}",
        file=sys.stderr,
        flush=True,
    )
    web.run_app(app, host=host, port=port, print=None, access_log=None)


if __name__ == "__main__":
    main()
