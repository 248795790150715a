# syntax=docker/dockerfile:1
# Build: install everything, generate the Prisma client, compile TypeScript, drop dev dependencies.
# The Mercado Pago simulator (packages/mercadopago-simulator, a development dependency) is left out
# of the image unless it is built for a trial: `--build-arg WITH_SIMULATOR=true` (docker compose
# does so when MP_SIMULATOR=true).
FROM node:20-bookworm-slim AS build
ARG WITH_SIMULATOR=false
WORKDIR /app
COPY package.json package-lock.json prisma.config.ts tsconfig.json ./
COPY prisma ./prisma
COPY scripts ./scripts
COPY packages ./packages
RUN npm ci --no-audit --no-fund
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund \
  && mkdir -p /out/packages \
  && if [ "$WITH_SIMULATOR" = "true" ]; then \
       mkdir -p /out/packages/mercadopago-simulator \
       && cp -r packages/mercadopago-simulator/package.json packages/mercadopago-simulator/dist \
            packages/mercadopago-simulator/bin /out/packages/mercadopago-simulator/ \
       && ln -sfn ../packages/mercadopago-simulator node_modules/mercadopago-simulator; \
     else rm -rf node_modules/mercadopago-simulator; fi

# Run: compiled code, production dependencies and the migrations, as the unprivileged node user.
FROM node:20-bookworm-slim
# The service keeps its state in Postgres; its live heap is small. Without a cap V8 lets the old
# space grow under allocation churn (peak RSS ~320 MB in the bench), with it ~230 MB, and ~185 MB
# since WebAssembly runs on V8's baseline tier only (src/boot/wasm-baseline.ts).
ENV NODE_ENV=production PORT=3000 NODE_OPTIONS=--max-old-space-size=192
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/prisma ./prisma
# empty unless built WITH_SIMULATOR=true
COPY --from=build /out/packages ./packages
# the dashboard's and the customer display's scripts and styles, served as files (src/pages/)
COPY public ./public
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# Migrations first (prisma/migrations, recorded in _prisma_migrations exactly as `prisma migrate
# deploy` does), then the server; the server also brings the schema up to date before it serves.
CMD ["sh", "-c", "if [ -n \"$DATABASE_URL\" ]; then node dist/db/migrate-cli.js; fi && exec node dist/main.js"]
