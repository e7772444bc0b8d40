# lunchrush: one image for every lunchrush process of docker-compose.yml (nodes, the printer
# daemon, analytics); the compose file picks the entry point. Built in two stages: the first
# installs every dependency and compiles the TypeScript (`npm run build`: <package>/dist/),
# the second keeps only production dependencies and the compiled JavaScript, and runs as the
# unprivileged `node` user. Node 20: uWebSockets.js ships native builds for 16/18/20 only.

# ---- build ----------------------------------------------------------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
# Manifests first, so the npm ci layer is reused while only sources change.
COPY package.json package-lock.json ./
COPY engine/package.json engine/
COPY actors/package.json actors/
COPY payments/package.json payments/
COPY couriers/package.json couriers/
COPY gateways/package.json gateways/
COPY stack/package.json stack/
COPY analytics/package.json analytics/
COPY printer-daemon/package.json printer-daemon/
COPY bench/package.json bench/
COPY miniprogram/package.json miniprogram/
COPY testkit/package.json testkit/
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json tsconfig.build.json ./
COPY scripts scripts
COPY engine engine
COPY actors actors
COPY payments payments
COPY couriers couriers
COPY gateways gateways
COPY stack stack
COPY analytics analytics
COPY printer-daemon printer-daemon
COPY bench bench
COPY testkit testkit
# The runtime tree in /out: production dependencies, and each runtime package's manifest (its
# "exports" map), compiled dist/ and own node_modules when npm nested one there.
RUN node scripts/build.mjs \
  && npm prune --omit=dev --no-audit --no-fund \
  && mkdir /out && cp -a package.json package-lock.json node_modules /out/ \
  && for p in engine actors payments couriers gateways analytics printer-daemon; do \
       mkdir -p /out/$p && cp -a $p/package.json $p/dist /out/$p/ \
       && if [ -d $p/node_modules ]; then cp -a $p/node_modules /out/$p/; fi; \
     done

# ---- run ------------------------------------------------------------------------------------
FROM node:20-bookworm-slim AS run
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=root:root /out ./
# The code is root's and read-only to the process; only /var/lib/lunchrush (a volume) is writable.
RUN mkdir -p /var/lib/lunchrush && chown node:node /var/lib/lunchrush
USER node
# Overridden per service in docker-compose.yml; this is the node (gateway + engine).
EXPOSE 8080
CMD ["node", "--conditions=lunchrush-compiled", "gateways/dist/src/main.js"]
