# gridtwin node. Runs TypeScript directly with tsx (a runtime dependency); no build step.
FROM node:20-bookworm-slim

WORKDIR /app

# Dependencies first, so source edits do not reinstall them. No compiler is needed: uWebSockets.js,
# esbuild and PGlite ship prebuilt binaries / wasm for linux x64 and arm64 on Node 20.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

COPY . .

# A production node needs DATABASE_URL and NATS_URL (both, or neither for the standalone node).
ENV GATEWAY_HOST=0.0.0.0 \
    GATEWAY_PORT=8080
EXPOSE 8080

USER node
# Same as `npx tsx bin/gridtwin.ts start`, but without npx's `sh -c` in between: npx does not pass SIGTERM
# on, so `docker stop` would end in SIGKILL instead of the node's graceful stop. tsx does pass it on.
CMD ["node_modules/.bin/tsx", "bin/gridtwin.ts", "start"]
