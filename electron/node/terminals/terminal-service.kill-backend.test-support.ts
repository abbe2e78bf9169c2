import type { InteractiveProcess, LabContainers } from '../backend/ports.ts';
import { TerminalService } from './terminal-service.ts';

/**
 * Child process for the SIGKILL test: a backend with a jumphost terminal whose shell prints a screen; it
 * says "ready" once the screen has had time to be saved and then waits to be killed.
 */
const stateFile = process.argv[2];
if (!stateFile) throw new Error('usage: terminal-service.kill-backend <state-file>');
let emit: (chunk: Uint8Array) => void = () => undefined;
const shell: InteractiveProcess = {
  onData: (listener) => (emit = listener),
  onExit: () => undefined,
  write: () => undefined,
  resize: () => undefined,
  pause: () => undefined,
  resume: () => undefined,
  kill: () => undefined,
};
const containers = {
  containerFor: async () => 'c-jump',
  execInteractive: async () => shell,
} as unknown as LabContainers;
const service = new TerminalService({
  containers,
  cluster: { kubeConfig: async () => null, kubeconfigPath: async () => null, onChange: () => () => undefined },
  events: { emit: () => undefined },
  stateFile,
});
await service.open({ target: { kind: 'jumphost' }, cols: 80, rows: 24 }, 'client');
emit(new TextEncoder().encode('ubuntu@jumphost:~$ kubectl get pods\r\nNAME    READY   STATUS\r\nmypod   1/1     Running\r\nubuntu@jumphost:~$ '));
setTimeout(() => process.stdout.write('ready\n'), 2500);
setInterval(() => undefined, 1000);
