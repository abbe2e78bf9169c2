import type Docker from 'dockerode';
import { labFilters, labLabels, LABEL_ROLE } from './labels.ts';

/**
 * How node containers run. `privileged` is what kind uses and what Docker Desktop and ordinary Linux
 * engines allow. `almost` is for engines that refuse it because their own capability set is short (a VM
 * without CAP_SYS_RESOURCE answers "unable to apply caps"): every capability such an engine can grant is
 * added one by one, and the node entrypoint makes the few read-only mounts it needs writable.
 */
export type PrivilegeMode = 'privileged' | 'almost';

/**
 * Every capability but CAP_SYS_RESOURCE (the one such VMs lack), named as Docker 20.10 knows them (it
 * rejects BPF, PERFMON and CHECKPOINT_RESTORE). containerd, the kubelet, kube-proxy and flannel need
 * SYS_ADMIN, NET_ADMIN, NET_RAW, SYS_PTRACE and the file capabilities; the rest keeps pods' own requests
 * satisfiable, as in a privileged node.
 */
export const ALMOST_PRIVILEGED_CAPABILITIES = [
  'AUDIT_CONTROL', 'AUDIT_READ', 'AUDIT_WRITE', 'BLOCK_SUSPEND', 'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH',
  'FOWNER', 'FSETID', 'IPC_LOCK', 'IPC_OWNER', 'KILL', 'LEASE', 'LINUX_IMMUTABLE', 'MAC_ADMIN', 'MAC_OVERRIDE',
  'MKNOD', 'NET_ADMIN', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_RAW', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID',
  'SYS_ADMIN', 'SYS_BOOT', 'SYS_CHROOT', 'SYS_MODULE', 'SYS_NICE', 'SYS_PACCT', 'SYS_PTRACE', 'SYS_RAWIO',
  'SYS_TIME', 'SYS_TTY_CONFIG', 'SYSLOG', 'WAKE_ALARM',
] as const;

export interface PrivilegeProbe {
  mode: PrivilegeMode;
  /** Why this mode: what the engine said when asked for a privileged container. */
  reason: string;
}

/** The engine's answers that mean "no privileged containers here", as opposed to any other failure. */
export function refusesPrivileged(message: string): boolean {
  return /unable to apply caps|operation not permitted|privileged mode is (disabled|not allowed)/i.test(message);
}

/**
 * Asks the engine itself: starts a throwaway privileged container from the node image (already present)
 * running `true`. The container carries Labdeck's labels and is removed whatever happens.
 */
export async function probePrivilege(docker: Docker, image: string, envName: string): Promise<PrivilegeProbe> {
  await removeStaleProbes(docker, envName);
  const container = await docker.createContainer({
    Image: image,
    Entrypoint: ['true'],
    Labels: labLabels(envName, { [LABEL_ROLE]: 'probe' }),
    HostConfig: { Privileged: true, AutoRemove: false, NetworkMode: 'none' },
  });
  try {
    await container.start();
    await container.wait();
    return { mode: 'privileged', reason: 'the engine runs privileged containers' };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (!refusesPrivileged(message)) throw error;
    return { mode: 'almost', reason: `the engine refuses privileged containers (${message.trim().slice(0, 160)}), so nodes get every capability it grants instead` };
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

/**
 * Probes whose process was ended before its `finally` ran (the app closed during the doctor) stay behind as
 * created containers: the next probe removes those older than a minute, so none pile up.
 */
async function removeStaleProbes(docker: Docker, envName: string, now = Date.now()): Promise<void> {
  const stale = await docker.listContainers({ all: true, filters: labFilters(envName, 'probe') });
  for (const probe of stale) {
    if (now - probe.Created * 1000 < 60_000) continue;
    await docker.getContainer(probe.Id).remove({ force: true }).catch(() => undefined);
  }
}
