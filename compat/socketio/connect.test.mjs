// Connecting: auth and refusal with data, unknown namespace, the catch-all
// namespace, the class-based namespace, handshake details, the connect
// timeout. Run by compat/socketio_test.go, see helpers.mjs.

import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { Socket as EngineSocket } from "engine.io-client";
import {
  BASE_URL,
  PATHS,
  MODES,
  TEST_TIMEOUT,
  WAIT_MS,
  closeAll,
  socket,
  connect,
  once,
  ack,
  ack1,
  serverLeft,
  uniq,
} from "./helpers.mjs";

after(closeAll);

// refused connects and resolves with the connect_error the client gets.
async function refused(nsp, opts) {
  const s = socket(nsp, opts);
  const errored = once(s, "connect_error");
  const ok = once(s, "connect").then(() => {
    throw new Error(`${nsp} connected although it should have been refused`);
  });
  const [err] = await Promise.race([errored, ok]);
  assert.equal(s.connected, false);
  s.disconnect();
  return err;
}

for (const mode of MODES) {
  describe(`connect, ${mode.name}`, { timeout: TEST_TIMEOUT * 10 }, () => {
    after(closeAll);

    it("passes the auth payload and handshake to the connect handler", { timeout: TEST_TIMEOUT }, async () => {
      const auth = { token: "secret", user: "alice", nested: { n: 1 } };
      const s = await connect("/", {
        ...mode.opts,
        auth,
        query: { q: "query-value" },
        extraHeaders: { "X-Sio-Test": "header-value" },
      });
      const me = await ack1(s, "whoami");
      assert.equal(me.id, s.id, "socket id");
      assert.equal(me.nsp, "/");
      assert.equal(me.transport, mode.transport);
      assert.equal(me.authAbsent, false);
      assert.deepEqual(me.auth, auth);
      assert.equal(me.query, "query-value");
      assert.equal(me.header, "header-value");
      assert.ok(me.address, "remote address");
      assert.match(me.url, new RegExp(`^${PATHS.main}\\?`), "handshake URL");
      assert.equal(me.secure, false);
      assert.equal(me.connected, true);
      assert.equal(me.connId, s.io.engine.id, "Engine.IO connection id");
      assert.notEqual(s.id, s.io.engine.id, "the socket id is not the connection id");
      const sid = s.id;
      s.disconnect();
      const info = await serverLeft(sid);
      assert.equal(info.transport, mode.connectTransport ?? mode.transport, "server-side transport at connect time");
    });

    it("gives the connect handler no auth when the client sends none", { timeout: TEST_TIMEOUT }, async () => {
      const s = await connect("/", { ...mode.opts });
      const me = await ack1(s, "whoami");
      assert.equal(me.authAbsent, true);
      assert.equal(me.auth, null);
      s.disconnect();
    });

    it("delivers a refusal's message and data in connect_error", { timeout: TEST_TIMEOUT }, async () => {
      const err = await refused("/", { ...mode.opts, auth: { token: "bad" } });
      assert.ok(err instanceof Error);
      assert.equal(err.message, "authentication failed");
      assert.deepEqual(err.data, { reason: "bad token", retry: false });
    });

    it("refuses with several data values, with none, and with a plain error", { timeout: TEST_TIMEOUT }, async () => {
      const multi = await refused("/chat", { ...mode.opts, auth: { refuse: "multi" } });
      assert.equal(multi.message, "multi");
      assert.deepEqual(multi.data, ["a", 2]);
      const nodata = await refused("/", { ...mode.opts, auth: { refuse: "nodata" } });
      assert.equal(nodata.message, "no data");
      assert.equal(nodata.data, undefined);
      const plain = await refused("/", { ...mode.opts, auth: { refuse: "plain" } });
      assert.equal(plain.message, "plain refusal");
      assert.equal(plain.data, undefined);
    });

    it('answers "Invalid namespace" for an unknown namespace', { timeout: TEST_TIMEOUT }, async () => {
      const err = await refused("/does-not-exist", { ...mode.opts });
      assert.equal(err.message, "Invalid namespace");
    });

    it("a refused namespace leaves the connection usable for others", { timeout: TEST_TIMEOUT }, async () => {
      const s = await connect("/", { ...mode.opts });
      const bad = s.io.socket("/nope");
      const [err] = await once(bad, "connect_error");
      assert.equal(err.message, "Invalid namespace");
      const refusedChat = s.io.socket("/chat", { auth: { token: "bad" } });
      const [err2] = await once(refusedChat, "connect_error");
      assert.equal(err2.message, "authentication failed");
      // the main socket still works on the same connection
      assert.equal((await ack1(s, "whoami")).id, s.id);
      s.disconnect();
    });

    it("serves any namespace through the catch-all namespace", { timeout: TEST_TIMEOUT }, async () => {
      const nsp = "/" + uniq("anything");
      const s = await connect(nsp, { ...mode.opts, server: "catchall", auth: { token: "ok" } });
      const me = await ack1(s, "whoami");
      assert.equal(me.nsp, nsp, "the handler learns the namespace from the socket");
      assert.deepEqual(me.auth, { token: "ok" });
      // the catch-all namespace's connect handler can refuse too
      const err = await refused("/" + uniq("other"), { ...mode.opts, server: "catchall", auth: { token: "bad" } });
      assert.equal(err.message, "authentication failed");
      // an explicit namespace takes precedence over the catch-all one
      const ex = await connect("/explicit", { ...mode.opts, server: "catchall" });
      assert.deepEqual(await ack1(ex, "whoami"), { nsp: "/explicit", explicit: true });
      const sid = s.id;
      s.disconnect();
      ex.disconnect();
      const info = await serverLeft(sid);
      assert.equal(info.nsp, nsp);
      assert.equal(info.reason, "client namespace disconnect");
    });

    it("dispatches events to a class-based namespace's methods", { timeout: TEST_TIMEOUT }, async () => {
      const s = await connect("/class", { ...mode.opts });
      assert.equal(await ack1(s, "chatMessage", "hi"), "method got hi on /class", "camelCase event name");
      assert.equal(await ack1(s, "chat_message", "yo"), "method got yo on /class", "snake_case event name");
      // the embedded *core.Namespace helpers are bound to the namespace
      const me = await ack1(s, "whoami");
      assert.equal(me.nsp, "/class");
      assert.equal(me.id, s.id);
      assert.ok(me.sockets >= 1);
      const room = uniq("class-room");
      const joined = once(s, "joined");
      assert.deepEqual(await ack1(s, "join_room", room), [room, s.id].sort());
      assert.deepEqual(await joined, [s.id, room]);
      const shout = once(s, "shout");
      assert.deepEqual(await ack(s, "shout", "hey"), [], "a method returning only a nil error acknowledges with no argument");
      assert.deepEqual(await shout, ["hey"]);
      assert.deepEqual(await ack(s, "sessionSet", { k: "v" }), []);
      assert.deepEqual(await ack1(s, "session_get"), { k: "v" });
      // a function handler wins over the method, set before or after
      assert.equal(await ack1(s, "overridden"), "function");
      assert.equal(await ack1(s, "overriddenEarly"), "function");
      assert.equal(await ack1(s, "overridden_early"), "method", "the method still serves its other name");
      const sid = s.id;
      s.disconnect();
      const info = await serverLeft(sid);
      assert.equal(info.reason, "client namespace disconnect", "OnDisconnect method");
      assert.deepEqual(info.sessionAtDisconnect, { k: "v" });
    });

    it("refuses through a class-based namespace's OnConnect method", { timeout: TEST_TIMEOUT }, async () => {
      const err = await refused("/class", { ...mode.opts, auth: { token: "bad" } });
      assert.equal(err.message, "class refused");
      assert.deepEqual(err.data, { by: "OnConnect method" });
    });
  });
}

describe("connect timeout", { timeout: TEST_TIMEOUT }, () => {
  it("closes an Engine.IO connection that never joins a namespace", { timeout: TEST_TIMEOUT }, async () => {
    // A bare engine.io-client connection sends no Socket.IO CONNECT packet.
    const e = new EngineSocket(BASE_URL, { path: PATHS.heartbeat, transports: ["websocket"] });
    try {
      await once(e, "open");
      const opened = Date.now();
      const [reason] = await once(e, "close", WAIT_MS);
      assert.ok(["transport close", "transport error"].includes(reason), `close reason ${reason}`);
      // ConnectTimeout is 1s on this server; the upper bound is loose
      const alive = Date.now() - opened;
      assert.ok(alive >= 500, `closed after ${alive} ms, well before the connect timeout`);
    } finally {
      e.close();
    }
  });
});
