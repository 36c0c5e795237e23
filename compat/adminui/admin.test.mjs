// The admin namespace of sio servers instrumented with package adminui,
// driven by a real socket.io-client as the Admin UI drives it (its auth
// payloads, the events it reads, the operations it sends), with the default
// and the msgpack parsers.
//
// Run by compat/adminui_test.go (go test ./compat/ -run AdminUIProtocol -v),
// which starts the servers (see adminServers there) and sets BASE_URL,
// ADMIN_USER and ADMIN_PASSWORD.
import { test, describe, afterEach } from "node:test";
import assert from "node:assert/strict";
import { io } from "socket.io-client";
import msgpackParser from "socket.io-msgpack-parser";
import { WAIT_MS as TIMEOUT, required as requiredEnv } from "../nodekit/kit.mjs";

const required = (name) => requiredEnv(name, "go test ./compat/ -run AdminUI");
const base = required("BASE_URL");
const login = { username: required("ADMIN_USER"), password: required("ADMIN_PASSWORD") };
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const FEATURES = ["EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT"];

// Every socket a test opens is closed after it.
let open = [];
afterEach(() => {
  for (const s of open) s.disconnect();
  open = [];
});

// recorded wraps a socket: every event it receives is kept, and wait()
// returns the first (kept or coming) that matches.
function recorded(socket) {
  const events = [];
  const waiters = [];
  socket.onAny((event, ...args) => {
    events.push({ event, args });
    for (const w of [...waiters]) {
      if (w.event === event && w.match(...args)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(args);
      }
    }
  });
  socket.events = events;
  socket.wait = (event, match = () => true, what = event) => {
    const seen = events.find((e) => e.event === event && match(...e.args));
    if (seen) return Promise.resolve(seen.args);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(w), 1);
        reject(new Error(`timed out waiting for ${what}; received ${JSON.stringify(events.map((e) => e.event))}`));
      }, TIMEOUT);
      const w = { event, match, resolve: (args) => { clearTimeout(timer); resolve(args); } };
      waiters.push(w);
    });
  };
  socket.count = (event, match = () => true) => events.filter((e) => e.event === event && match(...e.args)).length;
  return socket;
}

// connect opens a socket and, as the UI does, listens to its events from
// its connect event on (the client delivers the events that came before
// it joined earlier than that, so the server must not send them then).
function connect(path, nsp, opts = {}) {
  const socket = io(base + nsp, { path, forceNew: true, reconnection: false, ...opts });
  open.push(socket);
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(recorded(socket)));
    socket.once("connect_error", (err) => reject(err));
  });
}

// admin connects to the admin namespace as the UI does.
function admin(path, auth = {}, parser) {
  return connect(path, "/admin", { auth, withCredentials: true, ...(parser ? { parser } : {}) });
}

// client is an application client on "/".
function client(path, parser, transports = ["polling", "websocket"]) {
  return connect(path, "/", { transports, ...(parser ? { parser } : {}) });
}

// roundTrip returns once the admin socket's earlier events were handled:
// the fixture's "__barrier__" handler acknowledges, in order.
function roundTrip(socket) {
  return socket.timeout(TIMEOUT).emitWithAck("__barrier__");
}

function isSerializedSocket(s, id, nsp) {
  assert.equal(s.id, id);
  assert.equal(s.nsp, nsp);
  assert.equal(typeof s.clientId, "string");
  assert.equal(s.clientId.length, 12);
  assert.ok(["polling", "websocket"].includes(s.transport), s.transport);
  assert.equal(typeof s.data, "object");
  assert.ok(!("_admin" in s.data));
  assert.ok(s.rooms.includes(id), "its own room");
  const hs = s.handshake;
  assert.equal(typeof hs.address, "string");
  assert.equal(typeof hs.headers, "object");
  assert.equal(typeof hs.headers["user-agent"] ?? "", "string");
  assert.equal(typeof hs.query, "object");
  assert.equal(hs.query.EIO, "4");
  assert.equal(typeof hs.issued, "number");
  assert.ok(Math.abs(hs.issued - Date.now()) < 60_000);
  assert.equal(typeof hs.secure, "boolean");
  assert.match(hs.time, /GMT/);
  assert.match(hs.url, /EIO=4/);
  assert.equal(typeof hs.xdomain, "boolean");
  assert.ok(!("auth" in hs), "auth is not sent");
}

