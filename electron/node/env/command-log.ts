import type { CommandRecord } from '../checks/check-world.ts';
import type { CommandLog } from '../backend/ports.ts';
import { corroborateRecords } from '../checks/api-corroboration.ts';
import type { ApiRequest } from '../checks/api-requests.ts';
import type { ApiAuditSource } from './api-audit-log.ts';

/**
 * Every terminal's commands in one record, each marked with the terminal it was typed in, oldest first:
 * pushed by the terminal service as its terminals report them (terminals/terminal-recorder.ts, believed only
 * when they name the line typed there) and by the editor's Apply and Delete. Records live as long as the
 * backend: a restart forgets them, as it closes the terminals that made them.
 */
export class LabCommandLog implements CommandLog {
  readonly #audit: AuditWitness | undefined;
  readonly #jumphostRunning: () => Promise<boolean>;
  readonly #listeners = new Set<(records: CommandRecord[]) => void>();
  #records: CommandRecord[] = [];
  #unsubscribeAudit: (() => void) | undefined;
  #lastCorroboration: { records: readonly CommandRecord[]; requests: readonly ApiRequest[]; result: CommandRecord[] } | undefined;

  /**
   * With `audit`, every kubectl command is given the API server's request it made (api-corroboration.ts);
   * a request arriving after its line re-sends the record, so a waiting check sees it at once.
   */
  /**
   * `jumphostRunning`: with no line recorded yet and no jumphost to type in, there is no record to judge
   * (checks wait, and say where to type) rather than a record with nothing in it.
   */
  constructor(audit?: AuditWitness, jumphostRunning: () => Promise<boolean> = async () => true) {
    this.#audit = audit;
    this.#jumphostRunning = jumphostRunning;
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

  /** A command a terminal reported. */
  record(record: CommandRecord): void {
    this.#records = insertByTime(this.#records, record);
    this.#emit();
  }

  async read(): Promise<CommandRecord[] | null> {
    if (this.#records.length === 0 && !(await this.#jumphostRunning().catch(() => false))) return null;
    return this.#corroborated(this.#records);
  }

  subscribe(listener: (records: CommandRecord[]) => void): () => void {
    this.#listeners.add(listener);
    this.#unsubscribeAudit ??= this.#audit?.source.subscribe(() => this.#emit());
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) {
        this.#unsubscribeAudit?.();
        this.#unsubscribeAudit = undefined;
      }
    };
  }

  /**
   * Every command check reads the record on each evaluation: the matching is done once per new line or
   * request, and the same result is handed out until either changes.
   */
  #corroborated(records: CommandRecord[]): CommandRecord[] {
    const audit = this.#audit;
    if (!audit?.source.available) return records;
    const requests = audit.source.requests();
    const last = this.#lastCorroboration;
    if (last && last.records === records && last.requests === requests) return last.result;
    const result = corroborateRecords(records, requests, { sentFrom: audit.sentFrom });
    this.#lastCorroboration = { records, requests, result };
    return result;
  }

  #emit(): void {
    const records = this.#corroborated(this.#records);
    for (const listener of this.#listeners) listener(records);
  }
}

/** The API server's audit log, and which lab machine's address each terminal's requests come from. */
export interface AuditWitness {
  source: ApiAuditSource;
  sentFrom(terminal: string, sourceIP: string): boolean;
}

/** The editor tab's name as one plain shell word (it comes from the page, so anything else is replaced). */
export function editorFileWord(fileName: string | undefined): string {
  const base = (fileName ?? '').split(/[\\/]/).pop() ?? '';
  return /^[A-Za-z0-9._-]{1,100}$/.test(base) && base !== '.' && base !== '..' ? base : 'manifest.yaml';
}

/** Both records by finishing time; the jumphost's lines carry no terminal, so they are marked here. */
/** Hours of a workshop; older lines are dropped first (a check judges the open lab's lines). */
const KEPT_RECORDS = 5000;

/** Adds a record in time order; a stable position after records of the same time keeps arrival order. */
function insertByTime(records: readonly CommandRecord[], record: CommandRecord): CommandRecord[] {
  let index = records.length;
  while (index > 0 && records[index - 1]!.time.localeCompare(record.time) > 0) index -= 1;
  const next = [...records.slice(0, index), record, ...records.slice(index)];
  return next.length > KEPT_RECORDS ? next.slice(-KEPT_RECORDS) : next;
}
