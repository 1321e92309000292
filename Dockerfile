# syntax=docker/dockerfile:1
#
# kratos-sync image: the compiled CLI on Node 24 with production dependencies only.
#
#   docker build -t kratos-sync .
#   docker run --rm -v "$PWD/kratos-sync.yaml:/etc/kratos-sync/config.yaml:ro" \
#     -e REDIS_URL=redis://redis:6379 -e KRATOS_ADMIN_TOKEN_FILE=/run/secrets/kratos-admin-token \
#     -p 8080:8080 kratos-sync
#
# Configuration and secrets are mounted at run time (KRATOS_SYNC_CONFIG, REDIS_URL, KRATOS_ADMIN_TOKEN_FILE,
# fromFile/fromEnv secret references); nothing site-specific is baked in. .dockerignore is an allowlist, so
# only the files the build needs enter the context.
# Checked by test/packaging/dockerfile.test.ts (structure, and a rehearsal of the runtime stage's install).

# ---- build: compile TypeScript to dist/ ----
FROM node:24-bookworm-slim AS build
WORKDIR /app
# The lockfile alone decides the install, so this layer is reused until dependencies change.
# --workspaces=false: the test simulator is an npm workspace that is not part of the build context.
COPY package.json package-lock.json ./
RUN npm ci --workspaces=false --no-audit --no-fund
COPY . .
RUN npm run build

# ---- runtime ----
FROM node:24-bookworm-slim AS runtime
# tini as PID 1: forwards SIGTERM to node (which then drains its jobs) and reaps zombies.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    KRATOS_SYNC_CONFIG=/etc/kratos-sync/config.yaml
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --workspaces=false --no-audit --no-fund \
  && npm cache clean --force
COPY --from=build /app/dist ./dist
# Built-in message templates (invites), found by the code relative to dist/ as in the npm package.
COPY config/templates ./config/templates
# The application files stay root-owned (read-only to the process); only the data folder is writable, for
# the delivery outbox (delivery.outbox.dir) when no volume is mounted there.
RUN mkdir -p /etc/kratos-sync /var/lib/kratos-sync \
  && chown 1000:1000 /var/lib/kratos-sync
# The base image's `node` user, by number so Kubernetes' runAsNonRoot can verify it without /etc/passwd.
USER 1000:1000
EXPOSE 8080
# There is no curl in the slim image: Node's fetch does the probe. KRATOS_SYNC_HEALTHCHECK_URL is read by this
# probe only, for a config that moves the HTTP port (http.port).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.KRATOS_SYNC_HEALTHCHECK_URL ?? 'http://127.0.0.1:8080/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# --max-semi-space-size=8 halves V8's default young generation (16 MB per semi-space on 64-bit). A sync reads
# the source and parses Kratos list pages into short-lived objects; with the default, the young generation and
# what it promotes before a full collection run peak RSS up: a no-op sync of 100,000 people peaked at
# 410-431 MB, and at 323-335 MB with 8 MB, its CPU unchanged (more but smaller scavenges); a worker running
# person.sync jobs peaked at 187-231 MB instead of 318-331 MB, for ~5-10 % more CPU per job, within this
# benchmark's spread (bench/RESULTS.md). 2 MB costs CPU and memory both: objects are promoted sooner.
# V8 sizes the heap when the process starts (v8.setFlagsFromString at run time has no effect on it), so the
# flag is given here, on the command line of the process.
ENTRYPOINT ["tini", "--", "node", "--max-semi-space-size=8", "dist/src/app/bin.js"]
CMD ["worker", "--role", "worker,scheduler,http"]
