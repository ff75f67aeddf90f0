# Production image: Node 24 runs the TypeScript sources directly (type stripping), no build step.
# DATABASE_URL and JWT_SECRET are required in production (NODE_ENV=production); REDIS_URL is
# strongly recommended so rate limits and the response cache are shared between instances.
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only: no embedded PostgreSQL (optional), no test or benchmark tools.
# .dockerignore keeps tests, test helpers (src/test), benchmarks and load tests out of the context.
RUN npm ci --omit=dev --omit=optional --ignore-scripts && npm cache clean --force

FROM node:24-bookworm-slim
# A young generation of at most 8 MB per semi-space, for the API and the workers alike
# (docs/decisions/0025-young-generation-8-mb.md): V8's default let it grow to ~120 MB. The old
# generation may grow to twice what is live before the next full collection, not four times
# (--heap-growing-percent=100 on the command lines below and in fly.toml: NODE_OPTIONS cannot carry
# it; docs/decisions/0034-old-generation-grows-at-most-twofold.md).
ENV NODE_ENV=production PORT=8080 HOST=0.0.0.0 NODE_OPTIONS=--max-semi-space-size=8
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY src ./src
COPY drizzle ./drizzle
COPY seeds ./seeds
COPY schema ./schema
USER node
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# The API process; migrations run at start under an advisory lock (fly.toml also runs them on release).
CMD ["node", "--heap-growing-percent=100", "src/main.ts"]
