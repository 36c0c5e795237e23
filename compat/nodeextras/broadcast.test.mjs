// Emit flags and broadcast acknowledgements: Volatile, Timeout,
// EmitWithAck on a broadcast with partial replies.

import { describe, it, afterEach } from "node:test";
import assert from "node:assert/strict";
import {
  MODES,
  TEST_TIMEOUT,
  closeAll,
  connect,
  once,
  ack,
  ack1,
  control,
  uniq,
} from "./helpers.mjs";

// burst asks the server for a volatile burst of n events to s and returns
// its report with what the client received. The server counts the volatile
// packets it dropped for s (its transport was not writable at once); the
// others were queued on an open connection, so the client gets exactly
// those, in order, and every plain event.
async function burst(s, n, mode) {
  const vol = [];
  const nv = [];
  const onVol = (i) => vol.push(i);
  const onNv = (i) => nv.push(i);
  s.on("vol", onVol);
  s.on("nv", onNv);
  const done = once(s, "vol-done");
  const report = await ack1(s, "volatile-burst", n, mode);
  // "vol-done" was queued before the acknowledgement.
  assert.deepEqual(await done, [n]);
  s.off("vol", onVol);
  s.off("nv", onNv);
  assert.equal(report.total, n);
  assert.equal(report.sent + report.dropped, n);
  assert.equal(vol.length, report.sent, `received ${vol.length} volatile events, the server sent ${report.sent} (dropped ${report.dropped})`);
  for (let i = 1; i < vol.length; i++) {
    assert.ok(vol[i] > vol[i - 1], `volatile events out of order: ${vol}`);
  }
  const expectedNv = [];
  if (n > 1) for (let i = 0; i < n; i += 10) expectedNv.push(i);
  assert.deepEqual(nv, expectedNv, "every plain event arrives, in order");
  return { ...report, vol };
}

describe("volatile", { timeout: TEST_TIMEOUT }, () => {
  afterEach(closeAll);

  for (const how of ["socket", "broadcast"]) {
    it(`polling: a burst is dropped while the transport is not writable (${how})`, async (t) => {
      // One poll request carries at most the one volatile packet that was
      // queued while it waited: the rest of a 100-event burst (sent in a
      // few microseconds, far less than a poll round trip) is dropped.
      const s = await connect("/", { transports: ["polling"] });
      const r = await burst(s, 100, how);
      t.diagnostic(`polling burst: ${r.sent} sent, ${r.dropped} dropped`);
      assert.ok(r.dropped > 0, `nothing dropped: ${JSON.stringify(r)}`);
    });

    it(`websocket: the packets sent while writable arrive, the rest are dropped (${how})`, async (t) => {
      const s = await connect("/", { transports: ["websocket"] });
      const r = await burst(s, 100, how);
      t.diagnostic(`websocket burst: ${r.sent} sent, ${r.dropped} dropped`);
      // A single volatile emit to an idle websocket is written: out of a
      // few tries (a heartbeat may be being written), one gets through.
      let sent = 0;
      for (let i = 0; i < 5 && sent === 0; i++) sent += (await burst(s, 1, how)).sent;
      assert.ok(sent > 0, "no single volatile emit reached an idle websocket");
    });
  }

  it("a volatile broadcast reaches the writable sockets only, and never twice", async () => {
    const room = uniq("vol");
    const sockets = [];
    for (const mode of MODES) sockets.push(await connect("/x", mode.opts));
    const got = sockets.map(() => []);
    sockets.forEach((s, i) => s.on("vb", (n) => got[i].push(n)));
    for (const s of sockets) await ack(s, "join", [room]);
    for (let n = 0; n < 20; n++) await control("emit", { nsp: "/x", to: room, event: "vb", args: [n], volatile: "1" });
    // A plain marker after the volatile ones: once it is in, every
    // volatile packet that was queued is too.
    const markers = sockets.map((s) => once(s, "marker"));
    await control("emit", { nsp: "/x", to: room, event: "marker", args: [] });
    await Promise.all(markers);
    for (const g of got) {
      assert.ok(g.length <= 20);
      assert.deepEqual(g, [...new Set(g)].sort((a, b) => a - b), `duplicated or out of order: ${g}`);
    }
    // With a control round trip between emits, the websocket client is
    // idle at each one.
    assert.ok(got[1].length > 0, "the websocket client got none of the volatile broadcasts");
  });
});

