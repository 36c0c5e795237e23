// engine.io-client (npm, the official client) against the sio Engine.IO
// server: connecting by polling only, websocket only and polling→websocket
// upgrade; text and binary messages both ways; server- and client-initiated
// close. Run by compat/engineio_test.go, see helpers.mjs for the environment.

import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import {
  PATH,
  MODES,
  closeAll,
  open,
  connect,
  once,
  collect,
  echo,
  pattern,
  serverClosed,
} from "./helpers.mjs";

const TEST_TIMEOUT = 20_000;

// connectMode connects in the given mode; for the upgrade mode it also waits
// until the upgrade to websocket has completed and checks the events on the way.
async function connectMode(mode, extra = {}) {
  const socket = await connect(PATH, { ...mode.opts, ...extra });
  if (mode.upgrade) {
    assert.equal(socket.transport.name, "polling", "an upgrading connection starts by polling");
    const upgraded = once(socket, "upgrade");
    const [transport] = await upgraded;
    assert.equal(transport.name, "websocket", "upgrade event names the new transport");
  }
  assert.equal(socket.transport.name, mode.finalTransport);
  return socket;
}

after(closeAll);

for (const mode of MODES) {
  describe(`engine.io-client, ${mode.name}`, { timeout: TEST_TIMEOUT * 8 }, () => {
    after(closeAll);

    it("connects with the handshake the client expects", { timeout: TEST_TIMEOUT }, async () => {
      const socket = open(PATH, { ...mode.opts });
      const [handshake] = await once(socket, "handshake");
      assert.deepEqual(
        Object.keys(handshake).sort(),
        ["maxPayload", "pingInterval", "pingTimeout", "sid", "upgrades"],
        "open packet fields",
      );
      assert.equal(typeof handshake.sid, "string");
      assert.ok(handshake.sid.length > 0, "non-empty sid");
      assert.ok(handshake.pingInterval > 0, `pingInterval ${handshake.pingInterval}`);
      assert.ok(handshake.pingTimeout > 0, `pingTimeout ${handshake.pingTimeout}`);
      assert.ok(handshake.maxPayload > 0, `maxPayload ${handshake.maxPayload}`);
      // the server offers an upgrade to websocket on polling, none on websocket
      const firstTransport = mode.opts.transports?.[0] ?? "polling";
      assert.deepEqual(handshake.upgrades, firstTransport === "polling" ? ["websocket"] : [], "upgrades offered");
      if (socket.readyState !== "open") await once(socket, "open");
      assert.equal(socket.id, handshake.sid);
      if (mode.upgrade) {
        await once(socket, "upgrade");
      }
      assert.equal(socket.transport.name, mode.finalTransport);
      const sid = socket.id;
      socket.close();
      const info = await serverClosed(sid);
      assert.equal(info.transport, mode.finalTransport, "server's transport at close");
    });

    it("echoes text messages", { timeout: TEST_TIMEOUT }, async () => {
      const socket = await connectMode(mode);
      await echo(socket, ["hello", "héllo wörld ✓ 🌍", "4 looks like a packet type", "b64 starts with b", '{"json":[1,2,3]}'], "text");
      // a burst of many small messages arrives complete and in order
      const burst = Array.from({ length: 200 }, (_, i) => `msg ${i}`);
      await echo(socket, burst, "burst");
      socket.close();
    });

    it("echoes binary messages as Buffer (binaryType nodebuffer)", { timeout: TEST_TIMEOUT }, async () => {
      const socket = await connectMode(mode);
      assert.equal(socket.binaryType, "nodebuffer", "Node's default binaryType");
      const ab = pattern(64, 7).buffer; // ArrayBuffer
      await echo(socket, [Uint8Array.of(1, 2, 3), pattern(256), ab, Buffer.from("binary, not text")], "binary");
      socket.close();
    });

    it("echoes binary messages as ArrayBuffer (binaryType arraybuffer)", { timeout: TEST_TIMEOUT }, async () => {
      const socket = await connectMode(mode);
      socket.binaryType = "arraybuffer";
      await echo(socket, [Uint8Array.of(0, 255, 0x1e, 0x34), pattern(1000, 3).buffer], "binary");
      socket.close();
    });

    it("keeps text and binary apart and in order when interleaved", { timeout: TEST_TIMEOUT }, async () => {
      const socket = await connectMode(mode);
      const payloads = [];
      for (let i = 0; i < 30; i++) {
        payloads.push(i % 2 === 0 ? `text ${i}` : pattern(i + 1, i));
      }
      await echo(socket, payloads, "interleaved");
      socket.close();
    });

    it("echoes large messages (100 KiB text and binary)", { timeout: TEST_TIMEOUT }, async () => {
      const socket = await connectMode(mode);
      const text = "0123456789abcdef".repeat(100 * 64);
      await echo(socket, [text, pattern(100 * 1024, 11)], "large");
      socket.close();
    });

    it("echoes empty messages", { timeout: TEST_TIMEOUT }, async () => {
      const socket = await connectMode(mode);
      // engine.io-parser decodes the bare message packet "4" with no data
      // field, so an empty text message reaches the client as undefined
      const received = collect(socket, 2);
      socket.send("");
      socket.send("after empty text");
      const [empty, next] = await received;
      assert.ok(empty === "" || empty === undefined, `empty text echoed as ${Object.prototype.toString.call(empty)} ${empty}`);
      assert.equal(next, "after empty text");
      await echo(socket, [new Uint8Array(0), "after empty binary"], "empty binary");
      socket.close();
    });

    it("observes a server-initiated close", { timeout: TEST_TIMEOUT }, async () => {
      const socket = await connectMode(mode);
      const sid = socket.id;
      const closed = once(socket, "close");
      socket.send("close-me");
      const [reason] = await closed;
      assert.equal(reason, "transport close", "client-side close reason");
      assert.equal(socket.readyState, "closed");
      const info = await serverClosed(sid);
      assert.equal(info.reason, "forced close", "server-side close reason");
      assert.equal(info.transport, mode.finalTransport, "server's transport at close");
    });

    it("delivers messages queued before a server-initiated close", { timeout: TEST_TIMEOUT }, async () => {
      const socket = await connectMode(mode);
      const received = collect(socket, 3);
      const closed = once(socket, "close");
      socket.send("first");
      socket.send(Uint8Array.of(9, 8, 7));
      socket.send("last");
      await received;
      socket.send("close-me");
      const [reason] = await closed;
      assert.equal(reason, "transport close");
    });

    it("reports a client-initiated close to the server", { timeout: TEST_TIMEOUT }, async () => {
      const socket = await connectMode(mode);
      const sid = socket.id;
      await echo(socket, ["ping-pong"], "before close");
      const closed = once(socket, "close");
      socket.close();
      const [reason] = await closed;
      assert.equal(reason, "forced close", "client-side close reason");
      const info = await serverClosed(sid);
      assert.equal(info.reason, "transport close", "server-side close reason");
      assert.equal(info.transport, mode.finalTransport, "server's transport at close");
    });
  });
}

