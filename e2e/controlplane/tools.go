//go:build tools

// Keeps kubectl's packages in go.mod and go.sum: build.sh builds k8s.io/kubernetes/cmd/kubectl from this
// module, so the jumphost used in tests gets kubectl of exactly the control plane's release.
package main

import (
	_ "k8s.io/client-go/plugin/pkg/client/auth"
	_ "k8s.io/kubectl/pkg/cmd"
)