for (const mode of MODES) {
  describe(`broadcast acknowledgements (${mode.name})`, { timeout: TEST_TIMEOUT }, () => {
    afterEach(closeAll);

    async function trio(room) {
      const a = await connect("/x", mode.opts);
      const b = await connect("/x", mode.opts);
      const c = await connect("/x", mode.opts);
      for (const s of [a, b, c]) await ack(s, "join", [room]);
      return [a, b, c];
    }

    it("3 recipients, one never replies: the 2 replies and a timeout", async () => {
      const room = uniq("ack");
      const [a, b, c] = await trio(room);
      a.on("q", (x, cb) => cb("a", x));
      b.on("q", (x, cb) => setTimeout(() => cb("b", x), 50));
      let cAsked = 0;
      c.on("q", () => cAsked++); // never calls back
      const r = await control("ack", { nsp: "/x", to: room, event: "q", timeoutMs: 700, args: [7] });
      assert.equal(r.timeout, true, JSON.stringify(r));
      assert.match(r.error, /timeout|timed out/i);
      assert.deepEqual(r.replies.sort(), [["a", 7], ["b", 7]]);
      assert.equal(cAsked, 1);
      assert.ok(r.elapsedMs >= 650, `returned after ${r.elapsedMs} ms, before the timeout`);
    });

    it("every recipient replies: all replies, no error, no waiting for the timeout", async () => {
      const room = uniq("ack-all");
      const sockets = await trio(room);
      sockets.forEach((s, i) => s.on("q", (x, cb) => cb({ from: i, x })));
      const r = await control("ack", { nsp: "/x", to: room, event: "q", timeoutMs: 15000, args: ["hi"] });
      assert.equal(r.error, undefined, JSON.stringify(r));
      assert.deepEqual(
        r.replies.map(([v]) => v).sort((p, q) => p.from - q.from),
        [0, 1, 2].map((from) => ({ from, x: "hi" })),
      );
      assert.ok(r.elapsedMs < 15000);
    });

    it("an empty room: no replies, no error", async () => {
      const r = await control("ack", { nsp: "/x", to: uniq("empty"), event: "q", timeoutMs: 15000 });
      assert.deepEqual(r.replies, []);
      assert.equal(r.error, undefined);
    });

    it("a recipient that disconnects instead of replying is no longer waited for", async () => {
      const room = uniq("ack-gone");
      const [a, b, c] = await trio(room);
      a.on("q", (cb) => cb("a"));
      b.on("q", (cb) => cb("b"));
      c.on("q", () => c.disconnect());
      const r = await control("ack", { nsp: "/x", to: room, event: "q", timeoutMs: 15000 });
      assert.equal(r.error, undefined, JSON.stringify(r));
      assert.deepEqual(r.replies.sort(), [["a"], ["b"]]);
    });

    it("binary and several arguments in the replies", async () => {
      const room = uniq("ack-bin");
      const [a, b, c] = await trio(room);
      for (const [i, s] of [a, b, c].entries()) s.on("q", (cb) => cb(i, Buffer.from([i, 255]), { nested: Buffer.from([i]) }));
      const r = await control("ack", { nsp: "/x", to: room, event: "q", timeoutMs: 15000 });
      assert.equal(r.error, undefined);
      // The fixture reports the replies as JSON: []byte is base64.
      const sorted = r.replies.sort((p, q) => p[0] - q[0]);
      assert.deepEqual(sorted, [0, 1, 2].map((i) => [i, Buffer.from([i, 255]).toString("base64"), { nested: Buffer.from([i]).toString("base64") }]));
    });
  });

  describe(`socket emit with a timeout (${mode.name})`, { timeout: TEST_TIMEOUT }, () => {
    afterEach(closeAll);

    it("Socket.Timeout(d).EmitWithAck fails with a timeout when the client does not reply", async () => {
      const s = await connect("/", mode.opts);
      s.on("silent", () => {});
      const r = await ack1(s, "ask-client", "silent", 300, "x");
      assert.equal(r.timeout, true, JSON.stringify(r));
      assert.deepEqual(r.reply, []);
    });

    it("and returns the reply when the client answers in time", async () => {
      const s = await connect("/", mode.opts);
      s.on("answer", (x, cb) => cb(x * 2, "ok"));
      const r = await ack1(s, "ask-client", "answer", 5000, 21);
      assert.equal(r.error, undefined);
      assert.deepEqual(r.reply, [42, "ok"]);
    });
  });
}
