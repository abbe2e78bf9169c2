import type { CheckWorld, CommandRecord, KubeObject, ProbeOutcome } from '../checks/check-world.ts';
import { selectObjects } from '../checks/object-filter.ts';
import { objectsFromResolved } from './resolved-objects.ts';

/**
 * A world made of one journal entry's evidence, so a grader can re-run the course's own check on what the
 * attendee's app recorded: a resource check on the recorded objects, a command check on the recorded command
 * line (with the lines that set its variables, and the live objects it was compared with, rebuilt from the
 * values they resolved to), a probe's expectation on its recorded output, an http check on the recorded answer. What the evidence
 * does not hold, the world cannot answer (null), and the check comes out "skipped" rather than judged.
 */
export class EvidenceWorld implements CheckWorld {
  readonly #evidence: unknown;

  constructor(evidence: unknown) {
    this.#evidence = evidence;
  }

  #record(): Record<string, unknown> | undefined {
    return this.#evidence && typeof this.#evidence === 'object' && !Array.isArray(this.#evidence) ? (this.#evidence as Record<string, unknown>) : undefined;
  }

  async listObjects(selector: Parameters<CheckWorld['listObjects']>[0]): Promise<KubeObject[] | null> {
    if (Array.isArray(this.#evidence)) {
      return selectObjects(this.#evidence.filter((item): item is KubeObject => Boolean(item && typeof item === 'object' && 'metadata' in item)), selector);
    }
    const resolved = this.#record()?.resolved as Record<string, string | null> | undefined;
    return resolved && typeof resolved === 'object' ? selectObjects(objectsFromResolved(resolved).objects, selector) : null;
  }

  /** Whether every live value the command was compared with could be rebuilt from the evidence. */
  get resolvedComplete(): boolean {
    const resolved = this.#record()?.resolved as Record<string, string | null> | undefined;
    return resolved !== undefined && objectsFromResolved(resolved).complete;
  }

  async commandRecords(): Promise<CommandRecord[] | null> {
    const record = this.#record();
    const matched = record?.matched as CommandRecord | undefined;
    if (!matched || typeof matched.command !== 'string') return null;
    const assignedBy = Array.isArray(record?.assignedBy) ? (record.assignedBy as CommandRecord[]) : [];
    return [...assignedBy, matched];
  }

  async runProbe(): Promise<ProbeOutcome | null> {
    const record = this.#record();
    if (!record || !Array.isArray(record.argv) || typeof record.exitCode !== 'number' || typeof record.output !== 'string') return null;
    return { exitCode: record.exitCode, output: record.output };
  }

  async httpGet(): Promise<{ status: number; body: string } | null> {
    const record = this.#record();
    if (!record || typeof record.status !== 'number' || typeof record.body !== 'string') return null;
    return { status: record.status, body: record.body };
  }
}
