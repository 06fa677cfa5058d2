# paymock's container image: a static binary and the default fixtures on an empty base.
#
#   docker build -t paymock .                        builds from source (the default target)
#   podman build --target runtime-prebuilt -t paymock .
#                                                    packs target/x86_64-unknown-linux-gnu/release/paymock,
#                                                    built beforehand with
#                                                    RUSTFLAGS='-C target-feature=+crt-static' \
#                                                      cargo build --release --locked --target x86_64-unknown-linux-gnu

FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN RUSTFLAGS='-C target-feature=+crt-static' \
    cargo build --release --locked --target x86_64-unknown-linux-gnu \
 && cp target/x86_64-unknown-linux-gnu/release/paymock /paymock

# Everything but the binary: the stages below add it from the build or from the host.
FROM scratch AS runtime-base
# The server runs as an unprivileged user. It keeps its database in /data and writes the
# address it listens on to /run/paymock/address (PAYMOCK_ADDRESS_FILE), where
# `paymock healthcheck` reads it: the health check follows a --listen given after the image
# name. WORKDIR creates both folders owned by the USER above it; podman build (buildah)
# creates a WORKDIR's folder only at the next instruction that writes files, hence the COPY
# between the two.
USER 65532:65532
WORKDIR /run/paymock
COPY fixtures /usr/share/paymock/fixtures
WORKDIR /data
ENV PAYMOCK_LISTEN=0.0.0.0:8080 \
    PAYMOCK_DATABASE=/data/paymock.db \
    PAYMOCK_ADDRESS_FILE=/run/paymock/address
EXPOSE 8080
# No VOLUME: a named volume mounted on /data (-v NAME:/data) starts as a copy of the folder,
# owned by 65532; without one, the database lives and dies with the container, leaving no
# anonymous volume behind.
HEALTHCHECK --interval=5s --timeout=3s --start-period=2s --retries=3 CMD ["/paymock", "healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/paymock"]

FROM runtime-base AS runtime-prebuilt
COPY target/x86_64-unknown-linux-gnu/release/paymock /paymock

FROM runtime-base AS runtime
COPY --from=build /paymock /paymock
