import type Docker from 'dockerode';
import { resolveEnvConfig, type EnvConfigInput } from './config.ts';
import { putFiles } from './docker-exec.ts';
import { isLabdeckObject } from './labels.ts';
import { planEnvironment } from './plan.ts';
import { installKubeconfig } from './toolbox.ts';

export interface StandaloneJumphost {
  containerId: string;
  networkId: string;
  /** Removes the container and the network (only these two, both carrying Labdeck's labels). */
  cleanup(): Promise<void>;
}

/**
 * Starts only a jumphost and its network, without any cluster: for `labdeck env up --jumphost-only` and for
 * tests that pair a real jumphost shell with a Kubernetes API test double. Pass the double's kubeconfig
 * (reachable from the container, e.g. through the network gateway) to have kubectl talk to it.
 */
export async function startStandaloneJumphost(
  docker: Docker,
  options: {
    /** Value of the dev.labdeck.env label (default: name); `labdeck env down` for that env removes it. */
    envName?: string;
    name: string;
    network: string;
    subnet?: string;
    gateway?: string;
    ipRange?: string;
    /** Source NAT for traffic leaving the network (Docker's default); tests turn it off (config.ts). */
    masquerade?: boolean;
    ip?: string;
    image?: string;
    kubeconfig?: string;
  },
): Promise<StandaloneJumphost> {
  const base = options.subnet?.split('/')[0]?.split('.').slice(0, 3).join('.');
  const config = resolveEnvConfig({
    name: options.envName ?? options.name,
    network: {
      name: options.network,
      ...(options.subnet ? { subnet: options.subnet } : {}),
      // A /24 like the lab's: gateway .1, automatic addresses from .128 up, unless given.
      ...(options.gateway ? { gateway: options.gateway } : base ? { gateway: `${base}.1` } : {}),
      ...(options.ipRange ? { ipRange: options.ipRange } : base ? { ipRange: `${base}.128/25` } : {}),
      ...(options.masquerade === undefined ? {} : { masquerade: options.masquerade }),
    },
    jumphost: {
      name: options.name,
      ...(options.image ? { image: options.image } : {}),
      ...(options.ip ? { ip: options.ip } : base ? { ip: `${base}.5` } : {}),
    },
    ...standaloneAddresses(options),
  } satisfies EnvConfigInput);
  // Only the network and the jumphost of the plan are created: no nodes, so no token, privilege or ports.
  const plan = planEnvironment(config, { token: 'unused', privilege: 'privileged', apiHostPort: 0, registryHostPort: 0, nodePortHostPorts: {} });

  const network = await docker.createNetwork(plan.network);
  let containerId: string | null = null;
  const cleanup = async () => {
    if (containerId) await docker.getContainer(containerId).remove({ force: true, v: true }).catch(() => undefined);
    const info = await network.inspect().catch(() => null);
    if (info && isLabdeckObject(info.Labels, config.name)) await network.remove().catch(() => undefined);
  };
  try {
    const create = { ...plan.jumphost.create };
    // No cluster DNS behind a standalone jumphost: keep Docker's default upstream so lookups do not stall.
    create.HostConfig = { ...create.HostConfig, Dns: [], DnsSearch: [] };
    const container = await docker.createContainer(create);
    containerId = container.id;
    await putFiles(docker, container.id, plan.jumphost.files);
    await container.start();
    if (options.kubeconfig) await installKubeconfig(docker, container.id, options.kubeconfig);
    return { containerId: container.id, networkId: network.id, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** Node, verifier and registry addresses must stay inside a custom subnet too; they are never created here. */
function standaloneAddresses(options: { subnet?: string }): Partial<EnvConfigInput> {
  const base = options.subnet?.split('/')[0]?.split('.').slice(0, 3).join('.');
  if (!base) return {};
  return {
    nodes: [{ name: 'master1', role: 'server', ip: `${base}.10` }],
    verifier: { ip: `${base}.6` },
    registry: { ip: `${base}.3` },
  };
}
