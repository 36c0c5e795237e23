// Shared helpers for the socket.io-client interop tests.
//
// The Go harness (compat/socketio_test.go, fixture in
// compat/socketio_fixture_test.go) starts the fixture and sets:
//   SIO_URL          base URL of the test server, e.g. http://127.0.0.1:40123
//   SIO_PATH_MAIN    path of the main server (handlers in arrival order)
//   SIO_PATH_CONCURRENT  the same application with ConcurrentHandlers
//   SIO_PATH_CATCHALL    the server with the catch-all namespace Of("*")
//   SIO_PATH_HEARTBEAT   short heartbeat and connect timeout
//   SIO_PATH_MSGPACK     the msgpack parser
// The fixture's events and control endpoints are documented in the Go file.

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { io, Manager } from "socket.io-client";
import msgpackParser from "socket.io-msgpack-parser";

export const BASE_URL = process.env.SIO_URL;
if (!BASE_URL) {
  throw new Error("SIO_URL is not set: run these tests through `go test ./compat/`");
}

export const PATHS = {
  main: process.env.SIO_PATH_MAIN || "/socket.io/",
  concurrent: process.env.SIO_PATH_CONCURRENT || "/concurrent/",
  catchall: process.env.SIO_PATH_CATCHALL || "/catchall/",
  heartbeat: process.env.SIO_PATH_HEARTBEAT || "/sio-heartbeat/",
  msgpack: process.env.SIO_PATH_MSGPACK || "/msgpack/",
};

// Upper bound for any single wait in a test; every test also has its own
// node:test timeout.
export const WAIT_MS = 10_000;
export const TEST_TIMEOUT = 30_000;

// The transports under test: every core scenario runs under both.
// (The third is the client's default: polling, then an upgrade to websocket;
// connect() waits for the upgrade, sockets of a manager() may upgrade during
// the test.)
export const MODES = [
  { name: "polling only", transport: "polling", opts: { transports: ["polling"] } },
  { name: "websocket only", transport: "websocket", opts: { transports: ["websocket"] } },
  { name: "polling then upgrade", transport: "websocket", connectTransport: "polling", opts: { awaitUpgrade: true } },
];

// The parsers under test for the payload scenarios, each with its server.
export const PARSERS = [
  { name: "json parser", server: "main", opts: {} },
  { name: "msgpack parser", server: "msgpack", opts: { parser: msgpackParser } },
];

// Sockets and managers opened here; closeAll() closes what a test left open.
const opened = new Set();

export function closeAll() {
  for (const s of opened) {
    if (s instanceof Manager) {
      s._close?.();
      s.engine?.close();
    } else {
      s.disconnect();
      s.io?.engine?.close();
    }
  }
  opened.clear();
}

// socket creates a client socket for namespace nsp of server (a key of
// PATHS) on its own connection, without reconnection. It does not wait.
export function socket(nsp = "/", { server = "main", awaitUpgrade, ...opts } = {}) {
  const s = io(BASE_URL + nsp, {
    path: PATHS[server],
    forceNew: true,
    reconnection: false,
    timeout: WAIT_MS,
    ...opts,
  });
  opened.add(s);
  return s;
}

// manager creates a Manager (one connection for several namespaces).
export function manager({ server = "main", awaitUpgrade, ...opts } = {}) {
  const m = new Manager(BASE_URL, {
    path: PATHS[server],
    reconnection: false,
    timeout: WAIT_MS,
    ...opts,
  });
  opened.add(m);
  return m;
}

// connect creates a socket and waits until it has joined its namespace.
// With opts.awaitUpgrade, it also waits until the connection has upgraded
// to websocket.
export async function connect(nsp = "/", opts = {}) {
  const s = socket(nsp, opts);
  const engine = s.io.engine;
  const upgraded = opts.awaitUpgrade && !opts.transports ? once(engine, "upgrade") : null;
  await connected(s);
  if (upgraded && engine.transport.name !== "websocket") await upgraded;
  return s;
}

