import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withContentSecurityPolicyMeta } from '../common/csp.ts';

/**
 * Runs Doyensec's Electronegativity (static checks for Electron misconfigurations) over the shell's own
 * code: electron/electron-main and electron/preload, without their tests. One scan covers the real code
 * ("clean/") and three deliberately broken copies of window.ts, which proves the scanner really parses our
 * TypeScript and would catch a regression rather than silently finding nothing.
 */

interface Issue {
  id: string;
  file: string;
  severity: { name: string };
  confidence: { name: string };
  location: { line: number; column: number };
  manualReview: boolean;
  description: string;
}
interface ScanResult {
  globalChecks: number;
  atomicChecks: number;
  errors: { file: string; message: string; tolerable: boolean }[];
  issues: Issue[];
}
type Run = (options: Record<string, unknown>, forCli: boolean) => Promise<ScanResult>;

const repoRoot = path.resolve(import.meta.dirname, '../..');
const scanned = ['electron/electron-main', 'electron/preload'];

/** Checks that must never report anything: the webPreferences and session hardening the shell relies on. */
const mustBeClean = [
  'CONTEXT_ISOLATION_JS_CHECK',
  'NODE_INTEGRATION_JS_CHECK',
  'NODE_INTEGRATION_ATTACH_EVENT_JS_CHECK',
  'SANDBOX_JS_CHECK',
  'WEB_SECURITY_JS_CHECK',
  'INSECURE_CONTENT_JS_CHECK',
  'EXPERIMENTAL_FEATURES_JS_CHECK',
  'BLINK_FEATURES_JS_CHECK',
  'ALLOWPOPUPS_HTML_CHECK',
  'AUXCLICK_JS_CHECK',
  'REMOTE_MODULE_JS_CHECK',
  'DANGEROUS_FUNCTIONS_JS_CHECK',
  'CERTIFICATE_ERROR_EVENT_JS_CHECK',
  'CERTIFICATE_VERIFY_PROC_JS_CHECK',
  'CUSTOM_ARGUMENTS_JS_CHECK',
  'SECURITY_WARNINGS_DISABLED_JS_CHECK',
  'PERMISSION_REQUEST_HANDLER_GLOBAL_CHECK',
  'LIMIT_NAVIGATION_GLOBAL_CHECK',
  'HTTP_RESOURCES_WITH_NODE_INTEGRATION_GLOBAL_CHECK',
];

/**
 * Findings a person has reviewed; anything else fails the test. Both fire for any use of the feature at
 * all (a preload, a non-constant openExternal) and ask for a manual review, which is recorded here.
 * - CSP_GLOBAL_CHECK (LOW only, see below): style-src keeps 'unsafe-inline' for Monaco and Svelte.
 * - OPEN_EXTERNAL_JS_CHECK: shell.openExternal is only reached with URLs that passed isAllowedExternalUrl.
 * - PRELOAD_JS_CHECK: the preload exposes two functions (electron/preload/bridge.ts, tested).
 */
const reviewed = new Map<string, string>([
  ['CSP_GLOBAL_CHECK', "style-src 'unsafe-inline' for Monaco and Svelte; scripts are 'self' only"],
  ['OPEN_EXTERNAL_JS_CHECK', 'guarded by isAllowedExternalUrl'],
  ['PRELOAD_JS_CHECK', 'minimal contextBridge API'],
]);

/** Sets one webPreferences key in window.ts's source (or removes it when value is undefined). */
const setPreference = (source: string, key: string, value: string | undefined): string =>
  source.replace(new RegExp(`^(\\s*)${key}\\s*:[^,\\n]*,[^\\n]*\\n`, 'm'), value === undefined ? '' : `$1${key}: ${value},\n`);

/** Each mutant weakens window.ts; the scanner must report `check` for it. */
const mutants: Record<string, { mutate: (source: string) => string; check: string }> = {
  // Electronegativity 1.10 only reports nodeIntegration when no `sandbox` key is present at all (a
  // sandboxed renderer has no Node.js), so this mutant removes that line too; the pinned-preferences test
  // catches `nodeIntegration: true` next to `sandbox: true` on its own.
  'node-integration': { mutate: (source) => setPreference(setPreference(source, 'nodeIntegration', 'true'), 'sandbox', undefined), check: 'NODE_INTEGRATION_JS_CHECK' },
  'context-isolation': { mutate: (source) => setPreference(source, 'contextIsolation', 'false'), check: 'CONTEXT_ISOLATION_JS_CHECK' },
  sandbox: { mutate: (source) => setPreference(source, 'sandbox', 'false'), check: 'SANDBOX_JS_CHECK' },
  'web-security': { mutate: (source) => setPreference(source, 'webSecurity', 'false'), check: 'WEB_SECURITY_JS_CHECK' },
};

