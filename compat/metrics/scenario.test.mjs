// A scripted scenario for the metrics test (compat/metrics_test.go): real
// socket.io-client connections over each transport, namespaces, refusals,
// events, acknowledgements both ways, a broadcast and disconnections, in
// a fixed order, so the server's metrics have exact expected values.
//
// BASE_URL is the server's URL. Every step waits for its outcome.
import { test } from "node:test";
import assert from "node:assert/strict";
import { io } from "socket.io-client";
import { WAIT_MS, required, connected, disconnected } from "../nodekit/kit.mjs";

const base = required("BASE_URL", "go test ./compat -run TestMetrics");

const opts = (extra) => ({ forceNew: true, reconnection: false, timeout: WAIT_MS, ...extra });

function refused(socket) {
  return new Promise((resolve, reject) => {
    socket.once("connect", () => reject(new Error("connected, want a refusal")));
    socket.once("connect_error", resolve);
  });
}

function upgraded(socket) {
  return new Promise((resolve) => {
    if (socket.io.engine.transport.name === "websocket") return resolve();
    socket.io.engine.once("upgrade", resolve);
  });
}

test("the scripted scenario", { timeout: 60_000 }, async () => {
  // 1. "/" over websocket only, and over polling with the upgrade.
  const a = io(base, opts({ transports: ["websocket"] }));
  await connected(a);
  const b = io(base, opts());
  await connected(b);
  await upgraded(b);

  // 2. "/chat" (its middleware wants a token) over websocket and over
  // polling only; a dynamic namespace's child.
  const c = io(base + "/chat", opts({ auth: { token: "ok" }, transports: ["websocket"] }));
  await connected(c);
  const d = io(base + "/chat", opts({ auth: { token: "ok" }, transports: ["polling"] }));
  await connected(d);
  const g = io(base + "/room-7", opts({ transports: ["websocket"] }));
  await connected(g);

  // 3. Refusals: the middleware, and a namespace that does not exist.
  const e = io(base + "/chat", opts({ auth: { token: "bad" }, transports: ["websocket"] }));
  const err = await refused(e);
  assert.equal(err.message, "unauthorized");
  e.io.engine.close();
  const f = io(base + "/nope", opts({ transports: ["websocket"] }));
  await refused(f);
  f.io.engine.close();

  // 4. Three events with acknowledgements from the client.
  for (const word of ["one", "two", "three"]) {
    assert.equal(await a.timeout(5000).emitWithAck("echo", word), word);
  }

  // 5. The server asks a's question and gets the answer; then asks b one
  // that it leaves unanswered (no listener: no acknowledgement).
  a.on("question", (q, ack) => ack("4"));
  assert.equal(await a.timeout(5000).emitWithAck("ask"), "4");
  assert.equal(await b.timeout(5000).emitWithAck("ask-silent"), "timed out");

  // 6. A broadcast to "/chat" from c: c and d receive "news".
  const news = Promise.all([c, d].map((s) => new Promise((r) => s.once("news", r))));
  c.emit("shout", "hello");
  await news;

  // 7. Disconnections: a leaves, b's connection drops, c, d and g leave.
  for (const s of [a, c, d, g]) {
    const done = disconnected(s);
    s.disconnect();
    await done;
  }
  const bGone = disconnected(b);
  b.io.engine.close();
  await bGone;

  // 8. Two bad Engine.IO requests: an unknown session id, a protocol version.
  for (const q of ["EIO=4&transport=polling&sid=nope", "EIO=3&transport=polling"]) {
    const r = await fetch(base + "/socket.io/?" + q);
    assert.equal(r.status, 400);
  }
});
