# syntax=docker/dockerfile:1
#
# The last9_genai collector image: the static build/otelcol-last9genai alone in an empty (scratch) image, as the
# upstream collector images are (opentelemetry-collector-releases: binary at /<name>, config at
# /etc/<name>/config.yaml, CA certificates, uid 10001, OTLP on 4317/4318).
#
#   docker build -t otelcol-last9genai .
#   docker run --rm -p 4317:4317 -p 4318:4318 otelcol-last9genai
#   docker run --rm -v $PWD/my-config.yaml:/etc/otelcol-last9genai/config.yaml:ro otelcol-last9genai
#
# Stages: `core` builds the Rust core (liblast9_genai.a); `collector` builds the static collector and the image's
# file tree with the same targets as a checkout (`make image-tree PREBUILT_CORE=1`, which runs `make collector`
# and its static-link check); the final stage copies that tree, and nothing else, onto scratch. `make image-tree`
# on a build machine assembles the identical tree in build/image-root, and tests/collector_e2e runs the collector
# from it (chroot, uid 10001), so what the image holds is tested without a container engine. The builder images are
# pinned by version; pin them by digest too (rust:...@sha256:...) where your registry policy asks for it.

ARG RUST_VERSION=1.95.0
ARG GO_VERSION=1.26.8
ARG DEBIAN_RELEASE=bookworm

FROM rust:${RUST_VERSION}-slim-${DEBIAN_RELEASE} AS core
WORKDIR /src
COPY . .
RUN cargo build --release --lib --locked

FROM golang:${GO_VERSION}-${DEBIAN_RELEASE} AS collector
# gcc, libc6-dev (static glibc), make and ca-certificates come with the image; the Makefile's checks need python3.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
COPY --from=core /src/target/release/liblast9_genai.a build/lib/liblast9_genai.a
RUN make image-tree PREBUILT_CORE=1

FROM scratch
ARG USER_UID=10001
ARG USER_GID=10001
USER ${USER_UID}:${USER_GID}
COPY --from=collector /src/build/image-root/ /
ENTRYPOINT ["/otelcol-last9genai"]
CMD ["--config", "/etc/otelcol-last9genai/config.yaml"]
# OTLP gRPC and HTTP; the health check and the internal metrics of the default config.
EXPOSE 4317 4318 13133 8888
