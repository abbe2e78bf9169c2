import { describe, expect, it } from 'vitest';
import { formatJunit, formatText, type LabGrade } from './grade.ts';

const grade: LabGrade = {
  lab: '1.5',
  title: 'Services & <friends>',
  steps: [
    {
      id: 'svc',
      title: 'Service',
      status: 'failed',
      checks: [
        { id: 'svc-type', kind: 'resource', status: 'failed', message: 'type is "ClusterIP" & expected \'NodePort\' <30080>' },
        { id: 'ran-curl', kind: 'command', status: 'skipped', message: 'no record' },
        { id: 'svc-port', kind: 'resource', status: 'passed', message: 'ok' },
      ],
    },
  ],
  summary: { passed: 1, failed: 1, skipped: 1, total: 3 },
};

describe('grade formats', () => {
  it('escapes XML special characters in JUnit attributes and text', () => {
    const xml = formatJunit([grade]);
    expect(xml).toContain('name="1.5 Services &amp; &lt;friends&gt;"');
    expect(xml).toContain('message="type is &quot;ClusterIP&quot; &amp; expected &apos;NodePort&apos; &lt;30080&gt;"');
    expect(xml).toContain('<testsuites name="labdeck grade" tests="3" failures="1" skipped="1">');
    expect(xml).not.toMatch(/<30080>/);
  });

  it('prints failures with their message in text', () => {
    const text = formatText([grade]);
    expect(text).toContain('FAIL  svc-type — type is "ClusterIP"');
    expect(text).toContain('PASS  svc-port\n');
    expect(text).toContain('1/3 passed, 1 failed, 1 skipped');
  });
});
