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

import { io, Manager } from "socket.io-client";
import { WAIT_MS, required, track, once, connected, controlClient } from "../nodekit/kit.mjs";

export {
  WAIT_MS, TEST_TIMEOUT, closeAll, track, once, connected, disconnected, ack, ack1, uniq,
  isBinary, bytesOf, normalize, assertBinary,
} from "../nodekit/kit.mjs";

export const BASE_URL = required("NX_URL", "go test ./compat/ -run NodeExtras");

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

export const MODES = [
  { name: "polling", opts: { transports: ["polling"] } },
  { name: "websocket", opts: { transports: ["websocket"] } },
];

// socket creates a client socket for namespace nsp of server (a key of
// PATHS) on its own connection, without automatic reconnection.
export function socket(nsp = "/", { server = "extras", ...opts } = {}) {
  return track(io(urlOf(server) + nsp, {
    path: pathOf(server),
    forceNew: true,
    reconnection: false,
    timeout: WAIT_MS,
    ...opts,
  }));
}

// manager creates a Manager: one connection for several namespaces.
export function manager({ server = "extras", ...opts } = {}) {
  return track(new Manager(urlOf(server), { path: pathOf(server), reconnection: false, timeout: WAIT_MS, ...opts }));
}

export async function connect(nsp = "/", opts = {}) {
  const s = socket(nsp, opts);
  await connected(s);
  return s;
}

// connectError waits for the connect_error of s and returns the error.
export async function connectError(s, ms = WAIT_MS) {
  const [err] = await once(s, "connect_error", ms);
  return err;
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

// control calls a control endpoint of the fixture (/nx/<path>): arrays
// (but args) travel comma-separated.
export const control = controlClient(BASE_URL, "nx", (k, v) =>
  typeof v === "string" ? v : Array.isArray(v) && k !== "args" ? v.join(",") : JSON.stringify(v),
);

// serverLeft waits until the latest connection of socket sid has left on
// the server and returns what the fixture recorded.
export function serverLeft(sid) {
  if (!sid) throw new Error("no socket id");
  return control("socket", { sid, wait: "1" });
}

// uniqNum returns a number no other test uses, for /dyn-<n> names.
let counter = 0;
export function uniqNum() {
  counter++;
  return `${process.pid}${Date.now() % 100000}${counter}`;
}

// sleep is for waiting out a server-side duration (a recovery window),
// never for an assertion.
export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
