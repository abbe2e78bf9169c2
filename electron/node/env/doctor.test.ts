import { describe, expect, it } from 'vitest';
import { bundleAirgapPath, bundleFileName, bundleImagePath } from './bundle.ts';
import { cidrContains, cidrsOverlap } from './config.ts';
import { parseProcNetRoute } from './doctor.ts';

describe('host route parsing for the subnet clash check', () => {
  it('decodes /proc/net/route', () => {
    const text = [
      'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
      'eth0\t00000000\t0100A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0',
      'tun0\t0000000A\t00000000\t0001\t0\t0\t0\t000000FF\t0\t0\t0',
      'eth0\t0000A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
    ].join('\n');
    const routes = parseProcNetRoute(text);
    expect(routes).toEqual([
      { iface: 'eth0', cidr: '0.0.0.0/0', mask: 0 },
      { iface: 'tun0', cidr: '10.0.0.0/8', mask: 8 },
      { iface: 'eth0', cidr: '192.168.0.0/24', mask: 24 },
    ]);
    expect(cidrsOverlap('10.0.0.0/8', '10.1.1.0/24')).toBe(true);
    expect(cidrsOverlap('192.168.0.0/24', '10.1.1.0/24')).toBe(false);
    expect(cidrContains('10.1.1.128/25', '10.1.1.10')).toBe(false);
  });
});

describe('bundle file names', () => {
  it('derive from the image reference', () => {
    expect(bundleFileName('rancher/k3s:v1.33.4-k3s1')).toBe('rancher_k3s_v1.33.4-k3s1.tar');
    expect(bundleImagePath('/media/usb/course', 'labdeck/jumphost:1.0.0')).toBe('/media/usb/course/images/labdeck_jumphost_1.0.0.tar');
    expect(bundleAirgapPath('/b', 'nginx:1.14.2')).toBe('/b/airgap/nginx_1.14.2.tar');
  });
});
