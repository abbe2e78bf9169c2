import { PassThrough, Readable } from 'node:stream';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import type Docker from 'dockerode';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { resolveEnvConfig } from './config.ts';
import { writeDiagnostics } from './diagnostics.ts';
import { maskEnvEntry, maskText, maskValue } from './secret-mask.ts';

const proxy = 'http://alice:S3cr3t-pw@proxy.corp.example:3128';

describe('secret masking', () => {
  it('hides secret-named variables whole and proxy credentials inside URLs', () => {
    expect(maskEnvEntry('K3S_TOKEN=abc123')).toBe('K3S_TOKEN=<hidden>');
    expect(maskEnvEntry('REGISTRY_PASSWORD=hunter2')).toBe('REGISTRY_PASSWORD=<hidden>');
    expect(maskEnvEntry(`HTTPS_PROXY=${proxy}`)).toBe('HTTPS_PROXY=http://<hidden>@proxy.corp.example:3128');
    expect(maskEnvEntry(`http_proxy=${proxy}`)).toBe('http_proxy=http://<hidden>@proxy.corp.example:3128');
    expect(maskEnvEntry('ALL_PROXY=socks5://bob@socks.example:1080')).toBe('ALL_PROXY=socks5://<hidden>@socks.example:1080');
    expect(maskEnvEntry('NO_PROXY=localhost,10.1.1.0/24')).toBe('NO_PROXY=localhost,10.1.1.0/24');
    expect(maskEnvEntry('PATH=/usr/bin')).toBe('PATH=/usr/bin');
  });

  it('hides k3s token settings and flags in text, and leaves ordinary text alone', () => {
    expect(maskText('token: K10abc::server:def\nnode-ip: 10.1.1.2')).toBe('token: <hidden>\nnode-ip: 10.1.1.2');
    expect(maskText('k3s agent --token K10abc --server https://master1:6443')).toBe('k3s agent --token <hidden> --server https://master1:6443');
    expect(maskText('--token=K10abc')).toBe('--token=<hidden>');
    expect(maskText('env K3S_TOKEN=K10abc k3s')).toBe('env K3S_TOKEN=<hidden> k3s');
    expect(maskText(`curl -x ${proxy} https://get.k3s.io`)).toBe('curl -x http://<hidden>@proxy.corp.example:3128 https://get.k3s.io');
    expect(maskText('default via 10.1.1.1 dev eth0')).toBe('default via 10.1.1.1 dev eth0');
  });

  it('masks structured values: Docker inspect Env, engine proxy settings, secret-named keys', () => {
    const masked = maskValue({ Config: { Env: [`HTTP_PROXY=${proxy}`, 'K3S_TOKEN=x'], Cmd: ['server', '--token', 'x'] }, HttpProxy: proxy, proxy: { httpProxy: proxy }, apiToken: 'x' });
    const text = JSON.stringify(masked);
    expect(text).not.toContain('S3cr3t');
    expect(text).not.toContain('alice');
    expect(text).not.toMatch(/K3S_TOKEN=x|"apiToken":"x"/);
  });
});

describe('diagnostics archive', () => {
  it('contains no proxy credentials and no cluster token anywhere', async () => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'labdeck-diag-'));
    try {
      const inspect = {
        Id: 'c1',
        Config: { Env: ['K3S_TOKEN=K10secret-token', `HTTP_PROXY=${proxy}`, `https_proxy=${proxy}`], Cmd: ['agent', '--token', 'K10secret-token'] },
      };
      const docker = {
        info: async () => ({ HttpProxy: proxy, HttpsProxy: proxy, Name: 'engine' }),
        version: async () => ({ Version: '27.0.0' }),
        listContainers: async () => [{ Id: 'c1', Names: ['/master1'], Labels: { 'dev.labdeck.role': 'server' }, State: 'exited' }],
        getContainer: () => ({
          inspect: async () => inspect,
          logs: async () => Readable.from([Buffer.from(`level=info msg="Using proxy ${proxy}"\nK3S_TOKEN=K10secret-token\n`)]),
        }),
        modem: { demuxStream: (stream: Readable, out: PassThrough) => stream.pipe(out) },
      } as unknown as Docker;
      const file = path.join(tmp, 'diag.tar.gz');
      const config = resolveEnvConfig({ proxy: { httpProxy: proxy, httpsProxy: proxy } });
      await writeDiagnostics(docker, config, file, { config });
      const contents = await untar(file);
      expect(Object.keys(contents)).toEqual(expect.arrayContaining(['config.json', 'docker-info.json', 'containers/master1/inspect.json', 'containers/master1/log.txt']));
      for (const [name, text] of Object.entries(contents)) {
        expect(text, name).not.toContain('S3cr3t-pw');
        expect(text, name).not.toContain('alice');
        expect(text, name).not.toContain('K10secret-token');
      }
      expect(contents['containers/master1/inspect.json']).toContain('proxy.corp.example:3128');
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });
});

async function untar(file: string): Promise<Record<string, string>> {
  const extract = tar.extract();
  const files: Record<string, string> = {};
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: unknown) => void chunks.push(chunk as Buffer));
      stream.on('end', () => {
        files[header.name] = Buffer.concat(chunks).toString('utf8');
        next();
      });
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  extract.end(zlib.gunzipSync(await readFile(file)));
  await done;
  return files;
}
