#!/bin/bash
# Labdeck node entrypoint (PID 1 under docker-init). Prepares the container the way a Kubernetes node needs
# it, then supervises containerd and the kubelet, as systemd would on a real machine. kubeadm, run later by
# Labdeck through docker exec, writes the kubelet's configuration; the kubelet starts once it exists.
# Works in privileged containers and in "almost privileged" ones (every capability but CAP_SYS_RESOURCE,
# no seccomp or AppArmor profile, all devices), on cgroup v1 and v2.
set -euo pipefail

LOG_DIR=/var/log/labdeck
mkdir -p "$LOG_DIR" /run/labdeck
log() { echo "labdeck-node: $*"; }

# --- mounts ---------------------------------------------------------------------------------------------
# The kubelet and containerd need mount propagation (volumes, the pod's /etc/hosts).
mount --make-rshared /

# A read-only mount can be made writable for this container alone with a bind remount (a plain remount
# fails with EBUSY when Docker set it up read-only). access() reports EROFS even to root.
make_writable() { # <path>
  [ -w "$1" ] && return 0
  mount -o remount,bind,rw "$1" 2>/dev/null || { mount --bind "$1" "$1" && mount -o remount,bind,rw "$1"; }
}

# --- cgroups --------------------------------------------------------------------------------------------
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  # cgroup v2 (run with --cgroupns=private): a group holding processes cannot delegate controllers, so move
  # this container's processes into a leaf group, then enable every controller for the kubelet's groups.
  make_writable /sys/fs/cgroup
  mkdir -p /sys/fs/cgroup/init
  while read -r pid; do echo "$pid" > /sys/fs/cgroup/init/cgroup.procs 2>/dev/null || :; done < /sys/fs/cgroup/cgroup.procs
  sed -e 's/ / +/g' -e 's/^/+/' < /sys/fs/cgroup/cgroup.controllers > /sys/fs/cgroup/cgroup.subtree_control
  log "cgroup v2 prepared"
