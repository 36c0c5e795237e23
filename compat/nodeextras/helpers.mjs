// Shared helpers of the Node extras suite (issue 4), run by
// compat/nodeextras_test.go; the fixture (servers, namespaces, events,
// control endpoints) is documented in compat/nodeextras_fixture_test.go.
//
// Environment set by the Go harness:
//   NX_URL                base URL of the control endpoints
//   NX_URL_<SERVER>       base URL of each server
//   NX_PATH_<SERVER>      path of each server: EXTRAS, CLEANUP, RECOVERY,
//                         RECOVERYSHORT, MSGPACK, DEFLATE; A and B for the
//                         cluster suite (nodeextras/cluster/)
//   NX_SHORT_RECOVERY_MS  recovery window of the "recoveryshort" server

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { io, Manager } from "socket.io-client";

export const BASE_URL = process.env.NX_URL;
if (!BASE_URL) {
  throw new Error("NX_URL is not set: run these tests through `go test ./compat/ -run NodeExtras`");
}

export const PATHS = {
  extras: process.env.NX_PATH_EXTRAS || "/extras/",
  cleanup: process.env.NX_PATH_CLEANUP || "/extras-cleanup/",
  recovery: process.env.NX_PATH_RECOVERY || "/extras-recovery/",
  recoveryshort: process.env.NX_PATH_RECOVERYSHORT || "/extras-recovery-short/",
  msgpack: process.env.NX_PATH_MSGPACK || "/extras-msgpack/",
  deflate: process.env.NX_PATH_DEFLATE || "/extras-deflate/",
};

// pathOf and urlOf return where a server of the fixture is (the cluster
// fixture puts each of its servers "a" and "b" on its own host).
export function pathOf(server) {
  return process.env[`NX_PATH_${server.toUpperCase()}`] || PATHS[server];
}

export function urlOf(server) {
  return process.env[`NX_URL_${server.toUpperCase()}`] || BASE_URL;
}

export const SHORT_RECOVERY_MS = Number(process.env.NX_SHORT_RECOVERY_MS || 300);

// Upper bound for any single wait; every test has its own timeout too.
export const WAIT_MS = 10_000;
export const TEST_TIMEOUT = 30_000;

export const MODES = [
  { name: "polling", opts: { transports: ["polling"] } },
  { name: "websocket", opts: { transports: ["websocket"] } },
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
// PATHS) on its own connection, without automatic reconnection.
export function socket(nsp = "/", { server = "extras", ...opts } = {}) {
  const s = io(urlOf(server) + nsp, {
    path: pathOf(server),
    forceNew: true,
    reconnection: false,
    timeout: WAIT_MS,
    ...opts,
  });
  opened.add(s);
  return s;
}

// manager creates a Manager: one connection for several namespaces.
export function manager({ server = "extras", ...opts } = {}) {
  const m = new Manager(urlOf(server), { path: pathOf(server), reconnection: false, timeout: WAIT_MS, ...opts });
  opened.add(m);
  return m;
}

export function track(s) {
  opened.add(s);
  return s;
}

export async function connect(nsp = "/", opts = {}) {
  const s = socket(nsp, opts);
  await connected(s);
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

// connectError waits for the connect_error of s and returns the error.
export async function connectError(s, ms = WAIT_MS) {
  const [err] = await once(s, "connect_error", ms);
  return err;
}

// once resolves with the arguments of the next `event` on `emitter`.
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

// until resolves once pred() is true, checking on every `event` of
// emitter; it rejects after ms.
export function until(emitter, event, pred, ms = WAIT_MS) {
  if (pred()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const check = () => {
      if (pred()) {
        clearTimeout(timer);
        emitter.off(event, check);
        resolve();
      }
    };
    const timer = setTimeout(() => {
      emitter.off(event, check);
      reject(new Error(`timed out after ${ms} ms waiting on "${event}" events`));
    }, ms);
    emitter.on(event, check);
  });
}

// ack emits event and resolves with every argument of the acknowledgement.
export function ack(s, event, ...args) {
  return new Promise((resolve, reject) => {
    s.timeout(WAIT_MS).emit(event, ...args, (err, ...reply) => {
      if (err) reject(new Error(`no acknowledgement of "${event}" within ${WAIT_MS} ms: ${err.message}`));
      else resolve(reply);
    });
  });
}

export async function ack1(s, event, ...args) {
  const reply = await ack(s, event, ...args);
  assert.equal(reply.length, 1, `acknowledgement of "${event}": ${JSON.stringify(reply)}`);
  return reply[0];
}

// control calls a control endpoint of the fixture (/nx/<path>).
export async function control(path, params = {}, ms = WAIT_MS + 10_000) {
  const url = new URL(`/nx/${path}`, BASE_URL);
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    url.searchParams.set(k, typeof v === "string" ? v : Array.isArray(v) && k !== "args" ? v.join(",") : JSON.stringify(v));
  }
  const res = await fetch(url, { signal: AbortSignal.timeout(ms) });
  const body = await res.text();
  assert.equal(res.status, 200, `control ${path}: ${res.status} ${body}`);
  return JSON.parse(body);
}

// serverLeft waits until the latest connection of socket sid has left on
// the server and returns what the fixture recorded.
export function serverLeft(sid) {
  assert.ok(sid, "no socket id");
  return control("socket", { sid, wait: "1" });
}

export function uniq(prefix = "x") {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

// uniqNum returns a number no other test uses, for /dyn-<n> names.
let counter = 0;
export function uniqNum() {
  counter++;
  return `${process.pid}${Date.now() % 100000}${counter}`;
}

export function isBinary(value) {
  return Buffer.isBuffer(value) || value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

export function bytesOf(value) {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError(`not binary: ${Object.prototype.toString.call(value)}`);
}

// normalize turns every binary value into a Buffer, recursively.
export function normalize(value) {
  if (isBinary(value)) return Buffer.from(bytesOf(value));
  if (Array.isArray(value)) return value.map(normalize);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v)]));
  }
  return value;
}

export function assertBinary(value, bytes, label = "") {
  assert.ok(isBinary(value), `${label}: expected binary, got ${Object.prototype.toString.call(value)} ${JSON.stringify(value)}`);
  assert.deepEqual([...bytesOf(value)], [...bytes], `${label}: bytes differ`);
}

export async function disconnected(s, ms = WAIT_MS) {
  const [reason] = await once(s, "disconnect", ms);
  return reason;
}

// sleep is for waiting out a server-side duration (a recovery window),
// never for an assertion.
export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
