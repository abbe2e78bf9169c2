/** Polls until `condition` holds; on timeout the error shows what the terminal printed last. */
export async function waitForTerminal(condition: () => boolean, timeoutMs: number, what: string, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}; terminal output ends with:\n${output().slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
