import { describe, expect, it } from 'vitest';
import { spawnHostShell } from './host-shell.ts';

async function nodePtySkipReason(): Promise<string | null> {
  try {
    await import('node-pty');
    return null;
  } catch (error) {
    return `node-pty cannot load here (${error instanceof Error ? error.message : String(error)})`;
  }
}

const skipReason = await nodePtySkipReason();
if (skipReason) console.warn(`[host-shell.integration] skipped: ${skipReason}`);

describe.skipIf(skipReason !== null)('spawnHostShell', () => {
  it('starts the user shell with KUBECONFIG pointing at the lab and hands out raw bytes', async () => {
    const shell = await spawnHostShell({ cols: 80, rows: 24, kubeconfigPath: '/tmp/labdeck-test/kubeconfig.yaml' });
    const chunks: Uint8Array[] = [];
    shell.onData((chunk) => chunks.push(chunk));
    const exited = new Promise<number | null>((resolve) => shell.onExit((code) => resolve(code)));
    shell.write('printf "%s|\\342\\202\\254\\n" "$KUBECONFIG"; exit 3\r');
    const code = await exited;
    const text = Buffer.concat(chunks).toString('utf8');
    expect(chunks.every((chunk) => chunk instanceof Uint8Array)).toBe(true);
    expect(text).toContain('/tmp/labdeck-test/kubeconfig.yaml|€');
    expect(code).toBe(3);
  });
});
