# Test stand-in for busybox42/alpine-pod, the guide's lab 1.7 image: Alpine with bash and curl, everything
# else busybox applets (nslookup, ping, wget). Without Alpine's package mirror this is Debian's bash and curl
# plus busybox's applets for the rest, and it idles like the real pod so `kubectl exec -it alpine -- bash`
# finds it running. Never shipped to attendees.
ARG BASE_IMAGE=labdeck/debian-base:bookworm
FROM ${BASE_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends bash curl ca-certificates busybox-static \
 && rm -rf /var/lib/apt/lists/* \
 && for applet in nslookup ping wget traceroute nc; do ln -sf /bin/busybox "/usr/local/bin/$applet"; done
CMD ["sleep", "infinity"]
LABEL dev.labdeck.stand-in="busybox42/alpine-pod"
