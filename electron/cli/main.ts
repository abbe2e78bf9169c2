import { LabdeckError } from '../common/errors.ts';
import { buildProgram } from './program.ts';

// The `labdeck` command: the same backend services as the app, for instructors, graders and CI. Commands
// are registered in program.ts and loaded only when they run.
try {
  await (await buildProgram(process.argv)).parseAsync(process.argv);
} catch (error) {
  // Errors meant for people (LabdeckError) print their message and what to do next; anything else is a bug
  // and keeps its stack.
  if (error instanceof LabdeckError) {
    process.stderr.write(`labdeck: ${error.message}\n${error.action ? `  → ${error.action}\n` : ''}`);
  } else {
    process.stderr.write(`labdeck: unexpected failure\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exitCode = 1;
}
