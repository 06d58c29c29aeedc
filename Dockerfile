# The Reclaim service in a container. `docker compose up` uses it with PostgreSQL.
# Hummingbird 2.28 needs Swift tools 6.2 or newer.
FROM swift:6.2-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product reclaim --static-swift-stdlib \
    && cp "$(swift build -c release --show-bin-path)/reclaim" /reclaim

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /nonexistent --shell /usr/sbin/nologin reclaim
COPY --from=build /reclaim /usr/local/bin/reclaim
COPY sql /usr/share/reclaim/sql
COPY openapi.yaml /usr/share/reclaim/openapi.yaml
# The dashboard's templates and stylesheet, read at start-up.
COPY Sources/ReclaimHTTP/Dashboard/Templates /usr/share/reclaim/dashboard/Templates
COPY Sources/ReclaimHTTP/Dashboard/Static /usr/share/reclaim/dashboard/Static
ENV RECLAIM_SQL_DIR=/usr/share/reclaim/sql \
    RECLAIM_OPENAPI=/usr/share/reclaim/openapi.yaml \
    RECLAIM_DASHBOARD=/usr/share/reclaim/dashboard
USER reclaim
EXPOSE 8080
# Migrate as the owner (RECLAIM_MIGRATE_URL; safe to repeat, advisory-locked),
# then serve as DATABASE_URL's role (reclaim_app in docker-compose.yml).
CMD ["sh", "-c", "reclaim migrate --database-url \"${RECLAIM_MIGRATE_URL:-$DATABASE_URL}\" && exec reclaim serve --host 0.0.0.0 --port 8080"]
