package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// options are the supervisor's flags. Addressing defaults are the workshop's (see the seed guide and
// electron/node/env/config.ts): services in 10.96.0.0/12, pods in 10.244.0.0/16, master1 at 10.1.1.10.
type options struct {
	dataDir            string
	port               int
	serviceCIDR        string
	clusterCIDR        string
	nodes              string
	clusterDNS         string
	availableImages    string
	terminationDelay   time.Duration
	exitOnStdinClose   bool
	extraAPIServerArgs stringList
}

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// readyReport is the one JSON line written to stdout (and to <data-dir>/ready.json) once the cluster is usable.
type readyReport struct {
	Event      string `json:"event"`
	Server     string `json:"server"`
	Kubeconfig string `json:"kubeconfig"`
	Admin      string `json:"admin"`
	DataDir    string `json:"dataDir"`
	Version    string `json:"version"`
}

func parseOptions(args []string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.StringVar(&o.dataDir, "data-dir", "", "folder for etcd data, certificates, kubeconfig and logs (required)")
	fs.IntVar(&o.port, "port", 0, "API server port on 127.0.0.1 (0: a free one)")
	fs.StringVar(&o.serviceCIDR, "service-cidr", "10.96.0.0/12", "service ClusterIP range")
	fs.StringVar(&o.clusterCIDR, "cluster-cidr", "10.244.0.0/16", "pod address range, split into one /24 per node")
	fs.StringVar(&o.nodes, "nodes", "master1=10.1.1.10:server,worker1=10.1.1.7:agent,worker2=10.1.1.8:agent", "nodes as name=ip:role, comma separated")
	fs.StringVar(&o.clusterDNS, "cluster-dns", "10.96.0.10", "ClusterIP of the kube-dns Service")
	fs.StringVar(&o.availableImages, "available-images", "", "images the nodes hold, comma separated; pods with any other image stay in ImagePullBackOff (empty: every image is available)")
	fs.DurationVar(&o.terminationDelay, "termination-delay", 800*time.Millisecond, "how long a deleted pod stays Terminating before the simulated kubelet removes it")
	fs.BoolVar(&o.exitOnStdinClose, "exit-on-stdin-close", false, "shut down when standard input closes (the parent test process died)")
	fs.Var(&o.extraAPIServerArgs, "apiserver-arg", "extra kube-apiserver flag, repeatable (e.g. --watch-cache=false)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if o.dataDir == "" {
		return nil, errors.New("--data-dir is required")
	}
	abs, err := filepath.Abs(o.dataDir)
	if err != nil {
		return nil, err
	}
	o.dataDir = abs
	return o, nil
}

func runSupervisor(args []string) int {
	o, err := parseOptions(args)
	if err != nil {
		fmt.Fprintln(os.Stderr, "controlplane:", err)
		return 2
	}
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer cancel()
	if o.exitOnStdinClose {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			cancel()
		}()
	}
	s := &supervisor{opts: o}
	if err := s.start(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "controlplane:", err)
		s.stop()
		return 1
	}
	<-ctx.Done()
	s.stop()
	return 0
}

type supervisor struct {
	opts       *options
	pki        *pki
	etcd       *etcdServer
	port       int
	kubeconfig string
	logDir     string

	mu       sync.Mutex
	children map[string]*child
	stopping bool
}

type child struct {
	name string
	args []string
	cmd  *exec.Cmd
	done chan struct{}
}

