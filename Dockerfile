# Multi-stage build of the one `redress` binary.
# Not verified on the development machines (they have no container engine); see README.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --package redress

FROM debian:bookworm-slim
# The dossier's PDF summary is drawn in a CJK font.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-wqy-microhei && rm -rf /var/lib/apt/lists/*
RUN useradd --system --home /var/lib/redress redress && mkdir -p /var/lib/redress && chown redress /var/lib/redress
COPY --from=build /src/target/release/redress /usr/local/bin/redress
USER redress
EXPOSE 8080
ENTRYPOINT ["redress"]
CMD ["up", "--data-dir", "/var/lib/redress", "--http", "0.0.0.0:8080"]
