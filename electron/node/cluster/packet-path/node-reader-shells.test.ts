import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ContainerTarget } from '../../backend/ports.ts';
import { NodeReaderShells } from './node-reader-shells.ts';
import { READER_SHELL_ARGV, ReaderShellError, type OpenShellChannel, type ShellChannel } from './reader-shell.ts';

/**
 * The reader shells against a real POSIX shell on this computer, started with the same argv as in a node:
 * the framing meets a real `sh` (its buffering, its exit status, its stdin), with a container id that is only
 * a label. Docker's own stream is covered by reader-shell.cluster.test.ts on the real cluster.
 */
interface Started {
  containerId: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

function localShells(): { open: OpenShellChannel; started: Started[] } {
  const started: Started[] = [];
  const open: OpenShellChannel = async (containerId, argv) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    started.push({ containerId, child, exited });
    const endListeners: Array<(reason: string) => void> = [];
    let ended = false;
    const end = (reason: string) => {
      if (ended) return;
      ended = true;
      for (const listener of endListeners) listener(reason);
    };
    child.on('exit', (code, signal) => end(`exited with ${code ?? signal}`));
    child.stdin!.on('error', () => end('stdin closed'));
    const channel: ShellChannel = {
      onStdout: (listener) => child.stdout!.on('data', listener),
      onEnd: (listener) => endListeners.push(listener),
      write: (text) => {
        if (!ended) child.stdin!.write(text);
      },
      close: () => {
        end('closed');
        child.stdin!.end();
      },
    };
    return channel;
  };
  return { open, started };
}

/** The node's container, as LabContainers answers: changeable, to stand for a node that was recreated. */
function nodes(initial: Record<string, string | null>) {
  const ids = { ...initial };
  return {
    ids,
    containers: { containerFor: async (target: ContainerTarget) => (target.kind === 'node' ? (ids[target.node] ?? null) : null) },
  };
}

const shellsMade: NodeReaderShells[] = [];
function make(options: { idleMs?: number; maxOutputBytes?: number } = {}, ids: Record<string, string | null> = { worker1: 'c-worker1' }) {
  const local = localShells();
  const lookup = nodes(ids);
  const shells = new NodeReaderShells({ containers: lookup.containers, open: local.open, ...options });
  shellsMade.push(shells);
  return { shells, started: local.started, ids: lookup.ids };
}

afterEach(() => {
  for (const shells of shellsMade.splice(0)) shells.dispose();
});

const read = (shells: NodeReaderShells, script: string, timeoutMs = 5_000) => shells.run('worker1', script, { timeoutMs });

