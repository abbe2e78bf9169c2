import { describe, expect, it } from 'vitest';
import { jumphostRoutes, missingRoutes, parseIpRoutes, routeCommands } from './routes.ts';

describe('jumphost routes', () => {
  const nodes = [
    { name: 'master1', ip: '10.1.1.10', podCIDR: '10.244.0.0/24' },
    { name: 'worker1', ip: '10.1.1.7', podCIDR: '10.244.1.0/24' },
    { name: 'worker2', ip: '10.1.1.8', podCIDR: null },
  ];

  it('routes each pod range via its node and the service range via the server', () => {
    expect(jumphostRoutes(nodes, '10.96.0.0/12', '10.1.1.10')).toEqual([
      { destination: '10.244.0.0/24', via: '10.1.1.10' },
      { destination: '10.244.1.0/24', via: '10.1.1.7' },
      { destination: '10.96.0.0/12', via: '10.1.1.10' },
    ]);
  });

  it('uses idempotent ip route replace commands', () => {
    expect(routeCommands([{ destination: '10.96.0.0/12', via: '10.1.1.10' }])).toEqual([['ip', 'route', 'replace', '10.96.0.0/12', 'via', '10.1.1.10']]);
  });

  it('reads `ip -4 route show` and finds what is missing', () => {
    const output = [
      'default via 10.1.1.1 dev eth0',
      '10.1.1.0/24 dev eth0 proto kernel scope link src 10.1.1.5',
      '10.96.0.0/12 via 10.1.1.10 dev eth0',
      '10.244.0.0/24 via 10.1.1.9 dev eth0',
    ].join('\n');
    const present = parseIpRoutes(output);
    expect(present).toEqual([
      { destination: '10.96.0.0/12', via: '10.1.1.10' },
      { destination: '10.244.0.0/24', via: '10.1.1.9' },
    ]);
    const wanted = jumphostRoutes(nodes, '10.96.0.0/12', '10.1.1.10');
    expect(missingRoutes(wanted, present)).toEqual([
      { destination: '10.244.0.0/24', via: '10.1.1.10' },
      { destination: '10.244.1.0/24', via: '10.1.1.7' },
    ]);
  });
});
