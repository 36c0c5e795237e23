// Heartbeat interop: against the short-heartbeat server (HB_PATH), a client
// that answers pings stays connected across several ping cycles, and a client
// that stops answering is closed by the server with reason "ping timeout".
// Run by compat/engineio_test.go, see helpers.mjs for the environment.

import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { HB_PATH, MODES, closeAll, connect, once, echo, serverClosed } from "./helpers.mjs";

const TEST_TIMEOUT = 20_000;

after(closeAll);

// stopPongs makes the client ignore the server's pings: engine.io-client 6.x
// answers a ping in Socket#_onPacket with this._sendPacket("pong"); dropping
// that packet is exactly a client whose pongs never arrive. It still receives
// the pings (and so its own ping-timeout timer keeps being reset).
function stopPongs(socket) {
  const sendPacket = socket._sendPacket;
  let dropped = 0;
  socket._sendPacket = function (type, ...rest) {
    if (type === "pong") {
      dropped++;
      return;
    }
    return sendPacket.call(this, type, ...rest);
  };
  return () => dropped;
}

for (const mode of MODES) {
  describe(`heartbeat, ${mode.name}`, { timeout: TEST_TIMEOUT * 3 }, () => {
    after(closeAll);

    it("a client that answers pings stays connected over several ping cycles", { timeout: TEST_TIMEOUT }, async () => {
      const socket = await connect(HB_PATH, { ...mode.opts });
      const sid = socket.id;
      let serverClosedEarly = false;
      socket.on("close", () => (serverClosedEarly = true));
      if (mode.upgrade) await once(socket, "upgrade");
      // the client emits "ping" each time it receives (and answers) one
      for (let i = 0; i < 4; i++) await once(socket, "ping");
      assert.equal(serverClosedEarly, false);
      assert.equal(socket.readyState, "open");
      assert.equal(socket.transport.name, mode.finalTransport);
      await echo(socket, ["still here", Uint8Array.of(1, 2)], "after pings");
      socket.close();
      const info = await serverClosed(sid);
      assert.equal(info.reason, "transport close", "server-side reason for a client close");
    });

    it('a client that stops answering pings is closed with "ping timeout"', { timeout: TEST_TIMEOUT }, async () => {
      const socket = await connect(HB_PATH, { ...mode.opts });
      const sid = socket.id;
      const pingInterval = socket._pingInterval;
      const pingTimeout = socket._pingTimeout;
      if (mode.upgrade) await once(socket, "upgrade");
      const dropped = stopPongs(socket);
      const closed = once(socket, "close");

      // the sync point: the Go harness answers once the server closed the session
      const info = await serverClosed(sid);
      assert.equal(info.reason, "ping timeout", `server-side close reason (error: ${info.error})`);
      // The server pings every pingInterval and gives up pingTimeout after an
      // unanswered ping, so the session lived about pingInterval+pingTimeout
      // at least (the first ping is sent pingInterval after the handshake;
      // aliveMs starts a little later, at the OnConnection callback, hence
      // the 10% slack). The upper bound is deliberately loose: it only
      // catches a server that does not give up.
      const expected = pingInterval + pingTimeout;
      assert.ok(
        info.aliveMs >= 0.9 * expected,
        `closed after ${info.aliveMs} ms, before pingInterval+pingTimeout = ${expected} ms`,
      );
      assert.ok(
        info.aliveMs < 10 * expected + 5000,
        `closed only after ${info.aliveMs} ms (pingInterval ${pingInterval}, pingTimeout ${pingTimeout})`,
      );
      assert.ok(dropped() >= 1, "the client received at least one ping it did not answer");

      // the client notices too: either the server's close (transport close /
      // transport error) or, at the latest, its own ping timeout
      const [reason] = await closed;
      assert.ok(
        ["transport close", "transport error", "ping timeout"].includes(reason),
        `client-side close reason ${reason}`,
      );
    });
  });
}