func (s *supervisor) start(ctx context.Context) error {
	o := s.opts
	s.logDir = filepath.Join(o.dataDir, "logs")
	if err := os.MkdirAll(s.logDir, 0o700); err != nil {
		return err
	}
	nodes, err := parseNodes(o.nodes)
	if err != nil {
		return err
	}
	master := nodes[0]
	for _, n := range nodes {
		if n.role == "server" {
			master = n
			break
		}
	}
	kubernetesServiceIP, err := firstIP(o.serviceCIDR)
	if err != nil {
		return err
	}
	s.pki, err = ensurePKI(filepath.Join(o.dataDir, "pki"), []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP(master.ip), kubernetesServiceIP})
	if err != nil {
		return err
	}
	s.port = o.port
	if s.port == 0 {
		if s.port, err = freePort(); err != nil {
			return err
		}
	}
	if s.etcd, err = startEtcd(filepath.Join(o.dataDir, "etcd")); err != nil {
		return fmt.Errorf("etcd: %w", err)
	}
	s.kubeconfig = filepath.Join(o.dataDir, "kubeconfig.yaml")
	server := fmt.Sprintf("https://127.0.0.1:%d", s.port)
	if err := writeKubeconfig(s.kubeconfig, server, s.pki); err != nil {
		return err
	}
	s.children = map[string]*child{}
	if err := s.spawn("kube-apiserver", s.apiserverArgs(master.ip)); err != nil {
		return err
	}
	if err := s.waitReadyz(ctx, 90*time.Second); err != nil {
		return err
	}
	if err := s.spawn("kube-controller-manager", s.controllerManagerArgs()); err != nil {
		return err
	}
	if err := s.spawn("kube-scheduler", s.schedulerArgs()); err != nil {
		return err
	}
	admin, err := s.serveAdmin()
	if err != nil {
		return err
	}
	sim, err := newSimulator(s.kubeconfig, nodes, simulatorOptions{
		clusterDNS:       o.clusterDNS,
		clusterCIDR:      o.clusterCIDR,
		serviceCIDR:      o.serviceCIDR,
		availableImages:  splitList(o.availableImages),
		terminationDelay: o.terminationDelay,
		logFile:          filepath.Join(s.logDir, "simulator.log"),
	})
	if err != nil {
		return err
	}
	go sim.run(ctx)
	if err := sim.waitClusterReady(ctx, 120*time.Second); err != nil {
		return fmt.Errorf("%w (component logs in %s)", err, s.logDir)
	}
	report := readyReport{Event: "ready", Server: server, Kubeconfig: s.kubeconfig, Admin: admin, DataDir: o.dataDir, Version: kubernetesVersion}
	line, _ := json.Marshal(report)
	if err := os.WriteFile(filepath.Join(o.dataDir, "ready.json"), line, 0o600); err != nil {
		return err
	}
	fmt.Println(string(line))
	return nil
}

// kubernetesVersion is set by build.sh (-ldflags -X) to the pinned release (electron/node/env/versions.ts).
var kubernetesVersion = "v1.33.4"

func (s *supervisor) apiserverArgs(advertiseIP string) []string {
	p := s.pki
	args := []string{
		"--etcd-servers=" + s.etcd.clientURL,
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(s.port),
		"--advertise-address=" + advertiseIP,
		"--tls-cert-file=" + p.servingCert,
		"--tls-private-key-file=" + p.servingKey,
		"--client-ca-file=" + p.caCert,
		"--service-account-key-file=" + p.saPubKey,
		"--service-account-signing-key-file=" + p.serviceAccountKey,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--api-audiences=https://kubernetes.default.svc.cluster.local",
		"--service-cluster-ip-range=" + s.opts.serviceCIDR,
		"--service-node-port-range=30000-32767",
		// As kubeadm runs it: anonymous requests on (RBAC lets them read /version, /healthz), Node and RBAC
		// authorization, NodeRestriction admission on top of the defaults, privileged pods allowed (kube-proxy).
		"--authorization-mode=Node,RBAC",
		"--enable-admission-plugins=NodeRestriction",
		"--allow-privileged=true",
		"--profiling=false",
		"--storage-backend=etcd3",
		"--endpoint-reconciler-type=lease",
		"--v=1",
	}
	return append(args, s.opts.extraAPIServerArgs...)
}

func (s *supervisor) controllerManagerArgs() []string {
	p := s.pki
	return []string{
		"--kubeconfig=" + s.kubeconfig,
		"--leader-elect=false",
		"--secure-port=0",
		"--allocate-node-cidrs=true",
		"--cluster-cidr=" + s.opts.clusterCIDR,
		"--node-cidr-mask-size=24",
		"--service-cluster-ip-range=" + s.opts.serviceCIDR,
		"--root-ca-file=" + p.caCert,
		"--service-account-private-key-file=" + p.serviceAccountKey,
		"--cluster-signing-cert-file=" + p.caCert,
		"--cluster-signing-key-file=" + p.caKey,
		"--use-service-account-credentials=false",
		"--configure-cloud-routes=false",
		"--v=1",
	}
}

func (s *supervisor) schedulerArgs() []string {
	return []string{
		"--kubeconfig=" + s.kubeconfig,
		"--leader-elect=false",
		"--secure-port=0",
		"--v=1",
	}
}

