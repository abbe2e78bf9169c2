import { EvidenceJournal } from './evidence-journal.ts';

/**
 * Child process for the SIGKILL test: appends entries as fast as it can and prints each sequence number
 * once append() has resolved (the entry is on disk). The test kills it mid-stream.
 */
const file = process.argv[2];
if (!file) throw new Error('usage: evidence-journal.kill-writer <file>');
const journal = await EvidenceJournal.open(file, { courseId: 'k8s-networking', courseVersion: '1.0.0' });
for (let index = 0; ; index++) {
  const entry = await journal.append({ type: 'check-passed', labId: '1.2', stepId: 'apply', checkId: 'ran-apply', evidence: { index, padding: 'x'.repeat(2000) } });
  process.stdout.write(`${entry.seq}\n`);
}
