# Test stand-in for Docker Hub's nginx (tags latest and 1.14.2) on machines without a container registry:
# Debian's nginx with its stock "Welcome to nginx!" page, logging to stdout/stderr as the real image does so
# `kubectl logs` shows requests. Never shipped to attendees; instructors' packs carry the real images.
ARG BASE_IMAGE=labdeck/debian-base:bookworm
FROM ${BASE_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx \
 && rm -rf /var/lib/apt/lists/* \
 && ln -sf /dev/stdout /var/log/nginx/access.log \
 && ln -sf /dev/stderr /var/log/nginx/error.log
EXPOSE 80
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
LABEL dev.labdeck.stand-in="nginx"