describe("authentication", () => {
  test("a wrong password, or none, is refused with invalid credentials", async () => {
    for (const auth of [{ username: login.username, password: "nope" }, {}, { username: "root", password: login.password }]) {
      await assert.rejects(admin("/socket.io", auth), (err) => err.message === "invalid credentials");
    }
  });

  test("credentials log in and receive a session id, which logs in again", async () => {
    const a = await admin("/socket.io", login);
    const [sessionId] = await a.wait("session");
    assert.match(sessionId, /^[0-9a-f]{16}$/);
    await a.wait("config");

    const b = await admin("/socket.io", { sessionId });
    await b.wait("config");
    assert.equal(b.count("session"), 0, "no new session for a session login");

    await assert.rejects(admin("/socket.io", { sessionId: "0123456789abcdef" }), (err) => err.message === "invalid credentials");
  });

  test("no auth accepts anyone", async () => {
    const a = await admin("/prod", {});
    await a.wait("config");
    assert.equal(a.count("session"), 0);
  });
});

describe("config per mode", () => {
  test("development: every feature, and all_sockets", async () => {
    const a = await admin("/socket.io", login);
    const [config] = await a.wait("config");
    assert.deepEqual(config, { supportedFeatures: [...FEATURES, "AGGREGATED_EVENTS", "ALL_EVENTS"] });
    const [sockets] = await a.wait("all_sockets");
    assert.ok(Array.isArray(sockets));
    const me = sockets.find((s) => s.id === a.id);
    assert.ok(me, "the admin socket itself is listed");
    isSerializedSocket(me, a.id, "/admin");
  });

  test("production: operations and aggregated events only, no all_sockets nor live events", async () => {
    const a = await admin("/prod");
    const [config] = await a.wait("config");
    assert.deepEqual(config, { supportedFeatures: [...FEATURES, "AGGREGATED_EVENTS"] });
    const c = await client("/prod");
    await c.timeout(TIMEOUT).emitWithAck("hello", 1);
    // Two statistics later, nothing else came.
    const first = a.count("server_stats");
    await a.wait("server_stats", () => a.count("server_stats") >= first + 2, "two more server_stats");
    assert.deepEqual([...new Set(a.events.map((e) => e.event))].sort(), ["config", "server_stats"]);
  });

  test("read-only: no operation features", async () => {
    const a = await admin("/ro");
    const [config] = await a.wait("config");
    assert.deepEqual(config, { supportedFeatures: ["AGGREGATED_EVENTS", "ALL_EVENTS"] });
  });
});

