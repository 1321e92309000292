#!/usr/bin/env bash
# The README's demo command: a local Redis, the Kratos simulator and a sample HR export, synced once.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/ensure-env.sh"
cd "$repo_root"
exec node scripts/demo.ts "$@"
