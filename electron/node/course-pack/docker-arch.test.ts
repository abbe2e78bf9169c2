import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerArch } from './open-pack.ts';

describe('one name per CPU', () => {
  it('names CPUs as Docker and packs do (amd64, arm64), never as Node does (x64)', () => {
    expect(dockerArch('x64')).toBe('amd64');
    expect(dockerArch('arm64')).toBe('arm64');
  });

  it('shows no Node CPU name in what the app says about a pack (issue 21: "x64" in the app, "amd64" in the CLI)', () => {
    const source = readFileSync(path.join(import.meta.dirname, '../backend/course-backend.ts'), 'utf8');
    expect(source).not.toMatch(/\$\{process\.arch\}/);
  });
});
