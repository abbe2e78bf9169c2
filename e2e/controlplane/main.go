// Command controlplane is Labdeck's test control plane: a real Kubernetes API server, controller manager and
// scheduler (the Kubernetes release Labdeck's kubeadm cluster runs), embedded etcd, and a small node and pod
// simulator standing in for the kubelets of master1, worker1 and worker2. It exists only for Labdeck's test
// suite; the product always runs a real kubeadm cluster (e2e/cluster tests against it).
//
// It is one binary with several personalities so that each Kubernetes component runs in its own process, as
// in a real cluster: the components keep global state (signal handlers, metrics registries, klog flags) that
// cannot be shared by two of them in one process.
//
//	controlplane run --data-dir DIR [--port N]      supervisor: etcd, the three components, the simulator
//	controlplane kube-apiserver|kube-controller-manager|kube-scheduler [flags]   one component
//
// kubectl of the same release is built beside it from k8s.io/kubernetes/cmd/kubectl (see build.sh).
package main

import (
	"fmt"
	"os"

	"k8s.io/component-base/cli"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: controlplane run --data-dir DIR [--port N] | kube-apiserver | kube-controller-manager | kube-scheduler)")
		os.Exit(2)
	}
	personality, rest := os.Args[1], os.Args[2:]
	// Each component parses os.Args[1:] itself through cobra; drop the personality word.
	os.Args = append([]string{personality}, rest...)
	switch personality {
	case "run":
		os.Exit(runSupervisor(rest))
	case "kube-apiserver":
		os.Exit(cli.Run(apiserver.NewAPIServerCommand()))
	case "kube-controller-manager":
		os.Exit(cli.Run(controllermanager.NewControllerManagerCommand()))
	case "kube-scheduler":
		os.Exit(cli.Run(scheduler.NewSchedulerCommand()))
	default:
		fmt.Fprintf(os.Stderr, "controlplane: unknown personality %q\n", personality)
		os.Exit(2)
	}
}
