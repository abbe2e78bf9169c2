import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { LabdeckError } from '../../common/errors.ts';
import { createCourseBackend } from '../../node/backend/course-backend.ts';
import { folderCourseTrust, packCourseTrust } from '../../node/course-pack/course-trust.ts';
import { hostBundleDir, openPack } from '../../node/course-pack/open-pack.ts';
import { readRememberedCourse } from '../../node/course-pack/remembered-course.ts';
import { TrustStore } from '../../node/course-pack/trust-store.ts';
import { defaultDataDir } from '../../node/data-dir.ts';
import { launchKeyFromEnvironment } from '../../node/host/tab-sessions.ts';
import { startWebHost } from '../../node/host/web-host.ts';
import { loadConfigInput } from './env.ts';
import { inPackage } from '../package-root.ts';
import { askTrustOnTerminal } from './trust-prompt.ts';

interface ServeOptions {
  port: string;
  host: string;
  labs: string;
  dataDir?: string;
  kubeconfig?: string;
  renderer: string;
  config?: string;
  bundle?: string;
  course?: string;
}

/**
 * `labdeck serve`: the whole app in a browser on this machine. Same backend as the Electron window; the
 * address it prints carries a one-time launch code (electron/node/host/tab-sessions.ts).
 */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Serve the Labdeck app to a browser on 127.0.0.1 (prints an address with a one-time launch code)')
    .option('--port <port>', 'port on 127.0.0.1 (0 picks a free one)', '0')
    .option('--host <address>', 'listen address; anything but 127.0.0.1 exposes the app to your network (still protected by the launch code)', '127.0.0.1')
    .option('--labs <dir>', 'course folder; without it, the course last opened with "Open course…", else the one that comes with Labdeck', inPackage('labs'))
    .option('--data-dir <dir>', 'where progress and the cluster kubeconfig are kept (default: per-user folder, or LABDECK_DATA_DIR)')
    .option('--kubeconfig <file>', 'check against this cluster instead of the Labdeck environment (a remote cluster, or a test double)')
    .option('--renderer <dir>', 'the built renderer (npm run build:renderer)', inPackage('dist/renderer'))
    .option('--config <file>', 'environment settings (labdeck.yaml)')
    .option('--bundle <dir>', 'offline bundle folder with image tarballs')
    .option('--course <pack>', 'open a signed course pack (labdeck pack): verified, its publisher trusted once, its images used offline')
    .action(async (options: ServeOptions, command: Command) => {
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new LabdeckError('invalid-request', `--port ${options.port} is not a port number.`, { action: 'Pass a number from 0 to 65535.' });
      }
      const rendererDir = path.resolve(options.renderer);
      if (!existsSync(path.join(rendererDir, 'index.html'))) {
        throw new LabdeckError('not-found', `There is no renderer build in ${rendererDir}.`, { action: 'Run `npm run build:renderer` first, or start with `npm run web`, which builds it.' });
      }
      const dataDir = options.dataDir ?? defaultDataDir();
      let courseTrust = folderCourseTrust(options.labs);
      if (options.course) {
        const opened = await openPack(path.resolve(options.course), { dataDir, trustStore: new TrustStore(dataDir), confirmTrust: askTrustOnTerminal });
        options.labs = opened.courseDir;
        options.bundle ??= hostBundleDir(opened);
        courseTrust = packCourseTrust(options.course, opened.manifest.course.title, opened.publisher);
      } else if (command.getOptionValueSource('labs') === 'default') {
        // No course named: the one last opened with "Open course…" (it was verified when it was opened).
        const remembered = await readRememberedCourse(dataDir);
        if (remembered) {
          options.labs = remembered.courseDir;
          if (remembered.bundleDir) options.bundle ??= remembered.bundleDir;
          courseTrust = remembered.trust;
        }
      }
      const backend = await createCourseBackend({
        shell: 'browser',
        labsDir: options.labs,
        dataDir,
        courseTrust,
        envConfig: await loadConfigInput(options),
        ...(options.kubeconfig ? { kubeconfigOverride: options.kubeconfig } : {}),
      });
      if (options.host !== '127.0.0.1') {
        process.stderr.write(
          `WARNING: listening on ${options.host}, not only on this machine. Anyone who can reach this address and learns an unused launch code, or a tab's secret, can use the lab terminals. Use it only on a network you trust, e.g. for a remote lab machine.\n`,
        );
      }
      const launchKey = launchKeyFromEnvironment(process.env);
      const host = await startWebHost({
        dispatcher: backend.dispatcher,
        events: backend.events,
        rendererDir,
        port,
        bindAddress: options.host,
        // The test harness mints a launch code per page it opens with a key of its own; normally random.
        ...(launchKey ? { launchKey } : {}),
        // Each address opens one tab (tab-sessions.ts): the next one is printed as soon as one was used.
        onLaunched: () => process.stderr.write(`A browser tab opened Labdeck; each address opens one tab. For another tab or browser: ${host.launchUrl()}\n`),
      });
      // The first stdout line is the address, alone, so scripts and tests can read it.
      process.stdout.write(`${host.url}\n`);
      process.stderr.write(`${courseTrust.notice}\n`);
      process.stderr.write(`Labdeck is running. Open the address above in a browser on this machine (it opens one tab; reloading that tab is fine). Ctrl+C stops it.\n`);

      let stopping = false;
      const stop = async () => {
        if (stopping) return;
        stopping = true;
        await host.close();
        await backend.dispose();
        process.exit(0);
      };
      process.on('SIGINT', () => void stop());
      process.on('SIGTERM', () => void stop());
    });
}
