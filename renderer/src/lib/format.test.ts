import { describe, expect, it } from 'vitest';
import { formatSpent, labList } from './format.ts';

describe('format', () => {
  it('lists labs as a sentence would', () => {
    expect(labList(['1.2'])).toBe('lab 1.2');
    expect(labList(['1.3', '1.5'])).toBe('labs 1.3 and 1.5');
    expect(labList(['1.1', '1.3', '1.5'])).toBe('labs 1.1, 1.3 and 1.5');
  });

  it('says that time was spent, not estimated', () => {
    expect(formatSpent(61_000)).toBe('1 min spent');
    expect(formatSpent(65 * 60_000)).toBe('1 h 05 min spent');
  });
});
