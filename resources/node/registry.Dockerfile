# Labdeck's registry mirror: go-containerregistry's `crane registry serve`, one static program. Like the node
# image, crane comes from the context's bin/ (BINARIES=context, built from Go modules) or from its upstream
# release, checked against the published checksums (BINARIES=release).
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE} AS binaries
ARG BINARIES=context
ARG CRANE_VERSION=v0.20.6
COPY registry.Dockerfile bin* /binaries/
COPY files/fetch-release.sh /usr/local/bin/labdeck-fetch-release
RUN if [ "$BINARIES" = release ]; then \
      apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends curl ca-certificates \
      && KUBERNETES_VERSION=unused FLANNEL_CNI_PLUGIN_VERSION=unused CRANE_VERSION=$CRANE_VERSION labdeck-fetch-release crane; \
    fi \
    && mkdir -p /rootfs/tmp /rootfs/etc && chmod 1777 /rootfs/tmp \
    && printf 'root:x:0:0:root:/root:/sbin/nologin\n' > /rootfs/etc/passwd

FROM scratch
COPY --from=binaries /rootfs/ /
COPY --from=binaries /binaries/crane /usr/local/bin/crane
EXPOSE 5000
ENTRYPOINT ["/usr/local/bin/crane"]
CMD ["registry", "serve", "--address", ":5000"]