// The events, with each parser; the msgpack server is /mp.
for (const [name, path, parser] of [["default parser", "/socket.io", undefined], ["msgpack parser", "/mp", msgpackParser]]) {
  describe(`events (${name})`, () => {
    test("server_stats has the fields the UI reads", async () => {
      const a = await admin(path, login, parser);
      const [stats] = await a.wait("server_stats", (s) => s.namespaces.some((n) => n.name === "/admin" && n.socketsCount >= 1));
      assert.equal(stats.serverId, path === "/mp" ? "mp" : "dev");
      assert.equal(typeof stats.hostname, "string");
      assert.equal(typeof stats.pid, "number");
      assert.equal(typeof stats.uptime, "number");
      assert.ok(stats.clientsCount >= 1);
      assert.equal(typeof stats.pollingClientsCount, "number");
      assert.ok(Array.isArray(stats.aggregatedEvents));
      assert.ok(stats.namespaces.some((n) => n.name === "/"));
    });

    test("a client's life: connected, upgraded, data, events both ways, rooms, disconnected", async () => {
      const a = await admin(path, login, parser);
      await a.wait("all_sockets");
      const c = await client(path, parser);
      const id = c.id;

      const [sock, ts] = await a.wait("socket_connected", (s) => s.id === id);
      isSerializedSocket(sock, id, "/");
      assert.match(ts, ISO);
      const [nsp, room, sid, rts] = await a.wait("room_joined", (n, r, s) => s === id);
      assert.deepEqual([nsp, room, sid], ["/", id, id]);
      assert.match(rts, ISO);

      await a.wait("socket_updated", (u) => u.id === id && u.transport === "websocket", "the upgrade");
      const [up] = a.events.find((e) => e.event === "socket_updated" && e.args[0].id === id).args;
      assert.deepEqual(up, { id, nsp: "/", transport: "websocket" });

      assert.equal(await c.timeout(TIMEOUT).emitWithAck("set data", "ann"), "ok");
      const [data] = await a.wait("socket_updated", (u) => u.id === id && u.data);
      assert.deepEqual(data, { id, nsp: "/", data: { name: "ann" } });

      assert.equal(await c.timeout(TIMEOUT).emitWithAck("hello", 1, { a: [2, "x"] }), "ok");
      const received = await a.wait("event_received", (n, s, args) => s === id && args[0] === "hello");
      assert.deepEqual(received.slice(0, 3), ["/", id, ["hello", 1, { a: [2, "x"] }]]);
      assert.match(received[3], ISO);
      const sent = await a.wait("event_sent", (n, s, args) => s === id && args[0] === "welcome");
      assert.deepEqual(sent.slice(0, 3), ["/", id, ["welcome", "friend"]]);
      assert.match(sent[3], ISO);

      await c.timeout(TIMEOUT).emitWithAck("join", "lobby");
      await a.wait("room_joined", (n, r, s) => r === "lobby" && s === id);
      await c.timeout(TIMEOUT).emitWithAck("leave", "lobby");
      const left = await a.wait("room_left", (n, r, s) => r === "lobby" && s === id);
      assert.deepEqual(left.slice(0, 3), ["/", "lobby", id]);
      assert.match(left[3], ISO);

      c.disconnect();
      const gone = await a.wait("socket_disconnected", (n, s) => s === id);
      assert.deepEqual(gone.slice(0, 3), ["/", id, "client namespace disconnect"]);
      assert.match(gone[3], ISO);
    });

    test("aggregated events count connections, packets and bytes per second", async () => {
      const a = await admin(path, login, parser);
      const c = await client(path, parser, ["websocket"]);
      await c.timeout(TIMEOUT).emitWithAck("hello", "x".repeat(100));
      c.disconnect();
      const seen = {};
      await a.wait(
        "server_stats",
        (s) => {
          for (const e of s.aggregatedEvents) {
            assert.equal(e.timestamp % 1000, 0);
            assert.ok(e.count > 0);
            seen[e.type] = (seen[e.type] ?? 0) + e.count;
            if (e.type === "rawDisconnection") assert.equal(typeof e.subType, "string");
          }
          return ["rawConnection", "rawDisconnection", "packetsIn", "packetsOut", "bytesIn", "bytesOut"].every((t) => seen[t]);
        },
        "every aggregated type",
      );
      assert.ok(seen.bytesIn > 100);
    });

    test("all_sockets lists the clients of every namespace", async () => {
      const c = await client(path, parser);
      const a = await admin(path, login, parser);
      const [sockets] = await a.wait("all_sockets");
      const s = sockets.find((x) => x.id === c.id);
      assert.ok(s, "the client is listed");
      isSerializedSocket(s, c.id, "/");
    });

    test("nothing of the admin namespace's own events is reported", async () => {
      const a = await admin(path, login, parser);
      const b = await admin(path, login, parser);
      // Node reports admin sockets' connections, not their events.
      await a.wait("socket_connected", (s) => s.id === b.id && s.nsp === "/admin");
      b.emit("join", "/", "nowhere", "no-such-socket");
      await roundTrip(b);
      await a.wait("server_stats");
      assert.equal(a.count("event_received", (n) => n === "/admin"), 0);
      assert.equal(a.count("event_sent", (n) => n === "/admin"), 0);
    });
  });
}

