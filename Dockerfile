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
COPY fixtures /usr/share/paymock/fixtures
# The database lives in /data, owned by the unprivileged user the server runs as.
USER 65532:65532
WORKDIR /data
ENV PAYMOCK_LISTEN=0.0.0.0:8080 \
    PAYMOCK_DATABASE=/data/paymock.db
EXPOSE 8080
VOLUME /data
HEALTHCHECK --interval=5s --timeout=3s --start-period=2s --retries=3 CMD ["/paymock", "healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/paymock"]

FROM runtime-base AS runtime-prebuilt
COPY target/x86_64-unknown-linux-gnu/release/paymock /paymock

FROM runtime-base AS runtime
COPY --from=build /paymock /paymock
