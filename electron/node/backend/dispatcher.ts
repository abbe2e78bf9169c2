import { z } from 'zod';
import { calls, isCallName, type CallContext, type CallHandlers, type CallName } from '../../common/api/contract.ts';
import { checkInputSize, maxInputBytes } from '../../common/api/limits.ts';
import { LabdeckError, toApiError, type ApiError } from '../../common/errors.ts';

export type CallOutcome = { ok: true; value: unknown } | { ok: false; error: ApiError };

export interface DispatcherOptions {
  /** Where unexpected failures (bugs, not user errors) are reported with their stack. */
  logUnexpected?: (call: string, error: unknown) => void;
  /**
   * Renderers gone for good (a browser tab closed and not back within its grace period): what they own,
   * their terminals, ends. A transport tells the dispatcher; the dispatcher tells the services.
   */
  onClientsGone?: (clientIds: readonly string[]) => void | Promise<void>;
}

/**
 * The single entry point both transports use. It trusts nothing that arrives: the call name must be in the
 * contract, the input must match the call's schema, and the handler's answer is checked against the output
 * schema before it leaves, so a renderer never sees a shape the contract does not promise.
 */
export class Dispatcher {
  readonly #handlers: CallHandlers;
  readonly #logUnexpected: (call: string, error: unknown) => void;
  readonly #onClientsGone: DispatcherOptions['onClientsGone'];

  constructor(handlers: CallHandlers, options: DispatcherOptions = {}) {
    this.#handlers = handlers;
    this.#onClientsGone = options.onClientsGone;
    this.#logUnexpected = options.logUnexpected ?? ((call, error) => console.error(`[labdeck] ${call} failed unexpectedly:`, error));
  }

  async dispatch(name: unknown, input: unknown, context: CallContext): Promise<CallOutcome> {
    if (!isCallName(name)) {
      // Never String(name): an object with a hostile toString or valueOf would throw here (found by fuzzing).
      const shown = typeof name === 'string' ? JSON.stringify(name.slice(0, 80)) : `of type ${name === null ? 'null' : typeof name}`;
      return failure(new LabdeckError('unknown-call', `There is no call named ${shown}.`, {
        action: 'The window and the backend come from different Labdeck versions; restart Labdeck.',
      }));
    }
    // Bounded before the schema runs, so an oversized input costs no more than its call's bound.
    const size = checkInputSize(input, maxInputBytes(name));
    if (!size.ok) {
      return failure(new LabdeckError('invalid-request', `${name} was called with an input Labdeck does not accept: ${size.reason}.`, {
        action: name.startsWith('cluster.') ? 'Split the manifest into smaller files (at most 1 MB each) and apply them one by one.' : 'Reload the window; if it happens again, report it with the steps that led here.',
      }));
    }
    const parsedInput = calls[name].input.safeParse(input);
    if (!parsedInput.success) {
      return failure(new LabdeckError('invalid-request', `${name} was called with invalid input: ${describeIssues(parsedInput.error)}`, {
        action: 'Reload the window; if it happens again, report it with the steps that led here.',
      }));
    }
    let value: unknown;
    try {
      value = await this.#invoke(name, parsedInput.data, context);
    } catch (error) {
      if (!(error instanceof LabdeckError)) this.#logUnexpected(name, error);
      return { ok: false, error: toApiError(error) };
    }
    const parsedOutput = calls[name].output.safeParse(value);
    if (!parsedOutput.success) {
      const error = new LabdeckError('invalid-response', `${name} produced an answer the contract does not allow: ${describeIssues(parsedOutput.error)}`, {
        action: 'This is a Labdeck bug. Run `labdeck env diagnostics` and report it.',
      });
      this.#logUnexpected(name, error);
      return failure(error);
    }
    return { ok: true, value: parsedOutput.data };
  }

  /** The renderers `clientIds` will never call again. Never throws: a transport calls it from a timer. */
  clientsGone(clientIds: readonly string[]): void {
    if (clientIds.length === 0 || !this.#onClientsGone) return;
    try {
      void Promise.resolve(this.#onClientsGone(clientIds)).catch((error: unknown) => this.#logUnexpected('clientsGone', error));
    } catch (error) {
      this.#logUnexpected('clientsGone', error);
    }
  }

  #invoke(name: CallName, input: unknown, context: CallContext): Promise<unknown> {
    // The input has just been parsed with this call's own schema, so it has the handler's input type.
    const handler = this.#handlers[name] as (input: unknown, context: CallContext) => Promise<unknown>;
    return handler(input, context);
  }
}

function failure(error: LabdeckError): CallOutcome {
  return { ok: false, error: error.toApiError() };
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}
