// Shared helpers for the engine.io-client interop tests.
//
// The Go harness (compat/engineio_test.go) starts the server and sets:
//   EIO_URL      base URL of the test server, e.g. http://127.0.0.1:40123
//   EIO_PATH     path of the echo server (normal heartbeat), e.g. /engine.io/
//   EIO_HB_PATH  path of the echo server with a short heartbeat, e.g. /heartbeat/
//   EIO_SMALL_PATH  path of the echo server accepting messages of 1000 bytes at most
// Both servers echo every message unchanged (text stays text, binary stays
// binary) and close the socket when they receive the text message "close-me".
// The control endpoint GET /control/closed?sid=SID waits until the server has
// closed that session and answers JSON:
//   {"sid","reason","error","transport","aliveMs"}
// (transport is the server's transport at close time; aliveMs the time from
// the server's OnConnection to its OnClose).

import assert from "node:assert/strict";
import { Socket } from "engine.io-client";
import { WAIT_MS, required } from "../nodekit/kit.mjs";

export { WAIT_MS };

export const BASE_URL = required("EIO_URL");
export const PATH = process.env.EIO_PATH || "/engine.io/";
export const HB_PATH = process.env.EIO_HB_PATH || "/heartbeat/";
export const SMALL_PATH = process.env.EIO_SMALL_PATH || "/small/";

// The three ways of connecting under test.
export const MODES = [
  { name: "polling only", opts: { transports: ["polling"] }, finalTransport: "polling" },
  { name: "websocket only", opts: { transports: ["websocket"] }, finalTransport: "websocket" },
  { name: "polling then upgrade", opts: {}, finalTransport: "websocket", upgrade: true },
];

// Sockets opened by open(); closeAll() closes whatever a test left open.
const opened = new Set();

// open creates a client socket. It does not wait for the "open" event.
export function open(path, opts = {}) {
  const socket = new Socket(BASE_URL, { path, ...opts });
  opened.add(socket);
  socket.on("close", () => opened.delete(socket));
  return socket;
}

export function closeAll() {
  for (const socket of opened) {
    socket.close();
  }
  opened.clear();
}

// once resolves with the arguments of the next `event` on `emitter`; it
// rejects after `ms`, or when the socket closes first (unless the awaited
// event is "close" itself).
export function once(emitter, event, ms = WAIT_MS) {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      emitter.off(event, onEvent);
      if (event !== "close") emitter.off("close", onClose);
    };
    const onEvent = (...args) => {
      cleanup();
      resolve(args);
    };
    const onClose = (reason, description) => {
      cleanup();
      reject(new Error(`socket closed (${reason}) while waiting for "${event}": ${describe(description)}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${ms} ms waiting for "${event}"`));
    }, ms);
    emitter.on(event, onEvent);
    if (event !== "close") emitter.on("close", onClose);
  });
}

function describe(description) {
  if (description === undefined) return "";
  if (description instanceof Error) return description.message;
  if (description && description.description !== undefined) {
    return String(description.description?.message ?? description.description);
  }
  return String(description);
}

// connect opens a socket and waits for its "open" event (fails on "error"
// or "close" before that).
export async function connect(path, opts = {}) {
  const socket = open(path, opts);
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`timed out after ${WAIT_MS} ms waiting for "open"`)), WAIT_MS);
    const cleanup = () => {
      clearTimeout(timer);
      socket.off("open", onOpen);
      socket.off("error", fail);
      socket.off("close", onClose);
    };
    const onOpen = () => {
      cleanup();
      resolve();
    };
    const fail = (err) => {
      cleanup();
      socket.close();
      reject(err instanceof Error ? err : new Error(String(err)));
    };
    const onClose = (reason, description) => fail(new Error(`closed before open: ${reason} ${describe(description)}`));
    socket.on("open", onOpen);
    socket.on("error", fail);
    socket.on("close", onClose);
  });
  return socket;
}

// collect resolves with the next `n` messages received on `socket`.
export function collect(socket, n, ms = WAIT_MS) {
  return new Promise((resolve, reject) => {
    const got = [];
    const cleanup = () => {
      clearTimeout(timer);
      socket.off("message", onMessage);
      socket.off("close", onClose);
    };
    const onMessage = (data) => {
      got.push(data);
      if (got.length === n) {
        cleanup();
        resolve(got);
      }
    };
    const onClose = (reason, description) => {
      cleanup();
      reject(new Error(`socket closed (${reason}) after ${got.length}/${n} messages: ${describe(description)}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${ms} ms with ${got.length}/${n} messages`));
    }, ms);
    if (n === 0) {
      cleanup();
      resolve(got);
      return;
    }
    socket.on("message", onMessage);
    socket.on("close", onClose);
  });
}

// bytesOf returns the bytes of any binary value as a Uint8Array view.
export function bytesOf(value) {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError(`not binary: ${Object.prototype.toString.call(value)}`);
}

// assertSameMessage checks that `got` is the echo of `sent`: a string for a
// string, binary of the kind `binaryType` promises with identical bytes for
// binary.
export function assertSameMessage(got, sent, binaryType, label = "") {
  if (typeof sent === "string") {
    assert.equal(typeof got, "string", `${label}: expected text, got ${Object.prototype.toString.call(got)}`);
    assert.equal(got, sent, `${label}: text differs`);
    return;
  }
  if (binaryType === "arraybuffer") {
    assert.ok(got instanceof ArrayBuffer, `${label}: expected an ArrayBuffer, got ${Object.prototype.toString.call(got)}`);
  } else {
    assert.ok(Buffer.isBuffer(got), `${label}: expected a Buffer, got ${Object.prototype.toString.call(got)}`);
  }
  assert.deepEqual(Buffer.from(bytesOf(got)), Buffer.from(bytesOf(sent)), `${label}: bytes differ`);
}

// echo sends every payload and checks the server sends them all back, in
// order and unchanged.
export async function echo(socket, payloads, label = "") {
  const received = collect(socket, payloads.length);
  for (const p of payloads) socket.send(p);
  const got = await received;
  got.forEach((g, i) => assertSameMessage(g, payloads[i], socket.binaryType, `${label} message ${i}`));
}

// serverClosed asks the Go harness how the server closed session `sid`; it
// waits until the server has closed it.
export async function serverClosed(sid, ms = WAIT_MS) {
  assert.ok(sid, "no session id");
  const res = await fetch(`${BASE_URL}/control/closed?sid=${encodeURIComponent(sid)}`, {
    signal: AbortSignal.timeout(ms),
  });
  const body = await res.text();
  assert.equal(res.status, 200, `control endpoint: ${res.status} ${body}`);
  return JSON.parse(body);
}

// pattern returns `n` bytes that are not all equal (so truncation or
// reordering shows), covering every byte value.
export function pattern(n, seed = 0) {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}
