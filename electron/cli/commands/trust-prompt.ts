import { createInterface } from 'node:readline/promises';
import { fingerprintOf, printableKeyName, type Signer } from '../../node/course-pack/keys.ts';

/**
 * The publisher as every trust decision on a terminal shows it, in a fixed layout: the fingerprint computed
 * here from the key (never one a file claims) on its own line first, then the name the publisher chose, made
 * printable and cut to one bounded line, labelled as a claim. Escape codes or line breaks in a name cannot
 * draw another fingerprint or hide this one (issue 21).
 */
export function publisherBlock(publisher: Pick<Signer, 'name' | 'publicKey'>): string {
  return [`  Key fingerprint: ${fingerprintOf(publisher.publicKey)}`, `  Name it claims:  ${JSON.stringify(printableKeyName(publisher.name))}`].join('\n');
}

export function trustQuestion(publisher: Pick<Signer, 'name' | 'publicKey'>): string {
  return [
    'Trust this publisher for every pack its key signs?',
    publisherBlock(publisher),
    'Anyone can claim a name; only the fingerprint identifies the key. Compare it with the one your instructor gave you. [y/N] ',
  ].join('\n');
}

/**
 * Asks once, on the terminal, whether to trust a pack's publisher, showing name and fingerprint. Without a
 * terminal (scripts, CI) the answer is no, and the caller says how to trust explicitly.
 */
export async function askTrustOnTerminal(publisher: Signer): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question(trustQuestion(publisher));
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    prompt.close();
  }
}
