// Package compat holds sio's interop tests against real clients: the npm
// engine.io-client and socket.io-client, run by Node's test runner from Go
// tests (see engineio_test.go), and later browsers and other languages.
//
// The JavaScript dependencies are pinned in package.json and package-lock.json;
// install them with `npm ci` in this folder. Without node_modules the interop
// tests skip, except under CI=true, where they fail.
package compat
