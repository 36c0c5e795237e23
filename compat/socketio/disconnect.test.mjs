// Disconnections and their reasons on both sides; multiplexing (a client
// leaving one namespace keeps the others on the connection); ping timeout;
// malformed packets. Run by compat/socketio_test.go, see helpers.mjs.

import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import {
  MODES,
  TEST_TIMEOUT,
  closeAll,
  connect,
  manager,
  connected,
  once,
  ack,
  ack1,
  control,
  serverLeft,
  disconnected,
} from "./helpers.mjs";

after(closeAll);

// Reasons a client gives when the server closes the connection under it.
const CLIENT_CLOSE_REASONS = ["transport close", "transport error"];

// stopPongs makes the client's engine ignore the server's pings
// (engine.io-client 6.x answers them with this._sendPacket("pong")).
function stopPongs(engine) {
  const sendPacket = engine._sendPacket;
  engine._sendPacket = function (type, ...rest) {
    if (type === "pong") return;
    return sendPacket.call(this, type, ...rest);
  };
}

for (const mode of MODES) {
  describe(`disconnect, ${mode.name}`, { timeout: TEST_TIMEOUT * 12 }, () => {
    after(closeAll);

    it('client disconnect: "io client disconnect" / "client namespace disconnect"', { timeout: TEST_TIMEOUT }, async () => {
      const s = await connect("/", mode.opts);
      const sid = s.id;
      const reason = disconnected(s);
      s.disconnect();
      assert.equal(await reason, "io client disconnect");
      const info = await serverLeft(sid);
      assert.equal(info.reason, "client namespace disconnect");
    });

    it('server disconnect: "io server disconnect" / "server namespace disconnect"', { timeout: TEST_TIMEOUT }, async () => {
      const s = await connect("/", mode.opts);
      const sid = s.id;
      const reason = disconnected(s);
      s.emit("disconnect-me", false);
      assert.equal(await reason, "io server disconnect");
      const info = await serverLeft(sid);
      assert.equal(info.reason, "server namespace disconnect");
      assert.equal(s.active, false, "the client does not reconnect after a server disconnect");
    });

    it("server disconnect by sid, outside any handler", { timeout: TEST_TIMEOUT }, async () => {
      const s = await connect("/chat", mode.opts);
      const sid = s.id;
      const reason = disconnected(s);
      await control("disconnect", { nsp: "/chat", sid });
      assert.equal(await reason, "io server disconnect");
      assert.equal((await serverLeft(sid)).reason, "server namespace disconnect");
    });

    it("a client leaving one namespace keeps the others working on the same connection", { timeout: TEST_TIMEOUT }, async () => {
      const m = manager({ ...mode.opts });
      const main = await connected(m.socket("/"));
      const chat = await connected(m.socket("/chat"));
      const engineId = m.engine.id;
      const meMain = await ack1(main, "whoami");
      const meChat = await ack1(chat, "whoami");
      assert.equal(meMain.connId, engineId);
      assert.equal(meChat.connId, engineId, "both namespaces on one connection");
      let mainDisconnects = 0;
      main.on("disconnect", () => mainDisconnects++);

      const chatSid = chat.id;
      const reason = disconnected(chat);
      chat.disconnect();
      assert.equal(await reason, "io client disconnect");
      assert.equal((await serverLeft(chatSid)).reason, "client namespace disconnect");
      // "/" is untouched, on the same connection
      assert.deepEqual(await ack(main, "echo", "still here"), ["still here"]);
      assert.equal(m.engine.id, engineId);
      assert.equal(mainDisconnects, 0);
      // and "/chat" can join again on it
      chat.connect();
      await connected(chat);
      assert.notEqual(chat.id, chatSid, "a new socket");
      assert.equal((await ack1(chat, "whoami")).connId, engineId);

      // the server disconnecting one namespace keeps the other too
      const mainSid = main.id;
      const mainReason = disconnected(main);
      main.emit("disconnect-me", false);
      assert.equal(await mainReason, "io server disconnect");
      assert.equal((await serverLeft(mainSid)).reason, "server namespace disconnect");
      assert.deepEqual(await ack(chat, "echo", 1), [1]);
      assert.equal(m.engine.id, engineId);
      chat.disconnect();
    });

    it("server Disconnect(true) closes the whole connection, every namespace", { timeout: TEST_TIMEOUT }, async () => {
      const m = manager({ ...mode.opts });
      const main = await connected(m.socket("/"));
      const chat = await connected(m.socket("/chat"));
      const sids = [main.id, chat.id];
      const reasons = Promise.all([disconnected(main), disconnected(chat)]);
      const closed = once(m, "close");
      main.emit("disconnect-me", true);
      assert.deepEqual(await reasons, ["io server disconnect", "io server disconnect"]);
      await closed;
      for (const sid of sids) assert.equal((await serverLeft(sid)).reason, "server namespace disconnect");
    });

    it('the transport closing under the client: "transport close" on both sides', { timeout: TEST_TIMEOUT }, async () => {
      const s = await connect("/", mode.opts);
      const sid = s.id;
      const reason = disconnected(s);
      // as if the network dropped: the websocket closes, or the polling
      // transport sends its close packet (the server answers it)
      s.io.engine.transport.close();
      assert.equal(await reason, "transport close");
      assert.equal((await serverLeft(sid)).reason, "transport close");
    });

    it('the client closing its engine: "forced close" / "transport close"', { timeout: TEST_TIMEOUT }, async () => {
      const s = await connect("/", mode.opts);
      const sid = s.id;
      const reason = disconnected(s);
      s.io.engine.close();
      assert.equal(await reason, "forced close");
      assert.equal((await serverLeft(sid)).reason, "transport close");
    });

    it('a client that stops answering pings: "ping timeout" on the server', { timeout: TEST_TIMEOUT }, async () => {
      const s = await connect("/", { ...mode.opts, server: "heartbeat" });
      const sid = s.id;
      const reason = disconnected(s, 15_000);
      stopPongs(s.io.engine);
      assert.equal((await serverLeft(sid)).reason, "ping timeout");
      assert.ok([...CLIENT_CLOSE_REASONS, "ping timeout"].includes(await reason));
    });
  });

  describe(`malformed packets, ${mode.name}`, { timeout: TEST_TIMEOUT * 12 }, () => {
    after(closeAll);

    // Each is sent as a raw Engine.IO message after the socket has joined "/".
    const BAD = [
      ["invalid JSON", "2[bad"],
      ["event payload not an array", '2{"a":1}'],
      ["event without a name", "2[]"],
      ["event name not a string", '2[{"a":1}]'],
      ["unknown packet type", "9"],
      ["empty packet", ""],
      ["non-numeric ack id", '2x["ev"]'],
      ["binary event without attachment count", '5["ev",{"_placeholder":true,"num":0}]'],
      ["placeholder beyond the attachments", '51-["ev",{"_placeholder":true,"num":3}]'],
      ["CONNECT_ERROR from a client", '4{"message":"x"}'],
      ["unexpected binary attachment", Buffer.from([1, 2, 3])],
      ["trailing garbage", '2["ev"]garbage'],
    ];
    for (const [name, packet] of BAD) {
      it(`closes the connection with "parse error": ${name}`, { timeout: TEST_TIMEOUT }, async () => {
        const s = await connect("/", mode.opts);
        const sid = s.id;
        assert.deepEqual(await ack(s, "echo", "before"), ["before"]);
        const reason = disconnected(s);
        s.io.engine.write(packet);
        assert.equal((await serverLeft(sid)).reason, "parse error");
        assert.ok(CLIENT_CLOSE_REASONS.includes(await reason), "client-side reason");
      });
    }

    it("other clients are not affected by one client's malformed packet", { timeout: TEST_TIMEOUT }, async () => {
      const good = await connect("/", mode.opts);
      const bad = await connect("/", mode.opts);
      const badSid = bad.id;
      bad.io.engine.write("2[bad");
      assert.equal((await serverLeft(badSid)).reason, "parse error");
      assert.deepEqual(await ack(good, "echo", "fine"), ["fine"]);
      good.disconnect();
    });
  });
}
