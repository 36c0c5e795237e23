// engine.io-client against the sio Engine.IO server where sio must behave as
// the reference server (engine.io 6.6) does: binary over websocket for a
// client that forces base64, and the answer to an oversized polling POST.
// Run by compat/engineio_test.go, see helpers.mjs for the environment.

import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { PATH, SMALL_PATH, closeAll, connect, once, echo, pattern, serverClosed } from "./helpers.mjs";

const TEST_TIMEOUT = 20_000;

after(closeAll);

describe("engine.io-client with forceBase64", { timeout: TEST_TIMEOUT * 3 }, () => {
  after(closeAll);

  for (const [name, opts] of [
    ["websocket only", { transports: ["websocket"] }],
    ["polling then upgrade", {}],
  ]) {
    it(`echoes binary as binary over ${name}`, { timeout: TEST_TIMEOUT }, async () => {
      // The client sends binary as "b" + base64 text frames and asks (b64=1)
      // to receive it the same way.
      const socket = await connect(PATH, { ...opts, forceBase64: true });
      if (!opts.transports) await once(socket, "upgrade");
      assert.equal(socket.transport.name, "websocket");
      await echo(socket, [Uint8Array.of(1, 2, 3), pattern(300, 5), "text stays text", Buffer.from([0, 255])], "base64");
      const sid = socket.id;
      socket.close();
      const info = await serverClosed(sid);
      assert.equal(info.reason, "transport close", "server-side close reason");
    });
  }
});

describe("engine.io-client, oversized polling message", { timeout: TEST_TIMEOUT * 2 }, () => {
  after(closeAll);

  it("closes with transport error on both sides", { timeout: TEST_TIMEOUT }, async () => {
    const socket = await connect(SMALL_PATH, { transports: ["polling"] });
    assert.equal(socket.transport.name, "polling");
    const sid = socket.id;
    const closed = once(socket, "close");
    socket.send("x".repeat(2000)); // MaxHTTPBufferSize is 1000
    const [reason, description] = await closed;
    // The 413 is what the client reads, not a close packet on its pending
    // poll (that would read as "transport close").
    assert.equal(reason, "transport error", `client-side close reason (${description?.message ?? description})`);
    const info = await serverClosed(sid);
    assert.equal(info.reason, "transport error", "server-side close reason");
  });
});
