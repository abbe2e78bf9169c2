package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"

	"github.com/distribution/reference"
)

// The simulator does the kubelet's part of the API conversation for each node, and nothing else: it
// registers the node, renews its lease, and reports pods scheduled to it as running with an address from the
// node's pod range (allocated by the real controller manager). No container runs; what runs in a pod is
// the data-plane harness's business.

type simulatorOptions struct {
	clusterDNS       string
	clusterCIDR      string
	serviceCIDR      string
	availableImages  []string
	terminationDelay time.Duration
	logFile          string
}

type simulator struct {
	client kubernetes.Interface
	nodes  []nodeSpec
	opts   simulatorOptions
	log    *log.Logger

	mu        sync.Mutex
	addresses map[string]map[string]string // node -> pod UID -> IP
	deleting  map[string]bool              // pod UIDs whose removal is scheduled
}

func newSimulator(kubeconfig string, nodes []nodeSpec, opts simulatorOptions) (*simulator, error) {
	config, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, err
	}
	config.QPS, config.Burst = 100, 200
	config.UserAgent = "labdeck-test-kubelet-simulator"
	client, err := kubernetes.NewForConfig(config)
	if err != nil {
		return nil, err
	}
	out, err := os.OpenFile(opts.logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	return &simulator{
		client: client, nodes: nodes, opts: opts,
		log:       log.New(out, "", log.LstdFlags|log.Lmicroseconds),
		addresses: map[string]map[string]string{},
		deleting:  map[string]bool{},
	}, nil
}

func (s *simulator) run(ctx context.Context) {
	for _, n := range s.nodes {
		if err := s.registerNode(ctx, n); err != nil {
			s.log.Printf("register %s: %v", n.name, err)
		}
		if n.role == "server" {
			if err := s.createStaticPods(ctx, n); err != nil {
				s.log.Printf("static pods %s: %v", n.name, err)
			}
		}
	}
	if err := applyAddons(ctx, s.client, s.opts.clusterDNS, s.opts.clusterCIDR); err != nil {
		s.log.Printf("addons: %v", err)
	}
	go s.heartbeat(ctx)
	factory := informers.NewSharedInformerFactory(s.client, 0)
	pods := factory.Core().V1().Pods().Informer()
	handle := func(obj any) {
		if pod, ok := obj.(*corev1.Pod); ok {
			s.reconcilePod(ctx, pod)
		}
	}
	_, _ = pods.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    handle,
		UpdateFunc: func(_, obj any) { handle(obj) },
		DeleteFunc: func(obj any) {
			if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = tomb.Obj
			}
			if pod, ok := obj.(*corev1.Pod); ok {
				s.release(pod)
			}
		},
	})
	factory.Start(ctx.Done())
	// Pods whose status write lost a race are retried from the informer's cache every few seconds.
	go func() {
		ticker := time.NewTicker(3 * time.Second)
		defer ticker.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
				for _, obj := range pods.GetStore().List() {
					handle(obj)
				}
			}
		}
	}()
}

func (s *simulator) nodeObject(n nodeSpec) *corev1.Node {
	labels := map[string]string{
		"beta.kubernetes.io/arch": "amd64",
		"beta.kubernetes.io/os":   "linux",
		"kubernetes.io/arch":      "amd64",
		"kubernetes.io/hostname":  n.name,
		"kubernetes.io/os":        "linux",
	}
	var taints []corev1.Taint
	if n.role == "server" {
		// What kubeadm init marks the control-plane node with.
		labels["node-role.kubernetes.io/control-plane"] = ""
		labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
		taints = []corev1.Taint{{Key: "node-role.kubernetes.io/control-plane", Effect: corev1.TaintEffectNoSchedule}}
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:   n.name,
			Labels: labels,
			// What kubeadm and flannel (vxlan, kube-subnet-mgr) write on a node.
			Annotations: map[string]string{
				"flannel.alpha.coreos.com/backend-data":                  fmt.Sprintf(`{"VNI":1,"VtepMAC":"%s"}`, vtepMAC(n.ip)),
				"flannel.alpha.coreos.com/backend-type":                  "vxlan",
				"flannel.alpha.coreos.com/kube-subnet-manager":           "true",
				"flannel.alpha.coreos.com/public-ip":                     n.ip,
				"kubeadm.alpha.kubernetes.io/cri-socket":                 "unix:///run/containerd/containerd.sock",
				"node.alpha.kubernetes.io/ttl":                           "0",
				"volumes.kubernetes.io/controller-managed-attach-detach": "true",
			},
		},
		Spec: corev1.NodeSpec{Taints: taints},
	}
}

