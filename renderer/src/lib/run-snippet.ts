/**
 * "Run in terminal": a command and the shell it is meant for. The answer says where it ran, or why it did
 * not (the node is down), so the button can say so instead of doing nothing.
 */
export type RunResult = { ran: true; where: string } | { ran: false; reason: string };

export type RunSnippet = (command: string, node?: string) => Promise<RunResult>;
