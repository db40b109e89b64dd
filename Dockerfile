# RecomEngine: one image, API (5008) and the console (3112).
#   docker build -t recomengine .
#   docker run -p 5008:5008 -p 3112:3112 -v recomengine-data:/data recomengine        # embedded PGlite
#   docker run -p 5008:5008 -e DATABASE_URL=postgres://… -e REDIS_URL=redis://… \
#     -e JWT_SECRET=… -e API_KEY_PEPPER=… recomengine                                    # PostgreSQL + Redis

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN ./node_modules/.bin/bun scripts/build.ts && npm prune --omit=dev --no-audit --no-fund

FROM oven/bun:1.4.5-slim
WORKDIR /app
ENV NODE_ENV=production DATA_DIR=/data PORT=5008 CONSOLE_PORT=3112
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/server ./server
COPY --from=build /app/db ./db
COPY --from=build /app/assembly/build ./assembly/build
# The browser SDK served at /sdk/v1.js.
COPY --from=build /app/sdk/dist ./sdk/dist
# The console: client assets and the self-contained SSR bundle server/main.ts mounts on CONSOLE_PORT.
COPY --from=build /app/console/dist ./console/dist
COPY --from=build /app/console/server ./console/server
RUN mkdir -p /data && chown bun:bun /data
USER bun
VOLUME ["/data"]
EXPOSE 5008 3112
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD bun -e "fetch('http://127.0.0.1:' + (process.env.PORT || 5008) + '/health').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# main.ts applies pending migrations before it serves.
CMD ["bun", "server/main.ts"]
