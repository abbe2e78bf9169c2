# A system image made of one static program, like the upstream distroless images: root's passwd entry, CA
# certificates and the program in /usr/local/bin, started through the entrypoint symlink build-images.sh
# points at it. Used for kube-apiserver, kube-controller-manager, kube-scheduler, etcd, CoreDNS, pause and
# Labdeck's registry mirror (crane). Kubernetes runs most of them with an explicit command anyway.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE} AS rootfs
RUN mkdir -p /rootfs/etc/ssl/certs /rootfs/tmp /rootfs/usr/local/bin && chmod 1777 /rootfs/tmp \
    && printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/:/sbin/nologin\n' > /rootfs/etc/passwd \
    && printf 'root:x:0:\nnobody:x:65534:\n' > /rootfs/etc/group \
    && if [ -f /etc/ssl/certs/ca-certificates.crt ]; then cp /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/; fi

FROM scratch
COPY --from=rootfs /rootfs/ /
COPY bin/ /usr/local/bin/
ENV PATH=/usr/local/bin:/usr/bin:/bin
ENTRYPOINT ["/usr/local/bin/entrypoint"]
