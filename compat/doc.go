// Package compat holds sio's interop tests against real clients: the npm
// engine.io-client and socket.io-client driven by Node's test runner, the
// socket.io-msgpack-parser client, Debian's python3-socketio client, and a
// headless Chromium running the chat example; plus the adapter tests, which
// run sio inside net/http, Gin, Echo and Fiber hosts.
//
// The JavaScript dependencies are pinned in package.json and
// package-lock.json; install them with `npm ci` in this folder (.ci/run
// does). Without them, or without python3-socketio or chromium, the interop
// tests skip, except under CI=true, where they fail.
package compat
