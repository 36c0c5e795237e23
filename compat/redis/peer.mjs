// A Node.js Socket.IO server of a mixed cluster on a Redis adapter, with
// the control handlers of the sio servers of queue/redisq's interop tests
// (compat/nodekit/cluster.mjs): a control client on "/control" asks the
// server to run a cluster operation ("op"); the clients on "/" report
// what reached them.
import { createServer } from "node:http";
import { Server } from "socket.io";
import { io as ioc } from "socket.io-client";
import { createClient } from "redis";
import { createAdapter, createShardedAdapter } from "@socket.io/redis-adapter";
import { createAdapter as createStreamsAdapter } from "@socket.io/redis-streams-adapter";
import { serveCluster, listen, clients } from "../nodekit/cluster.mjs";

export const { Peer, Control } = clients(ioc);

// adapters make the adapter of each format, on the prefix key for every
// key and channel name.
const adapters = {
  classic: (pub, sub, key) => createAdapter(pub, sub, { key }),
  sharded: (pub, sub, key) => createShardedAdapter(pub, sub, { channelPrefix: key, subscriptionMode: "dynamic" }),
  streams: (pub, sub, key) =>
    createStreamsAdapter(pub, { streamName: key, channelPrefix: key, sessionKeyPrefix: `${key}:session:` }),
};

// startNode starts a Node.js server on the Redis adapter of format
// (classic, sharded or streams; with recovery, connection state recovery
// on) and returns { name, url, io, close }.
export async function startNode({ name, redisUrl, key, format = "classic", recovery = false }) {
  const pub = createClient({ url: redisUrl });
  const sub = pub.duplicate();
  pub.on("error", () => {});
  sub.on("error", () => {});
  await Promise.all([pub.connect(), sub.connect()]);
  const http = createServer();
  const opts = { adapter: adapters[format](pub, sub, key) };
  if (recovery) opts.connectionStateRecovery = { maxDisconnectionDuration: 60000 };
  const io = new Server(http, opts);
  serveCluster(io, name);
  const url = await listen(http);
  return {
    name, url, io,
    async close() {
      io.close();
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}
