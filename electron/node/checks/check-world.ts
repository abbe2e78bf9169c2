import type { CheckResult } from '../../common/api/labs.ts';
import type { ApiRequest } from './api-requests.ts';
import type { CheckSpec, ObjectSelector, ProbeTarget } from '../course-format/check-spec.ts';

/** A Kubernetes object as JSON, the shape `kubectl get -o json` prints. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

/** One command line the attendee ran in a lab terminal, as the jumphost's shell recorded it. */
export interface CommandRecord {
  /** ISO-8601 time the command finished. */
  time: string;
  /** ISO-8601 time the command started, when the recorder wrote it. */
  startedAt?: string;
  command: string;
  exitCode: number;
  /** Exit code of each command of the line's last pipeline (bash's PIPESTATUS), when recorded. */
  pipeStatus?: number[];
  /**
   * The simple commands bash executed for this line, in order, each with its exit status (the jumphost's
   * DEBUG trap). Absent when the recorder could not trace the line; then only the line's status is known.
   */
  ran?: Array<{ command: string; exitCode: number }>;
  /** The shell that ran it: variables assigned in one shell are only visible to later lines of that shell. */
  shellPid?: number;
  /** Which terminal it was typed in: `jumphost` (the default) or a node's name (master1, worker1, ...). */
  terminal?: string;
  /**
   * The API server's audited requests made by this line's kubectl commands (checks/api-corroboration.ts).
   * Present on every record of a cluster whose API server keeps an audit log, empty when none matched;
   * absent where no audit log exists (a bare kubeconfig): then a kubectl line is credited uncorroborated.
   */
  apiRequests?: Array<ApiRequest & { command: number }>;
}

export interface ProbeOutcome {
  exitCode: number;
  output: string;
}

/**
 * Everything a check may look at. The live engine backs it with informers, the jumphost's command record
 * and Docker exec; `labdeck grade --snapshot` backs it with a `kubectl get -o json` List and says
 * "cannot answer" (null) for the rest; the lab self-test backs it with the Kubernetes API test double.
 */
export interface CheckWorld {
  /**
   * false when this world cannot run probes at all (a snapshot, a bare kubeconfig): probe checks are then
   * skipped before their object references are resolved, so a missing object cannot fail them.
   */
  readonly probes?: boolean;
  /** Objects matching the selector, or null when this world cannot list that kind. */
  listObjects(selector: ObjectSelector): Promise<KubeObject[] | null>;
  /** Recorded commands, oldest first, or null when this world has no command record. */
  commandRecords(): Promise<CommandRecord[] | null>;
  /**
   * Commands from before the evidence window (a world scoped to a step's opening leaves them out of
   * commandRecords). They never satisfy a check; they only tell which shell variables were set, so
   * `curl http://$POD_IP` after the step opened still resolves a POD_IP assigned before.
   */
  earlierCommandRecords?(): Promise<CommandRecord[] | null>;
  /** Runs argv in the target, or returns null when this world cannot run probes. */
  runProbe(target: ProbeTarget, argv: string[], timeoutMs: number): Promise<ProbeOutcome | null>;
  /** The port this computer publishes nodePort on, or null when this world cannot tell. */
  publishedPort?(nodePort: number): Promise<number | null>;
  /** GET from the host to the port published for nodePort, or null when this world cannot reach it. */
  httpGet(nodePort: number, path: string, timeoutMs: number): Promise<{ status: number; body: string } | null>;
}

/**
 * Thrown by a world when the environment a check needs is not there yet (the verifier container is not
 * running, the cluster API is unreachable). The check is then `waiting` with this message, not `error`.
 */
export class WorldNotReadyError extends Error {
  override readonly name = 'WorldNotReadyError';
}

/** Where a check sits, and the hints its step attached to checks (shown when that check fails). */
export interface CheckContext {
  labId: string;
  stepId: string;
  hints?: ReadonlyArray<{ text: string; forCheck?: string | undefined }>;
}

/** Evaluates one check against a world; never throws (a broken check is a result with status "error"). */
export type EvaluateCheck = (check: CheckSpec, world: CheckWorld, context: CheckContext) => Promise<CheckResult>;
