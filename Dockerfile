# earshot: build the TypeScript once, ship only dist/ and production dependencies.
#   docker build -t earshot .            (or: docker compose -f deploy/docker-compose.yml build)

# ---- stage 1: compile ----------------------------------------------------------------------------
FROM node:22-bookworm-slim AS build
WORKDIR /app

# Dependencies first so the layer is cached until the lockfile changes. No install scripts are
# needed to compile (esbuild's postinstall only serves tsx, swagger-ui-dist's is telemetry).
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts

# The whole context (.dockerignore drops node_modules, dist, data, .env…): COPY of a folder that git
# does not have yet (an empty scripts/) would fail the build.
COPY . .
# tsconfig.build.json compiles server/, migrations/, scripts/ into dist/server, dist/migrations,
# dist/scripts (rootDir ".", outDir "dist").
RUN npm run build

# ---- stage 2: runtime ----------------------------------------------------------------------------
FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production \
    NODE_OPTIONS=--enable-source-maps \
    PORT=8080 \
    HOST=0.0.0.0 \
    EARSHOT_DATA_DIR=/var/lib/earshot
WORKDIR /app

COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force

COPY --from=build /app/dist ./dist
# server/version.ts reads new URL('../package.json', import.meta.url): from dist/server/version.js
# that is dist/package.json.
COPY package.json ./dist/package.json

# Asterisk's headerless .gsm and .sln recordings are converted to WAV by sox (gsm and raw are in
# libsox-fmt-base, which sox depends on).
RUN apt-get update && apt-get install -y --no-install-recommends sox && rm -rf /var/lib/apt/lists/*

# Application files stay root-owned (read-only for the app); only the data dir is writable.
RUN mkdir -p /var/lib/earshot && chown node:node /var/lib/earshot
USER node
VOLUME ["/var/lib/earshot"]

EXPOSE 8080
# No curl in slim images: Node 22's global fetch does the probe. Migrations run before the server
# listens, hence the generous start period.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

CMD ["node", "dist/server/main.js"]
