// A mixed cluster on the Redis Streams adapter format
// (@socket.io/redis-streams-adapter 0.3): two sio servers (started by
// queue/redisq's TestNodeStreamsInterop) and one Node.js server, with two
// clients on each (see suite.mjs); the emitter is sio's streams emitter
// (no Node.js emitter exists for this format).
import { clusterSuite, sioEmitter } from "./suite.mjs";

clusterSuite({ format: "streams", emitters: (controls) => [sioEmitter(controls)] });
