import { createInterface } from 'node:readline/promises';
import type { Signer } from '../../node/course-pack/keys.ts';

/**
 * Asks once, on the terminal, whether to trust a pack's publisher, showing name and fingerprint. Without a
 * terminal (scripts, CI) the answer is no, and the caller says how to trust explicitly.
 */
export async function askTrustOnTerminal(publisher: Signer): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question(
      `Trust publisher ${publisher.name} with key fingerprint\n  ${publisher.fingerprint}\nfor every pack it signs? Compare the fingerprint with the one your instructor gave you. [y/N] `,
    );
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    prompt.close();
  }
}
