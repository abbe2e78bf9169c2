import { createBackend } from './create-backend.ts';

// Run by no-docker.test.ts in a child process, with DOCKER_HOST pointing at a socket nobody listens on: a real
// backend as the shells build it, the first lab step opened (its command checks follow the jumphost's command
// log, which needs Docker), then more calls. Prints one JSON line per answer; the process must stay alive.

const dataDir = process.argv[2] as string;
const context = { clientId: 'no-docker' };
const print = (line: unknown) => process.stdout.write(`${JSON.stringify(line)}\n`);

const backend = await createBackend({ shell: 'browser', labsDir: 'labs', dataDir });
const activated = await backend.dispatcher.dispatch('labs.activate', { labId: '1.1', stepId: 'get-nodes' }, context);
print({ call: 'labs.activate', ok: activated.ok });
// Long enough for the command log's attach to fail and for Node to report a rejection nobody handled.
await new Promise((resolve) => setTimeout(resolve, 1500));
const listed = await backend.dispatcher.dispatch('labs.list', {}, context);
print({ call: 'labs.list', ok: listed.ok });
const status = await backend.dispatcher.dispatch('env.status', {}, context);
print({ call: 'env.status', ok: status.ok, value: status.ok ? status.value : status.error });
// Whatever else rejects unhandled is logged (stderr) and the backend keeps going.
void Promise.reject(new Error('a deliberate unhandled rejection'));
await new Promise((resolve) => setTimeout(resolve, 100));
print({ call: 'labs.get', ok: (await backend.dispatcher.dispatch('labs.get', { labId: '1.1' }, context)).ok });
await backend.dispose();
print({ done: true });
