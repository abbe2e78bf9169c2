import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { CommandRecord } from '../checks/check-world.ts';
import { NodeCommandRecorder, nodeShellArgv } from './node-command-recorder.ts';

// The node terminal's prompt protocol against real shells in a real pseudo terminal: dash on this machine,
// and busybox ash (the shell of the k3s node image) in the data-plane harness's busybox image.

const run = promisify(execFile);
const BUSYBOX_IMAGE = 'labdeck/dataplane-pod:bookworm';

async function skipReasons(): Promise<{ pty: string | null; busybox: string | null }> {
  let pty: string | null = null;
  try {
    await import('node-pty');
  } catch (error) {
    pty = `node-pty cannot load here (${error instanceof Error ? error.message : String(error)})`;
  }
  let busybox: string | null = pty;
  if (!busybox) {
    try {
      await run('docker', ['image', 'inspect', BUSYBOX_IMAGE], { timeout: 10_000 });
    } catch {
      busybox = `${BUSYBOX_IMAGE} is not built here (.ci/prepare-images.sh builds it)`;
    }
  }
  return { pty, busybox };
}

const skip = await skipReasons();
if (skip.busybox) console.warn(`[node-shell.integration] busybox ash skipped: ${skip.busybox}`);

/** Types each line into the shell (as the terminal service would) and returns what was recorded. */
async function typeLines(argv: string[], lines: string[]): Promise<{ records: Array<[string, number]>; output: string }> {
  const pty = await import('node-pty');
  const child = pty.spawn(argv[0]!, argv.slice(1), { name: 'xterm', cols: 120, rows: 30, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/tmp' } });
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

describe.skipIf(skip.pty !== null)('node shell prompt in dash', () => {
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

describe.skipIf(skip.busybox !== null)('node shell prompt in busybox ash', () => {
  it('reports exit statuses and follows ash line editing and history', async () => {
    const name = `labdeck-node-shell-test-${randomBytes(4).toString('hex')}`;
    const argv = ['docker', 'run', '--rm', '-it', '--name', name, '--label', 'labdeck.test=node-shell', '--network', 'none', BUSYBOX_IMAGE, ...nodeShellArgv()];
    try {
      const { records, output } = await typeLines(argv, [
        'ip route\r',
        'cat /etc/nope\r',
        'echo k3s-conf\u007f\u007f\u007f\u007fconfig\r', // backspaces, as ash applies them
        'ls /tmp\u001b[D\u001b[D\u001b[D\u001b[D\u001b[D -d\r', // cursor left, insert
        '\u001b[A\u001b[A\u001b[A\r', // three back in history: cat /etc/nope
      ]);
      expect(records, output).toEqual([
        ['ip route', 0],
        ['cat /etc/nope', 1],
        ['echo k3s-config', 0],
        ['ls -d /tmp', 0],
        ['cat /etc/nope', 1],
      ]);
    } finally {
      await run('docker', ['rm', '-f', name]).catch(() => undefined);
    }
  }, 60_000);
});
