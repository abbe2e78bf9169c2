import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { FuseV1Options } from '@electron/fuses';
import { describe, expect, it } from 'vitest';

// The packaged app's fuses, as the afterPack hook flips them. A fuse left at Electron's default is a door
// left open in every installed copy, so each one is pinned here.

const { labdeckFuses } = createRequire(import.meta.url)('./fuses.cjs') as { labdeckFuses: (platform: string) => Record<number, boolean> };

describe('Electron fuses of packaged builds', () => {
  it.each(['linux', 'darwin', 'mas', 'win32'])('on %s: no Node runtime, no injection, only app.asar, no extra file:// privileges', (platform) => {
    const fuses = labdeckFuses(platform);
    expect(fuses[FuseV1Options.RunAsNode]).toBe(false);
    expect(fuses[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(false);
    expect(fuses[FuseV1Options.EnableNodeCliInspectArguments]).toBe(false);
    expect(fuses[FuseV1Options.OnlyLoadAppFromAsar]).toBe(true);
    expect(fuses[FuseV1Options.EnableCookieEncryption]).toBe(true);
    expect(fuses[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(false);
  });

  it('enforces ASAR integrity where Electron supports it (macOS, Windows), not where it would be a no-op', () => {
    expect(labdeckFuses('darwin')[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(true);
    expect(labdeckFuses('mas')[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(true);
    expect(labdeckFuses('win32')[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(true);
    expect(labdeckFuses('linux')[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(false);
  });

  it('lets electron-builder embed the integrity hash the fuse checks against', () => {
    const config = readFileSync(new URL('../../electron-builder.yml', import.meta.url), 'utf8');
    expect(config).toMatch(/^asar: true$/m);
    expect(config).not.toMatch(/disableAsarIntegrity:\s*true/);
    expect(config).toMatch(/^afterPack: electron\/build\/fuses\.cjs$/m);
  });
});