describe("engine.io-client, upgrade details", { timeout: TEST_TIMEOUT * 3 }, () => {
  after(closeAll);

  it("fires upgrading then upgrade, and keeps messages sent during the upgrade in order", { timeout: TEST_TIMEOUT }, async () => {
    const socket = await connect(PATH, {});
    assert.equal(socket.transport.name, "polling");
    const events = [];
    socket.on("upgrading", (t) => events.push(`upgrading:${t.name}`));
    const upgraded = once(socket, "upgrade");
    // these are sent while the probe runs: before, during and after the pause
    const payloads = [];
    for (let i = 0; i < 20; i++) payloads.push(i % 3 === 0 ? pattern(5, i) : `during upgrade ${i}`);
    const received = collect(socket, payloads.length);
    for (const p of payloads) socket.send(p);
    const [transport] = await upgraded;
    events.push(`upgrade:${transport.name}`);
    assert.deepEqual(events, ["upgrading:websocket", "upgrade:websocket"]);
    assert.equal(socket.transport.name, "websocket");
    const got = await received;
    assert.equal(got.length, payloads.length);
    got.forEach((g, i) => {
      if (typeof payloads[i] === "string") assert.equal(g, payloads[i], `message ${i}`);
      else assert.deepEqual(Buffer.from(g), Buffer.from(payloads[i]), `message ${i}`);
    });
    // and the upgraded connection works both ways
    await echo(socket, ["after upgrade", pattern(10)], "after upgrade");
    const sid = socket.id;
    socket.close();
    const info = await serverClosed(sid);
    assert.equal(info.transport, "websocket");
    assert.equal(info.reason, "transport close");
  });

  it("receives server messages sent while the upgrade is in flight", { timeout: TEST_TIMEOUT }, async () => {
    // the server echoes as fast as it can; messages sent right after "open"
    // are echoed while the client probes: over the old polling transport,
    // or over the websocket once the server has switched. None may be lost.
    const socket = await connect(PATH, {});
    const n = 100;
    const received = collect(socket, n);
    const upgraded = once(socket, "upgrade");
    for (let i = 0; i < n; i++) socket.send(`m${i}`);
    await upgraded;
    const got = await received;
    assert.deepEqual(got, Array.from({ length: n }, (_, i) => `m${i}`));
    socket.close();
  });
});
