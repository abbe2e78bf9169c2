import Docker from 'dockerode';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { testContainers, waitFor } from '../../../../e2e/cluster/lab-cluster.ts';
import { run } from '../../../../e2e/cluster/test-cluster.ts';
import { dockerShellChannel } from './docker-reader-shell.ts';
import { NodeReaderShells } from './node-reader-shells.ts';
import { READER_SHELL_ARGV } from './reader-shell.ts';

/**
 * The reader shells through the real Docker API into the real nodes: the reads the tracer makes come back
 * framed and whole, one shell per node serves them all, and a shell that is closed, overflows or is killed
 * leaves no process behind in the node.
 */
const cluster = inject('cluster');
const unavailable = 'unavailable' in cluster ? cluster.unavailable : undefined;
const docker = new Docker();
const SHELL_LINE = READER_SHELL_ARGV.join(' ');

/** How many reader shells run in a node (by their exact command line, as `ps` shows it to the attendee). */
async function readersIn(node: string): Promise<number> {
  const listed = await run(docker, node, `ps -eo args= | grep -c -x '${SHELL_LINE}' || true`);
  return Number(listed.output.trim());
}

const made: NodeReaderShells[] = [];
function readerShells(options: { maxOutputBytes?: number } = {}): NodeReaderShells {
  const shells = new NodeReaderShells({ containers: testContainers(docker), open: dockerShellChannel(docker), ...options });
  made.push(shells);
  return shells;
}

describe.skipIf(unavailable)(`reader shells in the real nodes${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  afterEach(async () => {
    for (const shells of made.splice(0)) shells.dispose();
    expect(await waitFor(async () => (await readersIn('master1')) === 0 && (await readersIn('worker1')) === 0, 10_000)).toBe(true);
  });

  it("reads the nat table and conntrack through one shell per node, as a one-off exec would, and leaves nothing when closed", async () => {
    const shells = readerShells();
    const script = 'iptables-save -c -t nat; echo @@conntrack; conntrack -L 2>/dev/null || cat /proc/net/nf_conntrack';
    const first = await shells.run('master1', `echo $$; ${script}`, { timeoutMs: 10_000 });
    const second = await shells.run('master1', 'echo $$', { timeoutMs: 10_000 });
    expect(first?.exitCode).toBe(0);
    const [pid, ...rest] = first!.output.split('\n');
    expect(rest.join('\n')).toMatch(/^\*nat$/m);
    expect(rest.join('\n')).toMatch(/^\[\d+:\d+\] -A KUBE-SERVICES /m);
    expect(rest.join('\n')).toContain('@@conntrack\n');
    expect(second).toEqual({ exitCode: 0, output: `${pid}\n` });
    const oneOff = await run(docker, 'master1', 'iptables-save -t nat | grep -c "^-A KUBE-SERVICES"');
    const framed = await shells.run('master1', 'iptables-save -t nat | grep -c "^-A KUBE-SERVICES"', { timeoutMs: 10_000 });
    expect(framed?.output).toBe(oneOff.output);
    await shells.run('worker1', 'true', { timeoutMs: 10_000 });
    expect(await readersIn('master1')).toBe(1);
    expect(await readersIn('worker1')).toBe(1);
    expect(shells.openCount).toBe(2);
    shells.closeAll();
  });

  it('stops a read that prints more than the bound without leaving its commands running in the node', async () => {
    const shells = readerShells({ maxOutputBytes: 100_000 });
    await expect(shells.run('master1', 'yes labdeck-overflow | head -c 50000000', { timeoutMs: 20_000 })).rejects.toMatchObject({ reason: 'overflow' });
    expect(await waitFor(async () => (await run(docker, 'master1', `ps -eo args= | grep -c -x 'yes labdeck-overflow' || true`)).output.trim() === '0', 10_000)).toBe(true);
    expect((await shells.run('master1', 'echo next', { timeoutMs: 10_000 }))?.output).toBe('next\n');
  });

  it('opens a new shell when the one in the node was killed', async () => {
    const shells = readerShells();
    const before = await shells.run('worker1', 'echo $$', { timeoutMs: 10_000 });
    await run(docker, 'worker1', `kill -9 ${Number(before?.output.trim())}`);
    expect(await waitFor(() => shells.openCount === 0, 10_000)).toBe(true);
    const after = await shells.run('worker1', 'echo $$', { timeoutMs: 10_000 });
    expect(after?.exitCode).toBe(0);
    expect(after?.output).not.toBe(before?.output);
    expect(await readersIn('worker1')).toBe(1);
  });
});
