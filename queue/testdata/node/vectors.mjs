// Cluster messages as the Node.js adapters write and read them, for the
// codec tests of package queue (see ../../vectors_test.go).
//
//   node vectors.mjs generate > ../node-vectors.json
//     runs a real Socket.IO server on the sharded Redis adapter (with a
//     recording stand-in for the Redis client) and a real client, makes the
//     adapter publish every kind of message, and prints each one as the
//     sharded adapter encoded it (JSON, or notepack when it carries binary),
//     as @msgpack/msgpack encodes it (Redis Streams pub/sub, Postgres
//     attachments) and, for its data, as a Redis Streams entry stores it.
//   node vectors.mjs decode < messages.json
//     reads [{name, hex}] and prints [{name, value}], each message decoded
//     the way the sharded adapter decodes it (a leading "{" is JSON,
//     anything else notepack), plus "msgpack": the @msgpack/msgpack reading
//     when the message is not JSON.
//
// Values are printed in a canonical JSON form: binary as {"$bin": hex},
// dates as {"$date": ISO text}, undefined left out.

import { createRequire } from "node:module";
import http from "node:http";

const require = createRequire(import.meta.url);

// Deterministic uids and request ids: socket.io-adapter draws them with
// crypto.randomBytes(8).
const crypto = require("node:crypto");
const randomBytes = crypto.randomBytes;
let counter = 0;
crypto.randomBytes = (size, cb) => {
  if (size === 8 && !cb) {
    const b = Buffer.alloc(8);
    b.writeUInt32BE(++counter, 4);
    return b;
  }
  return randomBytes(size, cb);
};

const notepack = require("notepack.io");
const msgpack = require("@msgpack/msgpack");

function canonical(v) {
  if (v === null || v === undefined) return v ?? null;
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) {
    return { $bin: Buffer.from(v).toString("hex") };
  }
  if (v instanceof ArrayBuffer) return { $bin: Buffer.from(v).toString("hex") };
  if (v instanceof Date) return { $date: v.toISOString() };
  if (Array.isArray(v)) return v.map((e) => (e === undefined ? null : canonical(e)));
  if (typeof v === "object") {
    const out = {};
    for (const k of Object.keys(v).sort()) {
      if (v[k] !== undefined && typeof v[k] !== "function") out[k] = canonical(v[k]);
    }
    return out;
  }
  return v;
}

// shardedDecode is ShardedRedisAdapter.onRawMessage's decoding.
function shardedDecode(raw) {
  return raw[0] === 0x7b ? JSON.parse(raw.toString()) : notepack.decode(raw);
}

async function readStdin() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  return Buffer.concat(chunks).toString();
}

async function decodeMode() {
  const input = JSON.parse(await readStdin());
  const out = input.map(({ name, hex }) => {
    const raw = Buffer.from(hex, "hex");
    const r = { name, value: canonical(shardedDecode(raw)) };
    if (raw[0] !== 0x7b) r.msgpack = canonical(msgpack.decode(raw));
    return r;
  });
  process.stdout.write(JSON.stringify(out, null, 1) + "\n");
}

