import type Docker from 'dockerode';
import { z } from 'zod';
import type { ApiRequest } from '../checks/api-requests.ts';
import { AUDIT_LOG_PATH } from './api-audit-config.ts';
import { ContainerFileFollower } from './container-file-follower.ts';
import { execCollect } from './docker-exec.ts';

/** Requests kept for matching: hours of an attendee's kubectl use; older ones are dropped first. */
const KEPT_REQUESTS = 5000;

/**
 * One line of the API server's audit log, as far as Labdeck reads it. The log is written on master1, where
 * the attendee is root: a line that does not have this shape is skipped, never trusted in part.
 */
const AuditLine = z.object({
  auditID: z.string().min(1).max(100),
  stage: z.string().max(40),
  verb: z.string().max(40),
  userAgent: z.string().max(1000).default(''),
  sourceIPs: z.array(z.string().max(100)).max(20).default([]),
  objectRef: z
    .object({
      resource: z.string().max(253).optional(),
      subresource: z.string().max(253).optional(),
      namespace: z.string().max(253).optional(),
      name: z.string().max(253).optional(),
    })
    .optional(),
  responseStatus: z.object({ code: z.number().int().optional() }).optional(),
  requestReceivedTimestamp: z.string().datetime({ offset: true }),
});

/** A request from one line of the audit log, or null for anything else. */
export function parseAuditLine(line: string): ApiRequest | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  const parsed = AuditLine.safeParse(value);
  if (!parsed.success) return null;
  const event = parsed.data;
  const ref = event.objectRef ?? {};
  return {
    auditID: event.auditID,
    verb: event.verb,
    ...(ref.resource ? { resource: ref.resource } : {}),
    ...(ref.subresource ? { subresource: ref.subresource } : {}),
    ...(ref.namespace ? { namespace: ref.namespace } : {}),
    ...(ref.name ? { name: ref.name } : {}),
    sourceIP: event.sourceIPs[0] ?? '',
    userAgent: event.userAgent,
    receivedAt: new Date(event.requestReceivedTimestamp).toISOString(),
    ...(event.responseStatus?.code !== undefined ? { code: event.responseStatus.code } : {}),
  };
}

export interface ApiAuditSource {
  /** Whether the cluster's API server keeps the audit log Labdeck reads (false: a kubeconfig's cluster). */
  readonly available: boolean;
  requests(): readonly ApiRequest[];
  subscribe(listener: () => void): () => void;
}

/**
 * Follows master1's audit log (api-audit-config.ts) as the API server writes it, keeping kubectl's
 * requests: the evidence that a recorded kubectl command really reached the cluster.
 */
export class ApiAuditLog implements ApiAuditSource {
  readonly #follower: ContainerFileFollower;
  readonly #listeners = new Set<() => void>();
  #requests: ApiRequest[] = [];
  #ids = new Set<string>();
  #available = false;

  constructor(docker: Docker, findControlPlane: () => Promise<string | null>) {
    this.#follower = new ContainerFileFollower(docker, {
      findContainer: findControlPlane,
      user: 'root',
      // The whole log first (a restarted backend still matches earlier commands), kubectl's lines only.
      argv: ['sh', '-c', 'tail -n +1 -F "$0" 2>/dev/null | grep --line-buffered -F \'"userAgent":"kubectl\'', AUDIT_LOG_PATH],
      precondition: async (id) => {
        // A cluster made before Labdeck kept an audit log has no such flag: its kubectl lines stay uncorroborated.
        const outcome = await execCollect(docker, id, ['grep', '-q', '--', '--audit-log-path=', '/etc/kubernetes/manifests/kube-apiserver.yaml'], { timeoutMs: 10_000, user: 'root' });
        this.#available = outcome.exitCode === 0;
        return this.#available;
      },
      onLines: (lines, restarted) => this.#add(lines, restarted),
    });
  }

  get available(): boolean {
    return this.#available;
  }

  requests(): readonly ApiRequest[] {
    return this.#requests;
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    void this.#follower.start().catch(() => undefined);
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.#follower.stop();
    };
  }

  dispose(): void {
    this.#listeners.clear();
    this.#follower.stop();
  }

  /** Follows the control plane again after it was created or replaced. */
  reattach(): Promise<void> {
    return this.#follower.reattach();
  }

  #add(lines: string[], restarted: boolean): void {
    if (restarted) {
      this.#requests = [];
      this.#ids = new Set();
      this.#available = false;
    }
    // ResponseStarted and ResponseComplete of one long request share its id: the first is kept.
    const added = lines.flatMap((line) => parseAuditLine(line) ?? []).filter((request) => !this.#ids.has(request.auditID));
    if (added.length === 0 && !restarted) return;
    for (const request of added) this.#ids.add(request.auditID);
    this.#requests = [...this.#requests, ...added];
    if (this.#requests.length > KEPT_REQUESTS) {
      const dropped = this.#requests.slice(0, this.#requests.length - KEPT_REQUESTS);
      for (const request of dropped) this.#ids.delete(request.auditID);
      this.#requests = this.#requests.slice(-KEPT_REQUESTS);
    }
    for (const listener of this.#listeners) listener();
  }
}
