import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { CommandRecord } from '../checks/check-world.ts';
import { NODE_IMAGE } from '../env/versions.ts';
import { NodeCommandRecorder, nodeShellArgv } from './node-command-recorder.ts';

// The node terminal's prompt protocol against real shells in a real pseudo terminal: this machine's bash, and
// bash in Labdeck's node image, reached the way node terminals reach it: docker exec into a running container.

const run = promisify(execFile);

async function skipReasons(): Promise<{ pty: string | null; node: string | null }> {
  let pty: string | null = null;
  try {
    await import('node-pty');
  } catch (error) {
    pty = `node-pty cannot load here (${error instanceof Error ? error.message : String(error)})`;
  }
  let node: string | null = pty;
  if (!node) {
    try {
      await run('docker', ['image', 'inspect', NODE_IMAGE], { timeout: 10_000 });
    } catch {
      node = `${NODE_IMAGE} is not built here (.ci/prepare-images.sh builds it)`;
    }
  }
  return { pty, node };
}

const skip = await skipReasons();
if (skip.node) console.warn(`[node-shell.integration] the node image's bash skipped: ${skip.node}`);

/** Types each line into the shell (as the terminal service would) and returns what was recorded. */
async function typeLines(argv: string[], lines: string[]): Promise<{ records: Array<[string, number]>; output: string }> {
  const pty = await import('node-pty');
  const child = pty.spawn(argv[0]!, argv.slice(1), { name: 'xterm', cols: 120, rows: 30, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/tmp', ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}) } });
  const records: CommandRecord[] = [];
  const recorder = new NodeCommandRecorder({ node: 'worker1', shellId: 1, onRecord: (record) => records.push(record) });
  let output = '';
  child.onData((data) => {
    output += data;
    recorder.output(data);
  });
  const until = async (done: () => boolean) => {
    const deadline = Date.now() + 20_000;
    while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
  };
  try {
    await until(() => output.includes('6973;labdeck-status='));
    for (const [index, line] of lines.entries()) {
      recorder.input(line);
      child.write(line);
      await until(() => records.length > index);
    }
  } finally {
    child.kill();
  }
  return { records: records.map((record) => [record.command, record.exitCode]), output };
}

describe.skipIf(skip.pty !== null)("node shell prompt in this machine's bash", () => {
  it('reports the exit status of each typed command', async () => {
    const { records, output } = await typeLines(nodeShellArgv(), ['true\r', 'false\r', 'ls /labdeck-does-not-exist\r', 'sh -c "exit 7"\r']);
    expect(records, output).toEqual([
      ['true', 0],
      ['false', 1],
      ['ls /labdeck-does-not-exist', 2],
      ['sh -c "exit 7"', 7],
    ]);
  }, 30_000);
});

describe.skipIf(skip.node !== null)("node shell prompt in the node image's bash, through docker exec", () => {
  it('reports exit statuses and follows readline line editing and history', async () => {
    const name = `labdeck-node-shell-test-${randomBytes(4).toString('hex')}`;
    // A node-like container: the node image idling instead of running its entrypoint (no cluster needed), and
    // no network at all.
    await run('docker', ['run', '-d', '--rm', '--name', name, '--hostname', 'worker1', '--label', 'labdeck.test=node-shell', '--network', 'none', '--entrypoint', 'sleep', NODE_IMAGE, 'infinity'], { timeout: 60_000 });
    try {
      const { records, output } = await typeLines(['docker', 'exec', '-it', name, ...nodeShellArgv()], [
        'ip route\r',
        'cat /etc/nope\r',
        'echo kubeadm-conf\u007f\u007f\u007f\u007fconfig\r', // backspaces, as readline applies them
        'ls /tmp\u001b[D\u001b[D\u001b[D\u001b[D\u001b[D -d\r', // cursor left, insert
        'kubectl version --client -o yaml\u0017json\r', // Ctrl-W: the word before the cursor
        '\u001b[A\u001b[A\u001b[A\u001b[A\r', // four back in history: cat /etc/nope
        'cat /etc/hostn\t\r', // Tab completes the path: bash runs `cat /etc/hostname`
        '!ip\r', // history expansion: bash runs `ip route` again
      ]);
      expect(records, output).toEqual([
        ['ip route', 0],
        ['cat /etc/nope', 1],
        ['echo kubeadm-config', 0],
        ['ls -d /tmp', 0],
        ['kubectl version --client -o json', 0],
        ['cat /etc/nope', 1],
        ['cat /etc/hostname', 0],
        ['ip route', 0],
      ]);
      // bash expanded the rest of the prompt too: the guide's root@<node> prompt.
      expect(output).toContain('root@worker1:/# ');
    } finally {
      await run('docker', ['rm', '-f', name]).catch(() => undefined);
    }
  }, 60_000);
});
