// Namespace middleware (Namespace.Use) and packet middleware (Socket.Use).

import { describe, it, afterEach } from "node:test";
import assert from "node:assert/strict";
import {
  MODES,
  TEST_TIMEOUT,
  closeAll,
  socket,
  connect,
  connectError,
  once,
  ack,
  ack1,
  control,
  uniq,
  serverLeft,
} from "./helpers.mjs";

for (const mode of MODES) {
  describe(`namespace middleware (${mode.name})`, { timeout: TEST_TIMEOUT }, () => {
    afterEach(closeAll);

    it("runs every middleware in order, then the connect handler", async () => {
      const tag = uniq("order");
      const s = await connect("/mw", { ...mode.opts, auth: { tag } });
      assert.deepEqual(await control("trace", { tag }), ["m1", "m2", "m3", "connect"]);
      assert.equal((await ack1(s, "whoami")).nsp, "/mw");
    });

    it("a refusal reaches the client with its message and data, and stops the chain", async () => {
      const tag = uniq("refuse");
      const s = socket("/mw", { ...mode.opts, auth: { tag, refuseAt: "m2" } });
      const err = await connectError(s);
      assert.equal(err.message, "refused by m2");
      assert.deepEqual(err.data, { at: "m2", code: 4001 });
      assert.equal(s.connected, false);
      // m3 and the connect handler never ran.
      assert.deepEqual(await control("trace", { tag }), ["m1", "m2"]);
    });

    it("a plain error refuses with its text and no data", async () => {
      const tag = uniq("plain");
      const s = socket("/mw", { ...mode.opts, auth: { tag, refuseAt: "m1-plain" } });
      const err = await connectError(s);
      assert.equal(err.message, "plain refusal by m1");
      assert.equal(err.data, undefined);
      assert.deepEqual(await control("trace", { tag }), ["m1"]);
    });

    it("the refused client can connect again once the middleware accepts", async () => {
      const tag = uniq("retry");
      const s = socket("/mw", { ...mode.opts, auth: { tag, refuseAt: "m3" } });
      const err = await connectError(s);
      assert.equal(err.message, "refused by m3");
      s.auth = { tag };
      s.connect();
      await once(s, "connect");
      assert.deepEqual(await control("trace", { tag }), ["m1", "m2", "m3", "m1", "m2", "m3", "connect"]);
    });

    it("a namespace without middleware on the same connection is unaffected", async () => {
      const tag = uniq("other");
      const s = await connect("/x", { ...mode.opts, auth: { tag } });
      assert.deepEqual(await control("trace", { tag }), ["connect"]);
      assert.equal((await ack1(s, "whoami")).nsp, "/x");
    });
  });

  describe(`packet middleware (${mode.name})`, { timeout: TEST_TIMEOUT }, () => {
    afterEach(closeAll);

    it("runs before the catch-all listeners and the handler, in order", async () => {
      const s = await connect("/", mode.opts);
      await ack(s, "traced", 1);
      assert.deepEqual(await ack1(s, "trace-get"), ["guard", "second", "any", "handler"]);
    });

    it("a rejected event with an ack gets {error} and its handler does not run", async () => {
      const s = await connect("/", mode.opts);
      const reply = await ack(s, "forbidden-event", "x");
      assert.deepEqual(reply, [{ error: 'event "forbidden-event" is forbidden' }]);
      assert.equal(await ack1(s, "count-forbidden"), 0);
      // The socket stays usable.
      assert.deepEqual(await ack(s, "echo", "still", "here"), ["still", "here"]);
    });

    it('a rejected event without an ack gets an "error" event {message}', async () => {
      const s = await connect("/", mode.opts);
      const errorEvent = once(s, "error");
      s.emit("forbidden-event", "x");
      const [payload] = await errorEvent;
      assert.deepEqual(payload, { message: 'event "forbidden-event" is forbidden' });
      assert.equal(await ack1(s, "count-forbidden"), 0);
      assert.equal(s.connected, true);
    });

    it("the second middleware rejects by argument; the first one's pass is not enough", async () => {
      const s = await connect("/", mode.opts);
      const reply = await ack(s, "traced", { deny: true });
      assert.deepEqual(reply, [{ error: "denied by the second middleware" }]);
      // Neither the catch-all listener nor the handler ran.
      assert.deepEqual(await ack1(s, "trace-get"), ["guard", "second"]);
      await ack(s, "traced", { deny: false });
      assert.deepEqual(await ack1(s, "trace-get"), ["guard", "second", "any", "handler"]);
    });

    it("a rejected event does not disconnect the socket", async () => {
      const s = await connect("/", mode.opts);
      const id = s.id;
      for (let i = 0; i < 5; i++) {
        assert.deepEqual(await ack(s, "forbidden-" + i), [{ error: `event "forbidden-${i}" is forbidden` }]);
      }
      assert.equal((await ack1(s, "whoami")).id, id);
      s.disconnect();
      assert.equal((await serverLeft(id)).reason, "client namespace disconnect");
    });
  });
}
