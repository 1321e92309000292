#!/usr/bin/env bash
# Sourced by scripts/test.sh and scripts/demo.sh (and so by .ci/run): makes sure this machine has what
# kratos-sync needs — Node 24 or newer, redis-server, the locked npm dependencies — installing what it can
# and stopping with the exact instruction where it cannot.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# Node 24: the npm registry ships Node itself. Install it into the project (.tools/node24) rather than over
# the system's node, then put it first on PATH for this shell.
local_node_bin="$repo_root/.tools/node24/node_modules/.bin"
if [ -x "$local_node_bin/node" ]; then export PATH="$local_node_bin:$PATH"; fi
if [ "$(node_major)" -lt 24 ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "kratos-sync needs Node.js 24 or newer, and npm to install it. Install Node 24 LTS from https://nodejs.org/ and retry." >&2
    exit 1
  fi
  echo "› Node $(node --version 2>/dev/null || echo none) is older than 24: installing Node 24 into .tools/node24 (npm install node@24)"
  mkdir -p "$repo_root/.tools/node24"
  npm install --prefix "$repo_root/.tools/node24" --no-save --no-audit --no-fund node@24 >/dev/null
  export PATH="$local_node_bin:$PATH"
fi
echo "› node $(node --version), npm $(npm --version)"

# redis-server: from Debian when missing (root), otherwise say how.
if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "› redis-server is missing: installing it from Debian (apt-get install -y redis-server)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  else
    echo "kratos-sync needs redis-server on PATH. Install it: sudo apt-get install -y redis-server (Debian/Ubuntu) or brew install redis (macOS)." >&2
    exit 1
  fi
fi
# The Debian package starts a system redis on 6379; we never use it (tests and the demo pick free ports).

# npm dependencies, exactly as locked, when node_modules is missing or older than the lock file.
if [ ! -d "$repo_root/node_modules" ] || [ "$repo_root/package-lock.json" -nt "$repo_root/node_modules/.package-lock.json" ]; then
  echo "› installing npm dependencies (npm ci)"
  (cd "$repo_root" && npm ci --no-audit --no-fund >/dev/null)
fi
