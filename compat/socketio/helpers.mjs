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

import { io, Manager } from "socket.io-client";
import msgpackParser from "socket.io-msgpack-parser";
import { WAIT_MS, required, track, once, connected, controlClient } from "../nodekit/kit.mjs";

export {
  WAIT_MS, TEST_TIMEOUT, closeAll, once, connected, disconnected, ack, ack1, uniq,
  isBinary, bytesOf, normalize, assertBinary,
} from "../nodekit/kit.mjs";

export const BASE_URL = required("SIO_URL");

export const PATHS = {
  main: process.env.SIO_PATH_MAIN || "/socket.io/",
  concurrent: process.env.SIO_PATH_CONCURRENT || "/concurrent/",
  catchall: process.env.SIO_PATH_CATCHALL || "/catchall/",
  heartbeat: process.env.SIO_PATH_HEARTBEAT || "/sio-heartbeat/",
  msgpack: process.env.SIO_PATH_MSGPACK || "/msgpack/",
};

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

// socket creates a client socket for namespace nsp of server (a key of
// PATHS) on its own connection, without reconnection. It does not wait.
export function socket(nsp = "/", { server = "main", awaitUpgrade, ...opts } = {}) {
  return track(io(BASE_URL + nsp, {
    path: PATHS[server],
    forceNew: true,
    reconnection: false,
    timeout: WAIT_MS,
    ...opts,
  }));
}

// manager creates a Manager (one connection for several namespaces).
export function manager({ server = "main", awaitUpgrade, ...opts } = {}) {
  return track(new Manager(BASE_URL, {
    path: PATHS[server],
    reconnection: false,
    timeout: WAIT_MS,
    ...opts,
  }));
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

// control calls a control endpoint of the Go fixture (/control/<path>) and
// returns its JSON.
export const control = controlClient(BASE_URL, "control");

// serverLeft waits until the server's socket sid has left its namespace and
// returns what the fixture recorded (reason, session at disconnect ...).
export function serverLeft(sid) {
  if (!sid) throw new Error("no socket id");
  return control("socket", { sid, wait: "1" });
}
