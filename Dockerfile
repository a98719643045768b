# gridtwin node: compiled JavaScript (npm run build) on Node 24 LTS; tsx and the compiler stay in the build stage.
# Debian trixie (glibc 2.41): the uWebSockets.js v20.57 build (@btc-vision/uwebsockets.js) needs glibc >= 2.38 and
# is the one gateway/uws.ts loads on Node 24; the 20.30 fork only has Node <= 20 binaries.
FROM node:24-trixie-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build

# Production dependencies only (tsx, typescript, vitest… are devDependencies and never reach the image).
FROM node:24-trixie-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev

FROM node:24-trixie-slim
WORKDIR /app
ENV NODE_ENV=production \
    GATEWAY_HOST=0.0.0.0 \
    GATEWAY_PORT=8080
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/package.json ./package.json
EXPOSE 8080
USER node
# node itself is PID 1's child (compose `init: true`): SIGTERM from `docker stop` reaches it and it stops gracefully.
CMD ["node", "dist/bin/gridtwin.js", "start"]
