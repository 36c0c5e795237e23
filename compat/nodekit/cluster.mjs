// The Node.js side of the brokers' mixed clusters (compat/redis,
// compat/postgres, compat/nats): a Node.js Socket.IO server gets the
// control handlers of the sio servers of the Go tests
// (queue/internal/controltest), so a control client on "/control" asks any
// server of the cluster to run a cluster operation ("op") and the clients
// on "/" report what reached them. It imports no npm package: each suite
// passes its own socket.io-client (clients).
import assert from "node:assert/strict";
import { once } from "node:events";

// serveCluster installs the control handlers on io, a Node.js server of
// the cluster called name: "join", "leave", "setData" and "rooms" on "/",
// the server-side events "sse" and "sseAck" (answered
// "reply-from-<name>"), and "op" on "/control".
export function serveCluster(io, name) {
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
        ack({ error: String((err && err.message) || err) });
      }
    });
  });
}

// listen starts http on a free port of 127.0.0.1 and returns its URL.
export async function listen(http) {
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  return `http://127.0.0.1:${http.address().port}`;
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

// args returns the arguments of an op's emit: op.args, and three bytes
// when op.binary is set.
export function args(op) {
  const out = [...(op.args || [])];
  if (op.binary) out.push(Buffer.from([1, 2, 3]));
  return out;
}

const byJSON = (a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0);

async function run(io, events, op) {
  const b = operator(io, op);
  const nsp = io.of(op.nsp || "/");
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
      nsp.serverSideEmit(op.event, ...args(op));
      return "ok";
    case "serverSideEmitWithAck":
      return (await nsp.serverSideEmitWithAck(op.event, ...args(op))).sort(byJSON);
    case "serverCount":
      return await nsp.adapter.serverCount();
    case "serverEvents":
      return events.splice(0);
  }
  throw new Error(`unknown operation ${op.op}`);
}

// clients returns the client classes of a cluster's tests on ioc, the
// suite's socket.io-client io function: Peer, a client of one server that
// records every event on "/" and answers acknowledgements with its name,
// and Control, the control client of one server. A server is { name, url }.
export function clients(ioc) {
  class Peer {
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

  class Control {
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

  return { Peer, Control };
}

// joinCluster connects, to each of servers ({ name, url }), a control
// client and two peers (c0 and c1 on the first, c2 and c3 on the next,
// ...), puts the clients listed in red in room "red" and those in blue in
// "blue", sets each client's data to { name, index }, and waits until
// every server counts them all. Peer and Control are the classes of
// clients(). It returns { controls, clients }.
export async function joinCluster({ servers, Peer, Control, red, blue }) {
  const controls = await Promise.all(servers.map((s) => new Control(s).connect()));
  const peers = [];
  for (const [i, s] of servers.entries()) {
    for (const j of [0, 1]) peers.push(await new Peer(s, `c${2 * i + j}`).connect());
  }
  for (const i of red) await peers[i].call("join", "red");
  for (const i of blue) await peers[i].call("join", "blue");
  for (const [i, c] of peers.entries()) await c.call("setData", { name: c.name, index: i });
  // Every server counts them all (heartbeats) before the operations run.
  for (const c of controls) {
    for (let n = 0; (await c.op({ op: "serverCount" })) !== servers.length; n++) {
      assert.ok(n < 200, `${c.server.name} never counts ${servers.length} servers`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return { controls, clients: peers };
}

// waitRooms waits until each client's extra rooms (besides its own id and
// red or blue, as joinCluster put them) are extra(i).
export async function waitRooms(peers, red, extra) {
  for (const [i, c] of peers.entries()) {
    const want = [c.id, red.includes(i) ? "red" : "blue", ...extra(i)].sort();
    let rooms;
    for (let n = 0; n < 100; n++) {
      rooms = await c.call("rooms");
      if (JSON.stringify(rooms) === JSON.stringify(want)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepEqual(rooms, want, `client ${i} rooms`);
  }
}

// waitEvents waits until each server i that which(i) selects has received
// the server-side events want(i), in order.
export async function waitEvents(controls, want, which = () => true) {
  for (const [i, c] of controls.entries()) {
    if (!which(i)) continue;
    const got = [];
    for (let n = 0; n < 100 && got.length < want(i).length; n++) {
      got.push(...(await c.op({ op: "serverEvents" })));
      if (got.length < want(i).length) await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepEqual(got, want(i), `server ${c.server.name} events`);
  }
}

// sel applies the rooms, except and volatile of o to a Node.js emitter.
export function sel(e, o) {
  let b = e;
  if (o.rooms && o.rooms.length) b = b.to(o.rooms);
  if (o.except && o.except.length) b = b.except(o.except);
  if (o.volatile) b = b.volatile;
  return b;
}
