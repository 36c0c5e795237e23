#!/usr/bin/env bash
# Installs the benchmark peers' dependencies from the package registries:
#   - Debian's python3-socketio, python3-aiohttp and python3-uvloop (apt-get)
#   - the Node peer's packages, exactly as node/package-lock.json pins them (npm ci)
# The Go peers come from the Go module proxy when compat/bench/run builds them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

sudo=""
if [ "$(id -u)" != 0 ]; then sudo=sudo; fi

if ! /usr/bin/python3 -c 'import socketio, aiohttp, uvloop' 2>/dev/null; then
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends \
    python3-socketio python3-aiohttp python3-uvloop
fi

command -v node >/dev/null || { echo "install.sh: node is required for the Node peer" >&2; exit 1; }
if [ ! -d node/node_modules/socket.io ]; then
  (cd node && npm ci --no-audit --no-fund)
fi