// vtepMAC is a stable locally administered MAC for a node's flannel.1 device.
func vtepMAC(ip string) string {
	parsed := net.ParseIP(ip).To4()
	if parsed == nil {
		return "0e:00:00:00:00:00"
	}
	return fmt.Sprintf("0e:4c:%02x:%02x:%02x:%02x", parsed[0], parsed[1], parsed[2], parsed[3])
}

func (s *simulator) nodeStatus(n nodeSpec) corev1.NodeStatus {
	now := metav1.Now()
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:              resource.MustParse("2"),
		corev1.ResourceMemory:           resource.MustParse("4Gi"),
		corev1.ResourcePods:             resource.MustParse("110"),
		corev1.ResourceEphemeralStorage: resource.MustParse("40Gi"),
	}
	condition := func(kind corev1.NodeConditionType, status corev1.ConditionStatus, reason, message string) corev1.NodeCondition {
		return corev1.NodeCondition{Type: kind, Status: status, Reason: reason, Message: message, LastHeartbeatTime: now, LastTransitionTime: now}
	}
	return corev1.NodeStatus{
		Capacity:    capacity,
		Allocatable: capacity,
		Addresses: []corev1.NodeAddress{
			{Type: corev1.NodeInternalIP, Address: n.ip},
			{Type: corev1.NodeHostName, Address: n.name},
		},
		Conditions: []corev1.NodeCondition{
			condition(corev1.NodeMemoryPressure, corev1.ConditionFalse, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
			condition(corev1.NodeDiskPressure, corev1.ConditionFalse, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
			condition(corev1.NodePIDPressure, corev1.ConditionFalse, "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
			condition(corev1.NodeReady, corev1.ConditionTrue, "KubeletReady", "kubelet is posting ready status"),
		},
		DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: 10250}},
		NodeInfo: corev1.NodeSystemInfo{
			Architecture:            "amd64",
			OperatingSystem:         "linux",
			OSImage:                 "Debian GNU/Linux 12 (bookworm)",
			KernelVersion:           "6.1.0-labdeck-test",
			ContainerRuntimeVersion: "containerd://1.6.20",
			KubeletVersion:          kubernetesVersion,
		},
	}
}

func (s *simulator) registerNode(ctx context.Context, n nodeSpec) error {
	node, err := s.client.CoreV1().Nodes().Get(ctx, n.name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		node, err = s.client.CoreV1().Nodes().Create(ctx, s.nodeObject(n), metav1.CreateOptions{})
	}
	if err != nil {
		return err
	}
	node.Status = s.nodeStatus(n)
	_, err = s.client.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{})
	return err
}

// heartbeat renews each node's lease every 10 s and its Ready condition every 40 s, as the kubelet does, so
// that the real node lifecycle controller keeps the nodes Ready and never evicts their pods.
func (s *simulator) heartbeat(ctx context.Context) {
	tick := 0
	for {
		for _, n := range s.nodes {
			if err := s.renewLease(ctx, n.name); err != nil && ctx.Err() == nil {
				s.log.Printf("lease %s: %v", n.name, err)
			}
			if tick%4 == 0 {
				if err := s.registerNode(ctx, n); err != nil && ctx.Err() == nil {
					s.log.Printf("status %s: %v", n.name, err)
				}
			}
		}
		tick++
		select {
		case <-ctx.Done():
			return
		case <-time.After(10 * time.Second):
		}
	}
}

func (s *simulator) renewLease(ctx context.Context, name string) error {
	leases := s.client.CoordinationV1().Leases(corev1.NamespaceNodeLease)
	now := metav1.NewMicroTime(time.Now())
	lease, err := leases.Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = leases.Create(ctx, &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: coordinationv1.LeaseSpec{
				HolderIdentity: ptr.To(name), LeaseDurationSeconds: ptr.To[int32](40), RenewTime: &now,
			},
		}, metav1.CreateOptions{})
		return err
	}
	if err != nil {
		return err
	}
	lease.Spec.RenewTime = &now
	_, err = leases.Update(ctx, lease, metav1.UpdateOptions{})
	return err
}

