# syntax=docker/dockerfile:1

# orgsso container image.
#   docker build -t orgsso:local .
#   docker run -p 8080:8080 -v orgsso-data:/data orgsso:local
# Build stage: mattn/go-sqlite3 needs cgo, so build with glibc and gcc
# (golang:*-bookworm) and run on the same Debian release.
FROM golang:1.26-bookworm AS build
WORKDIR /src

COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download

COPY . .
# templ components are regenerated so that the image never depends on
# generated files being up to date in the build context.
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    go tool templ generate \
 && CGO_ENABLED=1 go build -trimpath -ldflags="-s -w" -o /orgsso .

# Runtime stage.
FROM debian:bookworm-slim

# ca-certificates: TLS to identity providers; tzdata: local times in the audit log.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 orgsso \
 && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home \
      --shell /usr/sbin/nologin orgsso \
 && mkdir -p /data \
 && chown 10001:10001 /data \
 && chmod 0700 /data

COPY --from=build /orgsso /usr/local/bin/orgsso

ENV ORGSSO_ADDR=:8080 \
    ORGSSO_DATA_DIR=/data

# A new named volume copies this directory's owner (10001), so the
# non-root user can write the SQLite database and the generated secret key.
VOLUME /data
EXPOSE 8080
USER 10001:10001

# `orgsso healthcheck` GETs http://127.0.0.1:8080/healthz and exits 0 or 1,
# so the image needs no curl or wget.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/usr/local/bin/orgsso", "healthcheck"]

ENTRYPOINT ["/usr/local/bin/orgsso"]
CMD ["serve"]
