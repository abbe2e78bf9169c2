/**
 * "Run in terminal": a command and the shell it is meant for. The answer says where it ran, or why it did
 * not (the node is down), so the button can say so instead of doing nothing.
 */
export type RunResult = { ran: true; where: string } | { ran: false; reason: string };

/** The shell a snippet is meant for: a node's, or the host shell tab (the attendee's laptop); the jumphost's when absent. */
export type SnippetShell = { node: string } | { host: true };

export type RunSnippet = (command: string, shell?: SnippetShell) => Promise<RunResult>;

/** The shell of an API snippet (`node` or `host` set by the lab's `in:`). */
export function snippetShell(snippet: { node?: string | undefined; host?: true | undefined }): SnippetShell | undefined {
  if (snippet.node) return { node: snippet.node };
  if (snippet.host) return { host: true };
  return undefined;
}