func (s *simulator) nodeByName(name string) (nodeSpec, bool) {
	for _, n := range s.nodes {
		if n.name == name {
			return n, true
		}
	}
	return nodeSpec{}, false
}

func (s *simulator) reconcilePod(ctx context.Context, pod *corev1.Pod) {
	node, ours := s.nodeByName(pod.Spec.NodeName)
	if !ours {
		return
	}
	if pod.DeletionTimestamp != nil {
		s.scheduleRemoval(ctx, pod)
		return
	}
	if pod.Status.Phase == corev1.PodRunning || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		if pod.Status.PodIP != "" || pod.Status.Phase != corev1.PodRunning {
			return
		}
	}
	if pod.Status.Reason == "ImagePullBackOff" {
		return
	}
	status, err := s.runningStatus(ctx, pod, node)
	if err != nil {
		s.log.Printf("pod %s/%s: %v", pod.Namespace, pod.Name, err)
		return
	}
	updated := pod.DeepCopy()
	updated.Status = status
	if _, err := s.client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, updated, metav1.UpdateOptions{}); err != nil && !apierrors.IsConflict(err) && !apierrors.IsNotFound(err) {
		s.log.Printf("pod %s/%s status: %v", pod.Namespace, pod.Name, err)
	}
}

func (s *simulator) imageAvailable(image string) bool {
	// The cluster's own images (registry.k8s.io, flannel) are preloaded on a node; the list names workloads.
	if strings.HasPrefix(image, "registry.k8s.io/") || strings.HasPrefix(normalizeImage(image), "docker.io/flannel/") {
		return true
	}
	if len(s.opts.availableImages) == 0 {
		return true
	}
	for _, candidate := range s.opts.availableImages {
		if candidate == image || candidate == normalizeImage(image) || normalizeImage(candidate) == normalizeImage(image) {
			return true
		}
	}
	return false
}

// normalizeImage spells an image reference the way containerd reports it (docker.io/library/nginx:latest).
func normalizeImage(image string) string {
	named, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return image
	}
	return reference.TagNameOnly(named).String()
}

func (s *simulator) runningStatus(ctx context.Context, pod *corev1.Pod, node nodeSpec) (corev1.PodStatus, error) {
	now := metav1.Now()
	ip := node.ip
	if !pod.Spec.HostNetwork {
		var err error
		if ip, err = s.allocate(ctx, pod, node); err != nil {
			return corev1.PodStatus{}, err
		}
	}
	status := corev1.PodStatus{
		HostIP:    node.ip,
		HostIPs:   []corev1.HostIP{{IP: node.ip}},
		PodIP:     ip,
		PodIPs:    []corev1.PodIP{{IP: ip}},
		StartTime: &now,
		QOSClass:  qosClass(pod),
	}
	pulled := true
	for _, c := range pod.Spec.Containers {
		cs := corev1.ContainerStatus{Name: c.Name, Image: normalizeImage(c.Image), ImageID: ""}
		if s.imageAvailable(c.Image) {
			cs.Ready, cs.Started = true, ptr.To(true)
			cs.ImageID = normalizeImage(c.Image)
			cs.ContainerID = "containerd://" + randomHex(32)
			cs.State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}}
		} else {
			pulled = false
			cs.Started = ptr.To(false)
			cs.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{
				Reason:  "ImagePullBackOff",
				Message: fmt.Sprintf("Back-off pulling image %q: ErrImagePull: failed to pull and unpack image %q: failed to resolve reference %q: no such image in the offline bundle", c.Image, normalizeImage(c.Image), normalizeImage(c.Image)),
			}}
		}
		status.ContainerStatuses = append(status.ContainerStatuses, cs)
	}
	for _, c := range pod.Spec.InitContainers {
		status.InitContainerStatuses = append(status.InitContainerStatuses, corev1.ContainerStatus{
			Name: c.Name, Image: normalizeImage(c.Image), ImageID: normalizeImage(c.Image), Ready: true,
			ContainerID: "containerd://" + randomHex(32),
			State:       corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed", StartedAt: now, FinishedAt: now}},
		})
	}
	ready := corev1.ConditionTrue
	status.Phase = corev1.PodRunning
	if !pulled {
		ready = corev1.ConditionFalse
		status.Phase = corev1.PodPending
	}
	condition := func(kind corev1.PodConditionType, st corev1.ConditionStatus) corev1.PodCondition {
		c := corev1.PodCondition{Type: kind, Status: st, LastTransitionTime: now}
		if st == corev1.ConditionFalse {
			c.Reason = "ContainersNotReady"
		}
		return c
	}
	status.Conditions = []corev1.PodCondition{
		condition(corev1.PodReadyToStartContainers, corev1.ConditionTrue),
		condition(corev1.PodInitialized, corev1.ConditionTrue),
		condition(corev1.PodReady, ready),
		condition(corev1.ContainersReady, ready),
		condition(corev1.PodScheduled, corev1.ConditionTrue),
	}
	return status, nil
}

