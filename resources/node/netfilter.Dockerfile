# A system image for a program that programs the node's netfilter: kube-proxy and flanneld. They run in the
# node's network namespace and call iptables, ip6tables and conntrack, so those come from Debian, behind a
# wrapper that picks the backend (nft or legacy) the node already uses.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends iptables nftables conntrack ipset kmod iproute2 \
    && rm -rf /var/lib/apt/lists/* /usr/share/doc /usr/share/man
COPY files/iptables-wrapper /usr/sbin/iptables-wrapper
RUN for tool in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do \
      ln -sf /usr/sbin/iptables-wrapper "/etc/alternatives/$tool"; done
COPY bin/ /usr/local/bin/
# flanneld where the upstream flannel image has it, so Labdeck's flannel manifest runs either image.
RUN if [ -x /usr/local/bin/flanneld ]; then mkdir -p /opt/bin && ln -s /usr/local/bin/flanneld /opt/bin/flanneld; fi
ENTRYPOINT ["/usr/local/bin/entrypoint"]
