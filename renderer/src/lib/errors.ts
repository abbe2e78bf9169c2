/** What the UI shows for a failure: what happened and what to do about it. */
export interface ShownError {
  message: string;
  action: string;
}

const FALLBACK_ACTION = 'Try again. If it keeps failing, check the environment card on the Start screen.';

/** Works for RemoteError (which carries the backend's `action`) and for anything else thrown. */
export function describeError(error: unknown): ShownError {
  if (error instanceof Error) {
    const action = (error as Error & { action?: unknown }).action;
    return { message: error.message, action: typeof action === 'string' && action ? action : FALLBACK_ACTION };
  }
  return { message: String(error), action: FALLBACK_ACTION };
}