const until = async (what, cond) => {
  for (let i = 0; i < 500; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("timed out waiting for " + what);
};

async function generateMode() {
  const { Server } = require("socket.io");
  const { io: ioc } = require("socket.io-client");
  const { createShardedAdapter } = require("@socket.io/redis-adapter");

  // The stand-in Redis clients (node-redis v4 API): SPUBLISH records,
  // SSUBSCRIBE keeps the handler, PUBSUB SHARDNUMSUB says two servers.
  const handlers = new Map();
  const sub = {
    sSubscribe(channels, handler) {
      for (const c of [].concat(channels)) handlers.set(c, handler);
      return Promise.resolve();
    },
    sUnsubscribe(channels) {
      for (const c of [].concat(channels)) handlers.delete(c);
      return Promise.resolve();
    },
  };
  const published = [];
  const pub = {
    sSubscribe() {}, // marks a node-redis v4 client
    sPublish(channel, payload) {
      published.push({ channel, payload: Buffer.from(payload) });
      return Promise.resolve(1);
    },
    sendCommand(args) {
      return Promise.resolve([args[2], 2]);
    },
  };

  const httpServer = http.createServer();
  const io = new Server(httpServer, { adapter: createShardedAdapter(pub, sub) });
  const adapter = io.of("/").adapter;
  const nodeUID = adapter.uid;

  // Every message the adapter publishes, encoded when it is published (the
  // adapters change the packet afterwards).
  const vectors = [];
  let label = "";
  const record = (message, at = published.length) => {
    vectors.push({
      label,
      type: message.type,
      at,
      msgpack: Buffer.from(msgpack.encode(message)),
      notepack: notepack.encode(message),
      streamsData: message.data === undefined ? null : streamsData(message),
    });
  };
  const doPublish = adapter.doPublish.bind(adapter);
  adapter.doPublish = (m) => {
    record(m);
    return doPublish(m);
  };
  const doPublishResponse = adapter.doPublishResponse.bind(adapter);
  adapter.doPublishResponse = (uid, m) => {
    record(m);
    return doPublishResponse(uid, m);
  };

  // A fixed handshake, so that the output does not change between runs.
  io.use((socket, next) => {
    socket.id = "AAAAAAAAAAAAAAAAAAAA";
    Object.assign(socket.handshake, {
      headers: { host: "localhost:3000", "user-agent": "node", cookie: "a=1", "set-cookie": ["x=1", "y=2"] },
      time: "Thu Jan 01 2026 00:00:00 GMT+0000 (Coordinated Universal Time)",
      address: "::ffff:127.0.0.1",
      xdomain: false,
      secure: false,
      issued: 1767225600000,
      url: "/socket.io/?EIO=4&transport=websocket&room=1",
      query: { EIO: "4", transport: "websocket", room: "1", tags: ["a", "b"] },
    });
    next();
  });
  io.on("connection", (socket) => {
    socket.join("room1");
    socket.data = { user: "alice", n: 1 };
  });
  io.on("sse", () => {});
  io.on("question", (n, cb) => cb({ answer: n + 1, ok: true }));
  io.on("questionBin", (cb) => cb(Buffer.from([7, 8])));

  await new Promise((r) => httpServer.listen(0, "127.0.0.1", r));
  const port = httpServer.address().port;
  const client = ioc(`http://127.0.0.1:${port}`, { transports: ["websocket"], auth: { token: "t0k" } });
  client.on("ask", (q, ack) => ack("yes: " + q));
  client.on("askBin", (ack) => ack(Buffer.from([0xca, 0xfe])));
  await new Promise((r) => client.on("connect", r));
  const socket = io.of("/").sockets.get("AAAAAAAAAAAAAAAAAAAA");

  const step = async (name, fn, expect = 1) => {
    label = name;
    const before = vectors.length;
    await fn();
    await until(name, () => vectors.length >= before + expect);
  };
  const feed = (channel, message) => handlers.get(channel)(Buffer.from(JSON.stringify(message)), Buffer.from(channel));
  const main = "socket.io#/#";
  const peer = "feedfeedfeedfeed"; // the uid of the requesting server the script plays

  // Messages a Node.js server publishes on its own.
  await step("broadcast", () => io.emit("event", 1, "two", { three: [3] }, 1.5, null, true, -7, 2 ** 40));
  await step("broadcast-binary-room", () => io.to("room1").except("room2").emit("bin", Buffer.from([1, 2, 3]), { nested: Buffer.from([4]) }));
  await step("broadcast-flags", () => io.to(["a", "b"]).volatile.compress(false).emit("flags", "x"));
  await step("broadcast-socket-id-room", () => io.to("AAAAAAAAAAAAAAAAAAAB").emit("private", "x"));
  await step("broadcast-date", () => io.emit("date", new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678))));
  await step("broadcast-ack", () => {
    io.timeout(1000).emit("withAck", "x", () => {});
  });
  await step("sockets-join", () => io.socketsJoin("room3"));
  await step("sockets-leave", () => io.in("room1").except("room9").socketsLeave("room3"));
  await step("disconnect-sockets", () => io.in("nobody").disconnectSockets(true));
  await step("fetch-sockets", () => {
    io.timeout(50).fetchSockets().catch(() => {});
  });
  await step("server-side-emit", () => io.serverSideEmit("sse", 1, { a: "b" }));
  await step("server-side-emit-binary", () => io.serverSideEmit("sseBin", Buffer.from([9])));
  await step("server-side-emit-ack", () => {
    io.serverSideEmit("sseAck", "q", () => {});
  });

  // Responses to the requests of another server.
  const opts = { rooms: [], except: [], flags: {} };
  await step("fetch-sockets-response", () => feed(main, { uid: peer, nsp: "/", type: 7, data: { opts, requestId: "aaaa000000000001" } }));
  socket.data = { avatar: Buffer.from([0xff, 0]), when: new Date(Date.UTC(2026, 0, 1)) };
  await step("fetch-sockets-response-binary", () => feed(main, { uid: peer, nsp: "/", type: 7, data: { opts: { rooms: ["room1"], except: [] }, requestId: "aaaa000000000002" } }));
  await step("server-side-emit-response", () => feed(main, { uid: peer, nsp: "/", type: 9, data: { packet: ["question", 41], requestId: "aaaa000000000003" } }));
  await step("server-side-emit-response-binary", () => feed(main, { uid: peer, nsp: "/", type: 9, data: { packet: ["questionBin"], requestId: "aaaa000000000004" } }));
  await step("broadcast-client-count+ack", () => feed(main, { uid: peer, nsp: "/", type: 3, data: { packet: { type: 2, data: ["ask", "q"] }, opts: { rooms: [], except: [], flags: { timeout: 2000 } }, requestId: "aaaa000000000005" } }), 2);
  await step("broadcast-client-count+ack-binary", () => feed(main, { uid: peer, nsp: "/", type: 3, data: { packet: { type: 2, data: ["askBin"] }, opts: { rooms: [], except: [], flags: { timeout: 2000 } }, requestId: "aaaa000000000006" } }), 2);

  // The heartbeat variant's messages (Postgres adapter), as
  // ClusterAdapterWithHeartbeat builds them.
  for (const [name, type] of [["initial-heartbeat", 1], ["heartbeat", 2], ["adapter-close", 13]]) {
    const message = { type, uid: nodeUID, nsp: "/" };
    label = name;
    published.push({ channel: main, payload: Buffer.from(JSON.stringify(message)) });
    record(message, published.length - 1);
  }

  client.close();
  io.close();

  // Each message in every form, with the value a Node.js server reads from
  // it.
  const out = [];
  const names = new Map();
  for (const v of vectors) {
    const n = (names.get(v.label) ?? 0) + 1;
    names.set(v.label, n);
    const name = vectors.filter((w) => w.label === v.label).length > 1 ? `${v.label}#${n}` : v.label;
    const { channel, payload } = published[v.at];
    const isJSON = payload[0] === 0x7b;
    const entry = {
      name,
      type: v.type,
      channel,
      // What the sharded adapter published (JSON, or notepack with binary).
      sharded: isJSON ? { json: payload.toString() } : { hex: payload.toString("hex") },
      shardedValue: canonical(shardedDecode(payload)),
      // @msgpack/msgpack: Redis Streams pub/sub messages, Postgres attachments.
      msgpack: v.msgpack.toString("hex"),
      msgpackValue: canonical(msgpack.decode(v.msgpack)),
      // notepack, as the sharded adapter writes every message with binary.
      notepack: v.notepack.toString("hex"),
      notepackValue: canonical(notepack.decode(v.notepack)),
    };
    // The data field of a Redis Streams entry (JSON text or base64 msgpack).
    if (v.streamsData !== null) entry.streamsData = v.streamsData;
    out.push(entry);
  }
  process.stdout.write(JSON.stringify(out, null, 1) + "\n");
  process.exit(0);
}

