import { AppsV1Api, CoreV1Api, KubernetesObjectApi, PatchStrategy, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlPlaneSkipReason, sharedControlPlane, titled } from '../../../e2e/controlplane/shared.ts';
import type { ClusterAccess } from '../backend/ports.ts';
import { ClusterService } from './cluster-service.ts';

// The YAML editor's apply, diff and delete against a real API server: server-side apply with field managers
// and conflicts, real defaulting in the diff, the server's own refusals mapped to the lines the attendee
// wrote, and the schema read from the live OpenAPI document.

const namespace = `editor-${Date.now().toString(36)}`;

const pod = (image: string) => `apiVersion: v1
kind: Pod
metadata:
  name: nginx
  namespace: ${namespace}
  labels:
    name: nginx
spec:
  containers:
    - name: nginx
      image: ${image}
`;

describe.skipIf(controlPlaneSkipReason())(titled('editor on the real control plane'), () => {
  let kubeConfig: KubeConfig;
  let service: ClusterService;

  beforeAll(async () => {
    kubeConfig = sharedControlPlane().kubeConfig();
    await kubeConfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
    const cluster: ClusterAccess = {
      kubeConfig: async () => kubeConfig,
      kubeconfigPath: async () => sharedControlPlane().kubeconfigPath,
      onChange: () => () => undefined,
    };
    service = new ClusterService({ cluster, events: { emit: () => undefined } });
  });

  afterAll(async () => {
    await service?.dispose();
    await kubeConfig?.makeApiClient(CoreV1Api).deleteNamespace({ name: namespace }).catch(() => undefined);
  });

  it('creates, leaves unchanged and reconfigures with server-side apply', async () => {
    expect((await service.apply(pod('nginx'))).objects.map((o) => o.action)).toEqual(['created']);
    // Scheduler and kubelet write to the pod meanwhile; that is not a change the attendee made.
    const core = kubeConfig.makeApiClient(CoreV1Api);
    for (let tries = 0; (await core.readNamespacedPod({ name: 'nginx', namespace })).status?.phase !== 'Running'; tries++) {
      if (tries > 200) throw new Error('pod nginx never ran');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await service.apply(pod('nginx'))).objects.map((o) => o.action)).toEqual(['unchanged']);
    expect((await service.apply(pod('nginx:1.14.2'))).objects.map((o) => o.action)).toEqual(['configured']);
    const live = await kubeConfig.makeApiClient(CoreV1Api).readNamespacedPod({ name: 'nginx', namespace });
    expect(live.spec?.containers[0]?.image).toBe('nginx:1.14.2');
    expect(live.metadata?.managedFields?.some((entry) => entry.manager === 'labdeck' && entry.operation === 'Apply')).toBe(true);
  });

  it('shows the real server defaults in a diff without changing anything', async () => {
    const { documents, problems } = await service.diff(pod('nginx:latest'));
    expect(problems).toEqual([]);
    expect(documents).toHaveLength(1);
    expect(documents[0]!.live).toContain('image: nginx:1.14.2');
    expect(documents[0]!.proposed).toContain('image: nginx:latest');
    // Filled in by the API server's defaulting, which no manifest in the labs spells out.
    expect(documents[0]!.proposed).toContain('terminationMessagePath: /dev/termination-log');
    expect(documents[0]!.proposed).toContain('dnsPolicy: ClusterFirst');
    const live = await kubeConfig.makeApiClient(CoreV1Api).readNamespacedPod({ name: 'nginx', namespace });
    expect(live.spec?.containers[0]?.image).toBe('nginx:1.14.2');
  });

  it('takes over a field another manager owns (a conflict) and says so in the object', async () => {
    const api = KubernetesObjectApi.makeApiClient(kubeConfig);
    const deployment = (replicas: number) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace },
      spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } } },
    });
    await api.patch(deployment(2), undefined, undefined, 'someone-else', false, PatchStrategy.ServerSideApply);
    const text = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${namespace}
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: nginx
          image: nginx
`;
    const outcome = await service.apply(text);
    expect(outcome.problems).toEqual([]);
    expect(outcome.objects.map((o) => o.action)).toEqual(['configured']);
    const live = await kubeConfig.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: 'web', namespace });
    expect(live.spec?.replicas).toBe(3);
    const specReplicasOwners = (live.metadata?.managedFields ?? [])
      .filter((entry) => (entry.fieldsV1 as { 'f:spec'?: Record<string, unknown> } | undefined)?.['f:spec']?.['f:replicas'] !== undefined)
      .map((entry) => entry.manager);
    expect(specReplicasOwners).toEqual(['labdeck']);
  });

  it("maps the real server's refusal of a NodePort outside 30000-32767 to the nodePort line", async () => {
    const text = `apiVersion: v1
kind: Service
metadata:
  name: nginx
  namespace: ${namespace}
spec:
  type: NodePort
  selector:
    name: nginx
  ports:
    - port: 80
      nodePort: 40080
`;
    const outcome = await service.apply(text);
    expect(outcome.ok).toBe(false);
    expect(outcome.problems).toHaveLength(1);
    expect(outcome.problems[0]).toMatchObject({ line: 12, source: 'api-server' });
    expect(outcome.problems[0]!.message).toMatch(/spec\.ports\[0\]\.nodePort: .*40080.*30000-32767/);
  });

  it('refuses an invalid name at the metadata.name line before sending, as the real server would', async () => {
    const text = pod('nginx').replace('name: nginx\n  namespace', 'name: Nginx_Pod\n  namespace');
    const outcome = await service.apply(text);
    expect(outcome.ok).toBe(false);
    expect(outcome.problems).toHaveLength(1);
    expect(outcome.problems[0]).toMatchObject({ line: 4, source: 'schema' });
    expect(outcome.problems[0]!.message).toMatch(/metadata\.name: "Nginx_Pod" is not a valid Pod name.*RFC 1123.*"nginx-pod"/);
    // The rule is the server's own: a create (whose path carries no name) is refused for the same reason.
    const refusal = await KubernetesObjectApi.makeApiClient(kubeConfig)
      .create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'Nginx_Pod', namespace }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } } as never)
      .then(() => 'created', (error: { code?: number; body?: unknown }) => `${error.code} ${typeof error.body === 'string' ? error.body : JSON.stringify(error.body)}`);
    expect(refusal).toMatch(/^422 .*RFC 1123/);
  });

  it('deletes gracefully (the pod is Terminating until its kubelet has stopped it), then reports not found', async () => {
    expect((await service.delete(pod('nginx'))).objects.map((o) => o.action)).toEqual(['deleted']);
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const terminating = await core.readNamespacedPod({ name: 'nginx', namespace }).catch(() => undefined);
    if (terminating) expect(terminating.metadata?.deletionTimestamp).toBeDefined();
    const deadline = Date.now() + 30_000;
    while (await core.readNamespacedPod({ name: 'nginx', namespace }).then(() => true, () => false)) {
      if (Date.now() > deadline) throw new Error('pod nginx was never removed after its graceful delete');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await service.delete(pod('nginx'))).objects.map((o) => o.action)).toEqual(['not-found']);
  });

  it('reads the completion schema from the live OpenAPI document', async () => {
    const { source, schema } = await service.schema();
    expect(source).toBe('live');
    expect(JSON.stringify(schema)).toContain('terminationGracePeriodSeconds');
  });
});
