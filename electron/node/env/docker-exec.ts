import crypto from 'node:crypto';
import { PassThrough, type Duplex } from 'node:stream';
import type Docker from 'dockerode';
import tar from 'tar-stream';
import type { ExecOutcome, InteractiveProcess } from '../backend/ports.ts';
import type { PlannedFile } from './plan.ts';

export interface ExecOptions {
  timeoutMs: number;
  user?: string;
  env?: string[];
  /** Written to the process's stdin, then stdin is closed. */
  stdin?: string;
  /** Receives the output as it arrives (progress of long commands such as kubeadm init). */
  onOutput?: (text: string) => void;
}

/** Exit code reported when an exec is abandoned because it ran past its timeout (as coreutils `timeout`). */
export const EXEC_TIMEOUT_EXIT_CODE = 124;

/** Runs argv in a container without a TTY and collects stdout and stderr interleaved. */
export async function execCollect(docker: Docker, containerId: string, argv: string[], options: ExecOptions): Promise<ExecOutcome> {
  const container = docker.getContainer(containerId);
  const exec = await container.exec({
    Cmd: argv,
    AttachStdout: true,
    AttachStderr: true,
    AttachStdin: options.stdin !== undefined,
    ...(options.user ? { User: options.user } : {}),
    ...(options.env ? { Env: options.env } : {}),
  });
  const stream = (await exec.start({ hijack: true, stdin: options.stdin !== undefined })) as Duplex;
  const chunks: Buffer[] = [];
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    options.onOutput?.(chunk.toString('utf8'));
  });
  docker.modem.demuxStream(stream, sink, sink);
  if (options.stdin !== undefined) stream.end(options.stdin);

  const finished = new Promise<'done'>((resolve) => {
    stream.on('end', () => resolve('done'));
    stream.on('close', () => resolve('done'));
    stream.on('error', () => resolve('done'));
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), options.timeoutMs);
  });
  const result = await Promise.race([finished, timedOut]);
  clearTimeout(timer);
  if (result === 'timeout') {
    stream.destroy();
    return { exitCode: EXEC_TIMEOUT_EXIT_CODE, output: `${Buffer.concat(chunks).toString('utf8')}\n[timed out after ${options.timeoutMs} ms]` };
  }
  const info = await exec.inspect();
  return { exitCode: info.ExitCode ?? 1, output: Buffer.concat(chunks).toString('utf8') };
}

/** Like execCollect, but a non-zero exit code is an error carrying the output. */
export async function execChecked(docker: Docker, containerId: string, argv: string[], options: ExecOptions): Promise<string> {
  const outcome = await execCollect(docker, containerId, argv, options);
  if (outcome.exitCode !== 0) {
    throw new Error(`\`${argv.join(' ')}\` exited with ${outcome.exitCode}: ${outcome.output.trim().slice(-2000)}`);
  }
  return outcome.output;
}

/** Starts argv with a TTY (docker exec -it); bytes flow both ways on the hijacked connection. */
export async function execInteractive(
  docker: Docker,
  containerId: string,
  argv: string[],
  options: { cols: number; rows: number; env?: string[]; user?: string },
): Promise<InteractiveProcess> {
  // Docker has no "kill this exec": closing the connection leaves the shell running. The wrapper records
  // the process id so kill() can hang it up the way closing a terminal window does.
  const pidFile = `/tmp/.labdeck-exec-${crypto.randomUUID()}.pid`;
  const exec = await docker.getContainer(containerId).exec({
    Cmd: ['sh', '-c', 'echo $$ > "$0"; exec "$@"', pidFile, ...argv],
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: true,
    ConsoleSize: [options.rows, options.cols],
    ...(options.env ? { Env: options.env } : {}),
    ...(options.user ? { User: options.user } : {}),
  });
  const stream = (await exec.start({ hijack: true, stdin: true, Tty: true })) as Duplex;
  const exitListeners: ((exitCode: number | null, message?: string) => void)[] = [];
  let exited = false;
  const reportExit = async (message?: string) => {
    if (exited) return;
    exited = true;
    let code: number | null = null;
    try {
      code = (await exec.inspect()).ExitCode ?? null;
    } catch {
      code = null;
    }
    for (const listener of exitListeners) listener(code, message);
  };
  stream.on('end', () => void reportExit());
  stream.on('close', () => void reportExit());
  stream.on('error', (error: Error) => void reportExit(error.message));
  // The exec may start before the resize arrives; size it right away as well.
  exec.resize({ h: options.rows, w: options.cols }).catch(() => undefined);

  return {
    onData(listener) {
      stream.on('data', (chunk: Buffer) => listener(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    },
    onExit(listener) {
      exitListeners.push(listener);
    },
    write(data) {
      if (!exited) stream.write(data);
    },
    resize(cols, rows) {
      exec.resize({ h: rows, w: cols }).catch(() => undefined);
    },
    pause() {
      stream.pause();
    },
    resume() {
      stream.resume();
    },
    kill() {
      // SIGHUP as from a closed terminal: bash passes it on to its jobs and exits.
      void execCollect(docker, containerId, ['sh', '-c', 'kill -HUP "$(cat "$0")" 2>/dev/null; rm -f "$0"', pidFile], { timeoutMs: 10_000, user: 'root' })
        .catch(() => undefined)
        .finally(() => stream.destroy());
    },
  };
}

/**
 * Copies files into a container (running or not) in one tar. The tar holds no directory entries: Docker
 * creates missing parents itself, and a directory entry would re-own or replace existing ones (/bin is a
 * symlink on Debian).
 */
export async function putFiles(docker: Docker, containerId: string, files: PlannedFile[], owner?: { uid: number; gid: number }): Promise<void> {
  if (files.length === 0) return;
  const pack = tar.pack();
  for (const file of files) {
    pack.entry({ name: file.path.replace(/^\/+/, ''), mode: file.mode, ...(owner ?? {}) }, file.content);
  }
  pack.finalize();
  await docker.getContainer(containerId).putArchive(pack as unknown as NodeJS.ReadableStream, { path: '/' });
}
