import { afterAll, describe, expect, it } from 'vitest';
import type { LabContainerInfo } from './lab-containers.ts';
import { labLabels, LABEL_NODE, LABEL_ROLE } from './labels.ts';
import { removeOrphanNodeVolumes } from './orphan-volumes.ts';
import { dockerTestBlocker, uniqueSuffix } from './test-docker.ts';

const { docker, reason } = await dockerTestBlocker([]);
if (reason) console.warn(`[skip] orphan volume integration tests: ${reason}`);

const suffix = uniqueSuffix();
const envName = `it-orphan-${suffix}`;
const otherEnv = `it-orphan-other-${suffix}`;
const created: string[] = [];

async function volume(name: string, env: string, labels: Record<string, string>): Promise<string> {
  const full = `${name}-${suffix}`;
  await docker.createVolume({ Name: full, Labels: labLabels(env, labels) });
  created.push(full);
  return full;
}

describe.skipIf(reason !== null)('volumes of nodes whose containers were removed by hand', () => {
  afterAll(async () => {
    for (const name of created) await docker.getVolume(name).remove().catch(() => undefined);
  });

  it('are removed before the nodes are created again; every other volume stays', async () => {
    const master = await volume('orphan-m1-var', envName, { [LABEL_ROLE]: 'server', [LABEL_NODE]: 'm1' });
    const worker = await volume('orphan-w1-var', envName, { [LABEL_ROLE]: 'agent', [LABEL_NODE]: 'w1' });
    const registry = await volume('orphan-registry', envName, { [LABEL_ROLE]: 'registry' });
    const foreign = await volume('orphan-other-m1-var', otherEnv, { [LABEL_ROLE]: 'server', [LABEL_NODE]: 'm1' });
    // w1's container is still there; m1's was removed with `docker rm -f`.
    const existing: LabContainerInfo[] = [{ id: 'w1-id', name: 'w1', role: 'agent', node: 'w1', state: 'exited', labels: {} }];
    const logs: string[] = [];
    expect(await removeOrphanNodeVolumes(docker, envName, existing, (line) => logs.push(line))).toEqual([master]);
    expect(logs.join('\n')).toContain('node m1');
    const left = new Set(((await docker.listVolumes()).Volumes ?? []).map((entry) => entry.Name));
    expect([worker, registry, foreign].every((name) => left.has(name))).toBe(true);
    expect(left.has(master)).toBe(false);
  });
});
