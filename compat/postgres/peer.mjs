// A Node.js Socket.IO server of a mixed cluster on
// @socket.io/postgres-adapter, with the control handlers of the sio
// servers of queue/pgq's interop test (compat/nodekit/cluster.mjs): a
// control client on "/control" asks the server to run a cluster
// operation ("op"); the clients on "/" report what reached them.
import { createServer } from "node:http";
import { Server } from "socket.io";
import { io as ioc } from "socket.io-client";
import pg from "pg";
import { createAdapter } from "@socket.io/postgres-adapter";
import { serveCluster, listen, clients } from "../nodekit/cluster.mjs";

export { args } from "../nodekit/cluster.mjs";
export const { Peer, Control } = clients(ioc);

// newPool returns a pg pool of max connections on url, which carry
// application_name app (the Go test ends only its own connections).
// Node.js's adapter and emitter send each message with pool.query: with
// more than one connection for them, two messages sent one after the
// other may be notified in the other order. The suite checks what arrives
// before a "sync" message, so it gives them one (the adapter holds one
// more, for LISTEN).
export function newPool(url, app, max) {
  const pool = new pg.Pool({ connectionString: url, application_name: app, max });
  pool.on("error", () => {});
  return pool;
}

// startNode starts a Node.js server on the Postgres adapter and returns
// { name, url, io, close }.
export async function startNode({ name, pgUrl, prefix, table, app }) {
  const pool = newPool(pgUrl, app, 2);
  const http = createServer();
  const io = new Server(http, { adapter: createAdapter(pool, { channelPrefix: prefix, tableName: table }) });
  serveCluster(io, name);
  const url = await listen(http);
  return {
    name, io, url,
    async close() {
      await new Promise((resolve) => io.close(resolve));
      await pool.end();
    },
  };
}