else
  # cgroup v1: Docker mounts each controller of the container's own cgroup namespace read-only.
  make_writable /sys/fs/cgroup
  for controller in /sys/fs/cgroup/*; do
    [ -d "$controller" ] && ! [ -L "$controller" ] && make_writable "$controller"
  done
  log "cgroup v1 controllers writable"
fi

# --- sysctls --------------------------------------------------------------------------------------------
# The kubelet sets a few kernel-wide sysctls when they differ from what it wants. Those are the host's
# kernel's, shared with everything else on it, so each differing one gets a file with the wanted value
# bound over it: the kubelet reads its value and leaves the host alone.
for pair in vm/overcommit_memory=1 vm/panic_on_oom=0 kernel/panic=10 kernel/panic_on_oops=1 \
            kernel/keys/root_maxkeys=1000000 kernel/keys/root_maxbytes=25000000; do
  key="${pair%%=*}" wanted="${pair#*=}"
  [ -f "/proc/sys/$key" ] || continue
  if [ "$(cat "/proc/sys/$key")" != "$wanted" ]; then
    file="/run/labdeck/sysctl-${key//\//.}"
    echo "$wanted" > "$file"
    mount --bind "$file" "/proc/sys/$key"
  fi
done
# Network sysctls belong to this container's own network namespace: kube-proxy and flannel must set them.
make_writable /proc/sys/net
echo 1 > /proc/sys/net/ipv4/ip_forward
echo 1 > /proc/sys/net/ipv4/conf/all/route_localnet

# --- iptables -------------------------------------------------------------------------------------------
# Use the iptables backend Docker used for this container's rules, so both see one rule set.
legacy_rules=$( (iptables-legacy-save || :) 2>/dev/null | grep -c '^-' || :)
nft_rules=$( (iptables-nft-save || :) 2>/dev/null | grep -c '^-' || :)
if [ "${legacy_rules:-0}" -gt "${nft_rules:-0}" ]; then mode=legacy; else mode=nft; fi
for tool in iptables ip6tables; do
  update-alternatives --quiet --set "$tool" "/usr/sbin/$tool-$mode" >/dev/null
done
log "iptables backend: $mode"

# --- DNS ------------------------------------------------------------------------------------------------
# Docker's embedded DNS (127.0.0.11) answers only on this container's loopback: pods (and CoreDNS, whose
# loop check would fire) cannot use it. Make it answer on the network gateway too, as kind does.
gateway=$(ip -4 route show default | awk '{ print $3; exit }')
if [ -n "$gateway" ] && iptables-save -t nat | grep -q '127.0.0.11'; then
  iptables-save \
    | sed -e "s/-d 127.0.0.11/-d $gateway/g" \
          -e 's/-A OUTPUT \(.*\) -j DOCKER_OUTPUT/\0\n-A PREROUTING \1 -j DOCKER_OUTPUT/' \
          -e "s/--to-source :53/--to-source $gateway:53/g" \
          -e "s/p -j DNAT --to-destination 127.0.0.11/p --dport 53 -j DNAT --to-destination 127.0.0.11/g" \
    | iptables-restore
  sed -e "s/127.0.0.11/$gateway/g" /etc/resolv.conf > /run/labdeck/resolv.conf
  cat /run/labdeck/resolv.conf > /etc/resolv.conf
  log "Docker's DNS answers on $gateway"
fi

# --- containerd -----------------------------------------------------------------------------------------
if ! (echo -999 > /proc/self/oom_score_adj) 2>/dev/null; then
  sed -i 's/restrict_oom_score_adj = false/restrict_oom_score_adj = true/' /etc/containerd/config.toml
  log "negative OOM scores refused here: containerd clamps them"
fi
if [ -s /etc/labdeck/company-ca.pem ]; then
  cp /etc/labdeck/company-ca.pem /usr/local/share/ca-certificates/labdeck-company-ca.crt
  update-ca-certificates >/dev/null 2>&1 || :
fi

children=()
stop() {
  log "stopping"
  [ -f /run/labdeck/kubelet.pid ] && kill "$(cat /run/labdeck/kubelet.pid)" 2>/dev/null || :
  kill "${children[@]}" 2>/dev/null || :
  wait || :
  exit 0
}
trap stop TERM INT

containerd >>"$LOG_DIR/containerd.log" 2>&1 &
children+=($!)
for _ in $(seq 1 100); do [ -S /run/containerd/containerd.sock ] && break; sleep 0.1; done
log "containerd started"

# --- kubelet supervisor ---------------------------------------------------------------------------------
# As kubeadm's systemd drop-in: the kubelet starts once kubeadm wrote /var/lib/kubelet/config.yaml, with the
# flags kubeadm put in kubeadm-flags.env, and restarts when it exits or kubeadm rewrites its configuration.
supervise_kubelet() {
  local config=/var/lib/kubelet/config.yaml flags=/var/lib/kubelet/kubeadm-flags.env started_for=""
  while true; do
    if [ ! -f "$config" ]; then sleep 0.5; continue; fi
    KUBELET_KUBEADM_ARGS=""
    [ -f "$flags" ] && . "$flags"
    [ -f /etc/default/kubelet ] && . /etc/default/kubelet
    started_for="$(stat -c %Y "$config" "$flags" 2>/dev/null | tr '\n' ' ')"
    # shellcheck disable=SC2086 # the flags files hold space-separated flags, as systemd splits them
    kubelet --bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf \
      --config="$config" $KUBELET_KUBEADM_ARGS ${KUBELET_EXTRA_ARGS:-} >>"$LOG_DIR/kubelet.log" 2>&1 &
    local pid=$!
    echo "$pid" > /run/labdeck/kubelet.pid
    while kill -0 "$pid" 2>/dev/null; do
      sleep 1
      if [ "$(stat -c %Y "$config" "$flags" 2>/dev/null | tr '\n' ' ')" != "$started_for" ]; then
        kill "$pid" 2>/dev/null || :
      fi
    done
    wait "$pid" 2>/dev/null || :
    # Keep the kubelet log bounded: the supervisor restarts often while kubeadm is at work.
    if [ "$(stat -c %s "$LOG_DIR/kubelet.log" 2>/dev/null || echo 0)" -gt 50000000 ]; then
      tail -c 10000000 "$LOG_DIR/kubelet.log" > "$LOG_DIR/kubelet.log.tmp" && mv "$LOG_DIR/kubelet.log.tmp" "$LOG_DIR/kubelet.log"
    fi
    sleep 1
  done
}
supervise_kubelet &
children+=($!)
log "node prepared; waiting for kubeadm"
wait
