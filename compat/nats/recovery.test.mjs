// Connection state recovery across the servers of a NATS JetStream
// cluster, with the official client: two sio servers (started by
// queue/natsq's TestNodeRecovery, URLs in SIO_GO_URLS, each with a
// "/control" namespace that runs cluster operations) on JetStreamBuses. A
// client loses its connection to server a abruptly, misses broadcasts,
// and reconnects to server b, as a load balancer would send it elsewhere:
// it gets its id back, its rooms, and exactly the broadcasts it missed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { io as ioc } from "socket.io-client";
import { clients } from "../nodekit/cluster.mjs";
import { waitFor } from "../nodekit/kit.mjs";

const { Control } = clients(ioc);
const [urlA, urlB] = (process.env.SIO_GO_URLS || "").split(",");

// control connects the control client of the server at url.
const control = (url) => new Control({ name: url, url }).connect();

test("a client that loses its connection to one server recovers its session and missed broadcasts on another", async () => {
  assert.ok(urlA && urlB, "SIO_GO_URLS must name two servers");
  const [a, b] = [await control(urlA), await control(urlB)];
  const socket = ioc(urlA, { transports: ["websocket"], forceNew: true, reconnectionDelay: 50, reconnectionDelayMax: 100 });
  const events = [];
  socket.onAny((event, ...args) => events.push([event, ...args]));
  try {
    await once(socket, "connect");
    assert.equal(socket.recovered, false);
    const id = socket.id;
    assert.equal(await socket.timeout(5000).emitWithAck("join", "r"), "ok");
    await b.op({ op: "emit", rooms: ["r"], event: "first", args: [1] });
    await waitFor("the first broadcast", () => events.length === 1);
    assert.equal(events[0][0], "first");
    assert.equal(events[0][1], 1);
    assert.equal(typeof events[0][2], "string", "a broadcast carries its offset");

    // The transport closes without a DISCONNECT packet, as when the
    // network drops; the client reconnects only when told, to b.
    socket.io.reconnection(false);
    const gone = once(socket, "disconnect");
    socket.io.engine.transport.close(); // the websocket closes under the engine
    assert.equal((await gone)[0], "transport close");
    await waitFor("the socket to leave the cluster", async () => (await b.op({ op: "fetch" })).every((s) => s.id !== id));

    await a.op({ op: "emit", rooms: ["r"], event: "missed", args: ["to r from a"] });
    await b.op({ op: "emit", event: "missed", args: ["to all from b"] });
    await b.op({ op: "emit", rooms: ["elsewhere"], event: "not-for-it" });
    await a.op({ op: "emit", except: ["r"], event: "not-for-it" });

    socket.io.uri = urlB; // the next connection goes to b
    socket.io.reconnection(true);
    socket.connect();
    await once(socket, "connect");
    assert.equal(socket.recovered, true, "the session was recovered");
    assert.equal(socket.id, id, "with its id");
    await waitFor("the missed broadcasts", () => events.length >= 3);
    assert.deepEqual(events.slice(1).map((e) => e.slice(0, 2)), [["missed", "to r from a"], ["missed", "to all from b"]]);
    for (const e of events.slice(1)) assert.equal(typeof e[2], "string", "each with its offset");

    // Its rooms came back: a broadcast to r from a reaches it on b.
    await a.op({ op: "emit", rooms: ["r"], event: "after" });
    await waitFor("a broadcast to its room", () => events.length === 4);
    assert.equal(events[3][0], "after");
    assert.ok((await b.op({ op: "fetch", rooms: ["r"] })).some((s) => s.id === id), "b has it in r");
  } finally {
    socket.disconnect();
    a.socket.disconnect();
    b.socket.disconnect();
  }
});