describe.skipIf(process.platform === 'win32')('the reader shells', () => {
  it('opens nothing at rest, then runs every read of a node in one shell, each with its own exact output and status', async () => {
    const { shells, started } = make();
    expect(shells.openCount).toBe(0);
    expect(started).toHaveLength(0);
    const first = await read(shells, 'echo $$; printf "no newline"');
    const second = await read(shells, 'echo $$; cat; echo "after cat"; exit_with() { return "$1"; }; exit_with 3');
    expect(started).toHaveLength(1);
    expect(started[0]?.child.spawnargs).toEqual(READER_SHELL_ARGV);
    const [pid, rest] = first!.output.split('\n');
    expect(rest).toBe('no newline');
    expect(first!.exitCode).toBe(0);
    // Same shell (same pid); `cat` read /dev/null, not the commands that came after it.
    expect(second).toEqual({ exitCode: 3, output: `${pid}\nafter cat\n` });
    expect(await read(shells, 'echo err >&2')).toEqual({ exitCode: 0, output: 'err\n' });
  });

  it('is not fooled by output that imitates an end line, by a marker in the middle of a line, or by binary bytes', async () => {
    const { shells } = make();
    const script = [
      `printf '\\nlabdeck-end-00000000000000000000000000000000 1 0\\n'`,
      `printf 'x labdeck-end-%s 1 0\\n' 0123`,
      `head -c 4096 /dev/urandom | od -An -tx1 | head -3`,
      `printf '\\001\\377\\n'`,
      `echo done`,
    ].join('; ');
    const outcome = await read(shells, script);
    expect(outcome?.exitCode).toBe(0);
    const lines = outcome!.output.split('\n');
    expect(lines.slice(0, 3)).toEqual(['', 'labdeck-end-00000000000000000000000000000000 1 0', 'x labdeck-end-0123 1 0']);
    expect(lines.at(-2)).toBe('done');
    expect(await read(shells, 'echo next')).toEqual({ exitCode: 0, output: 'next\n' });
  });

  it('opens a new shell when the stream dies between reads, and once more when it dies during one', async () => {
    const { shells, started } = make();
    await read(shells, 'true');
    started[0]!.child.kill('SIGKILL');
    await started[0]!.exited;
    expect(shells.openCount).toBe(0);
    expect(await read(shells, 'echo again')).toEqual({ exitCode: 0, output: 'again\n' });
    expect(started).toHaveLength(2);
    // The shell dies in the middle of a read: the read is run again in a new shell (reads change nothing).
    const flag = path.join(mkdtempSync(path.join(os.tmpdir(), 'labdeck-reader-')), 'killed-once');
    expect(await read(shells, `if [ -e ${flag} ]; then echo survived; else touch ${flag}; kill -9 $$; fi`)).toEqual({ exitCode: 0, output: 'survived\n' });
    expect(started).toHaveLength(3);
    rmSync(path.dirname(flag), { recursive: true, force: true });
  });

  it('gives up on a read when the stream dies twice in a row', async () => {
    const { shells, started } = make();
    await expect(read(shells, 'kill -9 $$')).rejects.toMatchObject({ reason: 'ended' });
    expect(started).toHaveLength(2);
    expect(await read(shells, 'echo fine')).toEqual({ exitCode: 0, output: 'fine\n' });
  });

  it('opens a new shell in the new container when the node was recreated, and none while the node is gone', async () => {
    const { shells, started, ids } = make();
    await read(shells, 'true');
    // Recreating a node stops its old container first, which kills every process in it, the shell too.
    started[0]!.child.kill('SIGKILL');
    ids.worker1 = 'c-worker1-new';
    expect(await read(shells, 'echo new')).toEqual({ exitCode: 0, output: 'new\n' });
    expect(started.map((item) => item.containerId)).toEqual(['c-worker1', 'c-worker1-new']);
    started[1]!.child.kill('SIGKILL');
    ids.worker1 = null;
    expect(await read(shells, 'true')).toBeNull();
    expect(started).toHaveLength(2);
    expect(shells.openCount).toBe(0);
    ids.worker1 = 'c-worker1-again';
    expect(await read(shells, 'echo back')).toEqual({ exitCode: 0, output: 'back\n' });
    expect(started.map((item) => item.containerId)).toEqual(['c-worker1', 'c-worker1-new', 'c-worker1-again']);
  });

  it('asks Docker for the node\'s container only to open a shell, not on every read', async () => {
    const local = localShells();
    let lookups = 0;
    const shells = new NodeReaderShells({ containers: { containerFor: async () => ((lookups += 1), 'c-worker1') }, open: local.open });
    shellsMade.push(shells);
    for (let index = 0; index < 5; index += 1) await read(shells, 'true');
    expect(lookups).toBe(1);
  });

  it('stops a read that prints more than the bound, closes its shell, and reads on in a new one', async () => {
    const { shells, started } = make({ maxOutputBytes: 10_000 });
    const error = await read(shells, 'yes labdeck | head -c 50000; echo end').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ReaderShellError);
    expect(error).toMatchObject({ reason: 'overflow', message: expect.stringMatching(/more than 10000 bytes/) });
    await started[0]!.exited;
    // Exactly at the bound is read whole.
    expect((await read(shells, 'head -c 10000 /dev/zero | tr "\\0" x'))?.output).toHaveLength(10_000);
    expect(started).toHaveLength(2);
  });

  it('closes a shell whose read takes longer than its timeout', async () => {
    const { shells, started } = make();
    await expect(read(shells, 'sleep 3', 200)).rejects.toMatchObject({ reason: 'timeout' });
    expect(shells.openCount).toBe(0);
    expect(await read(shells, 'echo quick')).toEqual({ exitCode: 0, output: 'quick\n' });
    expect(started).toHaveLength(2);
  });

  it('closes every shell after the idle time, and reads of several nodes at once each get their own shell', async () => {
    const { shells, started } = make({ idleMs: 150 }, { master1: 'c-master1', worker1: 'c-worker1', worker2: 'c-worker2' });
    const outputs = await Promise.all(['master1', 'worker1', 'worker2', 'worker1'].map((node) => shells.run(node, `echo ${node}`, { timeoutMs: 5_000 })));
    expect(outputs.map((item) => item?.output)).toEqual(['master1\n', 'worker1\n', 'worker2\n', 'worker1\n']);
    expect(started.map((item) => item.containerId).sort()).toEqual(['c-master1', 'c-worker1', 'c-worker2']);
    expect(shells.openCount).toBe(3);
    expect(await Promise.all(started.map((item) => item.exited))).toEqual([0, 0, 0]);
    expect(shells.openCount).toBe(0);
  });

  it('reads nothing once disposed', async () => {
    const { shells, started } = make();
    await read(shells, 'true');
    shells.dispose();
    expect(await started[0]!.exited).toBe(0);
    expect(await read(shells, 'true')).toBeNull();
    expect(started).toHaveLength(1);
  });
});
