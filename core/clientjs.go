package core

import (
	"log/slog"
	"os"
	"path/filepath"
)

// clientBundles are the browser builds of socket.io-client that
// Options.ServeClient serves, each with its source map, as the Node.js
// server's serveClient does.
var clientBundles = []string{"socket.io.js", "socket.io.min.js", "socket.io.esm.min.js", "socket.io.msgpack.min.js"}

// clientCacheControl makes browsers revalidate the bundles (with the ETag)
// on every load, as the Node.js server does, so an npm update of the
// client reaches them at once.
const clientCacheControl = "public, max-age=0"

// clientFiles returns the static-file rules serving the bundles of dir (an
// npm install of socket.io-client, or its dist folder) under path (the
// Engine.IO path, with its trailing slash), or nil when dir is empty.
func clientFiles(dir, path string, log *slog.Logger) StaticFiles {
	if dir == "" {
		return nil
	}
	if st, err := os.Stat(filepath.Join(dir, "dist")); err == nil && st.IsDir() {
		dir = filepath.Join(dir, "dist")
	}
	if _, err := os.Stat(filepath.Join(dir, "socket.io.min.js")); err != nil {
		log.Warn("sio: ServeClient names no socket.io-client install (npm install socket.io-client); its URLs answer 404 until the files exist", "dir", dir, "err", err)
	}
	dir = filepath.ToSlash(dir) + "/"
	files := make(StaticFiles, 2*len(clientBundles))
	for _, name := range clientBundles {
		files[path+name] = StaticFile{Filename: dir + name, ContentType: "application/javascript; charset=utf-8", CacheControl: clientCacheControl}
		files[path+name+".map"] = StaticFile{Filename: dir + name + ".map", ContentType: "application/json; charset=utf-8", CacheControl: clientCacheControl}
	}
	return files
}

// ClientFiles returns the static-file rules that serve the JavaScript
// client under the server's path (Options.ServeClient), or nil when the
// option is off. Every adapter serves them, before the Socket.IO endpoint
// and with the ETag and Cache-Control headers of the rules.
func (s *Server) ClientFiles() StaticFiles { return s.client }
