package main

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"
)

// The cluster DNS objects k3s deploys from /var/lib/rancher/k3s/server/manifests/coredns.yaml, reduced to
// the fields the labs look at (names, labels, the Service address and ports, the Corefile). The Deployment
// runs through the real controllers and scheduler like any other.
const corednsDeployment = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: coredns
  namespace: kube-system
  labels: { k8s-app: kube-dns, kubernetes.io/name: CoreDNS }
spec:
  revisionHistoryLimit: 0
  strategy: { type: RollingUpdate, rollingUpdate: { maxUnavailable: 1 } }
  selector: { matchLabels: { k8s-app: kube-dns } }
  template:
    metadata:
      labels: { k8s-app: kube-dns }
    spec:
      priorityClassName: system-cluster-critical
      nodeSelector: { kubernetes.io/os: linux }
      tolerations:
      - { key: CriticalAddonsOnly, operator: Exists }
      - { key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule }
      - { key: node-role.kubernetes.io/master, operator: Exists, effect: NoSchedule }
      containers:
      - name: coredns
        image: rancher/mirrored-coredns-coredns:1.12.3
        args: [ "-conf", "/etc/coredns/Corefile" ]
        ports:
        - { containerPort: 53, name: dns, protocol: UDP }
        - { containerPort: 53, name: dns-tcp, protocol: TCP }
        - { containerPort: 9153, name: metrics, protocol: TCP }
        volumeMounts:
        - { name: config-volume, mountPath: /etc/coredns, readOnly: true }
      volumes:
      - name: config-volume
        configMap: { name: coredns, items: [ { key: Corefile, path: Corefile } ] }
`

const corednsConfigMap = `
apiVersion: v1
kind: ConfigMap
metadata:
  name: coredns
  namespace: kube-system
data:
  Corefile: |
    .:53 {
        errors
        health
        ready
        kubernetes cluster.local in-addr.arpa ip6.arpa {
          pods insecure
          fallthrough in-addr.arpa ip6.arpa
        }
        hosts /etc/coredns/NodeHosts {
          ttl 60
          reload 15s
          fallthrough
        }
        prometheus :9153
        forward . /etc/resolv.conf
        cache 30
        loop
        reload
        loadbalance
    }
`

const kubeDNSService = `
apiVersion: v1
kind: Service
metadata:
  name: kube-dns
  namespace: kube-system
  labels: { k8s-app: kube-dns, kubernetes.io/cluster-service: "true", kubernetes.io/name: CoreDNS }
  annotations: { prometheus.io/port: "9153", prometheus.io/scrape: "true" }
spec:
  selector: { k8s-app: kube-dns }
  clusterIP: %s
  ports:
  - { name: dns, port: 53, protocol: UDP }
  - { name: dns-tcp, port: 53, protocol: TCP }
  - { name: metrics, port: 9153, protocol: TCP }
`

const localPathDeployment = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: local-path-provisioner
  namespace: kube-system
spec:
  revisionHistoryLimit: 0
  selector: { matchLabels: { app: local-path-provisioner } }
  template:
    metadata:
      labels: { app: local-path-provisioner }
    spec:
      priorityClassName: system-node-critical
      tolerations:
      - { key: CriticalAddonsOnly, operator: Exists }
      - { key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule }
      containers:
      - name: local-path-provisioner
        image: rancher/local-path-provisioner:v0.0.31
        command: [ local-path-provisioner, start, --config, /etc/config/config.json ]
`

func applyAddons(ctx context.Context, client kubernetes.Interface, clusterDNS string) error {
	var configMap corev1.ConfigMap
	if err := yaml.UnmarshalStrict([]byte(corednsConfigMap), &configMap); err != nil {
		return err
	}
	if _, err := client.CoreV1().ConfigMaps("kube-system").Create(ctx, &configMap, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	var service corev1.Service
	if err := yaml.UnmarshalStrict([]byte(fmt.Sprintf(kubeDNSService, clusterDNS)), &service); err != nil {
		return err
	}
	if _, err := client.CoreV1().Services("kube-system").Create(ctx, &service, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	for _, manifest := range []string{corednsDeployment, localPathDeployment} {
		var deployment appsv1.Deployment
		if err := yaml.UnmarshalStrict([]byte(manifest), &deployment); err != nil {
			return err
		}
		if _, err := client.AppsV1().Deployments("kube-system").Create(ctx, &deployment, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
	}
	return nil
}
