package main

// The browser client: socket.io-client from npm, which the server serves
// at /socket.io/socket.io.min.js (core.Options.ServeClient). This file is
// the same in every example that has a page.

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

// npmFiles pin the client's version (package.json) and every file npm
// installs with it (package-lock.json, without download URLs: .npmrc).
//
//go:embed package.json package-lock.json .npmrc
var npmFiles embed.FS

// clientDir returns the folder of socket.io-client to serve: dir when it
// is set (an npm install of your own), else this example's install, made
// on first use with `npm ci` from npmFiles in the user's cache folder
// (~/.cache/sio-examples/<hash of the lock file> on Linux) and shared by
// every example with the same lock file.
func clientDir(ctx context.Context, dir string, log *slog.Logger) (string, error) {
	if dir != "" {
		return dir, nil
	}
	lock, err := npmFiles.ReadFile("package-lock.json")
	if err != nil {
		return "", err
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache folder for the browser client (%w): pass -client", err)
	}
	sum := sha256.Sum256(lock)
	root := filepath.Join(cache, "sio-examples", hex.EncodeToString(sum[:8]))
	pkg := filepath.Join(root, "node_modules", "socket.io-client")
	bundle := filepath.Join(pkg, "dist", "socket.io.min.js")
	if _, err := os.Stat(bundle); err == nil {
		return pkg, nil
	}
	log.Info("installing the browser client (once): npm ci", "dir", root)
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
		return "", fmt.Errorf("npm ci (Node.js and npm are needed once, to install the browser client; or pass -client): %w", err)
	}
	if err := os.Rename(tmp, root); err != nil {
		if _, serr := os.Stat(bundle); serr != nil { // no concurrent install won either
			return "", errors.Join(err, serr)
		}
	}
	return pkg, nil
}
