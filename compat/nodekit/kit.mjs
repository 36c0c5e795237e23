// The skeleton every Node.js suite of sio's tests shares (socket.io-client,
// engine.io-client, the Admin UI, the metrics scenario, the brokers' mixed
// clusters, the browsers). It imports no npm package: the suites keep
// their own, each in its npm folder.
//
// The protocol with the Go side (internal/tooltest): the Go test starts the
// servers and passes what a suite needs in environment variables (see
// required); it runs node's test runner on the suite's files with the spec
// reporter, streams the output into its log and fails when node exits
// non-zero. A fixture's control endpoints answer JSON (see controlClient).
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";

// Upper bound for any single wait in a test; every test also has its own
// node:test timeout.
export const WAIT_MS = 10_000;
export const TEST_TIMEOUT = 30_000;

// required returns the environment variable name, which the Go test sets;
// run says how to run the suite, for the error when it is missing.
export function required(name, run = "go test ./compat/") {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run this through \`${run}\``);
  return v;
}

// Sockets and managers opened by a suite; closeAll() closes what a test
// left open.
const opened = new Set();

// track remembers a socket.io-client Socket or Manager for closeAll.
export function track(s) {
  opened.add(s);
  return s;
}

// closeAll closes every tracked socket and manager and their connections.
export function closeAll() {
  for (const s of opened) {
    if (s.nsp === undefined) {
      // A Manager.
      s._close?.();
      s.engine?.close();
    } else {
      s.disconnect();
      s.io?.engine?.close();
    }
  }
  opened.clear();
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

// connected waits for the "connect" event of socket s (rejects on
// connect_error).
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

// disconnected resolves with the reason of the socket's next disconnect.
export async function disconnected(s, ms = WAIT_MS) {
  const [reason] = await once(s, "disconnect", ms);
  return reason;
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

// waitFor polls cond (which may be async) every 20 ms until it holds; it
// rejects after ms. For a condition no event announces, never for a
// timed assertion.
export async function waitFor(what, cond, ms = WAIT_MS) {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// controlClient returns control(path, params): a call of the Go fixture's
// control endpoint base/prefix/path with params in the query (encode(key,
// value) turns a value into its text; by default strings as they are, the
// rest as JSON), which resolves with the JSON answer.
export function controlClient(base, prefix, encode = (_, v) => (typeof v === "string" ? v : JSON.stringify(v))) {
  return async function control(path, params = {}, ms = WAIT_MS + 10_000) {
    const url = new URL(`/${prefix}/${path}`, base);
    for (const [k, v] of Object.entries(params)) {
      if (v !== undefined) url.searchParams.set(k, encode(k, v));
    }
    const res = await fetch(url, { signal: AbortSignal.timeout(ms) });
    const body = await res.text();
    assert.equal(res.status, 200, `control ${path}: ${res.status} ${body}`);
    return JSON.parse(body);
  };
}

// uniq returns a name no other test uses.
export function uniq(prefix = "x") {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

// isBinary reports whether value is binary data of any kind.
export function isBinary(value) {
  return Buffer.isBuffer(value) || value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

// bytesOf returns any binary value as a Buffer (no copy).
export function bytesOf(value) {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError(`not binary: ${Object.prototype.toString.call(value)} ${JSON.stringify(value)}`);
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
