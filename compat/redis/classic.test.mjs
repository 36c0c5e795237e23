// A mixed cluster on the classic Redis adapter format: two sio servers
// (started by queue/redisq's TestNodeClassicInterop) and one Node.js
// server on @socket.io/redis-adapter, with two clients on each (see
// suite.mjs); the emitters are @socket.io/redis-emitter and sio's
// Emitter.
import { after, before } from "node:test";
import { createClient } from "redis";
import { Emitter } from "@socket.io/redis-emitter";
import { clusterSuite, sel, sioEmitter, redisUrl, key } from "./suite.mjs";

let emitterClient, emitter;
before(async () => {
  emitterClient = createClient({ url: redisUrl });
  await emitterClient.connect();
  emitter = new Emitter(emitterClient, { key });
});
after(async () => {
  await emitterClient?.quit();
});

clusterSuite({
  format: "classic",
  emitters: (controls) => [
    {
      name: "@socket.io/redis-emitter",
      emit: (o) => sel(emitter, o).emit(o.event, ...(o.args || []), ...(o.binary ? [Buffer.from([1, 2, 3])] : [])),
      join: (o) => sel(emitter, o).socketsJoin(o.join),
      leave: (o) => sel(emitter, o).socketsLeave(o.join),
      disconnect: (o) => sel(emitter, o).disconnectSockets(o.close),
      serverSideEmit: (o) => emitter.serverSideEmit(o.event, ...(o.args || [])),
    },
    sioEmitter(controls),
  ],
});
