// Package clientjs serves the Socket.IO browser client (socket.io.min.js)
// to the example pages from a local npm install of socket.io-client, so the
// examples run without internet access and never point at a CDN.
package clientjs

import (
	"bytes"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// URL is where the example pages load the client from.
const URL = "/socket.io.min.js"

// npmPath is where an npm install puts the client, below node_modules' parent.
var npmPath = filepath.Join("node_modules", "socket.io-client", "dist", "socket.io.min.js")

// Find looks for socket.io.min.js in compat/node_modules (the sio
// repository's npm install, made by `cd compat && npm ci`) and then in
// node_modules, in the current directory and each of its parents. It
// returns the first file found, or "" when there is none.
func Find() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		for _, p := range []string{filepath.Join(dir, "compat", npmPath), filepath.Join(dir, npmPath)} {
			if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
				return p
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Missing is the text of the 404 answer when the client script is absent.
const Missing = `socket.io.min.js is not installed. It comes from the npm package socket.io-client:
run "cd compat && npm ci" in the sio repository, or start the example with
-client-js /path/to/node_modules/socket.io-client/dist/socket.io.min.js.
`

// Register adds the routes of the client script (and of its source map,
// when it sits beside it) to mux; see Handler.
func Register(mux *http.ServeMux, path string, log *slog.Logger) {
	h := Handler(path, log)
	mux.Handle("GET "+URL, h)
	mux.Handle("GET "+URL+".map", h)
}

// Handler serves the client script at URL and its source map at URL+".map".
// The file at path is read once, now; when path is empty or unreadable, the
// script answers 404 with Missing, and the example pages, finding no io(),
// tell the user how to install it.
func Handler(path string, log *slog.Logger) http.Handler {
	var script, srcMap []byte
	if path != "" {
		var err error
		if script, err = os.ReadFile(path); err != nil {
			log.Warn("cannot read the Socket.IO browser client; the page will explain how to install it", "err", err)
		} else {
			log.Info("serving the Socket.IO browser client", "url", URL, "file", path)
			srcMap, _ = os.ReadFile(path + ".map") // optional: only devtools ask for it
		}
	} else {
		log.Warn("Socket.IO browser client not found; run `cd compat && npm ci` in the sio repository or pass -client-js")
	}
	modTime := time.Now()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == URL && script != nil:
			http.ServeContent(w, r, "socket.io.min.js", modTime, bytes.NewReader(script))
		case r.URL.Path == URL:
			http.Error(w, Missing, http.StatusNotFound)
		case r.URL.Path == URL+".map" && srcMap != nil:
			w.Header().Set("Content-Type", "application/json")
			http.ServeContent(w, r, "socket.io.min.js.map", modTime, bytes.NewReader(srcMap))
		default:
			http.NotFound(w, r)
		}
	})
}
