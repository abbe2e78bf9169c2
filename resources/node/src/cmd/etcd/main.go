// etcd for the node image's etcd system image: the upstream server's own entry point, built from the same
// module version the Kubernetes release pins, so kubeadm's static pod runs the etcd it expects.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
