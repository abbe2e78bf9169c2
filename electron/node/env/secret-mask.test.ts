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
import { renderInitConfiguration, renderJoinConfiguration } from './kubeadm-config.ts';
import { maskEnvEntry, maskText, maskValue } from './secret-mask.ts';

const proxy = 'http://alice:S3cr3t-pw@proxy.corp.example:3128';

const TOKEN = 'abcdef.0123456789abcdef';

describe('secret masking', () => {
  it('hides secret-named variables whole and proxy credentials inside URLs', () => {
    expect(maskEnvEntry('BOOTSTRAP_TOKEN=abc123')).toBe('BOOTSTRAP_TOKEN=<hidden>');
    expect(maskEnvEntry('REGISTRY_PASSWORD=hunter2')).toBe('REGISTRY_PASSWORD=<hidden>');
    expect(maskEnvEntry(`HTTPS_PROXY=${proxy}`)).toBe('HTTPS_PROXY=http://<hidden>@proxy.corp.example:3128');
    expect(maskEnvEntry(`http_proxy=${proxy}`)).toBe('http_proxy=http://<hidden>@proxy.corp.example:3128');
    expect(maskEnvEntry('ALL_PROXY=socks5://bob@socks.example:1080')).toBe('ALL_PROXY=socks5://<hidden>@socks.example:1080');
    expect(maskEnvEntry('NO_PROXY=localhost,10.1.1.0/24')).toBe('NO_PROXY=localhost,10.1.1.0/24');
    expect(maskEnvEntry('PATH=/usr/bin')).toBe('PATH=/usr/bin');
  });

  it("hides kubeadm's bootstrap token wherever it appears, [a-z0-9]{6}.[a-z0-9]{16}", () => {
    expect(maskText(`[bootstrap-token] Using token: ${TOKEN}`)).toBe('[bootstrap-token] Using token: <hidden>');
    expect(maskText(`kubeadm join 10.1.1.10:6443 --token ${TOKEN} --discovery-token-ca-cert-hash sha256:${'ab'.repeat(32)}`)).toBe(
      `kubeadm join 10.1.1.10:6443 --token <hidden> --discovery-token-ca-cert-hash sha256:${'ab'.repeat(32)}`,
    );
    expect(maskText(`{"token":"${TOKEN}"}`)).toBe('{"token":"<hidden>"}');
    expect(maskText(`a secret is named bootstrap-token-abcdef, its token ${TOKEN}.`)).toBe('a secret is named bootstrap-token-abcdef, its token <hidden>.');
    // Not tokens: other lengths, upper case, versions and addresses.
    for (const text of ['abcde.0123456789abcdef', 'abcdef.0123456789abcdefg', 'ABCDEF.0123456789ABCDEF', 'registry.k8s.io/kube-apiserver:v1.33.4', 'default via 10.1.1.1 dev eth0']) {
      expect(maskText(text)).toBe(text);
    }
  });

  it("hides the token in kubeadm's configuration files (/etc/labdeck/kubeadm*.yaml), whatever its value", () => {
    const config = resolveEnvConfig();
    const init = renderInitConfiguration(config, TOKEN);
    const join = renderJoinConfiguration(config, config.nodes[1]!, 'x'.repeat(6) + '.' + 'y'.repeat(16), `sha256:${'c'.repeat(64)}`);
    for (const text of [init, join]) {
      const masked = maskText(text);
      expect(masked).not.toMatch(/[a-z0-9]{6}\.[a-z0-9]{16}/);
      expect(masked).toMatch(/token: <hidden>/);
      // Everything else stays readable: the file is there to be read.
      expect(masked.split('\n').length).toBe(text.split('\n').length);
    }
    expect(maskText(init)).toContain('podSubnet: 10.244.0.0/16');
    expect(maskText(join)).toContain(`sha256:${'c'.repeat(64)}`);
    // A token that is not in kubeadm's format (kubeconfig users, tlsBootstrapToken) goes too.
    expect(maskText('users:\n- name: x\n  user:\n    token: eyJhbGciOi.payload.sig\n')).toBe('users:\n- name: x\n  user:\n    token: <hidden>\n');
    expect(maskText('  tlsBootstrapToken: s3cr3t')).toBe('  tlsBootstrapToken: <hidden>');
  });

  it('hides token flags in text and argv, and leaves ordinary text alone', () => {
    expect(maskText('kubeadm join --token=s3cr3t --discovery-token s3cr3t --tls-bootstrap-token s3cr3t')).toBe('kubeadm join --token=<hidden> --discovery-token <hidden> --tls-bootstrap-token <hidden>');
    expect(maskText('env BOOTSTRAP_TOKEN=s3cr3t kubeadm')).toBe('env BOOTSTRAP_TOKEN=<hidden> kubeadm');
    expect(maskText(`curl -x ${proxy} https://dl.k8s.io/release/stable.txt`)).toBe('curl -x http://<hidden>@proxy.corp.example:3128 https://dl.k8s.io/release/stable.txt');
    expect(maskText('default via 10.1.1.1 dev eth0')).toBe('default via 10.1.1.1 dev eth0');
  });

  it('hides private keys and inline client keys', () => {
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----';
    expect(maskText(`key:\n${pem}\nafter`)).toBe('key:\n-----BEGIN RSA PRIVATE KEY-----\n<hidden>\n-----END RSA PRIVATE KEY-----\nafter');
    expect(maskText('    client-key-data: LS0tLS1CRUdJTg==\n    client-certificate-data: Q0VSVA==')).toBe('    client-key-data: <hidden>\n    client-certificate-data: Q0VSVA==');
  });

  it('masks structured values: Docker inspect Env and Cmd, engine proxy settings, secret-named keys', () => {
    const masked = maskValue({ Config: { Env: [`HTTP_PROXY=${proxy}`, 'BOOTSTRAP_TOKEN=x'], Cmd: ['kubeadm', 'join', '--token', 'x', '--discovery-token', 'y'] }, HttpProxy: proxy, proxy: { httpProxy: proxy }, apiToken: 'x' });
    const text = JSON.stringify(masked);
    expect(text).not.toContain('S3cr3t');
    expect(text).not.toContain('alice');
    expect(text).not.toMatch(/BOOTSTRAP_TOKEN=x|"apiToken":"x"|"--token","x"|"--discovery-token","y"/);
    expect((masked as { Config: { Cmd: string[] } }).Config.Cmd).toEqual(['kubeadm', 'join', '--token', '<hidden>', '--discovery-token', '<hidden>']);
  });
});

describe('diagnostics archive', () => {
  it('contains no proxy credentials and no bootstrap token anywhere', async () => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'labdeck-diag-'));
    try {
      const inspect = {
        Id: 'c1',
        Config: { Env: ['BOOTSTRAP_TOKEN=abcdef.secretsecretsecr', `HTTP_PROXY=${proxy}`, `https_proxy=${proxy}`], Cmd: ['kubeadm', 'join', '--token', 'abcdef.secretsecretsecr'] },
      };
      const docker = {
        info: async () => ({ HttpProxy: proxy, HttpsProxy: proxy, Name: 'engine' }),
        version: async () => ({ Version: '27.0.0' }),
        listContainers: async () => [{ Id: 'c1', Names: ['/master1'], Labels: { 'dev.labdeck.role': 'server' }, State: 'exited' }],
        getContainer: () => ({
          inspect: async () => inspect,
          logs: async () => Readable.from([Buffer.from(`labdeck-node: using proxy ${proxy}\n[bootstrap-token] Using token: abcdef.secretsecretsecr\n`)]),
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
        expect(text, name).not.toContain('secretsecretsecr');
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
