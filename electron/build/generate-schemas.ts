import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { CourseFileSchema, LabFileSchema } from '../node/course-format/lab-schema.ts';
import { SelftestFileSchema } from '../node/course-format/selftest-schema.ts';

/**
 * Writes the JSON schemas editors use to validate and complete lab files (resources/schemas/*.json),
 * generated from the zod schemas the loader itself validates with, so the two can never disagree.
 * A unit test fails when the committed files are stale: run `npx tsx electron/build/generate-schemas.ts`.
 */

export const SCHEMA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../resources/schemas');

const BASE_URL = 'https://labdeck.dev/schemas';

function render(schema: z.ZodType, file: string, title: string): string {
  // "input": what an author writes; fields with defaults are optional there.
  const json = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' });
  return `${JSON.stringify({ ...json, $id: `${BASE_URL}/${file}`, title }, null, 2)}\n`;
}

/** File name -> content of every generated schema. */
export function generatedSchemas(): Record<string, string> {
  return {
    'lab.schema.json': render(LabFileSchema, 'lab.schema.json', 'Labdeck lab file (labs/<id>-<slug>/lab.yaml)'),
    'course.schema.json': render(CourseFileSchema, 'course.schema.json', 'Labdeck course file (labs/course.yaml)'),
    'selftest.schema.json': render(SelftestFileSchema, 'selftest.schema.json', 'Labdeck lab self-test (labs/<id>-<slug>/selftest.yaml)'),
  };
}

async function main(): Promise<void> {
  await mkdir(SCHEMA_DIR, { recursive: true });
  for (const [file, content] of Object.entries(generatedSchemas())) {
    await writeFile(path.join(SCHEMA_DIR, file), content);
    process.stdout.write(`wrote ${path.relative(process.cwd(), path.join(SCHEMA_DIR, file))}\n`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
