import { ApiException } from '@kubernetes/client-node';
import type { ManifestProblem } from '../../common/api/cluster.ts';
import { LabdeckError } from '../../common/errors.ts';
import type { ManifestDocument } from './manifest-documents.ts';

interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

interface KubeStatus {
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes?: StatusCause[] };
}

/** HTTP status of a Kubernetes API error, or null when the request never got an answer. */
export function statusCodeOf(error: unknown): number | null {
  return error instanceof ApiException ? error.code : null;
}

function statusBody(error: ApiException<unknown>): KubeStatus {
  const body: unknown = typeof error.body === 'string' ? safeJson(error.body) : error.body;
  return typeof body === 'object' && body !== null ? (body as KubeStatus) : { message: typeof error.body === 'string' ? error.body : undefined };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text };
  }
}

/**
 * Turns the API server's refusal of one document into problems at the lines the user wrote: each cause
 * that names a field points at that field, anything else at the document's metadata.name line.
 * Errors that are not answers from the API server (it is unreachable) are rethrown as such.
 */
export function problemsFromApiError(error: unknown, document: ManifestDocument): ManifestProblem[] {
  const { apiVersion, kind } = document.object;
  // Discovery found no such resource: the client says so before any request for the object is made.
  if (error instanceof Error && error.message.startsWith('Unrecognized API version and kind')) {
    return [
      {
        line: document.lineOf('kind') ?? document.line,
        column: 1,
        message: `The cluster has no kind ${kind} in ${apiVersion}. Check apiVersion and kind (kubectl api-resources lists what it serves).`,
        source: 'api-server',
      },
    ];
  }
  if (!(error instanceof ApiException)) throw unreachable(error);
  const status = statusBody(error);
  const summary = status.message ?? `the API server answered ${error.code}`;
  const causes = (status.details?.causes ?? []).filter((cause) => cause.field || cause.message);
  const label = `${document.object.kind} ${document.object.metadata.name}`;
  if (causes.length === 0) {
    return [{ line: document.line, column: 1, message: `${label}: ${summary}`, source: 'api-server' }];
  }
  return causes.map((cause) => ({
    line: (cause.field ? document.lineOf(cause.field) : null) ?? document.line,
    column: 1,
    message: `${label}: ${cause.field ? `${cause.field}: ` : ''}${cause.message ?? cause.reason ?? summary}`,
    source: 'api-server',
  }));
}

export function unreachable(error: unknown): LabdeckError {
  if (error instanceof LabdeckError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new LabdeckError('kubernetes-error', `The cluster's API server did not answer (${detail}).`, {
    action: 'Check on the start screen that the environment is running, then try again.',
    cause: error,
  });
}