func (s *supervisor) spawn(name string, args []string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	logFile, err := os.OpenFile(filepath.Join(s.logDir, name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command(self, append([]string{name}, args...)...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// A component must never outlive its supervisor, whatever kills the supervisor.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("starting %s: %w", name, err)
	}
	c := &child{name: name, args: args, cmd: cmd, done: make(chan struct{})}
	s.mu.Lock()
	s.children[name] = c
	s.mu.Unlock()
	go func() {
		err := cmd.Wait()
		logFile.Close()
		close(c.done)
		s.mu.Lock()
		expected := s.stopping || s.children[name] != c
		s.mu.Unlock()
		if !expected {
			// A dead component makes every later verdict meaningless: stop loudly rather than limp on.
			fmt.Fprintf(os.Stderr, "controlplane: %s exited unexpectedly (%v); see %s\n", name, err, filepath.Join(s.logDir, name+".log"))
			s.stop()
			os.Exit(1)
		}
	}()
	return nil
}

// restart stops one component and starts it again with the same flags, as a crashed and restarted static
// pod would be. The API server keeps its port, so clients reconnect to the same address.
func (s *supervisor) restart(ctx context.Context, name string) error {
	s.mu.Lock()
	c, ok := s.children[name]
	if ok {
		delete(s.children, name)
	}
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("no component %q", name)
	}
	terminate(c)
	if err := s.spawn(name, c.args); err != nil {
		return err
	}
	if name == "kube-apiserver" {
		return s.waitReadyz(ctx, 90*time.Second)
	}
	return nil
}

func terminate(c *child) {
	_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
		<-c.done
	}
}

func (s *supervisor) stop() {
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		return
	}
	s.stopping = true
	children := make([]*child, 0, len(s.children))
	for _, c := range s.children {
		children = append(children, c)
	}
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, c := range children {
		wg.Add(1)
		go func(c *child) { defer wg.Done(); terminate(c) }(c)
	}
	wg.Wait()
	if s.etcd != nil {
		s.etcd.close()
	}
}

func (s *supervisor) adminHTTPClient() (*http.Client, error) {
	cert, err := tls.X509KeyPair(s.pki.adminCertPEM, s.pki.adminKeyPEM)
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(s.pki.caPEM)
	return &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: roots}},
	}, nil
}

func (s *supervisor) waitReadyz(ctx context.Context, limit time.Duration) error {
	client, err := s.adminHTTPClient()
	if err != nil {
		return err
	}
	deadline := time.Now().Add(limit)
	url := fmt.Sprintf("https://127.0.0.1:%d/readyz", s.port)
	for {
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("kube-apiserver not ready after %s (see %s)", limit, filepath.Join(s.logDir, "kube-apiserver.log"))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// serveAdmin offers the test suite what a real cluster's operator could do to it: restart a component and
// compact etcd (so that old resource versions answer 410 Gone). Loopback only; no data is served.
func (s *supervisor) serveAdmin() (string, error) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /restart/{component}", func(w http.ResponseWriter, r *http.Request) {
		if err := s.restart(r.Context(), r.PathValue("component")); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintln(w, "restarted")
	})
	mux.HandleFunc("POST /compact", func(w http.ResponseWriter, r *http.Request) {
		revision, err := s.etcd.compact(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "%d\n", revision)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	go func() { _ = http.Serve(listener, mux) }()
	return "http://" + listener.Addr().String(), nil
}

func writeKubeconfig(file, server string, p *pki) error {
	b64 := func(b []byte) string { return base64Std(b) }
	// The names the product writes into the jumphost's kubeconfig (GUIDE_NAMES in electron/node/env/kubeconfig.ts).
	text := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: kubernetes
  cluster:
    certificate-authority-data: %s
    server: %s
contexts:
- name: kubernetes-admin@kubernetes
  context:
    cluster: kubernetes
    user: kubernetes-admin
current-context: kubernetes-admin@kubernetes
preferences: {}
users:
- name: kubernetes-admin
  user:
    client-certificate-data: %s
    client-key-data: %s
`, b64(p.caPEM), server, b64(p.adminCertPEM), b64(p.adminKeyPEM))
	return os.WriteFile(file, []byte(text), 0o600)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func firstIP(cidr string) (net.IP, error) {
	_, network, err := net.ParseCIDR(cidr)
	if err != nil {
		return nil, err
	}
	ip := network.IP.To4()
	out := make(net.IP, 4)
	copy(out, ip)
	out[3]++
	return out, nil
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

type nodeSpec struct{ name, ip, role string }

func parseNodes(s string) ([]nodeSpec, error) {
	var nodes []nodeSpec
	for _, entry := range splitList(s) {
		name, rest, ok := strings.Cut(entry, "=")
		ip, role, ok2 := strings.Cut(rest, ":")
		if !ok || !ok2 || net.ParseIP(ip) == nil || (role != "server" && role != "agent") {
			return nil, fmt.Errorf("--nodes entry %q: want name=ip:server|agent", entry)
		}
		nodes = append(nodes, nodeSpec{name: name, ip: ip, role: role})
	}
	if len(nodes) == 0 {
		return nil, errors.New("--nodes names no node")
	}
	return nodes, nil
}