func qosClass(pod *corev1.Pod) corev1.PodQOSClass {
	for _, c := range pod.Spec.Containers {
		if len(c.Resources.Requests) > 0 || len(c.Resources.Limits) > 0 {
			return corev1.PodQOSBurstable
		}
	}
	return corev1.PodQOSBestEffort
}

// allocate hands out the next free address of the node's pod range; .0 is the network and .1 is cni0, the
// bridge's own address on the node, as with flannel.
func (s *simulator) allocate(ctx context.Context, pod *corev1.Pod, node nodeSpec) (string, error) {
	s.mu.Lock()
	if ip, ok := s.addresses[node.name][string(pod.UID)]; ok {
		s.mu.Unlock()
		return ip, nil
	}
	s.mu.Unlock()
	current, err := s.client.CoreV1().Nodes().Get(ctx, node.name, metav1.GetOptions{})
	if err != nil {
		return "", err
	}
	if current.Spec.PodCIDR == "" {
		return "", fmt.Errorf("node %s has no pod range yet", node.name)
	}
	_, network, err := net.ParseCIDR(current.Spec.PodCIDR)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	used := map[string]bool{}
	if s.addresses[node.name] == nil {
		s.addresses[node.name] = map[string]string{}
		// After a restart of the simulator, addresses already reported must stay taken.
		if list, err := s.client.CoreV1().Pods("").List(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName=" + node.name}); err == nil {
			for _, p := range list.Items {
				if p.Status.PodIP != "" && !p.Spec.HostNetwork {
					s.addresses[node.name][string(p.UID)] = p.Status.PodIP
				}
			}
		}
		if ip, ok := s.addresses[node.name][string(pod.UID)]; ok {
			return ip, nil
		}
	}
	for _, ip := range s.addresses[node.name] {
		used[ip] = true
	}
	base := network.IP.To4()
	ones, bits := network.Mask.Size()
	size := 1 << (bits - ones)
	for host := 2; host < size-1; host++ {
		candidate := net.IPv4(base[0], base[1], base[2]+byte(host>>8), base[3]+byte(host&0xff)).String()
		if !used[candidate] {
			s.addresses[node.name][string(pod.UID)] = candidate
			return candidate, nil
		}
	}
	return "", fmt.Errorf("pod range %s of node %s is full", current.Spec.PodCIDR, node.name)
}

func (s *simulator) release(pod *corev1.Pod) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.deleting, string(pod.UID))
	if m := s.addresses[pod.Spec.NodeName]; m != nil {
		delete(m, string(pod.UID))
	}
}

// scheduleRemoval plays the kubelet's part of a graceful delete: the containers stop, then the pod object
// is removed with grace period 0. The pod stays Terminating for the configured delay, never longer than its
// own grace period.
func (s *simulator) scheduleRemoval(ctx context.Context, pod *corev1.Pod) {
	s.mu.Lock()
	if s.deleting[string(pod.UID)] {
		s.mu.Unlock()
		return
	}
	s.deleting[string(pod.UID)] = true
	s.mu.Unlock()
	delay := s.opts.terminationDelay
	if pod.DeletionGracePeriodSeconds != nil && time.Duration(*pod.DeletionGracePeriodSeconds)*time.Second < delay {
		delay = time.Duration(*pod.DeletionGracePeriodSeconds) * time.Second
	}
	go func() {
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		uid := pod.UID
		err := s.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
			GracePeriodSeconds: ptr.To[int64](0),
			Preconditions:      &metav1.Preconditions{UID: &uid},
		})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			s.log.Printf("remove pod %s/%s: %v", pod.Namespace, pod.Name, err)
			s.mu.Lock()
			delete(s.deleting, string(pod.UID))
			s.mu.Unlock()
		}
	}()
}

