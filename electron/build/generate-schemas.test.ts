import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatedSchemas, SCHEMA_DIR } from './generate-schemas.ts';

describe('resources/schemas', () => {
  it('match the zod schemas (regenerate with `npx tsx electron/build/generate-schemas.ts`)', async () => {
    for (const [file, content] of Object.entries(generatedSchemas())) {
      const committed = await readFile(path.join(SCHEMA_DIR, file), 'utf8').catch(() => '');
      expect(committed, `${file} is stale`).toBe(content);
    }
  });

  it('describe the lab file fields instructors write', () => {
    const lab = JSON.parse(generatedSchemas()['lab.schema.json'] ?? '{}') as { required?: string[]; properties?: Record<string, unknown> };
    expect(lab.required).toEqual(expect.arrayContaining(['id', 'slug', 'title', 'steps']));
    expect(Object.keys(lab.properties ?? {})).toEqual(expect.arrayContaining(['requires', 'cleanSlate', 'introduction']));
  });
});