let workDir: string;
let result: ScanResult;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'labdeck-electronegativity-'));
  const clean = path.join(workDir, 'clean');
  for (const folder of scanned) {
    const target = path.join(clean, path.basename(folder));
    await mkdir(target, { recursive: true });
    for (const name of await readdir(path.join(repoRoot, folder))) {
      if (name.endsWith('.ts') && !name.endsWith('.test.ts')) await cp(path.join(repoRoot, folder, name), path.join(target, name));
    }
  }
  // The renderer page exactly as the build writes it (the CSP <meta> is added by vite.config.ts).
  const page = await readFile(path.join(repoRoot, 'renderer/index.html'), 'utf8');
  await writeFile(path.join(clean, 'index.html'), withContentSecurityPolicyMeta(page));
  const window = await readFile(path.join(repoRoot, 'electron/electron-main/window.ts'), 'utf8');
  for (const [name, { mutate }] of Object.entries(mutants)) {
    await mkdir(path.join(workDir, `mutant-${name}`));
    await writeFile(path.join(workDir, `mutant-${name}`, 'window.ts'), mutate(window));
  }

  const run = createRequire(import.meta.url)('@doyensec/electronegativity') as Run;
  result = await run(
    {
      input: workDir,
      isRelative: true,
      electronVersionOverride: '41.0.0',
      customScan: [],
      // Needs the network (it downloads Electron's release list) and says nothing about our code.
      excludeFromScan: ['AvailableSecurityFixesGlobalCheck'],
      parserPlugins: [],
    },
    false,
  );
}, 60_000);

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

const inClean = (issue: Issue) => issue.file === 'N/A' || issue.file.split(/[\\/]/)[0] === 'clean';
const describeIssue = (issue: Issue) => `${issue.id} ${issue.severity.name} ${issue.file}:${issue.location.line} ${issue.description}`;

describe('electronegativity', () => {
  it('parses every file it was given', () => {
    expect(result.atomicChecks).toBeGreaterThan(20);
    expect(result.errors.filter((error) => !error.tolerable)).toEqual([]);
  });

  it('finds nothing of HIGH severity and nothing in the hardening checks in the real code', () => {
    const bad = result.issues.filter(inClean).filter((issue) => issue.severity.name === 'HIGH' || mustBeClean.includes(issue.id));
    expect(bad.map(describeIssue)).toEqual([]);
  });

  it('reads the page CSP and finds it strong (nothing above LOW)', () => {
    const csp = result.issues.filter(inClean).filter((issue) => issue.id === 'CSP_GLOBAL_CHECK');
    expect(csp.map(describeIssue)).toEqual([expect.stringMatching(/^CSP_GLOBAL_CHECK LOW /)]);
  });

  it('finds nothing that has not been reviewed', () => {
    const unreviewed = result.issues.filter(inClean).filter((issue) => !reviewed.has(issue.id));
    expect(unreviewed.map(describeIssue)).toEqual([]);
  });

  it('sees webPreferences pinned to secure values in window.ts (catches any single one being flipped)', async () => {
    const window = await readFile(path.join(repoRoot, 'electron/electron-main/window.ts'), 'utf8');
    const pinned = {
      contextIsolation: 'true',
      sandbox: 'true',
      nodeIntegration: 'false',
      nodeIntegrationInWorker: 'false',
      nodeIntegrationInSubFrames: 'false',
      webSecurity: 'true',
      allowRunningInsecureContent: 'false',
      experimentalFeatures: 'false',
      webviewTag: 'false',
    };
    for (const [key, value] of Object.entries(pinned)) {
      const settings = [...window.matchAll(new RegExp(`\\b${key}\\s*:\\s*([^,\\n]+)`, 'g'))].map((match) => match[1]!.trim());
      expect(settings, key).toEqual([value]);
    }
  });

  it.each(Object.entries(mutants))('would catch window.ts with %s weakened', (name, { check }) => {
    const found = result.issues.filter((issue) => issue.file.split(/[\\/]/)[0] === `mutant-${name}`).map((issue) => issue.id);
    expect(found).toContain(check);
  });
});
