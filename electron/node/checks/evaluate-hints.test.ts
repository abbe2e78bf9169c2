import { describe, expect, it } from 'vitest';
import { CheckSpecSchema, type CheckSpec } from '../course-format/check-spec.ts';
import type { CheckWorld, KubeObject } from './check-world.ts';
import { evaluateCheck } from './evaluate-check.ts';
import { selectObjects } from './object-filter.ts';

const world = (objects: KubeObject[], probe?: { exitCode: number; output: string }): CheckWorld => ({
  listObjects: async (selector) => selectObjects(objects, selector),
  commandRecords: async () => [],
  runProbe: async () => probe ?? null,
  httpGet: async () => null,
});
const pod = (patch: { image?: string; restartPolicy?: string; phase?: string; waiting?: string }): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'alpine', namespace: 'default' },
  spec: { restartPolicy: patch.restartPolicy ?? 'Never', containers: [{ name: 'alpine', image: patch.image ?? 'busybox42/alpine-pod' }] },
  status: { phase: patch.phase ?? 'Running', ...(patch.waiting ? { containerStatuses: [{ name: 'alpine', state: { waiting: { reason: patch.waiting } } }] } : {}) },
});

const podCheck: CheckSpec = CheckSpecSchema.parse({
  id: 'alpine-running',
  title: 'Pod alpine is running',
  kind: 'resource',
  select: { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'alpine' },
  assert: [
    { that: 'object.spec.containers.exists(c, c.image.startsWith("busybox"))', message: 'image is {{object.spec.containers[0].image}}', hint: 'Use --image=busybox42/alpine-pod.' },
    { that: 'object.spec.restartPolicy == "Never"', message: 'restartPolicy is {{object.spec.restartPolicy}}', hint: 'Add --restart=Never.' },
    { that: 'object.status.phase == "Running"', message: 'pod is {{object.status.phase}}', hint: 'ContainerCreating means the image is still being pulled: wait.' },
  ],
});
const context = { labId: '1.7', stepId: 's', hints: [{ text: 'First step hint.', forCheck: 'alpine-running' }, { text: 'Second step hint.', forCheck: 'alpine-running' }] };

describe('hints', () => {
  it('come from the assertion that failed', async () => {
    expect((await evaluateCheck(podCheck, world([pod({ image: 'nginx' })]), context)).hint).toBe('Use --image=busybox42/alpine-pod.');
    expect((await evaluateCheck(podCheck, world([pod({ restartPolicy: 'Always' })]), context)).hint).toBe('Add --restart=Never.');
    expect((await evaluateCheck(podCheck, world([pod({ phase: 'Pending', waiting: 'ContainerCreating' })]), context)).hint).toBe('ContainerCreating means the image is still being pulled: wait.');
  });

  it('fall back to every hint the step attached to the check, in order', async () => {
    const result = await evaluateCheck(podCheck, world([]), context);
    expect(result.hint).toBe('First step hint.\n\nSecond step hint.');
  });

  it('are not attached to a passing check', async () => {
    expect((await evaluateCheck(podCheck, world([pod({})]), context)).hint).toBeUndefined();
  });

  it('come from a failed probe assertion too', async () => {
    const probe = CheckSpecSchema.parse({
      id: 'p',
      title: 'nginx answers through the Service',
      kind: 'probe',
      in: { verifier: true },
      command: ['curl', 'http://10.96.0.10/'],
      expect: { assert: [{ that: 'exitCode == 0', message: 'curl exited {{exitCode}}', hint: 'Check targetPort: it must be 80, the port nginx listens on.' }] },
    });
    expect((await evaluateCheck(probe, world([], { exitCode: 7, output: 'Connection refused' }), context)).hint).toBe('Check targetPort: it must be 80, the port nginx listens on.');
  });
});
