import { parentPort } from 'node:worker_threads';
import { bundledKubernetesSchema, type JsonSchema } from '../cluster/kube-schema.ts';
import { analyzeManifest, LastAnalysis } from '../cluster/manifest-analysis.ts';
import { encodeResult, RequestSchema, type Response } from './manifest-protocol.ts';

/**
 * The worker thread that parses and validates manifests (manifest-checker.ts starts it), so a 1 MB manifest
 * costs the backend's event loop, which in Electron is the main process and its window, nothing but the
 * messages. Bundled as its own entry point (electron/build/bundle.ts, bundle-cli.ts).
 */
const port = parentPort;
if (!port) throw new Error('manifest-worker.ts runs as a worker thread (see manifest-checker.ts)');

let schema: { version: number; value: JsonSchema } = { version: 0, value: bundledKubernetesSchema() };
const last = new LastAnalysis();

// Builds the schema's kind index and compiles the hot paths before the first job's clock starts.
analyzeManifest('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: warm-up\ndata:\n  a: b\n', schema.value);
const ready: Response = { type: 'ready' };
port.postMessage(ready);

port.on('message', (data: unknown) => {
  const request = RequestSchema.safeParse(data);
  if (!request.success) return;
  if (request.data.type === 'schema') {
    const { version, json } = request.data;
    schema = { version, value: json === null ? bundledKubernetesSchema() : (JSON.parse(json) as JsonSchema) };
    return;
  }
  const { id, text, schemaVersion, documents } = request.data;
  try {
    if (schemaVersion !== schema.version) throw new Error(`the worker has schema ${schema.version}, not ${schemaVersion}`);
    const { analysis, parsed } = last.analyze(text, schema);
    const { message, transfer } = encodeResult(id, analysis, documents, parsed);
    port.postMessage(message, transfer);
  } catch (error) {
    const failure: Response = { type: 'failure', id, message: error instanceof Error ? error.message : String(error) };
    port.postMessage(failure);
  }
});
