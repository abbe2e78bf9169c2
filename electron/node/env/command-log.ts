import type { Duplex } from 'node:stream';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import type { CommandRecord } from '../checks/check-world.ts';
import type { CommandLog } from '../backend/ports.ts';
import { execCollect } from './docker-exec.ts';

/** Where the jumphost's shell appends one JSON line per command (resources/jumphost/command-recorder.bash). */
export const COMMAND_LOG_PATH = '/var/lib/labdeck/commands.jsonl';

/** The recorder's full line; CommandRecord is the part the check engine relies on. */
export interface RecordedCommandLine extends CommandRecord {
  seq?: number;
  startedAt?: string;
  pipeStatus?: number[];
  cwd?: string;
  user?: string;
  shellPid?: number;
  session?: string;
}

/** Parses one line of the record; a torn or foreign line is skipped rather than failing the whole log. */
export function parseCommandLine(line: string): RecordedCommandLine | null {
  const trimmed = line.trim();
  if (!trimmed) return null;
  try {
    const value: unknown = JSON.parse(trimmed);
    if (typeof value !== 'object' || value === null) return null;
    const record = value as Record<string, unknown>;
    if (typeof record.command !== 'string' || typeof record.exitCode !== 'number' || typeof record.time !== 'string') return null;
    // A malformed trace is dropped rather than trusted: the line then counts only by its own status.
    if (record.ran !== undefined && !isRanList(record.ran)) delete record.ran;
    return record as unknown as RecordedCommandLine;
  } catch {
    return null;
  }
}

function isRanList(value: unknown): value is Array<{ command: string; exitCode: number }> {
  return Array.isArray(value) && value.length <= 10_000 && value.every((entry: unknown) => typeof entry === 'object' && entry !== null && typeof (entry as { command?: unknown }).command === 'string' && Number.isInteger((entry as { exitCode?: unknown }).exitCode));
}

export function parseCommandLog(text: string): RecordedCommandLine[] {
  return text.split('\n').flatMap((line) => parseCommandLine(line) ?? []);
}

/**
 * Reads the record from the jumphost. subscribe() keeps one long-running `tail -F` exec open and pushes new
 * lines as they are written; when the jumphost appears later (or is replaced), call reattach().
 */
export class JumphostCommandLog implements CommandLog {
  readonly #docker: Docker;
  readonly #findJumphost: () => Promise<string | null>;
  readonly #listeners = new Set<(records: CommandRecord[]) => void>();
  #records: RecordedCommandLine[] = [];
  #tail: { containerId: string; stream: Duplex } | null = null;
  #attaching: Promise<void> | null = null;

  constructor(docker: Docker, findJumphost: () => Promise<string | null>) {
    this.#docker = docker;
    this.#findJumphost = findJumphost;
  }

  async read(): Promise<CommandRecord[] | null> {
    const containerId = await this.#findJumphost();
    if (!containerId) return null;
    const outcome = await execCollect(this.#docker, containerId, ['cat', COMMAND_LOG_PATH], { timeoutMs: 10_000 });
    if (outcome.exitCode !== 0) return null;
    return parseCommandLog(outcome.output);
  }

  subscribe(listener: (records: CommandRecord[]) => void): () => void {
    this.#listeners.add(listener);
    void this.reattach().catch(() => undefined);
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.#stopTail();
    };
  }

