import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { evaluateCheck } from '../checks/evaluate-check.ts';
import { LabCatalog } from '../labs/lab-catalog.ts';
import { EvidenceWorld } from './evidence-world.ts';
import { objectsFromResolved } from './resolved-objects.ts';

const LABS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../labs');
const time = '2026-11-29T10:00:00.000Z';

describe('re-judging a command check on its evidence', () => {
  it('rebuilds the live objects a line was compared with from the resolved values', () => {
    expect(
      objectsFromResolved({
        '${pod-dns:default/nginx}': '10-244-1-5.default.pod.cluster.local',
        'http://${service:default/nginx}.spec.clusterIP:80/': 'http://10.96.0.20:80/',
        '${pod:default/a}.status.podIPs[0].ip': '10.244.2.3',
        '${pod:default/b}.status.podIP-${pod:default/c}.status.podIP': '1-2',
      }),
    ).toEqual({
      complete: false,
      objects: [
        { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nginx', namespace: 'default' }, status: { podIP: '10.244.1.5' } },
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'nginx', namespace: 'default' }, spec: { clusterIP: '10.96.0.20' } },
        { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'default' }, status: { podIPs: [{ ip: '10.244.2.3' }] } },
      ],
    });
  });

  it("accepts the pod's own DNS name and refuses another pod's, as the live check did", async () => {
    const catalog = await LabCatalog.load(LABS);
    const check = catalog.step('1.7', 'pod-records')?.spec.checks.find((candidate) => candidate.id === 'ran-pod-lookup');
    if (!check) throw new Error('lab 1.7 has no check ran-pod-lookup');
    const evidence = (command: string) => ({ matched: { command, exitCode: 0, time }, resolved: { '${pod-dns:default/nginx}': '10-244-1-5.default.pod.cluster.local' } });
    const context = { labId: '1.7', stepId: 'pod-records' };
    expect((await evaluateCheck(check, new EvidenceWorld(evidence('kubectl exec -it alpine -- nslookup 10-244-1-5.default.pod.cluster.local')), context)).status).toBe('passed');
    expect((await evaluateCheck(check, new EvidenceWorld(evidence('kubectl exec -it alpine -- nslookup 10-244-2-9.default.pod.cluster.local')), context)).status).toBe('failed');
  });

  it('reads variables from the lines that set them', async () => {
    const world = new EvidenceWorld({ matched: { command: 'curl http://$IP/', exitCode: 0, time }, assignedBy: [{ command: 'IP=10.244.1.5', exitCode: 0, time }] });
    expect((await world.commandRecords())?.map((record) => record.command)).toEqual(['IP=10.244.1.5', 'curl http://$IP/']);
  });
});
