# syntax=docker/dockerfile:1
#
# topicgate's container image. confluent-kafka-go needs cgo: it links the
# static librdkafka it bundles for glibc, so the build runs on Debian
# (bookworm) and the runtime is Debian too (no musl/Alpine without -tags musl).
#
#   docker build -t topicgate .
#   docker run --rm topicgate help
#
# docker-compose.yaml runs it with Kafka and Envoy; `make run` is the same
# stack without Docker.

# go.mod asks for Go 1.26.8 or later; the golang images pin their own
# toolchain (GOTOOLCHAIN=local), so pull a current golang:1.26 image.
FROM golang:1.26-bookworm AS build
WORKDIR /src
ENV CGO_ENABLED=1
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download
COPY cmd ./cmd
COPY pkg ./pkg
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath \
      -ldflags "-X github.com/topicgate/topicgate/pkg/cli.Version=${VERSION}" \
      -o /out/topicgate ./cmd/topicgate

FROM debian:bookworm-slim
# ca-certificates: TLS to Kafka (SASL_SSL, SSL), e.g. Confluent Cloud.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 topicgate \
 && useradd --system --uid 10001 --gid topicgate --home-dir /nonexistent --shell /usr/sbin/nologin topicgate \
 && install -d -o topicgate -g topicgate /var/lib/topicgate/envoy
COPY --from=build /out/topicgate /usr/local/bin/topicgate
# The Envoy config template (render it with `topicgate envoy-config`), the
# demo policy and the demo API keys. Mount your own policies and keys over
# them; the demo key's secret is public.
COPY envoy/envoy.yaml /etc/topicgate/envoy.yaml
COPY policies/demo /etc/topicgate/policies/demo
COPY examples/demo /etc/topicgate/examples/demo
# In a container, listen beyond loopback so Envoy (another container) can call.
ENV TOPICGATE_GRPC_ADDR=0.0.0.0:9001 \
    TOPICGATE_ADMIN_ADDR=0.0.0.0:9090
USER topicgate:topicgate
# 9001: ext_proc and gRPC health (for Envoy); 9090: /healthz, /readyz, /metrics.
EXPOSE 9001 9090
ENTRYPOINT ["topicgate"]
CMD ["serve"]
