#!/usr/bin/env bash
# The README's test command: lint, types, the everyday suite (unit, integration, browser), then the resilience suite.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/ensure-env.sh"
cd "$repo_root"
npm test
npm run test:resilience
