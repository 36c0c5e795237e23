// Acknowledgements both ways, calls with timeouts (answered and not),
// broadcast acknowledgements, handler errors, panics, typed handlers and the
// catch-all event handler. Run by compat/socketio_test.go, see helpers.mjs.

import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import {
  MODES,
  TEST_TIMEOUT,
  WAIT_MS,
  closeAll,
  connect,
  once,
  ack,
  ack1,
  control,
  assertBinary,
  uniq,
} from "./helpers.mjs";

after(closeAll);

const SHORT_MS = 300; // the timeout of the calls that are not answered

for (const mode of MODES) {
  describe(`acknowledgements, ${mode.name}`, { timeout: TEST_TIMEOUT * 12 }, () => {
    after(closeAll);

    it("client→server: the handler's results are the acknowledgement", { timeout: TEST_TIMEOUT }, async () => {
      const s = await connect("/", { ...mode.opts });
      assert.deepEqual(await s.timeout(WAIT_MS).emitWithAck("sum", { a: 2, b: 3 }), { sum: 5 }, "emitWithAck");
      const viaCallback = await new Promise((resolve) => s.emit("multi", "x", 1, true, (...r) => resolve(r)));
      assert.deepEqual(viaCallback, ["X", 2, false, ["x", "1"]], "callback acknowledgement");
      s.disconnect();
    });

    it("server→client: a handler waits for its own client's acknowledgement", { timeout: TEST_TIMEOUT }, async () => {
      const s = await connect("/", { ...mode.opts });
      s.on("question", (q, cb) => cb({ got: q, answer: 42 }, "second", Buffer.from([1, 2])));
      const report = await ack1(s, "ask", "question", 0, "what?");
      assert.equal(report.error, undefined, JSON.stringify(report));
      assert.equal(report.reply.length, 3);
      assert.deepEqual(report.reply.slice(0, 2), [{ got: "what?", answer: 42 }, "second"]);
      assertBinary(report.reply[2], [1, 2], "binary in the client's acknowledgement");
      // many in a row, on a socket whose handlers run one at a time
      for (let i = 0; i < 20; i++) {
        const r = await ack1(s, "ask", "question", 0, i);
        assert.deepEqual(r.reply[0], { got: i, answer: 42 });
      }
      s.disconnect();
    });

    it("server→client with a timeout: answered, and not answered", { timeout: TEST_TIMEOUT }, async () => {
      const s = await connect("/", { ...mode.opts });
      s.on("answered", (x, cb) => cb(x * 2));
      s.on("ignored", () => {}); // never calls its acknowledgement
      const ok = await ack1(s, "ask", "answered", WAIT_MS, 21);
      assert.deepEqual(ok.reply, [42]);
      assert.equal(ok.error, undefined);
      const late = await ack1(s, "ask", "ignored", SHORT_MS, 1);
      assert.equal(late.timeout, true, JSON.stringify(late));
      assert.deepEqual(late.reply, []);
      assert.ok(late.elapsedMs >= SHORT_MS * 0.9, `timed out after ${late.elapsedMs} ms`);
      // the socket is still fine afterwards
      assert.deepEqual((await ack1(s, "ask", "answered", WAIT_MS, 5)).reply, [10]);
      s.disconnect();
    });

    it("server→client with an AckFunc callback: answered, and timed out", { timeout: TEST_TIMEOUT }, async () => {
      const s = await connect("/", { ...mode.opts });
      s.on("answered", (x, cb) => cb(x + 1, { binary: Buffer.from([7]) }));
      s.on("ignored", () => {});
      let result = once(s, "ask-cb-result");
      assert.deepEqual(await ack(s, "ask-cb", "answered", 0, 1), []);
      let [report] = await result;
      assert.equal(report.error, undefined);
      assert.equal(report.reply[0], 2);
      assertBinary(report.reply[1].binary, [7], "nested binary in the acknowledgement");
      result = once(s, "ask-cb-result");
      await ack(s, "ask-cb", "ignored", SHORT_MS, 1);
      [report] = await result;
      assert.equal(report.timeout, true, JSON.stringify(report));
      s.disconnect();
    });

    it("server call() by sid, with a timeout: answered, and not answered", { timeout: TEST_TIMEOUT }, async () => {
      const s = await connect("/chat", { ...mode.opts });
      s.on("call-me", (a, b, cb) => cb(a + b, "ok"));
      s.on("ignored", () => {});
      const ok = await control("call", { nsp: "/chat", sid: s.id, event: "call-me", timeoutMs: "5000", args: [2, 3] });
      assert.deepEqual(ok.reply, [5, "ok"]);
      assert.equal(ok.error, undefined);
      // no deadline: the server's default acknowledgement timeout applies
      const noDeadline = await control("call", { nsp: "/chat", sid: s.id, event: "call-me", args: ["a", "b"] });
      assert.deepEqual(noDeadline.reply, ["ab", "ok"]);
      const late = await control("call", { nsp: "/chat", sid: s.id, event: "ignored", timeoutMs: String(SHORT_MS) });
      assert.equal(late.timeout, true, JSON.stringify(late));
      assert.ok(late.elapsedMs >= SHORT_MS * 0.9, `timed out after ${late.elapsedMs} ms`);
      s.disconnect();
    });

    it("a call pending when the client disconnects fails with not connected", { timeout: TEST_TIMEOUT }, async () => {
      const s = await connect("/", { ...mode.opts });
      const asked = once(s, "ignored");
      s.on("ignored", () => {});
      const call = control("call", { sid: s.id, event: "ignored", timeoutMs: String(WAIT_MS) });
      await asked; // the server has sent it: now leave
      s.disconnect();
      const report = await call;
      assert.equal(report.notConnected, true, JSON.stringify(report));
      assert.ok(report.elapsedMs < WAIT_MS, "failed at once, not at the timeout");
    });

    it("broadcast with acknowledgements collects one reply per socket", { timeout: TEST_TIMEOUT }, async () => {
      const room = uniq("ack-room");
      const a = await connect("/", { ...mode.opts });
      const b = await connect("/", { ...mode.opts });
      const c = await connect("/", { ...mode.opts });
      for (const s of [a, b, c]) await ack1(s, "join", [room]);
      a.on("poll", (cb) => cb("a"));
      b.on("poll", (cb) => cb("b"));
      c.on("poll", (cb) => cb("c"));
      const all = await ack1(a, "ask-room", room, "poll", WAIT_MS);
      assert.equal(all.error, undefined, JSON.stringify(all));
      assert.deepEqual(all.replies.map((r) => r[0]).sort(), ["a", "b", "c"]);
      // one socket does not answer: the others' replies come with the timeout
      c.off("poll");
      c.on("poll", () => {});
      const partial = await ack1(a, "ask-room", room, "poll", SHORT_MS * 2);
      assert.equal(partial.timeout, true, JSON.stringify(partial));
      assert.deepEqual(partial.replies.map((r) => r[0]).sort(), ["a", "b"]);
      for (const s of [a, b, c]) s.disconnect();
    });

    it("a failing handler answers {error}: returned error, panic, bad argument", { timeout: TEST_TIMEOUT }, async () => {
      const s = await connect("/", { ...mode.opts });
      const engineId = s.io.engine.id;
      let disconnects = 0;
      s.on("disconnect", () => disconnects++);
      assert.deepEqual(await ack(s, "fail", "boom"), [{ error: "failed: boom" }]);
      assert.deepEqual(await ack(s, "panic"), [{ error: "handler panicked" }]);
      // the connection survives the panic
      assert.deepEqual(await ack(s, "echo", "still alive"), ["still alive"]);
      assert.deepEqual(await ack(s, "panic"), [{ error: "handler panicked" }]);
      const [bad] = await ack(s, "types", null, "not a bool");
      assert.match(bad.error, /argument 1/, "which argument failed to decode");
      assert.equal(s.io.engine.id, engineId, "same connection");
      assert.equal(disconnects, 0);
      assert.equal(s.connected, true);
      s.disconnect();
    });

    it("a typed handler (core.Handle) answers a wrong payload with a clear error", { timeout: TEST_TIMEOUT }, async () => {
      const s = await connect("/", { ...mode.opts });
      assert.deepEqual(await ack(s, "sum", { a: 40, b: 2 }), [{ sum: 42 }]);
      const [wrong] = await ack(s, "sum", "not an object");
      assert.equal(typeof wrong.error, "string", JSON.stringify(wrong));
      assert.match(wrong.error, /argument 0/);
      assert.match(wrong.error, /cannot unmarshal string/);
      const [wrongField] = await ack(s, "sum", { a: "forty", b: 2 });
      assert.match(wrongField.error, /argument 0/);
      assert.deepEqual(await ack(s, "sum", { a: -1, b: 2 }), [{ error: "negative numbers not allowed" }]);
      assert.deepEqual(await ack(s, "sum"), [{ sum: 0 }], "a missing argument is the zero value");
      s.disconnect();
    });

    it("the catch-all event handler gets events without a handler, with their name", { timeout: TEST_TIMEOUT }, async () => {
      const s = await connect("/chat", { ...mode.opts });
      assert.deepEqual(await ack1(s, "no-such-event", 1, "two", { three: 3 }), {
        catchAll: "no-such-event",
        argc: 3,
        args: [1, "two", { three: 3 }],
      });
      const [r] = await ack(s, "other event", Buffer.from([1]));
      assert.equal(r.catchAll, "other event");
      assertBinary(r.args[0], [1], "binary through the catch-all handler");
      s.disconnect();
    });

    it("an event of a namespace without a catch-all handler and no handler is not acknowledged", { timeout: TEST_TIMEOUT }, async () => {
      const s = await connect("/class", { ...mode.opts });
      await assert.rejects(s.timeout(300).emitWithAck("nothing-handles-this", 1), /timed out/);
      s.disconnect();
    });
  });
}
