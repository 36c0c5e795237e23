// A mixed cluster on the sharded Redis adapter format (createShardedAdapter,
// dynamic subscription mode): two sio servers (started by queue/redisq's
// TestNodeShardedInterop) and one Node.js server, with two clients on
// each (see suite.mjs); the emitter is sio's sharded emitter (Node.js has
// none for this format).
import { clusterSuite, sioEmitter } from "./suite.mjs";

clusterSuite({ format: "sharded", emitters: (controls) => [sioEmitter(controls)] });
