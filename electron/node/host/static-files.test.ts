import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { precompressDir } from '../../build/precompress.ts';
import { createBackend, type Backend } from '../backend/create-backend.ts';
import { acceptsEncoding, resolveStaticFile } from './static-files.ts';
import { startWebHost, type WebHost } from './web-host.ts';

// The renderer build's pre-compressed copies (.br, .gz, written by electron/build/precompress.ts) are sent
// with Content-Encoding when the browser accepts them, and the plain file otherwise.

const script = `${'export const answer = "forty-two";\n'.repeat(400)}`;
let tmp: string;
let rendererDir: string;
let backend: Backend;
let host: WebHost;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'labdeck-static-'));
  rendererDir = path.join(tmp, 'renderer');
  await mkdir(path.join(rendererDir, 'assets'), { recursive: true });
  await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>Labdeck</title>');
  await writeFile(path.join(rendererDir, 'assets', 'app-1234.js'), script);
  await writeFile(path.join(rendererDir, 'assets', 'logo-1234.png'), Buffer.alloc(4096, 1));
  expect(await precompressDir(rendererDir)).toBe(1);
  backend = await createBackend({ shell: 'browser', labsDir: 'labs', dataDir: path.join(tmp, 'data'), kubeconfigOverride: path.join(tmp, 'no-kubeconfig') });
  host = await startWebHost({ dispatcher: backend.dispatcher, events: backend.events, rendererDir, log: () => undefined });
});

afterAll(async () => {
  await host?.close();
  await backend?.dispose();
  await rm(tmp, { recursive: true, force: true });
});

function get(pathname: string, headers: Record<string, string>): Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: host.port, path: pathname, headers: { host: `127.0.0.1:${host.port}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('pre-compressed static files', () => {
  it('reads Accept-Encoding as HTTP means it', () => {
    expect(acceptsEncoding('gzip, deflate, br, zstd', 'br')).toBe(true);
    expect(acceptsEncoding('gzip;q=1.0, br;q=0', 'br')).toBe(false);
    expect(acceptsEncoding('*', 'gzip')).toBe(true);
    expect(acceptsEncoding('*;q=0, br', 'br')).toBe(true);
    expect(acceptsEncoding('*;q=0, br', 'gzip')).toBe(false);
    expect(acceptsEncoding('identity', 'gzip')).toBe(false);
    expect(acceptsEncoding(undefined, 'gzip')).toBe(false);
  });

  it('picks brotli, then gzip, then the plain file; never for files without a copy', async () => {
    const js = '/assets/app-1234.js';
    expect(await resolveStaticFile(rendererDir, js, 'gzip, br')).toMatchObject({ encoding: 'br', contentType: expect.stringContaining('javascript') });
    expect(await resolveStaticFile(rendererDir, js, 'gzip')).toMatchObject({ encoding: 'gzip' });
    expect((await resolveStaticFile(rendererDir, js, 'identity'))?.encoding).toBeUndefined();
    expect((await resolveStaticFile(rendererDir, '/', 'br'))?.encoding).toBeUndefined();
    expect((await resolveStaticFile(rendererDir, '/assets/logo-1234.png', 'br'))?.encoding).toBeUndefined();
  });

  it('sends the copy with Content-Encoding over HTTP, and the same bytes once decoded', async () => {
    const br = await get('/assets/app-1234.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toContain('accept-encoding');
    expect(Number(br.headers['content-length'])).toBe(br.body.length);
    expect(br.body.length).toBeLessThan(script.length / 10);
    expect(zlib.brotliDecompressSync(br.body).toString()).toBe(script);

    const gz = await get('/assets/app-1234.js', { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(gz.body).toString()).toBe(script);

    const plain = await get('/assets/app-1234.js', {});
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(script);
  });
});
