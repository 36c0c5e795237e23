// The reference servers' semantics, against the "/bare" namespace (no
// catch-all handler) and the catch-all server: emits from the connect
// handler come after the CONNECT, an event without a handler gets no
// acknowledgement (the client's timeout and retries fire), handlers that
// acknowledge through an Ack, reserved event names, the catch-all
// namespace's handlers for an explicit namespace, the handshake in Node's
// form. Run by compat/socketio_test.go, see helpers.mjs.

import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import {
  PATHS,
  MODES,
  TEST_TIMEOUT,
  closeAll,
  socket,
  connect,
  connected,
  once,
  ack,
  ack1,
  control,
  serverLeft,
  disconnected,
} from "./helpers.mjs";

after(closeAll);

// A short acknowledgement timeout: nothing is expected within it.
const ACK_TIMEOUT_MS = 300;

// recordPackets returns the Engine.IO message packets the socket's
// connection receives, as text, in order (from before it connects).
function recordPackets(s) {
  const got = [];
  s.io.engine.on("packet", (p) => {
    if (p.type === "message") got.push(String(p.data));
  });
  return got;
}

// noAck emits event and resolves with the error the client's ack timeout
// gives (rejects if an acknowledgement comes).
function noAck(s, ms, event, ...args) {
  return new Promise((resolve, reject) => {
    s.timeout(ms).emit(event, ...args, (err, ...reply) => {
      if (err) resolve(err);
      else reject(new Error(`"${event}" was acknowledged with ${JSON.stringify(reply)}`));
    });
  });
}

