# syntax=docker/dockerfile:1
# blocksnoop image: Node.js and JavaScript only. No compiler, no kernel headers, no BCC, no
# libbpf: BPF programs are assembled in TypeScript at run time, and koffi's native FFI module is a
# prebuilt binary from npm (@koromix/koffi-linux-<arch>, an optional dependency of koffi).
# Build: docker build -t blocksnoop .   Multi-arch: docker buildx build --platform linux/amd64,linux/arm64 .
ARG NODE_IMAGE=node:20-bookworm-slim

# 1. Build: dev dependencies (TypeScript) and the compile, kept out of the final image.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json ./
# --ignore-scripts: `prepare` (tsc) would run before the sources are copied, and koffi's install
# script only looks for the prebuilt binary that npm already placed under @koromix.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY src ./src
RUN npx tsc -p . && chmod 755 dist/src/cli/main.js

# 2. Production dependencies only (commander, koffi + its prebuilt binary for this arch).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# 3. Runtime: node, the compiled JavaScript and production node_modules. Nothing is installed:
# mount(8) (to mount tracefs when it is missing) is part of the base image.
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist/src ./dist/src
COPY package.json README.md ./
# `kubectl debug … -- blocksnoop 1` replaces the entrypoint with a command: keep one on PATH.
RUN ln -s /app/dist/src/cli/main.js /usr/local/bin/blocksnoop
# Runs as root on purpose: BPF needs CAP_BPF + CAP_PERFMON and stacks need CAP_SYS_PTRACE, which
# the pod grants (see deploy/README.md); an unprivileged user would hold none of them.
USER root
ENTRYPOINT ["node", "/app/dist/src/cli/main.js"]
CMD ["--help"]
