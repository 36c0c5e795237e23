// Handler concurrency: by default a socket's handlers run one at a time in
// arrival order; with Options.ConcurrentHandlers a slow handler does not
// hold back the next event. A handler awaiting its own client's
// acknowledgement never deadlocks. Run by compat/socketio_test.go, see
// helpers.mjs.
//
// The "slow" handler waits until the test releases its key through the
// control endpoint, so nothing here depends on timing.

import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { MODES, TEST_TIMEOUT, WAIT_MS, closeAll, connect, ack1, control, uniq } from "./helpers.mjs";

after(closeAll);

// settle records the order in which promises settle.
function orderOf(named) {
  const order = [];
  return {
    order,
    all: Promise.all(Object.entries(named).map(([name, p]) => p.then((v) => (order.push(name), v)))),
  };
}

for (const mode of MODES) {
  describe(`handler order, ${mode.name}`, { timeout: TEST_TIMEOUT * 6 }, () => {
    after(closeAll);

    it("runs a socket's handlers in arrival order by default (100 events)", { timeout: TEST_TIMEOUT }, async () => {
      const s = await connect("/", mode.opts);
      for (let i = 0; i < 100; i++) s.emit("seq", i);
      const seq = await ack1(s, "seq-get");
      assert.deepEqual(seq, Array.from({ length: 100 }, (_, i) => i));
      s.disconnect();
    });

    it("a slow handler holds back the socket's next event by default", { timeout: TEST_TIMEOUT }, async () => {
      const s = await connect("/", mode.opts);
      const key = uniq("slow");
      const slow = ack1(s, "slow", key);
      const fast = ack1(s, "fast", "1");
      const { order, all } = orderOf({ slow, fast });
      await control("started", { key }); // the slow handler is running
      await control("release", { key });
      assert.deepEqual(await all, [`released ${key}`, "fast 1"]);
      assert.deepEqual(order, ["slow", "fast"]);
      s.disconnect();
    });

    it("other sockets are not held back by one socket's slow handler", { timeout: TEST_TIMEOUT }, async () => {
      const a = await connect("/", mode.opts);
      const b = await connect("/", mode.opts);
      const key = uniq("slow");
      const slow = ack1(a, "slow", key);
      await control("started", { key });
      assert.equal(await ack1(b, "fast", "b"), "fast b");
      await control("release", { key });
      assert.equal(await slow, `released ${key}`);
      a.disconnect();
      b.disconnect();
    });

    it("a handler awaiting its own client's acknowledgement does not deadlock", { timeout: TEST_TIMEOUT }, async () => {
      const s = await connect("/", mode.opts);
      // the client answers the server's question only after sending another
      // event, which queues behind the waiting handler
      s.on("question", (q, cb) => {
        s.emit("seq", 1);
        cb(`answer to ${q}`);
      });
      const report = await ack1(s, "ask", "question", 0, "q1");
      assert.deepEqual(report.reply, ["answer to q1"]);
      assert.deepEqual(await ack1(s, "seq-get"), [1]);
      s.disconnect();
    });
  });

  describe(`concurrent handlers, ${mode.name}`, { timeout: TEST_TIMEOUT * 6 }, () => {
    after(closeAll);
    const opts = { ...mode.opts, server: "concurrent" };

    it("a slow handler does not block the socket's next event", { timeout: TEST_TIMEOUT }, async () => {
      const s = await connect("/", opts);
      const key = uniq("slow");
      const slow = ack1(s, "slow", key);
      await control("started", { key });
      try {
        // answered while the slow handler still waits
        assert.equal(await ack1(s, "fast", "2"), "fast 2");
      } finally {
        await control("release", { key });
      }
      assert.equal(await slow, `released ${key}`);
      s.disconnect();
    });

    it("many slow handlers wait at once", { timeout: TEST_TIMEOUT }, async () => {
      const s = await connect("/", opts);
      const keys = Array.from({ length: 5 }, () => uniq("slow"));
      const slows = keys.map((k) => ack1(s, "slow", k));
      for (const k of keys) await control("started", { key: k });
      // release in reverse order: they answer in that order
      const { order, all } = orderOf(Object.fromEntries(keys.map((k, i) => [k, slows[i]])));
      for (const k of [...keys].reverse()) {
        await control("release", { key: k });
        await slows[keys.indexOf(k)];
      }
      await all;
      assert.deepEqual(order, [...keys].reverse());
      s.disconnect();
    });

    it("a handler awaiting its own client's acknowledgement works here too", { timeout: TEST_TIMEOUT }, async () => {
      const s = await connect("/", opts);
      s.on("question", (q, cb) => cb(q * 2));
      const reports = await Promise.all([1, 2, 3].map((q) => ack1(s, "ask", "question", WAIT_MS, q)));
      assert.deepEqual(
        reports.map((r) => r.reply[0]),
        [2, 4, 6],
      );
      s.disconnect();
    });
  });
}
