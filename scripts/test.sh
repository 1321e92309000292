#!/usr/bin/env bash
# The README's test command: lint, types, the everyday suite (unit, integration, browser), then the resilience suite.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/ensure-env.sh"
cd "$repo_root"
# The console's browser tests drive Debian's Chromium at /usr/bin/chromium (never a downloaded browser build);
# only the tests need it, so ensure-env.sh (shared with the demo) leaves it to this script.
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "› chromium is missing: installing it from Debian (apt-get install -y chromium)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "The console's browser tests need Chromium at /usr/bin/chromium. Install it: sudo apt-get install -y chromium (Debian)." >&2
    exit 1
  fi
fi
npm test
npm run test:resilience
