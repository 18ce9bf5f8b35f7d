# knode — one image for every role (cn, pn, en). Build: docker build -t knode .
# Run an endpoint node: docker run -p 8551:8551 -v knode-data:/data knode --datadir /data --rpc --rpcaddr 0.0.0.0
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.base.json ./
COPY packages ./packages
COPY cmd ./cmd
COPY genesis ./genesis
RUN npm ci --no-audit --no-fund && npx tsc -b && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /app /app
# Non-root: the datadir is a volume owned by the node user.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
# p2p, HTTP-RPC, WS-RPC, Prometheus
EXPOSE 32323 8551 8552 61001
ENTRYPOINT ["node", "/app/cmd/knode/knode.js"]
CMD ["--datadir", "/data"]
