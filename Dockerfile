# amqp-go: the broker (amqp-server) in a container.
#   docker build -t amqp-go .
#   docker run -d --name amqp-go -p 5672:5672 -p 15692:15692 -p 15672:15672 -v amqp-go-data:/var/lib/amqp-go -e AMQP_DEFAULT_USER=admin -e AMQP_DEFAULT_PASS=change-me amqp-go
#   docker kill -s HUP amqp-go
# Build stage: the workspace built with pnpm, then the server and its production dependencies
# (the workspace packages copied in, roaring compiled) deployed to /opt/amqp-go.
FROM node:20-bookworm AS build
ENV npm_config_nodedir=/usr/local TURBO_TELEMETRY_DISABLED=1
RUN npm install -g pnpm@12.21.0
WORKDIR /src
COPY . .
RUN pnpm install --frozen-lockfile
RUN pnpm --filter "@amqp-go/server..." build
RUN pnpm --filter @amqp-go/server deploy --prod /opt/amqp-go && chmod +x /opt/amqp-go/dist/main.js
RUN chmod +x /opt/amqp-go/dist/ctl/main.js

# Runtime stage: node only, a system user, the data directory a volume.
FROM node:20-bookworm-slim
RUN groupadd --system amqp && useradd --system --gid amqp --home-dir /var/lib/amqp-go --shell /usr/sbin/nologin amqp && mkdir -p /var/lib/amqp-go && chown amqp:amqp /var/lib/amqp-go
COPY --from=build /opt/amqp-go /opt/amqp-go
RUN ln -s /opt/amqp-go/dist/main.js /usr/local/bin/amqp-server
RUN ln -s /opt/amqp-go/dist/ctl/main.js /usr/local/bin/amqpctl
ENV NODE_ENV=production AMQP_SERVER_DATA_DIR=/var/lib/amqp-go
USER amqp
WORKDIR /var/lib/amqp-go
VOLUME ["/var/lib/amqp-go"]
EXPOSE 5672 5671 15692 15672
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.AMQP_SERVER_METRICS_PORT || 15692) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["amqp-server"]