  /** Follows the current jumphost (no-op when already following it, or when nobody listens). */
  reattach(): Promise<void> {
    this.#attaching ??= this.#attach().finally(() => {
      this.#attaching = null;
    });
    return this.#attaching;
  }

  dispose(): void {
    this.#listeners.clear();
    this.#stopTail();
  }

  async #attach(): Promise<void> {
    if (this.#listeners.size === 0) return;
    const containerId = await this.#findJumphost();
    if (this.#tail && this.#tail.containerId === containerId) return;
    this.#stopTail();
    this.#records = [];
    if (!containerId) return;
    const exec = await this.#docker.getContainer(containerId).exec({
      // From the first line: a subscriber gets the whole record, then every new line as it is appended.
      Cmd: ['tail', '-n', '+1', '-F', COMMAND_LOG_PATH],
      AttachStdout: true,
      AttachStderr: false,
    });
    const stream = (await exec.start({ hijack: true, stdin: false })) as Duplex;
    const stdout = new PassThrough();
    this.#docker.modem.demuxStream(stream, stdout, new PassThrough());
    this.#tail = { containerId, stream };
    let pending = '';
    stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      const added = lines.flatMap((line) => parseCommandLine(line) ?? []);
      if (added.length === 0) return;
      this.#records = [...this.#records, ...added];
      for (const listener of this.#listeners) listener(this.#records);
    });
    stream.on('close', () => {
      if (this.#tail?.stream === stream) this.#tail = null;
    });
  }

  #stopTail(): void {
    this.#tail?.stream.destroy();
    this.#tail = null;
  }
}

/**
 * Every terminal's commands in one record: the jumphost's (read from its log file) and the node
 * terminals' (pushed by the terminal service as they happen, see terminals/node-command-recorder.ts),
 * each marked with the terminal it was typed in, oldest first. Node records live as long as the backend:
 * a restart forgets them, as it closes those terminals.
 */
export class LabCommandLog implements CommandLog {
  readonly #jumphost: CommandLog;
  readonly #listeners = new Set<(records: CommandRecord[]) => void>();
  #nodeRecords: CommandRecord[] = [];
  #jumphostRecords: CommandRecord[] = [];
  #unsubscribe: (() => void) | undefined;

  constructor(jumphost: CommandLog) {
    this.#jumphost = jumphost;
  }

  /**
   * The editor's Apply or Delete, recorded as the kubectl line it stands for (`kubectl apply -f
   * nginx-service.yaml`) in the `editor` terminal: the guide's "apply it" done with Labdeck's own button.
   */
  recordEditorAction(action: { verb: 'apply' | 'delete'; fileName: string | undefined; startedAt: Date; finishedAt: Date; ok: boolean }): void {
    this.record({
      terminal: 'editor',
      command: `kubectl ${action.verb} -f ${editorFileWord(action.fileName)}`,
      exitCode: action.ok ? 0 : 1,
      startedAt: action.startedAt.toISOString(),
      time: action.finishedAt.toISOString(),
    });
  }

  /** A command typed in a node terminal. */
  record(record: CommandRecord): void {
    this.#nodeRecords = [...this.#nodeRecords, record];
    this.#emit();
  }

  async read(): Promise<CommandRecord[] | null> {
    const jumphost = await this.#jumphost.read();
    if (jumphost === null && this.#nodeRecords.length === 0) return null;
    return merge(jumphost ?? [], this.#nodeRecords);
  }

  subscribe(listener: (records: CommandRecord[]) => void): () => void {
    this.#listeners.add(listener);
    this.#unsubscribe ??= this.#jumphost.subscribe((records) => {
      this.#jumphostRecords = records;
      this.#emit();
    });
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) {
        this.#unsubscribe?.();
        this.#unsubscribe = undefined;
      }
    };
  }

  #emit(): void {
    const records = merge(this.#jumphostRecords, this.#nodeRecords);
    for (const listener of this.#listeners) listener(records);
  }
}

/** The editor tab's name as one plain shell word (it comes from the page, so anything else is replaced). */
export function editorFileWord(fileName: string | undefined): string {
  const base = (fileName ?? '').split(/[\\/]/).pop() ?? '';
  return /^[A-Za-z0-9._-]{1,100}$/.test(base) && base !== '.' && base !== '..' ? base : 'manifest.yaml';
}

/** Both records by finishing time; the jumphost's lines carry no terminal, so they are marked here. */
function merge(jumphost: readonly CommandRecord[], nodes: readonly CommandRecord[]): CommandRecord[] {
  const marked = jumphost.map((record) => (record.terminal === undefined ? { ...record, terminal: 'jumphost' } : record));
  // A stable sort keeps each source's own order for records with the same time.
  return [...marked, ...nodes].sort((a, b) => a.time.localeCompare(b.time));
}
