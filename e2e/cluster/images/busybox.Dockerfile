# Test stand-in for Docker Hub's busybox: nothing but busybox's applets (Debian's static build).
ARG BASE_IMAGE=labdeck/debian-base:bookworm
FROM ${BASE_IMAGE} AS build
RUN apt-get update && apt-get install -y --no-install-recommends busybox-static && rm -rf /var/lib/apt/lists/*
FROM scratch
COPY --from=build /bin/busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN mkdir -p /tmp /root /etc && chmod 1777 /tmp \
 && echo 'root:x:0:0:root:/root:/bin/sh' > /etc/passwd && echo 'root:x:0:' > /etc/group
ENV PATH=/bin
CMD ["sh"]
LABEL dev.labdeck.stand-in="busybox"
