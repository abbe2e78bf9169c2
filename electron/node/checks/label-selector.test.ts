import { describe, expect, it } from 'vitest';
import { labelSelectorMatcher } from './label-selector.ts';

describe('label selectors', () => {
  const labels = { app: 'nginx', tier: 'web' };

  it('matches equality, inequality, existence and sets like the API server', () => {
    expect(labelSelectorMatcher('app=nginx')(labels)).toBe(true);
    expect(labelSelectorMatcher('app==nginx,tier=web')(labels)).toBe(true);
    expect(labelSelectorMatcher('app=web')(labels)).toBe(false);
    expect(labelSelectorMatcher('app!=web')(labels)).toBe(true);
    expect(labelSelectorMatcher('tier')(labels)).toBe(true);
    expect(labelSelectorMatcher('!tier')(labels)).toBe(false);
    expect(labelSelectorMatcher('app in (web, nginx),tier notin (db)')(labels)).toBe(true);
    expect(labelSelectorMatcher('app notin (nginx)')(labels)).toBe(false);
    expect(labelSelectorMatcher('missing notin (x)')(labels)).toBe(true);
  });

  it('rejects text that is not a selector', () => {
    expect(() => labelSelectorMatcher('app in nginx')).toThrow(/not a label selector requirement/);
  });
});
