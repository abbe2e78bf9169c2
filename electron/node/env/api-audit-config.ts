import { stringify } from 'yaml';

/**
 * The API server's audit log on the control-plane node: the record of every request the attendee's kubectl
 * made, written by the API server itself. The check engine credits a kubectl command only when this log
 * holds the request it made (checks/api-corroboration.ts), so a line typed into history or appended to a
 * record proves nothing by itself.
 */
export const AUDIT_POLICY_PATH = '/etc/labdeck/audit-policy.yaml';
/** On the node's /var volume: it survives a stop and start of the node like etcd does. */
export const AUDIT_LOG_DIR = '/var/log/kubernetes/audit';
export const AUDIT_LOG_PATH = `${AUDIT_LOG_DIR}/audit.log`;

/**
 * Metadata (who, what, from where, which user agent; never bodies, so no Secret's data reaches the log) for
 * requests by the cluster admins, the identity of the guide's kubeconfig. The cluster's own components
 * (kubelets, controllers, kube-proxy, flannel) are left out: they are most of the traffic and no evidence.
 */
export function renderAuditPolicy(): string {
  return stringify({
    apiVersion: 'audit.k8s.io/v1',
    kind: 'Policy',
    omitStages: ['RequestReceived'],
    rules: [
      { level: 'Metadata', userGroups: ['kubeadm:cluster-admins', 'system:masters'] },
      { level: 'None' },
    ],
  });
}

/** kubeadm ClusterConfiguration fragments: the API server's flags and the two host paths they name. */
export function auditApiServerSettings(): { extraArgs: Array<{ name: string; value: string }>; extraVolumes: Array<Record<string, unknown>> } {
  return {
    extraArgs: [
      { name: 'audit-policy-file', value: AUDIT_POLICY_PATH },
      { name: 'audit-log-path', value: AUDIT_LOG_PATH },
      { name: 'audit-log-format', value: 'json' },
      // A laptop's disk: a few MB, rotated, is hours of a workshop's kubectl traffic.
      { name: 'audit-log-maxsize', value: '20' },
      { name: 'audit-log-maxbackup', value: '2' },
      // The request is on disk before kubectl sees the answer, so a check never waits for a buffer.
      { name: 'audit-log-mode', value: 'blocking' },
    ],
    extraVolumes: [
      { name: 'labdeck-audit-policy', hostPath: AUDIT_POLICY_PATH, mountPath: AUDIT_POLICY_PATH, readOnly: true, pathType: 'File' },
      { name: 'labdeck-audit-log', hostPath: AUDIT_LOG_DIR, mountPath: AUDIT_LOG_DIR, readOnly: false, pathType: 'DirectoryOrCreate' },
    ],
  };
}
