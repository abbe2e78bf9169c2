import os from 'node:os';
import path from 'node:path';

/**
 * The per-user folder for progress, kubeconfigs and logs. The app, `labdeck serve` and every CLI command use
 * the same one, so a grader's `labdeck grade` sees what the attendee did in the window.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LABDECK_DATA_DIR) return env.LABDECK_DATA_DIR;
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Application Support', 'Labdeck');
  if (process.platform === 'win32') return path.join(env.APPDATA ?? path.join(os.homedir(), 'AppData', 'Roaming'), 'Labdeck');
  return path.join(env.XDG_DATA_HOME ?? path.join(os.homedir(), '.local', 'share'), 'labdeck');
}
