import { describe, expect, it } from 'vitest';
import { mirrorImages, resolveEnvConfig } from './config.ts';
import { SYSTEM_IMAGES } from './versions.ts';

describe('environment configuration', () => {
  it("defaults to the guide's kubeadm cluster", () => {
    const config = resolveEnvConfig();
    expect(config.kubernetes).toMatchObject({ podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/12', clusterDns: '10.96.0.10', flannelBackend: 'vxlan' });
    expect(config.nodes.map(({ name, ip }) => `${name} ${ip}`)).toEqual(['master1 10.1.1.10', 'worker1 10.1.1.7', 'worker2 10.1.1.8']);
    expect(config.network.masquerade).toBe(true);
  });

  it('refuses a cluster DNS address kubeadm would not give CoreDNS', () => {
    expect(() => resolveEnvConfig({ kubernetes: { serviceSubnet: '10.100.0.0/16' } })).toThrow(/tenth address of 10\.100\.0\.0\/16/);
    expect(resolveEnvConfig({ kubernetes: { serviceSubnet: '10.100.0.0/16', clusterDns: '10.100.0.10' } }).kubernetes.clusterDns).toBe('10.100.0.10');
  });

  it('refuses a registry mirror address that collides with a node or lies in the automatic range', () => {
    expect(() => resolveEnvConfig({ registry: { ip: '10.1.1.7' } })).toThrow(/unique/);
    expect(() => resolveEnvConfig({ registry: { ip: '10.1.1.200' } })).toThrow(/Docker assigns automatically/);
  });

  it('mirrors the system images and the course images once each', () => {
    expect(mirrorImages(resolveEnvConfig({ workloadImages: ['nginx:latest', 'nginx:latest', SYSTEM_IMAGES[0]] }))).toEqual([...SYSTEM_IMAGES, 'nginx:latest']);
  });
});