describe("operations", () => {
  test("join, leave, emit and disconnect a socket, and whole namespaces", async () => {
    const a = await admin("/socket.io", login);
    await a.wait("config");
    const c = await client("/socket.io");
    const d = await client("/socket.io");
    const rooms = async (s) => s.timeout(TIMEOUT).emitWithAck("rooms");

    a.emit("join", "/", "vip", c.id);
    await roundTrip(a);
    assert.ok((await rooms(c)).includes("vip"));
    assert.ok(!(await rooms(d)).includes("vip"));

    a.emit("join", "/", "everyone");
    await roundTrip(a);
    assert.ok((await rooms(c)).includes("everyone") && (await rooms(d)).includes("everyone"));

    a.emit("leave", "/", "vip", c.id);
    a.emit("leave", "/", "everyone"); // the UI's "clear room"
    await roundTrip(a);
    assert.deepEqual(await rooms(c), [c.id]);
    assert.deepEqual(await rooms(d), [d.id]);

    const news = new Promise((resolve) => c.once("news", (...args) => resolve(args)));
    a.emit("emit", "/", c.id, "news", 1, { two: 2 });
    assert.deepEqual(await news, [1, { two: 2 }]);

    a.emit("join", "/nope", "r", c.id); // an unknown namespace: ignored
    await roundTrip(a);

    const cGone = new Promise((resolve) => c.once("disconnect", resolve));
    a.emit("_disconnect", "/", false, c.id);
    assert.equal(await cGone, "io server disconnect");
    assert.ok(d.connected);

    const dGone = new Promise((resolve) => d.once("disconnect", resolve));
    a.emit("_disconnect", "/", true, d.id); // the whole connection
    await dGone;
    await a.wait("server_stats", (s) => s.aggregatedEvents.some((e) => e.type === "rawDisconnection"));
  });

  test("read-only: operations have no effect", async () => {
    const a = await admin("/ro");
    await a.wait("config");
    const c = await client("/ro");
    a.emit("join", "/", "vip", c.id);
    a.emit("_disconnect", "/", true, c.id);
    a.emit("emit", "/", c.id, "news", 1);
    await roundTrip(a);
    assert.deepEqual(await c.timeout(TIMEOUT).emitWithAck("rooms"), [c.id]);
    assert.ok(c.connected);
    assert.equal(c.count("news"), 0);
  });
});

describe("cluster", () => {
  test("the admin of one server sees and manages the other server's clients", async () => {
    const a = await admin("/ca");
    await a.wait("server_stats", (s) => s.serverId === "node-a");
    await a.wait("server_stats", (s) => s.serverId === "node-b", undefined, "node-b's statistics");
    const c = await client("/cb");
    const id = c.id;
    await a.wait("socket_connected", (s) => s.id === id, "socket_connected from node-b");

    const a2 = await admin("/ca");
    const [sockets] = await a2.wait("all_sockets");
    const s = sockets.find((x) => x.id === c.id);
    assert.ok(s, "all_sockets lists node-b's client");
    assert.equal(s.nsp, "/");
    assert.ok(s.rooms.includes(c.id));

    const gone = new Promise((resolve) => c.once("disconnect", resolve));
    a.emit("_disconnect", "/", false, c.id);
    assert.equal(await gone, "io server disconnect");
    await a.wait("socket_disconnected", (n, sid) => sid === id);
  });
});
