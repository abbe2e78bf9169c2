import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL_MANAGED } from '../../electron/node/env/labels.ts';
import { dockerTestBlocker } from '../../electron/node/env/test-docker.ts';
import { JUMPHOST_IMAGE } from '../../electron/node/env/versions.ts';
import { controlPlaneSkipReason, sharedControlPlane, titled } from './shared.ts';

// The jumphost's own kubectl (the pinned release's, from the node image, in the jumphost image
// .ci/prepare-images.sh builds) against the real control plane: the commands the guide has attendees type,
// with the output and exit codes the real tools give.

const run = promisify(execFile);
const blocker = controlPlaneSkipReason() ?? (await dockerTestBlocker([JUMPHOST_IMAGE])).reason ?? undefined;
const namespace = `jumphost-${Date.now().toString(36)}`;
/** A readable copy of the admin kubeconfig: the jumphost's attendee (ubuntu, uid 1000) reads it, not root. */
let kubeconfigForJumphost = '';

/** kubectl in a throwaway jumphost container; host networking reaches the control plane on 127.0.0.1. */
async function kubectl(...args: string[]): Promise<{ exitCode: number; output: string }> {
  try {
    const { stdout, stderr } = await run('docker', [
      'run', '--rm', '--network', 'host', '--label', `${LABEL_MANAGED}=true`, '--label', 'dev.labdeck.env=controlplane-test',
      '-v', `${kubeconfigForJumphost}:/home/ubuntu/.kube/config:ro`,
      JUMPHOST_IMAGE, 'kubectl', ...args,
    ]);
    return { exitCode: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { exitCode: typeof failed.code === 'number' ? failed.code : -1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

describe.skipIf(blocker)(titled(`the jumphost's kubectl on the real control plane${blocker && !controlPlaneSkipReason() ? ` (skipped: ${blocker})` : ''}`), () => {
  beforeAll(async () => {
    kubeconfigForJumphost = path.join(await mkdtemp(path.join(tmpdir(), 'labdeck-jumphost-')), 'config');
    await copyFile(sharedControlPlane().kubeconfigPath, kubeconfigForJumphost);
    await chmod(kubeconfigForJumphost, 0o644);
    const created = await kubectl('create', 'namespace', namespace);
    expect(created.output).toContain(`namespace/${namespace} created`);
    expect(created.exitCode).toBe(0);
    // Pods are refused until the controller manager has given a new namespace its default ServiceAccount
    // (a real race; attendees typing by hand rarely lose it).
    for (let tries = 0; (await kubectl('-n', namespace, 'get', 'serviceaccount', 'default')).exitCode !== 0; tries++) {
      if (tries > 60) throw new Error(`namespace ${namespace} never got its default ServiceAccount`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  });
  afterAll(async () => {
    if (!blocker) await kubectl('delete', 'namespace', namespace, '--wait=false');
  });

  it('is the pinned release and sees the three nodes Ready with their roles', async () => {
    const version = await kubectl('version', '-o', 'json');
    expect(version.exitCode).toBe(0);
    const parsed = JSON.parse(version.output.slice(version.output.indexOf('{'))) as { clientVersion: { gitVersion: string }; serverVersion: { gitVersion: string } };
    expect(parsed.clientVersion.gitVersion).toBe(sharedControlPlane().version);
    expect(parsed.serverVersion.gitVersion).toBe(sharedControlPlane().version);
    const nodes = await kubectl('get', 'nodes', '-o', 'wide');
    expect(nodes.exitCode).toBe(0);
    expect(nodes.output).toMatch(/^master1\s+Ready\s+control-plane\s.*10\.1\.1\.10/m);
    expect(nodes.output).toMatch(/^worker1\s+Ready\s+<none>\s.*10\.1\.1\.7/m);
    expect(nodes.output).toMatch(/^worker2\s+Ready\s+<none>\s.*10\.1\.1\.8/m);
  });

  it("runs the guide's pod and reports it Running with an address from its node's pod range", async () => {
    const created = await kubectl('-n', namespace, 'run', 'alpine', '--image=busybox42/alpine-pod', '--restart=Never');
    expect(created).toMatchObject({ exitCode: 0, output: expect.stringContaining('pod/alpine created') });
    const ready = await kubectl('-n', namespace, 'wait', '--for=condition=Ready', 'pod/alpine', '--timeout=60s');
    expect(ready.exitCode).toBe(0);
    const wide = await kubectl('-n', namespace, 'get', 'pod', 'alpine', '-o', 'jsonpath={.status.podIP} {.spec.nodeName}');
    const [ip, node] = wide.output.trim().split(' ');
    const cidr = await kubectl('get', 'node', node!, '-o', 'jsonpath={.spec.podCIDR}');
    expect(cidr.output).toMatch(/^10\.244\.\d+\.0\/24$/);
    expect(ip!.split('.').slice(0, 3).join('.')).toBe(cidr.output.split('.').slice(0, 3).join('.'));
  });

  it('refuses a NodePort outside 30000-32767 with a non-zero exit code, as attendees will see it', async () => {
    const refused = await kubectl('-n', namespace, 'create', 'service', 'nodeport', 'nginx', '--tcp=80:80', '--node-port=40080');
    expect(refused.exitCode).toBe(1);
    expect(refused.output).toMatch(/provided port is not in the valid range\. The range of valid ports is 30000-32767/);
  });

  it('answers an anonymous /version with 200, as kubeadm configures the API server (anonymous auth on)', async () => {
    const server = new URL(sharedControlPlane().server);
    const { stdout } = await run('docker', [
      'run', '--rm', '--network', 'host', '--label', `${LABEL_MANAGED}=true`, '--label', 'dev.labdeck.env=controlplane-test',
      JUMPHOST_IMAGE, 'curl', '-sk', '-o', '/dev/null', '-w', '%{http_code}', `https://127.0.0.1:${server.port}/version`,
    ]);
    expect(stdout).toBe('200');
    const authorized = await kubectl('get', '--raw', '/version');
    expect(authorized.exitCode).toBe(0);
    expect(authorized.output).toContain(`"gitVersion": "${sharedControlPlane().version}"`);
  });
});
