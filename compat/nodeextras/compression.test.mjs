// Websocket permessage-deflate (Engine.PerMessageDeflate) and Compress per
// emit; HTTP compression of polling responses.

import { describe, it, afterEach } from "node:test";
import assert from "node:assert/strict";
import {
  TEST_TIMEOUT,
  closeAll,
  connect,
  once,
  ack1,
} from "./helpers.mjs";

const SIZE = 200_000;

function expected(size) {
  return "socket.io ".repeat(size / 10 + 1).slice(0, size);
}

// big asks for a compressible string as "big" and returns it with the
// number of bytes the client's TCP socket read meanwhile.
async function big(s, compress, how) {
  const raw = s.io.engine.transport.ws._socket;
  const before = raw.bytesRead;
  const got = once(s, "big");
  assert.equal(await ack1(s, "big", SIZE, compress, how), SIZE);
  const [payload] = await got;
  return { payload, wire: raw.bytesRead - before };
}

describe("websocket compression", { timeout: TEST_TIMEOUT }, () => {
  afterEach(closeAll);

  it("PerMessageDeflate is negotiated when the server enables it, not otherwise", async () => {
    const on = await connect("/", { server: "deflate", transports: ["websocket"] });
    assert.match(on.io.engine.transport.ws.extensions, /permessage-deflate/);
    const off = await connect("/", { server: "extras", transports: ["websocket"] });
    assert.equal(off.io.engine.transport.ws.extensions, "");
  });

  for (const how of ["socket", "broadcast"]) {
    it(`compressed by default, not with Compress(false); delivered intact both ways (${how})`, async (t) => {
      const s = await connect("/", { server: "deflate", transports: ["websocket"] });
      const c = await big(s, true, how);
      assert.equal(c.payload, expected(SIZE));
      assert.ok(c.wire < SIZE / 10, `compressed: ${c.wire} bytes on the wire for ${SIZE}`);
      const u = await big(s, false, how);
      assert.equal(u.payload, expected(SIZE));
      assert.ok(u.wire >= SIZE, `Compress(false): ${u.wire} bytes on the wire for ${SIZE}`);
      t.diagnostic(`${how}: ${c.wire} bytes compressed, ${u.wire} uncompressed`);
      // And again compressed: the flag is per message.
      const again = await big(s, true, how);
      assert.ok(again.wire < SIZE / 10);
    });
  }

  it("the client's compressed messages reach the server intact", async () => {
    const s = await connect("/", { server: "deflate", transports: ["websocket"] });
    const payload = expected(SIZE) + "✓";
    const reply = await new Promise((resolve, reject) => {
      s.timeout(10_000).compress(true).emit("echo", payload, { nested: payload }, (err, ...r) => (err ? reject(err) : resolve(r)));
    });
    assert.equal(reply[0], payload);
    assert.equal(reply[1].nested, payload);
  });

  it("without PerMessageDeflate, Compress(true) and (false) both deliver", async () => {
    const s = await connect("/", { server: "extras", transports: ["websocket"] });
    for (const compress of [true, false]) {
      const r = await big(s, compress, "socket");
      assert.equal(r.payload, expected(SIZE));
      assert.ok(r.wire >= SIZE);
    }
  });
});

describe("polling", { timeout: TEST_TIMEOUT }, () => {
  afterEach(closeAll);

  it("large payloads over polling on the compression servers", async () => {
    for (const server of ["deflate", "extras"]) {
      const s = await connect("/", { server, transports: ["polling"] });
      for (const compress of [true, false]) {
        const got = once(s, "big");
        assert.equal(await ack1(s, "big", SIZE, compress, "socket"), SIZE);
        assert.equal((await got)[0], expected(SIZE));
      }
    }
  });
});
