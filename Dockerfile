# Herald: a self-hosted Pusher Channels protocol server.
#   docker build -t herald .
#   docker run -p 6001:6001 -e HERALD_APP_ID=... -e HERALD_APP_KEY=... -e HERALD_APP_SECRET=... herald
# Give the container longer than shutdownTimeout to drain: docker stop -t 30 (compose: stop_grace_period).

# --- build: compile TypeScript, then drop dev dependencies -------------------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# `npm install`, not `npm ci`: the lock file omits Biome's binaries for other platforms (see .ci/run).
RUN npm install --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
COPY scripts/copy-assets.mjs ./scripts/
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# --- runtime: compiled code and production dependencies only, as the unprivileged `node` user ---------
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HERALD_HOST=0.0.0.0 \
    HERALD_PORT=6001 \
    HERALD_METRICS_HOST=0.0.0.0 \
    HERALD_METRICS_PORT=9601
WORKDIR /app
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist/src ./dist/src
COPY --chown=root:root package.json ./
COPY --chown=root:root bin ./bin
COPY --chown=root:root deploy/healthcheck.mjs ./deploy/healthcheck.mjs
USER node
EXPOSE 6001 9601
# Healthy while the node accepts traffic (GET /ready); 503 while draining.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "deploy/healthcheck.mjs"]
ENTRYPOINT ["node", "bin/herald.js"]
CMD ["start"]
