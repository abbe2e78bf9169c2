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

// The add-ons kubeadm v1.33 installs (CoreDNS behind kube-dns, kube-proxy as a DaemonSet with its ConfigMap)
// and flannel as Labdeck applies it (electron/node/env/flannel-manifest.ts: kube-flannel-ds and
// kube-flannel-cfg in kube-system), reduced to the fields the labs look at (names, labels, the Service
// address and ports, the Corefile, net-conf.json, tolerations). They run through the real controllers and
// scheduler like any other workload; the simulator plays their kubelets.
const corednsDeployment = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: coredns
  namespace: kube-system
  labels: { k8s-app: kube-dns }
spec:
  replicas: 2
  revisionHistoryLimit: 10
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
      - { key: node-role.kubernetes.io/control-plane, effect: NoSchedule }
      containers:
      - name: coredns
        image: registry.k8s.io/coredns/coredns:v1.12.0
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
        health {
           lameduck 5s
        }
        ready
        kubernetes cluster.local in-addr.arpa ip6.arpa {
           pods insecure
           fallthrough in-addr.arpa ip6.arpa
           ttl 30
        }
        prometheus :9153
        forward . /etc/resolv.conf {
           max_concurrent 1000
        }
        cache 30 {
           disable success cluster.local
           disable denial cluster.local
        }
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

const kubeProxyConfigMap = `
apiVersion: v1
kind: ConfigMap
metadata:
  name: kube-proxy
  namespace: kube-system
  labels: { app: kube-proxy }
data:
  config.conf: |
    apiVersion: kubeproxy.config.k8s.io/v1alpha1
    kind: KubeProxyConfiguration
    clusterCIDR: 10.244.0.0/16
    mode: iptables
`

const kubeProxyDaemonSet = `
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: kube-proxy
  namespace: kube-system
  labels: { k8s-app: kube-proxy }
spec:
  selector: { matchLabels: { k8s-app: kube-proxy } }
  template:
    metadata:
      labels: { k8s-app: kube-proxy }
    spec:
      priorityClassName: system-node-critical
      hostNetwork: true
      nodeSelector: { kubernetes.io/os: linux }
      tolerations:
      - { operator: Exists }
      containers:
      - name: kube-proxy
        image: registry.k8s.io/kube-proxy:%s
        command: [ /usr/local/bin/kube-proxy, --config=/var/lib/kube-proxy/config.conf, --hostname-override=$(NODE_NAME) ]
        env:
        - { name: NODE_NAME, valueFrom: { fieldRef: { fieldPath: spec.nodeName } } }
        securityContext: { privileged: true }
        volumeMounts:
        - { name: kube-proxy, mountPath: /var/lib/kube-proxy }
      volumes:
      - name: kube-proxy
        configMap: { name: kube-proxy }
`

const flannelConfigMap = `
apiVersion: v1
kind: ConfigMap
metadata:
  name: kube-flannel-cfg
  namespace: kube-system
  labels: { app: flannel, k8s-app: flannel, tier: node }
data:
  cni-conf.json: |
    {
      "name": "cbr0",
      "cniVersion": "0.3.1",
      "plugins": [
        { "type": "flannel", "delegate": { "hairpinMode": true, "isDefaultGateway": true } },
        { "type": "portmap", "capabilities": { "portMappings": true } }
      ]
    }
  net-conf.json: |
    {
      "Network": "%s",
      "EnableNFTables": false,
      "Backend": {
        "Type": "vxlan"
      }
    }
`

const flannelDaemonSet = `
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: kube-flannel-ds
  namespace: kube-system
  labels: { app: flannel, k8s-app: flannel, tier: node }
spec:
  selector: { matchLabels: { app: flannel } }
  template:
    metadata:
      labels: { app: flannel, k8s-app: flannel, tier: node }
    spec:
      priorityClassName: system-node-critical
      hostNetwork: true
      tolerations:
      - { operator: Exists, effect: NoSchedule }
      containers:
      - name: kube-flannel
        image: docker.io/flannel/flannel:v0.26.7
        command: [ /opt/bin/flanneld ]
        args: [ --ip-masq, --kube-subnet-mgr ]
        securityContext: { privileged: false, capabilities: { add: [ NET_ADMIN, NET_RAW ] } }
        volumeMounts:
        - { name: flannel-cfg, mountPath: /etc/kube-flannel/ }
      volumes:
      - name: flannel-cfg
        configMap: { name: kube-flannel-cfg }
`

func applyAddons(ctx context.Context, client kubernetes.Interface, clusterDNS, clusterCIDR string) error {
	configMaps := []string{corednsConfigMap, kubeProxyConfigMap, fmt.Sprintf(flannelConfigMap, clusterCIDR)}
	for _, manifest := range configMaps {
		var configMap corev1.ConfigMap
		if err := yaml.UnmarshalStrict([]byte(manifest), &configMap); err != nil {
			return err
		}
		if _, err := client.CoreV1().ConfigMaps("kube-system").Create(ctx, &configMap, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
	}
	var service corev1.Service
	if err := yaml.UnmarshalStrict([]byte(fmt.Sprintf(kubeDNSService, clusterDNS)), &service); err != nil {
		return err
	}
	if _, err := client.CoreV1().Services("kube-system").Create(ctx, &service, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	var deployment appsv1.Deployment
	if err := yaml.UnmarshalStrict([]byte(corednsDeployment), &deployment); err != nil {
		return err
	}
	if _, err := client.AppsV1().Deployments("kube-system").Create(ctx, &deployment, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	for _, manifest := range []string{fmt.Sprintf(kubeProxyDaemonSet, kubernetesVersion), flannelDaemonSet} {
		var daemonSet appsv1.DaemonSet
		if err := yaml.UnmarshalStrict([]byte(manifest), &daemonSet); err != nil {
			return err
		}
		if _, err := client.AppsV1().DaemonSets("kube-system").Create(ctx, &daemonSet, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
	}
	return nil
}
