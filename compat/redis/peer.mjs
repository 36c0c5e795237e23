// A Node.js Socket.IO server of a mixed cluster, with the same control
// handlers as the sio servers of queue/redisq's interop tests
// (control_test.go there): a control client on "/control" asks the
// server to run a cluster operation ("op"); the clients on "/" report
// what reached them.
import { createServer } from "node:http";
import { once } from "node:events";
import { Server } from "socket.io";
import { io as ioc } from "socket.io-client";
import { createClient } from "redis";
import { createAdapter, createShardedAdapter } from "@socket.io/redis-adapter";
import { createAdapter as createStreamsAdapter } from "@socket.io/redis-streams-adapter";

// adapters make the adapter of each format, on the prefix key for every
// key and channel name.
const adapters = {
  classic: (pub, sub, key) => createAdapter(pub, sub, { key }),
  sharded: (pub, sub, key) => createShardedAdapter(pub, sub, { channelPrefix: key, subscriptionMode: "dynamic" }),
  streams: (pub, sub, key) =>
    createStreamsAdapter(pub, { streamName: key, channelPrefix: key, sessionKeyPrefix: `${key}:session:` }),
};

// startNode starts a Node.js server on the Redis adapter of format
// (classic, sharded or streams; with recovery, connection state recovery
// on) and returns { name, url, io, close }.
export async function startNode({ name, redisUrl, key, format = "classic", recovery = false }) {
  const pub = createClient({ url: redisUrl });
  const sub = pub.duplicate();
  pub.on("error", () => {});
  sub.on("error", () => {});
  await Promise.all([pub.connect(), sub.connect()]);
  const http = createServer();
  const opts = { adapter: adapters[format](pub, sub, key) };
  if (recovery) opts.connectionStateRecovery = { maxDisconnectionDuration: 60000 };
  const io = new Server(http, opts);
  const events = [];
  const root = io.of("/");
  root.on("connection", (s) => {
    s.on("join", (room, ack) => { s.join(room); ack("ok"); });
    s.on("leave", (room, ack) => { s.leave(room); ack("ok"); });
    s.on("setData", (v, ack) => { s.data = v; ack("ok"); });
    s.on("rooms", (ack) => ack([...s.rooms].sort()));
  });
  for (const event of ["sse", "sseAck"]) {
    root.on(event, (...args) => {
      const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
      events.push([event, ...args]);
      if (ack) ack(`reply-from-${name}`);
    });
  }
  io.of("/control").on("connection", (s) => {
    s.on("op", async (op, ack) => {
      try {
        ack(await run(io, events, op));
      } catch (err) {
        ack({ error: String(err && err.message || err) });
      }
    });
  });
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const url = `http://127.0.0.1:${http.address().port}`;
  return {
    name, url, io,
    async close() {
      io.close();
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}

// operator returns the broadcast operator an op selects.
function operator(io, op) {
  let b = io.of(op.nsp || "/");
  if (op.rooms && op.rooms.length) b = b.to(op.rooms);
  if (op.except && op.except.length) b = b.except(op.except);
  if (op.local) b = b.local;
  if (op.volatile) b = b.volatile;
  if (op.uncompressed) b = b.compress(false);
  if (op.timeout) b = b.timeout(op.timeout);
  return b;
}

function args(op) {
  const out = [...(op.args || [])];
  if (op.binary) out.push(Buffer.from([1, 2, 3]));
  return out;
}

const byJSON = (a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0);

async function run(io, events, op) {
  const b = operator(io, op);
  switch (op.op) {
    case "emit":
      b.emit(op.event, ...args(op));
      return "ok";
    case "emitWithAck":
      return (await b.emitWithAck(op.event, ...args(op))).sort(byJSON);
    case "fetch":
      return (await b.fetchSockets()).map((s) => ({
        id: s.id,
        rooms: [...s.rooms].sort(),
        data: s.data ?? null,
        handshake: {
          auth: s.handshake.auth, query: s.handshake.query.name, address: s.handshake.address,
          url: s.handshake.url, issued: s.handshake.issued, secure: s.handshake.secure,
        },
      }));
    case "socketsJoin":
      b.socketsJoin(op.join);
      return "ok";
    case "socketsLeave":
      b.socketsLeave(op.join);
      return "ok";
    case "disconnect":
      b.disconnectSockets(op.close);
      return "ok";
    case "serverSideEmit":
      io.of(op.nsp || "/").serverSideEmit(op.event, ...args(op));
      return "ok";
    case "serverSideEmitWithAck":
      return (await io.of(op.nsp || "/").serverSideEmitWithAck(op.event, ...args(op))).sort(byJSON);
    case "serverCount":
      return await io.of(op.nsp || "/").adapter.serverCount();
    case "serverEvents":
      return events.splice(0);
  }
  throw new Error(`unknown operation ${op.op}`);
}

// A client of one server: it records every event on "/" and answers
// acknowledgements with its name.
export class Peer {
  constructor(server, name) {
    this.server = server;
    this.name = name;
    this.events = [];
    this.waiters = [];
  }

  async connect() {
    this.socket = ioc(this.server.url, {
      transports: ["websocket"], reconnection: false, forceNew: true,
      auth: { token: this.name }, query: { name: this.name },
    });
    this.socket.onAny((event, ...args) => {
      const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
      if (ack) ack(this.name);
      this.events.push({ event, args });
      this.wake();
    });
    this.socket.on("disconnect", (reason) => {
      this.events.push({ event: "disconnect", args: [reason] });
      this.wake();
    });
    await once(this.socket, "connect");
    this.id = this.socket.id;
    return this;
  }

  wake() {
    for (const w of this.waiters.splice(0)) w();
  }

  // next returns the next event received (waiting up to ms).
  async next(ms = 5000) {
    const deadline = Date.now() + ms;
    while (this.events.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.name}: no event within ${ms} ms`);
      await new Promise((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
    return this.events.shift();
  }

  async call(event, ...args) {
    return await this.socket.timeout(5000).emitWithAck(event, ...args);
  }

  close() {
    this.socket?.disconnect();
  }
}

// Control is the control client of one server.
export class Control {
  constructor(server) {
    this.server = server;
  }

  async connect() {
    this.socket = ioc(this.server.url + "/control", { transports: ["websocket"], reconnection: false, forceNew: true });
    await once(this.socket, "connect");
    return this;
  }

  async op(op) {
    const out = await this.socket.timeout(15000).emitWithAck("op", op);
    if (out && out.error) throw new Error(`${this.server.name} ${op.op}: ${out.error}`);
    return out;
  }

  close() {
    this.socket?.disconnect();
  }
}
