#!/usr/bin/env bash
# Builds the test control plane and kubectl of the same Kubernetes release into e2e/controlplane/bin/.
# Go's module and build caches make a rebuild with unchanged inputs take seconds.
set -euo pipefail
cd "$(dirname "$0")"
command -v go >/dev/null || { echo "go is not installed: the real-control-plane tests need Go (https://go.dev/dl/)" >&2; exit 1; }
export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -trimpath"
# Report the pinned release (API server /version and kubectl version, as kubeadm's cluster does), not Go's
# "v0.0.0-master". Must equal KUBERNETES_VERSION in electron/node/env/versions.ts.
KUBE_VERSION=v1.33.4
version_flags=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  version_flags+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=33 -X $pkg.gitTreeState=clean"
done
mkdir -p bin
go build -ldflags "$version_flags -X main.kubernetesVersion=$KUBE_VERSION" -o bin/controlplane .
go build -ldflags "$version_flags" -o bin/kubectl k8s.io/kubernetes/cmd/kubectl
echo "built $(./bin/kubectl version --client -o json | grep -m1 gitVersion | tr -d ' ,')"
