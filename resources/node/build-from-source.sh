#!/usr/bin/env bash
# The offline build of the node and system images' binaries: every program from the Go module proxy, at the
# versions versions.env pins, into resources/node/.build/bin/. CI and maintainers without internet use it;
# fetch-release.sh is the field build that takes the same programs from the upstream release downloads.
# Go's module and build caches make a rebuild with unchanged inputs take seconds.
set -euo pipefail
cd "$(dirname "$0")"
. ./versions.env
command -v go >/dev/null || { echo "go is not installed: the offline node build needs Go (https://go.dev/dl/)" >&2; exit 1; }
# Kubernetes 1.33 is built with this Go; newer Go breaks kubeadm's HTTPProxyCIDR preflight check.
export GOTOOLCHAIN="${LABDECK_GO_TOOLCHAIN:-go1.24.6}" GOFLAGS="${GOFLAGS:-} -trimpath -mod=mod"
out="$PWD/.build/bin"
mkdir -p "$out"
stamp="$out/.versions"
wanted="$(cat versions.env src/go.mod src/go.sum src/cmd/*/main.go | sha256sum | cut -c1-16)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ] && [ -x "$out/kubelet" ] && [ -x "$out/crane" ]; then
  echo "node binaries up to date ($wanted)"; exit 0
fi

minor="${KUBERNETES_VERSION#v1.}"; minor="${minor%%.*}"
version_flags=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  version_flags+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  version_flags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done

build_kubernetes() {
  (cd src && CGO_ENABLED=0 go build -ldflags "-s -w $version_flags" -o "$out/" \
    k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kubeadm k8s.io/kubernetes/cmd/kubectl \
    k8s.io/kubernetes/cmd/kube-proxy k8s.io/kubernetes/cmd/kube-apiserver \
    k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler \
    ./cmd/etcd ./cmd/pause)
}

# go install of a pinned module version builds it exactly as its authors' go.mod says.
install_tool() { # <cgo> <package@version> <binary name> <installed name>
  local gobin; gobin="$(mktemp -d)"
  CGO_ENABLED="$1" GOBIN="$gobin" GOFLAGS="-trimpath" go install -ldflags "-s -w ${5:-}" "$2"
  install -m 0755 "$gobin/$3" "$out/$4"; rm -rf "$gobin"
}

echo "building Kubernetes $KUBERNETES_VERSION, etcd and pause"; build_kubernetes
echo "building CoreDNS $COREDNS_VERSION"
install_tool 0 "github.com/coredns/coredns@$COREDNS_VERSION" coredns coredns
echo "building flannel $FLANNEL_VERSION"
# flannel's UDP backend is cgo; a static link keeps the binary free of the image's libc.
install_tool 1 "github.com/flannel-io/flannel@$FLANNEL_VERSION" flannel flanneld \
  "-extldflags=-static -X github.com/flannel-io/flannel/pkg/version.Version=$FLANNEL_VERSION"
echo "building the flannel CNI plugin (containernetworking/plugins $FLANNEL_CNI_PLUGINS_VERSION)"
install_tool 0 "github.com/containernetworking/plugins/plugins/meta/flannel@$FLANNEL_CNI_PLUGINS_VERSION" flannel flannel-cni
echo "building crane (go-containerregistry $CRANE_VERSION)"
install_tool 0 "github.com/google/go-containerregistry/cmd/crane@$CRANE_VERSION" crane crane
echo "$wanted" > "$stamp"
ls -la "$out"
