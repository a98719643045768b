# gridtwin node: compiled JavaScript (npm run build) on Node; tsx and the compiler stay in the build stage.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    GATEWAY_HOST=0.0.0.0 \
    GATEWAY_PORT=8080
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/package.json ./package.json
EXPOSE 8080
USER node
# node itself is PID 1's child (compose `init: true`): SIGTERM from `docker stop` reaches it and it stops gracefully.
CMD ["node", "dist/bin/gridtwin.js", "start"]
