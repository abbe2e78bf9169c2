import { z } from 'zod';

/**
 * How an error crosses the API boundary: a stable code, a message for humans, and the next thing the user
 * should do. Stack traces stay in the backend log.
 */
export const ApiErrorSchema = z.object({
  name: z.string(),
  code: z.string(),
  message: z.string(),
  action: z.string().optional(),
  details: z.unknown().optional(),
});
export type ApiError = z.infer<typeof ApiErrorSchema>;

export type ErrorCode =
  | 'invalid-request'
  | 'invalid-response'
  | 'unknown-call'
  | 'unauthorized'
  | 'not-found'
  | 'conflict'
  | 'docker-unavailable'
  | 'environment-not-ready'
  | 'kubernetes-error'
  | 'cancelled'
  | 'disconnected'
  | 'internal';

/** An error whose message and action are written for the attendee, not the developer. */
export class LabdeckError extends Error {
  override readonly name = 'LabdeckError';
  readonly code: ErrorCode;
  readonly action: string | undefined;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options: { action?: string; details?: unknown; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.action = options.action;
    this.details = options.details;
  }

  toApiError(): ApiError {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(this.action === undefined ? {} : { action: this.action }),
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

/** Turns anything thrown into an ApiError without leaking internals of unexpected failures. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof LabdeckError) return error.toApiError();
  const message = error instanceof Error ? error.message : String(error);
  return {
    name: 'InternalError',
    code: 'internal',
    message,
    action: 'This is a Labdeck bug or an unexpected state. Try again; if it persists, run `labdeck env diagnostics` and share the archive.',
  };
}

/** The renderer-side error: rebuilt from an ApiError so UI code can show message and action. */
export class RemoteError extends Error {
  override readonly name = 'RemoteError';
  constructor(readonly apiError: ApiError) {
    super(apiError.message);
  }
  get code(): string {
    return this.apiError.code;
  }
  get action(): string | undefined {
    return this.apiError.action;
  }
}
