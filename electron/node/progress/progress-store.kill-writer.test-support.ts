import { ProgressStore } from './progress-store.ts';

/**
 * Child process for the SIGKILL test: saves progress as fast as it can (every hint is one save) and prints
 * how many hints are on disk once each save has finished. The test kills it mid-stream.
 */
const file = process.argv[2];
if (!file) throw new Error('usage: progress-store.kill-writer <file>');
const course = { courseId: 'test-course', labs: Array.from({ length: 40 }, (_, lab) => ({ id: `1.${lab}`, steps: [{ id: 'step', checkIds: ['check'], hintCount: 1 }] })) };
const store = await ProgressStore.open({ file, catalog: course, events: { emit: () => undefined }, saveDelayMs: 0 });
for (let lab = 0; ; lab = (lab + 1) % 40) {
  store.reset(`1.${lab}`);
  store.revealHint(`1.${lab}`, 'step');
  await store.flush();
  process.stdout.write('saved\n');
}
