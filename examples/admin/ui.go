package main

// The Admin UI and the browser client from npm: @socket.io/admin-ui, the
// fonts and icons it would otherwise load from a CDN (@fontsource/roboto,
// @mdi/font), and socket.io-client, which the server serves at
// /socket.io/socket.io.min.js (core.Options.ServeClient).

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
)

// npmFiles pin the versions (package.json) and every file npm installs
// with them (package-lock.json, without download URLs: .npmrc).
//
//go:embed package.json package-lock.json .npmrc
var npmFiles embed.FS

// nodeModules returns the node_modules folder to serve the UI and the
// client from: dir when it is set (an npm install of your own), else this
// example's install, made on first use with `npm ci` from npmFiles in the
// user's cache folder (~/.cache/sio-examples/<hash of the lock file> on
// Linux).
func nodeModules(ctx context.Context, dir string, log *slog.Logger) (string, error) {
	if dir != "" {
		return dir, nil
	}
	lock, err := npmFiles.ReadFile("package-lock.json")
	if err != nil {
		return "", err
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache folder for the Admin UI (%w): pass -ui", err)
	}
	sum := sha256.Sum256(lock)
	root := filepath.Join(cache, "sio-examples", hex.EncodeToString(sum[:8]))
	modules := filepath.Join(root, "node_modules")
	ui := filepath.Join(modules, "@socket.io", "admin-ui", "ui", "dist", "index.html")
	if _, err := os.Stat(ui); err == nil {
		return modules, nil
	}
	log.Info("installing the Admin UI and the browser client (once): npm ci", "dir", root)
	if err := os.MkdirAll(filepath.Dir(root), 0o755); err != nil {
		return "", err
	}
	// Install beside the final folder and rename it into place, so that a
	// failed or concurrent install never leaves a half-made folder there.
	tmp, err := os.MkdirTemp(filepath.Dir(root), "install-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp) // empty after a successful rename
	if err := os.CopyFS(tmp, npmFiles); err != nil {
		return "", err
	}
	npm := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
	npm.Dir, npm.Stdout, npm.Stderr = tmp, os.Stderr, os.Stderr
	if err := npm.Run(); err != nil {
		return "", fmt.Errorf("npm ci (Node.js and npm are needed once, to install the Admin UI; or pass -ui): %w", err)
	}
	if err := os.Rename(tmp, root); err != nil {
		if _, serr := os.Stat(ui); serr != nil { // no concurrent install won either
			return "", errors.Join(err, serr)
		}
	}
	return modules, nil
}
