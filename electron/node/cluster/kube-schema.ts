import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import bundledSchema from '../../../resources/schemas/kubernetes.schema.json' with { type: 'json' };

/** A JSON schema (draft 7) covering every built-in kind, in the shape monaco-yaml expects. */
export type JsonSchema = Record<string, unknown>;

interface OpenApiV2Definition {
  properties?: Record<string, unknown>;
  additionalProperties?: unknown;
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  [key: string]: unknown;
}

/** The schema shipped with Labdeck, generated from `kubernetes-models` by electron/build/generate-kube-schema.ts. */
export function bundledKubernetesSchema(): JsonSchema {
  return bundledSchema as JsonSchema;
}

/**
 * Builds the editor schema from the API server's own OpenAPI v2 document, so completion and validation
 * match the cluster's version exactly (and include its CRDs).
 */
export function schemaFromOpenApiV2(document: { definitions?: Record<string, OpenApiV2Definition> }): JsonSchema {
  const definitions: Record<string, OpenApiV2Definition> = {};
  const kinds: { apiVersion: string; kind: string; ref: string }[] = [];
  for (const [name, definition] of Object.entries(document.definitions ?? {})) {
    definitions[name] = closeObject(definition);
    for (const gvk of definition['x-kubernetes-group-version-kind'] ?? []) {
      if (gvk.kind.endsWith('List') || !definition.properties?.metadata) continue;
      kinds.push({ apiVersion: gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version, kind: gvk.kind, ref: `#/definitions/${name}` });
    }
  }
  return kindDispatchSchema(kinds, definitions);
}

/**
 * One root schema for any Kubernetes object: `kind` and `apiVersion` complete from the known kinds, and the
 * rest of the document is checked against the definition its apiVersion/kind select.
 */
export function kindDispatchSchema(kinds: { apiVersion: string; kind: string; ref: string }[], definitions: Record<string, unknown>): JsonSchema {
  kinds.sort((a, b) => a.kind.localeCompare(b.kind) || a.apiVersion.localeCompare(b.apiVersion));
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'Kubernetes object',
    type: 'object',
    required: ['apiVersion', 'kind', 'metadata'],
    properties: {
      apiVersion: { type: 'string', enum: [...new Set(kinds.map((entry) => entry.apiVersion))].sort() },
      kind: { type: 'string', enum: [...new Set(kinds.map((entry) => entry.kind))] },
    },
    allOf: kinds.map((entry) => ({
      if: { properties: { apiVersion: { const: entry.apiVersion }, kind: { const: entry.kind } }, required: ['apiVersion', 'kind'] },
      then: { $ref: entry.ref },
    })),
    definitions,
  };
}

/** Unknown fields are almost always typos (`contianers`); say so the way `kubectl apply` does with strict validation. */
function closeObject(definition: OpenApiV2Definition): OpenApiV2Definition {
  if (!definition.properties || definition.additionalProperties !== undefined || definition['x-kubernetes-preserve-unknown-fields']) {
    return definition;
  }
  return { ...definition, additionalProperties: false };
}

/** GETs a JSON document from the API server with the kubeconfig's credentials. */
export async function getJson(kubeConfig: KubeConfig, path: string, timeoutMs = 10_000): Promise<unknown> {
  const server = kubeConfig.getCurrentCluster()?.server;
  if (!server) throw new Error('the kubeconfig names no cluster server');
  const url = new URL(path, server);
  const options: https.RequestOptions = { method: 'GET', headers: { Accept: 'application/json' }, timeout: timeoutMs };
  await kubeConfig.applyToHTTPSOptions(options);
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.request(url, options, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if ((response.statusCode ?? 0) >= 300) return reject(new Error(`GET ${path} answered ${response.statusCode}`));
        try {
          resolve(JSON.parse(body));
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${path} timed out`)));
    request.on('error', reject);
    request.end();
  });
}