// waitClusterReady returns once every node is Ready with a pod range and the cluster DNS Deployment has an
// available replica, and kube-proxy and kube-flannel-ds run a ready pod on every node: the state Labdeck
// waits for before it calls an environment ready.
func (s *simulator) waitClusterReady(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		problem := s.notReadyReason(ctx)
		if problem == "" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("cluster not ready after %s: %s", limit, problem)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
	}
}

func (s *simulator) notReadyReason(ctx context.Context) string {
	for _, n := range s.nodes {
		node, err := s.client.CoreV1().Nodes().Get(ctx, n.name, metav1.GetOptions{})
		if err != nil {
			return fmt.Sprintf("node %s: %v", n.name, err)
		}
		if node.Spec.PodCIDR == "" {
			return fmt.Sprintf("node %s has no pod range", n.name)
		}
	}
	dns, err := s.client.AppsV1().Deployments("kube-system").Get(ctx, "coredns", metav1.GetOptions{})
	if err != nil {
		return fmt.Sprintf("coredns: %v", err)
	}
	if dns.Status.AvailableReplicas < 1 {
		return "coredns has no available replica"
	}
	for _, name := range []string{"kube-proxy", "kube-flannel-ds"} {
		ds, err := s.client.AppsV1().DaemonSets("kube-system").Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return fmt.Sprintf("%s: %v", name, err)
		}
		if ds.Status.DesiredNumberScheduled != int32(len(s.nodes)) || ds.Status.NumberReady != int32(len(s.nodes)) {
			return fmt.Sprintf("%s has %d/%d ready pods", name, ds.Status.NumberReady, len(s.nodes))
		}
	}
	return ""
}

func randomHex(n int) string {
	b := make([]byte, n/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// createStaticPods posts the mirror pods the kubelet of a kubeadm control-plane node creates for the static
// pods in /etc/kubernetes/manifests (etcd, kube-apiserver, kube-controller-manager, kube-scheduler), named
// <component>-<node> with kubeadm's labels component=<name> and tier=control-plane, owned by the Node. They
// are then reported Running and Ready like any pod on the node.
func (s *simulator) createStaticPods(ctx context.Context, n nodeSpec) error {
	node, err := s.client.CoreV1().Nodes().Get(ctx, n.name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	components := []struct {
		name, image string
		command     []string
	}{
		{"etcd", "registry.k8s.io/etcd:3.5.21-0", []string{"etcd", "--advertise-client-urls=https://" + n.ip + ":2379", "--data-dir=/var/lib/etcd", "--name=" + n.name}},
		{"kube-apiserver", "registry.k8s.io/kube-apiserver:" + kubernetesVersion, []string{"kube-apiserver", "--advertise-address=" + n.ip, "--authorization-mode=Node,RBAC", "--enable-admission-plugins=NodeRestriction", "--secure-port=6443", "--service-cluster-ip-range=" + s.opts.serviceCIDR}},
		{"kube-controller-manager", "registry.k8s.io/kube-controller-manager:" + kubernetesVersion, []string{"kube-controller-manager", "--allocate-node-cidrs=true", "--cluster-cidr=" + s.opts.clusterCIDR, "--cluster-name=kubernetes", "--service-cluster-ip-range=" + s.opts.serviceCIDR, "--use-service-account-credentials=true"}},
		{"kube-scheduler", "registry.k8s.io/kube-scheduler:" + kubernetesVersion, []string{"kube-scheduler", "--kubeconfig=/etc/kubernetes/scheduler.conf", "--leader-elect=true"}},
	}
	for _, c := range components {
		hash := randomHex(32)
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{
				Name:      c.name + "-" + n.name,
				Namespace: "kube-system",
				Labels:    map[string]string{"component": c.name, "tier": "control-plane"},
				Annotations: map[string]string{
					"kubernetes.io/config.hash":   hash,
					"kubernetes.io/config.mirror": hash,
					"kubernetes.io/config.source": "file",
				},
				OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: node.Name, UID: node.UID, Controller: ptr.To(true)}},
			},
			Spec: corev1.PodSpec{
				NodeName:          n.name,
				HostNetwork:       true,
				PriorityClassName: "system-node-critical",
				Tolerations:       []corev1.Toleration{{Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute}},
				Containers:        []corev1.Container{{Name: c.name, Image: c.image, Command: c.command}},
			},
		}
		if _, err := s.client.CoreV1().Pods("kube-system").Create(ctx, pod, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("%s: %w", pod.Name, err)
		}
	}
	return nil
}
