import { describe, expect, it } from 'vitest';
import { labRegexError, labRegexTest } from './lab-regex.ts';

describe('lab regular expressions', () => {
  it('match like JavaScript regexes for the syntax both share', () => {
    expect(labRegexTest('^\\s*(kubectl|k)\\s+get\\s+(pods|po)\\b', '  k get po -o wide')).toBe(true);
    expect(labRegexTest('^\\s*(kubectl|k)\\s+get\\s+(pods|po)\\b', 'kubectl get pods2')).toBe(false);
    expect(labRegexTest('Welcome to nginx', '<h1>Welcome to nginx!</h1>')).toBe(true);
  });

  it('run a catastrophic pattern in linear time instead of blocking the event loop', () => {
    const started = performance.now();
    // A backtracking engine needs about 2^40 steps for this input.
    expect(labRegexTest('^(a+)+$', `${'a'.repeat(40)}!`)).toBe(false);
    expect(labRegexTest('^(a|aa)+$', `${'a'.repeat(5000)}!`)).toBe(false);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('report patterns RE2 cannot run, with what to change', () => {
    expect(labRegexError('nginx\\b(?!-)')).toMatch(/RE2 syntax: no lookahead/);
    expect(labRegexError('(a)\\1')).toBeDefined();
    expect(labRegexError('[unclosed')).toBeDefined();
    expect(labRegexError('^curl\\s')).toBeUndefined();
  });
});
