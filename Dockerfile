# Build: everything installed and compiled; run: production dependencies and the compiled app only.
FROM node:26-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts ./scripts
COPY prisma ./prisma
COPY prisma.config.ts ./
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:26-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/admin ./admin
COPY package.json ./
RUN mkdir -p media && chown -R node:node media
USER node
EXPOSE 3000
CMD ["node", "--max-semi-space-size=8", "dist/main.js"]
