import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as kubernetesModels from 'kubernetes-models';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { schemaKinds, validateKindObject } from './schema-validator.ts';

/**
 * The schema-file validator against the one it replaced: kubernetes-models' Ajv validators (still installed,
 * as the generator's input, and imported here only). Same kinds, same verdicts and same error locations on
 * every manifest of the course and on broken variants of them; the one known difference is that the
 * generated schema says "number" where Kubernetes says integer.
 */

interface Model {
  new (data: unknown): { validate(): void };
  apiVersion: string;
  kind: string;
}

function modelsByKind(): Map<string, Model> {
  const found = new Map<string, Model>();
  const visit = (namespace: unknown, depth: number): void => {
    if (namespace === null || typeof namespace !== 'object' || depth > 3) return;
    for (const value of Object.values(namespace)) {
      const candidate = value as Partial<Model> & { prototype?: { validate?: unknown } };
      if (typeof value === 'function' && typeof candidate.apiVersion === 'string' && typeof candidate.kind === 'string' && typeof candidate.prototype?.validate === 'function') {
        if (!candidate.kind.endsWith('List')) found.set(`${candidate.apiVersion}/${candidate.kind}`, value as Model);
      } else if (typeof value === 'object') {
        visit(value, depth + 1);
      }
    }
  };
  visit(kubernetesModels, 0);
  return found;
}

const models = modelsByKind();

/** The instance paths kubernetes-models reports (sorted, unique), [] when it accepts the object. */
function modelErrorPaths(object: Record<string, unknown>): string[] {
  const Model = models.get(`${String(object.apiVersion)}/${String(object.kind)}`);
  if (!Model) throw new Error(`no model for ${String(object.apiVersion)}/${String(object.kind)}`);
  try {
    new Model(object).validate();
    return [];
  } catch (error) {
    const errors = (error as { errors?: { instancePath: string; keyword: string }[] }).errors ?? [];
    // Ajv adds format errors (int32) the generated schema cannot know about.
    return [...new Set(errors.filter((entry) => entry.keyword !== 'format').map((entry) => entry.instancePath))].sort();
  }
}

function schemaErrorPaths(object: Record<string, unknown>): string[] {
  const errors = validateKindObject(String(object.apiVersion), String(object.kind), object) ?? [];
  return [...new Set(errors.map((entry) => entry.instancePath))].sort();
}

function courseObjects(): Record<string, unknown>[] {
  const root = path.resolve(import.meta.dirname, '../../../labs');
  const objects: Record<string, unknown>[] = [];
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (/\.ya?ml$/.test(entry.name)) {
        for (const document of parseAllDocuments(readFileSync(full, 'utf8'))) {
          if ('errors' in document && document.errors.length > 0) continue;
          const value: unknown = document.toJS();
          if (value && typeof value === 'object' && !Array.isArray(value)) {
            const object = value as Record<string, unknown>;
            if (typeof object.apiVersion === 'string' && typeof object.kind === 'string' && models.has(`${object.apiVersion}/${object.kind}`)) objects.push(object);
          }
        }
      }
    }
  };
  visit(root);
  return objects;
}

/** Broken variants: each top-level and spec field set to a wrong type, and each required field removed. */
function variants(object: Record<string, unknown>): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const spec = object.spec;
  if (spec && typeof spec === 'object' && !Array.isArray(spec)) {
    for (const key of Object.keys(spec)) {
      for (const wrong of [true, 'text', 7, [1], { x: 1 }]) out.push({ ...object, spec: { ...(spec as object), [key]: wrong } });
      const { [key]: _removed, ...rest } = spec as Record<string, unknown>;
      out.push({ ...object, spec: rest });
    }
  }
  out.push({ ...object, metadata: 'not-a-map' }, { ...object, metadata: { name: 5, labels: { a: 1 } } });
  return out;
}

describe('schema-file validation', () => {
  it('knows the kinds kubernetes-models knows', () => {
    // DeploymentRollback has no metadata, so the editor schema (objects you can write) leaves it out.
    const expected = [...models.keys()].filter((key) => !key.endsWith('/DeploymentRollback'));
    expect(new Set(schemaKinds())).toEqual(new Set(expected));
  });

  it('accepts every manifest of the course, as kubernetes-models does', () => {
    const objects = courseObjects();
    expect(objects.length).toBeGreaterThanOrEqual(7);
    for (const object of objects) {
      expect(modelErrorPaths(object)).toEqual([]);
      expect(schemaErrorPaths(object), `${String(object.kind)} ${JSON.stringify(object.metadata)}`).toEqual([]);
    }
  });

  it('rejects the broken variants of them at the same paths as kubernetes-models', () => {
    let compared = 0;
    for (const object of courseObjects()) {
      for (const variant of variants(object)) {
        const expected = modelErrorPaths(variant);
        const actual = schemaErrorPaths(variant);
        expect(actual, `${String(object.kind)} ${JSON.stringify(variant.spec ?? variant.metadata).slice(0, 200)}`).toEqual(expected);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(80);
  });

  it('takes int-or-string fields as either, and nothing else', () => {
    const service = (targetPort: unknown) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80, targetPort }] } });
    expect(validateKindObject('v1', 'Service', service('http'))).toEqual([]);
    expect(validateKindObject('v1', 'Service', service(8080))).toEqual([]);
    expect(validateKindObject('v1', 'Service', service(true))).toEqual([{ instancePath: '/spec/ports/0/targetPort', keyword: 'type', params: { type: 'string or number' } }]);
  });

  it('says nothing about kinds it does not know', () => {
    expect(validateKindObject('example.com/v1', 'Widget', {})).toBeUndefined();
  });
});