for (const mode of MODES) {
  describe(`semantics, ${mode.name}`, { timeout: TEST_TIMEOUT * 10 }, () => {
    after(closeAll);

    it("emits from the connect handler reach the client after the CONNECT, in order", { timeout: TEST_TIMEOUT }, async () => {
      const s = socket("/bare", mode.opts);
      const packets = recordPackets(s);
      const welcome = once(s, "welcome");
      const lobby = once(s, "lobby");
      await connected(s);
      assert.deepEqual(await welcome, [s.id]);
      assert.deepEqual(await lobby, [s.id]);
      const mine = packets.filter((p) => p.startsWith("0/bare,") || p.startsWith("2/bare,"));
      assert.match(mine[0], /^0\/bare,\{"sid":/, `first packet of /bare: ${JSON.stringify(mine)}`);
      assert.deepEqual(mine.slice(1, 3), [`2/bare,["welcome","${s.id}"]`, `2/bare,["lobby","${s.id}"]`]);
      s.disconnect();
    });

    it("a refused client receives nothing the connect handler emitted", { timeout: TEST_TIMEOUT }, async () => {
      const s = socket("/bare", { ...mode.opts, auth: { token: "bad" } });
      const packets = recordPackets(s);
      const [err] = await once(s, "connect_error");
      assert.equal(err.message, "authentication failed");
      // The refusal's connection stays open: a round trip on "/" shows
      // nothing else came for "/bare".
      const main = s.io.socket("/");
      main.connect();
      await connected(main);
      assert.deepEqual(await ack(main, "echo", 1), [1]);
      const bare = packets.filter((p) => p.includes("/bare,"));
      assert.equal(bare.length, 1, `packets of /bare: ${JSON.stringify(bare)}`);
      assert.match(bare[0], /^4\/bare,/);
      main.disconnect();
    });

    it("an event without a handler gets no acknowledgement: the client's timeout fires", { timeout: TEST_TIMEOUT }, async () => {
      const s = await connect("/bare", mode.opts);
      const err = await noAck(s, ACK_TIMEOUT_MS, "no-such-event", 1);
      assert.match(err.message, /timed out/);
      // emitWithAck rejects the same way.
      await assert.rejects(s.timeout(ACK_TIMEOUT_MS).emitWithAck("no-such-event", 2), /timed out/);
      assert.deepEqual(await control("received", { sid: s.id }), ["no-such-event", "no-such-event"]);
      // The connection is fine.
      assert.deepEqual(await ack(s, "ack-now", "ok"), ["ok"]);
      s.disconnect();
    });

    it("the client retries an event without a handler, then gives up", { timeout: TEST_TIMEOUT }, async () => {
      const s = await connect("/bare", { ...mode.opts, retries: 2, ackTimeout: ACK_TIMEOUT_MS });
      const err = await new Promise((resolve) => s.emit("no-such-event", "x", (e) => resolve(e)));
      assert.match(err.message, /timed out/);
      assert.deepEqual(await control("received", { sid: s.id }), ["no-such-event", "no-such-event", "no-such-event"], "sent three times");
      // A handler that acknowledges only the third attempt: the retries
      // make it succeed.
      const reply = await new Promise((resolve, reject) =>
        s.emit("ack-third", "k", (e, ...r) => (e ? reject(e) : resolve(r))),
      );
      assert.deepEqual(reply, ["third k"]);
      s.disconnect();
    });

    it("a handler acknowledges through an Ack: now, later, or never", { timeout: TEST_TIMEOUT }, async () => {
      const s = await connect("/bare", mode.opts);
      assert.deepEqual(await ack(s, "ack-now", 1, { b: [true] }, "s"), [1, { b: [true] }, "s"]);
      const start = Date.now();
      assert.deepEqual(await ack(s, "ack-later", 200, "late", 2), ["late", 2]);
      assert.ok(Date.now() - start >= 150, "acknowledged before the handler's timer");
      const err = await noAck(s, ACK_TIMEOUT_MS, "ack-never");
      assert.match(err.message, /timed out/);
      s.disconnect();
    });

    it("a client event with a reserved name is a parse error and reaches no listener", { timeout: TEST_TIMEOUT }, async () => {
      const s = await connect("/bare", mode.opts);
      const sid = s.id;
      const gone = disconnected(s);
      // The client API refuses to emit it; write the packet underneath.
      s.io.engine.write('2/bare,["disconnecting",1]');
      // Polling clients may see their pending request fail first.
      assert.match(await gone, /^transport (close|error)$/);
      const info = await serverLeft(sid);
      assert.equal(info.reason, "parse error");
      assert.deepEqual(await control("received", { sid }), []);
    });

    it("the handshake in Node's form; no auth payload is {}", { timeout: TEST_TIMEOUT }, async () => {
      const s = await connect("/bare", {
        ...mode.opts,
        query: { q: "v" },
        extraHeaders: { "X-Sio-Test": "h", Origin: "http://client.example" },
      });
      const { node, connectAuth, connectAuthNil } = await ack1(s, "handshake");
      assert.equal(node.headers["x-sio-test"], "h", "lower-case header names");
      assert.equal(node.headers.origin, "http://client.example");
      assert.equal(node.xdomain, true);
      assert.equal(node.secure, false);
      assert.match(node.address, /^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/, "the address, without the port");
      assert.match(node.url, new RegExp(`^${PATHS.main}\\?`));
      assert.equal(node.query.q, "v");
      assert.equal(node.query.EIO, "4");
      assert.deepEqual(node.auth, {});
      assert.ok(Math.abs(node.issued - Date.now()) < 60_000, `issued ${node.issued}`);
      assert.equal(new Date(node.time.replace(/ \(.*\)$/, "")).getTime(), Math.floor(node.issued / 1000) * 1000);
      assert.deepEqual(connectAuth, {});
      assert.equal(connectAuthNil, false);
      s.disconnect();
    });

    it("the catch-all namespace's handlers serve an explicit namespace's missing events", { timeout: TEST_TIMEOUT }, async () => {
      const s = await connect("/explicit", { ...mode.opts, server: "catchall" });
      assert.deepEqual(await ack1(s, "whoami"), { nsp: "/explicit", explicit: true }, "its own handler first");
      assert.deepEqual(await ack(s, "multi", "a", 2, false), ["A", 4, true, ["a", "2"]], `("*", event)`);
      assert.deepEqual(await ack1(s, "nothing-else", 7), { catchAll: "nothing-else", argc: 1, args: [7] }, `("*", "*")`);
      s.disconnect();
    });
  });
}