// streamsData is RedisStreamsAdapter.encode's data field (0.3.x, with
// onlyPlaintext off): JSON text, or base64 of the msgpack of the data when
// a message that may carry binary does.
function streamsData(message) {
  const mayContainBinary = [3, 8, 9, 10, 12].includes(message.type);
  if (mayContainBinary && hasBinary(message.data)) {
    return Buffer.from(msgpack.encode(message.data)).toString("base64");
  }
  return JSON.stringify(message.data);
}

// hasBinary is the adapters' (redis-adapter lib/util.ts).
function hasBinary(obj, toJSON) {
  if (!obj || typeof obj !== "object") return false;
  if (obj instanceof ArrayBuffer || ArrayBuffer.isView(obj)) return true;
  if (Array.isArray(obj)) return obj.some((e) => hasBinary(e));
  for (const key in obj) {
    if (Object.prototype.hasOwnProperty.call(obj, key) && hasBinary(obj[key])) return true;
  }
  if (obj.toJSON && typeof obj.toJSON === "function" && !toJSON) return hasBinary(obj.toJSON(), true);
  return false;
}

const mode = process.argv[2];
if (mode === "generate") await generateMode();
else if (mode === "decode") await decodeMode();
else {
  process.stderr.write("usage: node vectors.mjs generate|decode\n");
  process.exit(2);
}