// connected waits for the "connect" event of s (rejects on connect_error).
export function connected(s, ms = WAIT_MS) {
  if (s.connected) return Promise.resolve(s);
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      s.off("connect", onConnect);
      s.off("connect_error", onError);
    };
    const onConnect = () => {
      cleanup();
      resolve(s);
    };
    const onError = (err) => {
      cleanup();
      reject(new Error(`connect_error on ${s.nsp}: ${err.message} ${JSON.stringify(err.data)}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${ms} ms waiting for "connect" on ${s.nsp}`));
    }, ms);
    s.on("connect", onConnect);
    s.on("connect_error", onError);
  });
}

// once resolves with the arguments of the next `event` on `emitter`; it
// rejects after `ms`.
export function once(emitter, event, ms = WAIT_MS) {
  return new Promise((resolve, reject) => {
    const onEvent = (...args) => {
      clearTimeout(timer);
      resolve(args);
    };
    const timer = setTimeout(() => {
      emitter.off(event, onEvent);
      reject(new Error(`timed out after ${ms} ms waiting for "${event}"`));
    }, ms);
    emitter.once(event, onEvent);
  });
}

// collect resolves with the arguments of the next n `event`s.
export function collect(emitter, event, n, ms = WAIT_MS) {
  return new Promise((resolve, reject) => {
    const got = [];
    const onEvent = (...args) => {
      got.push(args);
      if (got.length === n) {
        clearTimeout(timer);
        emitter.off(event, onEvent);
        resolve(got);
      }
    };
    const timer = setTimeout(() => {
      emitter.off(event, onEvent);
      reject(new Error(`timed out after ${ms} ms with ${got.length}/${n} "${event}" events`));
    }, ms);
    emitter.on(event, onEvent);
  });
}

// ack emits event with args and resolves with every argument of the
// server's acknowledgement (emitWithAck keeps only the first).
export function ack(s, event, ...args) {
  return new Promise((resolve, reject) => {
    s.timeout(WAIT_MS).emit(event, ...args, (err, ...reply) => {
      if (err) reject(new Error(`no acknowledgement of "${event}" within ${WAIT_MS} ms: ${err.message}`));
      else resolve(reply);
    });
  });
}

// ack1 is ack for a single-argument acknowledgement.
export async function ack1(s, event, ...args) {
  const reply = await ack(s, event, ...args);
  assert.equal(reply.length, 1, `acknowledgement of "${event}": ${JSON.stringify(reply)}`);
  return reply[0];
}

// control calls a control endpoint of the Go fixture and returns its JSON.
export async function control(path, params = {}, ms = WAIT_MS + 5_000) {
  const url = new URL(`/control/${path}`, BASE_URL);
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined) url.searchParams.set(k, typeof v === "string" ? v : JSON.stringify(v));
  }
  const res = await fetch(url, { signal: AbortSignal.timeout(ms) });
  const body = await res.text();
  assert.equal(res.status, 200, `control ${path}: ${res.status} ${body}`);
  return JSON.parse(body);
}

// serverLeft waits until the server's socket sid has left its namespace and
// returns what the fixture recorded (reason, session at disconnect ...).
export function serverLeft(sid) {
  assert.ok(sid, "no socket id");
  return control("socket", { sid, wait: "1" });
}

// uniq returns a name no other test uses.
export function uniq(prefix = "x") {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

// bytesOf returns any binary value as a Buffer (no copy).
export function bytesOf(value) {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError(`not binary: ${Object.prototype.toString.call(value)} ${JSON.stringify(value)}`);
}

export function isBinary(value) {
  return Buffer.isBuffer(value) || value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

// normalize turns every binary value into a Buffer, recursively, so that
// deepEqual compares bytes whatever binary type the client produced.
export function normalize(value) {
  if (isBinary(value)) return Buffer.from(bytesOf(value));
  if (Array.isArray(value)) return value.map(normalize);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v)]));
  }
  return value;
}

// assertBinary checks that value is binary with the given bytes.
export function assertBinary(value, bytes, label = "") {
  assert.ok(isBinary(value), `${label}: expected binary, got ${Object.prototype.toString.call(value)} ${JSON.stringify(value)}`);
  assert.deepEqual([...bytesOf(value)], [...bytes], `${label}: bytes differ`);
}

// disconnected resolves with the reason of the socket's next disconnect.
export async function disconnected(s, ms = WAIT_MS) {
  const [reason] = await once(s, "disconnect", ms);
  return reason;
}
